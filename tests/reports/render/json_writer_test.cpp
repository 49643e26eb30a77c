// SPDX-License-Identifier: Apache-2.0
// JsonWriter: its layout, and its strings and numbers against what Boost.JSON's serializer and
// fmt write for the same values (the JSON report's bytes before the writer replaced them).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/text.h"
#include "reports/render/json_writer.h"

using namespace vpcprobe;

namespace {

std::string written_string(std::string_view text) {
    std::string out;
    JsonWriter w(out);
    w.string(text);
    return out;
}

std::string written_number(double value) {
    std::string out;
    JsonWriter w(out);
    w.number(value);
    return out;
}

// What the DOM renderer wrote for a string: Boost.JSON's serializer over valid_utf8's repair.
std::string boost_string(std::string_view text) {
    return boost::json::serialize(boost::json::value(valid_utf8(text)));
}

}  // namespace

TEST_CASE("json writer: nesting, indent, commas and empty containers") {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.member("a", 1);
    w.key("empty_object");
    w.begin_object();
    w.end_object();
    w.key("empty_array");
    w.begin_array();
    w.end_array();
    w.key("list");
    w.begin_array();
    w.number(std::int64_t{-1});
    w.begin_object();
    w.member("b", nullptr);
    w.member("c", false);
    w.end_object();
    w.begin_array();
    w.end_array();
    w.string("x");
    w.end_array();
    w.member("d", true);
    w.end_object();
    CHECK(out ==
          "{\n"
          "  \"a\": 1,\n"
          "  \"empty_object\": {},\n"
          "  \"empty_array\": [],\n"
          "  \"list\": [\n"
          "    -1,\n"
          "    {\n"
          "      \"b\": null,\n"
          "      \"c\": false\n"
          "    },\n"
          "    [],\n"
          "    \"x\"\n"
          "  ],\n"
          "  \"d\": true\n"
          "}");
    CHECK_NOTHROW(boost::json::parse(out));
}

TEST_CASE("json writer: every single byte escaped as Boost.JSON escapes it") {
    for (int c = 0; c < 256; ++c) {
        std::string text = "a";
        text.push_back(static_cast<char>(c));
        text.push_back('b');
        INFO("byte " << c);
        CHECK(written_string(text) == boost_string(text));
    }
    CHECK(written_string("") == "\"\"");
    CHECK(written_string("\x01") == "\"\\u0001\"");
    CHECK(written_string("\x1f\"\\/") == "\"\\u001f\\\"\\\\/\"");
}

TEST_CASE("json writer: random bytes, broken UTF-8 among them, as the DOM renderer wrote them") {
    std::mt19937 random(15);  // fixed seed: the same strings every run
    std::uniform_int_distribution<int> length(0, 40);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> kind(0, 3);
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        const int n = length(random);
        for (int k = 0; k < n; ++k) {
            // Mostly ASCII, as real text is; now and then any byte.
            text.push_back(
                static_cast<char>(kind(random) == 0 ? byte(random) : 0x20 + byte(random) % 0x60));
        }
        INFO("case " << i);
        REQUIRE(written_string(text) == boost_string(text));
    }
}

TEST_CASE("json writer: integers as Boost.JSON writes them") {
    const std::int64_t signed_values[] = {0,
                                          1,
                                          -1,
                                          42,
                                          std::numeric_limits<std::int64_t>::min(),
                                          std::numeric_limits<std::int64_t>::max()};
    for (const auto value : signed_values) {
        std::string out;
        JsonWriter(out).number(value);
        CHECK(out == boost::json::serialize(boost::json::value(value)));
    }
    std::string out;
    JsonWriter(out).number(std::numeric_limits<std::uint64_t>::max());
    CHECK(out == "18446744073709551615");
    out.clear();
    JsonWriter(out).number(std::int16_t{-32768});
    CHECK(out == "-32768");
}

TEST_CASE("json writer: doubles in fmt's shortest form, non-finite as null") {
    const double values[] = {0.0,
                             -0.0,
                             0.1,
                             2.0,
                             12.3,
                             1234.6,
                             1e15,
                             1e16,
                             1e17,
                             1e-4,
                             1e-5,
                             1e300,
                             5e-324,
                             123456789012.3,
                             0.30000000000000004,
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::lowest()};
    for (const double value : values) {
        INFO(value);
        CHECK(written_number(value) == fmt::format("{}", value));
        CHECK(std::strtod(written_number(value).c_str(), nullptr) == value);
    }
    CHECK(written_number(std::nan("")) == "null");
    CHECK(written_number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(written_number(-std::numeric_limits<double>::infinity()) == "null");
    CHECK(written_number(2.0) == "2");
}
