// SPDX-License-Identifier: Apache-2.0
// The JSON readers the rules parsers share (reports/diagnosis/rules_json.h): the paths their
// failures name, absent and null members alike, and numbers written as strings.
#include "reports/diagnosis/rules_json.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace vpcprobe::rules;
using namespace vpcprobe::rules::parsing;

namespace {

json::value parsed(std::string_view text) {
    return json::parse(text);
}

// What a reader failed with, as "what (at path)"; "" when it did not fail.
template <typename Read>
std::string failure_of(Read&& read) {
    try {
        read();
    } catch (const ParseFailure& failure) {
        return failure.what + " (at " + failure.path + ")";
    }
    return "";
}

}  // namespace

TEST_CASE("rules_json: paths are written as the errors print them") {
    CHECK(member_path("", "SecurityGroups") == "SecurityGroups");
    CHECK(member_path("SecurityGroups[2]", "IpPermissions") == "SecurityGroups[2].IpPermissions");
    CHECK(element_path("SecurityGroups", 2) == "SecurityGroups[2]");
}

TEST_CASE("rules_json: absent and null members are the same, wrong types name the path") {
    const auto root_value = parsed(R"({"a": null, "s": "x", "n": 7, "d": "12", "b": true,
                                        "list": [{"k": 1}, 5], "names": ["x", 3]})");
    const JsonObject root(root_value, "Top[1]");
    CHECK(root.optional_string("a").empty());
    CHECK(root.optional_string("absent").empty());
    CHECK(root.required_string("s") == "x");
    CHECK(failure_of([&] { root.required_string("a"); }) == "missing (at Top[1].a)");
    CHECK(failure_of([&] { root.optional_string("n"); }) == "expected a string (at Top[1].n)");
    CHECK(root.optional_integer("n") == 7);
    CHECK_FALSE(root.optional_integer("a"));
    CHECK(failure_of([&] { root.optional_integer("d"); }) ==
          "expected an integer: \"12\" (at Top[1].d)");
    CHECK(root.optional_integer_or_digits("d") == 12);
    CHECK(root.optional_bool("b") == true);
    CHECK(failure_of([&] { root.optional_bool("s"); }) == "expected true or false (at Top[1].s)");
    CHECK(root.optional_array("a") == nullptr);
    CHECK(failure_of([&] { root.required_array("a"); }) == "expected an array (at Top[1].a)");
    CHECK(failure_of([&] { root.required_object("absent"); }) == "missing (at Top[1].absent)");
    CHECK_FALSE(root.optional_object("a"));

    std::vector<std::int64_t> seen;
    CHECK(failure_of([&] {
              root.for_each_object("list", [&](const JsonObject& element) {
                  seen.push_back(*element.optional_integer("k"));
              });
          }) == "expected an object (at Top[1].list[1])");
    CHECK(seen == std::vector<std::int64_t>{1});  // visited in order, up to the bad element
    std::vector<std::string> names;
    CHECK(failure_of([&] {
              root.for_each_string("names", [&](std::string name) { names.push_back(name); });
          }) == "expected a string (at Top[1].names[1])");
    CHECK(names == std::vector<std::string>{"x"});
}

TEST_CASE("rules_json: addresses and ports") {
    CHECK(cidr_at("10.0.0.0/8", "p").prefix == 8);
    CHECK(failure_of([] { cidr_at("10.0.0.0/40", "p"); }) ==
          "not an address or CIDR block: \"10.0.0.0/40\" (at p)");
    CHECK(port_at(-1, "p") == -1);
    CHECK(failure_of([] { port_at(65536, "p"); }) == "port out of range: 65536 (at p)");

    Interface interface;
    add_interface_address(interface, "10.0.0.5", "p");
    add_interface_address(interface, "10.0.0.5/24", "p");  // the same host: kept once
    add_interface_address(interface, "", "p");
    REQUIRE(interface.addresses.size() == 1);
    CHECK(interface.addresses[0].prefix == 32);
}
