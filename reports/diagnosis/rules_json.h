// SPDX-License-Identifier: Apache-2.0
// The JSON readers every rules export parser (rules_aws.cpp, rules_alibaba.cpp, ...) reads
// its file with. Each reader knows where it is in the document, so a wrong value becomes a
// one-line error naming the JSON path: "expected an integer (at
// SecurityGroups[2].IpPermissions[1].FromPort)" (docs/rules.md, "Exports it reads").
//
// A reader that meets a wrong value throws ParseFailure. Only the parsers of rules_formats.h
// call these readers, and only parse_rules() (rules.cpp) calls the parsers: it catches the
// ParseFailure and returns it as an Error, so the exception never leaves the rules parser.
// Absent and null members are the same thing everywhere: the exports write both.
//
// Plain values and pure functions: safe from any thread.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/diagnosis/rules.h"

namespace vpcprobe::rules::parsing {

namespace json = boost::json;

// A wrong value at `path`; `what` says what is wrong with it ("expected an array", "missing").
// Not a std::exception, so nothing but parse_rules() catches it by accident.
struct ParseFailure {
    std::string path;
    std::string what;
};

[[noreturn]] void fail(const std::string& path, const std::string& what);

// JSON paths as the errors print them: member_path("SecurityGroups[2]", "GroupId") is
// "SecurityGroups[2].GroupId", member_path("", "NetworkAcls") is "NetworkAcls", and
// element_path("NetworkAcls", 3) is "NetworkAcls[3]".
std::string member_path(const std::string& path, std::string_view key);
std::string element_path(const std::string& path, std::size_t index);

// A JSON object and its path in the document, to read its members by key.
class JsonObject {
  public:
    // `value` as an object at `path`; fails with "expected an object" when it is not one.
    JsonObject(const json::value& value, std::string path);

    const std::string& path() const { return path_; }
    std::string path_of(std::string_view key) const { return member_path(path_, key); }

    // A string member: required fails with "missing" when absent, optional gives "".
    std::string required_string(std::string_view key) const;
    std::string optional_string(std::string_view key) const;
    // An integer member; a double or anything else fails with "expected an integer".
    std::optional<std::int64_t> optional_integer(std::string_view key) const;
    // The same, and a string of decimal digits counts too: Alibaba writes some numbers as
    // strings ("Priority": "1").
    std::optional<std::int64_t> optional_integer_or_digits(std::string_view key) const;
    std::optional<bool> optional_bool(std::string_view key) const;
    // The same, and the strings "true" / "false" (any case) count too: Alibaba Cloud Firewall
    // writes Release that way.
    std::optional<bool> optional_bool_or_word(std::string_view key) const;

    // An array member: required fails with "missing" when absent (a null is "expected an
    // array"), optional gives nullptr when absent or null.
    const json::array& required_array(std::string_view key) const;
    const json::array* optional_array(std::string_view key) const;

    // An object member: required fails with "missing" when absent (a null is "expected an
    // object"), optional gives nullopt when absent or null.
    JsonObject required_object(std::string_view key) const;
    std::optional<JsonObject> optional_object(std::string_view key) const;

    // Calls visit(JsonObject) for each element of the array member `key` in order (none when
    // absent or null); an element that is not an object fails when it is reached, so the
    // first error in document order is the one reported.
    template <typename Visit>
    void for_each_object(std::string_view key, Visit&& visit) const {
        if (const json::array* array = optional_array(key)) {
            const std::string array_path = path_of(key);
            for (std::size_t i = 0; i < array->size(); ++i) {
                visit(JsonObject((*array)[i], element_path(array_path, i)));
            }
        }
    }
    // The same over an array of strings: visit(std::string) for each.
    template <typename Visit>
    void for_each_string(std::string_view key, Visit&& visit) const {
        if (const json::array* array = optional_array(key)) {
            const std::string array_path = path_of(key);
            for (std::size_t i = 0; i < array->size(); ++i) {
                visit(string_at((*array)[i], element_path(array_path, i)));
            }
        }
    }

  private:
    // The member, or nullptr when absent or null.
    const json::value* present(std::string_view key) const;
    static std::string string_at(const json::value& value, const std::string& path);

    const json::object* object_;
    std::string path_;
};

// Calls visit(JsonObject) for each element of `array` (found at `array_path`), in order.
template <typename Visit>
void for_each_object(const json::array& array, const std::string& array_path, Visit&& visit) {
    for (std::size_t i = 0; i < array.size(); ++i) {
        visit(JsonObject(array[i], element_path(array_path, i)));
    }
}

// `text` at `path` as an address or network; fails with "not an address or CIDR block".
Cidr cidr_at(const std::string& text, const std::string& path);

// `value` at `path` as a port, -1 (the exports' "any") included; fails when out of range.
int port_at(std::int64_t value, const std::string& path);

// `text` at `path` as Alibaba writes port ranges, "FROM/TO" (each min_port..65535, FROM <= TO);
// "-1/-1", and "0/0" when min_port is 0, is every port. Anything else ("80-90", "9092") fails
// naming the value.
PortRange slash_port_range(const std::string& text, const std::string& path, int min_port);

// `text` at `path` as one of `allowed` (lower case; compared in any case), lower-cased; else
// fails with "expected A, B or C: \"value\"".
std::string one_of(const std::string& text, const std::string& path,
                   std::initializer_list<std::string_view> allowed);

// "a, b,c" as {"a", "b", "c"}: the items between commas, spaces around them dropped, empty
// items left out (SnatIp pools, Cloud Firewall lists written as one string).
std::vector<std::string> comma_separated(std::string_view text);

// Adds `text` (read at `path`; "" adds nothing) to the interface's addresses as a host
// network, unless the interface already has it: the exports list the primary address twice.
void add_interface_address(Interface& interface, const std::string& text, const std::string& path);

}  // namespace vpcprobe::rules::parsing
