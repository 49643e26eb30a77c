// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules_json.h"

#include <charconv>
#include <system_error>
#include <utility>

#include "core/text.h"

namespace vpcprobe::rules::parsing {

void fail(const std::string& path, const std::string& what) {
    throw ParseFailure{path, what};
}

std::string member_path(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string element_path(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

namespace {

const json::object& object_at(const json::value& value, const std::string& path) {
    if (!value.is_object()) fail(path, "expected an object");
    return value.get_object();
}

const json::array& array_at(const json::value& value, const std::string& path) {
    if (!value.is_array()) fail(path, "expected an array");
    return value.get_array();
}

// The whole of `text` as a decimal integer, nullopt when it is anything else.
std::optional<std::int64_t> digits(std::string_view text) {
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return number;
    return std::nullopt;
}

std::optional<std::int64_t> integer_at(const json::value* value, const std::string& path,
                                       bool digits_allowed) {
    if (value == nullptr) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= 1'000'000'000u) {
        return static_cast<std::int64_t>(value->get_uint64());
    }
    if (digits_allowed && value->is_string()) {
        if (auto number = digits(value->get_string())) return number;
    }
    if (value->is_string()) {
        fail(path, "expected an integer: \"" + std::string(value->get_string()) + "\"");
    }
    fail(path, "expected an integer");
}

}  // namespace

JsonObject::JsonObject(const json::value& value, std::string path)
    : object_(&object_at(value, path)), path_(std::move(path)) {}

const json::value* JsonObject::present(std::string_view key) const {
    const json::value* value = object_->if_contains(key);
    return value == nullptr || value->is_null() ? nullptr : value;
}

std::string JsonObject::string_at(const json::value& value, const std::string& path) {
    if (!value.is_string()) fail(path, "expected a string");
    return std::string(value.get_string());
}

std::string JsonObject::required_string(std::string_view key) const {
    const json::value* value = present(key);
    if (value == nullptr) fail(path_of(key), "missing");
    return string_at(*value, path_of(key));
}

std::string JsonObject::optional_string(std::string_view key) const {
    const json::value* value = present(key);
    return value == nullptr ? std::string() : string_at(*value, path_of(key));
}

std::optional<std::int64_t> JsonObject::optional_integer(std::string_view key) const {
    return integer_at(present(key), path_of(key), false);
}

std::optional<std::int64_t> JsonObject::optional_integer_or_digits(std::string_view key) const {
    return integer_at(present(key), path_of(key), true);
}

std::optional<bool> JsonObject::optional_bool(std::string_view key) const {
    const json::value* value = present(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_bool()) fail(path_of(key), "expected true or false");
    return value->get_bool();
}

std::optional<bool> JsonObject::optional_bool_or_word(std::string_view key) const {
    const json::value* value = present(key);
    if (value == nullptr || value->is_bool()) return optional_bool(key);
    if (!value->is_string()) fail(path_of(key), "expected \"true\" or \"false\"");
    return one_of(std::string(value->get_string()), path_of(key), {"true", "false"}) == "true";
}

const json::array& JsonObject::required_array(std::string_view key) const {
    const json::value* value = object_->if_contains(key);
    if (value == nullptr) fail(path_of(key), "missing");
    return array_at(*value, path_of(key));
}

const json::array* JsonObject::optional_array(std::string_view key) const {
    const json::value* value = present(key);
    return value == nullptr ? nullptr : &array_at(*value, path_of(key));
}

JsonObject JsonObject::required_object(std::string_view key) const {
    const json::value* value = object_->if_contains(key);
    if (value == nullptr) fail(path_of(key), "missing");
    return JsonObject(*value, path_of(key));
}

std::optional<JsonObject> JsonObject::optional_object(std::string_view key) const {
    const json::value* value = present(key);
    if (value == nullptr) return std::nullopt;
    return JsonObject(*value, path_of(key));
}

Cidr cidr_at(const std::string& text, const std::string& path) {
    auto cidr = Cidr::parse(text);
    if (!cidr) fail(path, "not an address or CIDR block: \"" + text + "\"");
    return *cidr;
}

int port_at(std::int64_t value, const std::string& path) {
    if (value < -1 || value > 65535) fail(path, "port out of range: " + std::to_string(value));
    return static_cast<int>(value);
}

PortRange slash_port_range(const std::string& text, const std::string& path, int min_port) {
    PortRange ports;
    if (text == "-1/-1" || (min_port == 0 && text == "0/0")) return ports;
    const auto slash = text.find('/');
    if (slash == std::string::npos) fail(path, "expected \"FROM/TO\": \"" + text + "\"");
    auto port = [&](std::string_view part) {
        int value = 0;
        auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (ec != std::errc() || end != part.data() + part.size() || part.empty() ||
            value < min_port || value > 65535) {
            fail(path, "not a port range: \"" + text + "\"");
        }
        return value;
    };
    ports.from = port(std::string_view(text).substr(0, slash));
    ports.to = port(std::string_view(text).substr(slash + 1));
    if (ports.to < ports.from) fail(path, "not a port range: \"" + text + "\"");
    return ports;
}

std::string one_of(const std::string& text, const std::string& path,
                   std::initializer_list<std::string_view> allowed) {
    const std::string value = lower(text);
    std::string expected;
    std::size_t i = 0;
    for (auto option : allowed) {
        if (value == option) return value;
        expected += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(option);
        ++i;
    }
    fail(path, "expected " + expected + ": \"" + text + "\"");
}

std::vector<std::string> comma_separated(std::string_view text) {
    std::vector<std::string> items;
    while (!text.empty()) {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.emplace_back(item);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return items;
}

void add_interface_address(Interface& interface, const std::string& text, const std::string& path) {
    if (text.empty()) return;
    auto cidr = cidr_at(text, path);
    cidr.prefix = cidr.v6 ? 128 : 32;
    for (const auto& known : interface.addresses) {
        if (known.bytes == cidr.bytes && known.v6 == cidr.v6) return;
    }
    interface.addresses.push_back(std::move(cidr));
}

}  // namespace vpcprobe::rules::parsing
