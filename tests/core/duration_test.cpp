// SPDX-License-Identifier: Apache-2.0
// Durations as users type them: what parse_duration accepts, what it refuses, and that
// format_duration prints what parse_duration reads back.
#include "core/duration.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using vpcprobe::format_duration;
using vpcprobe::parse_duration;

TEST_CASE("parse_duration reads units and bare seconds") {
    CHECK(parse_duration("250ms") == 250ms);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("2s") == 2000ms);
    CHECK(parse_duration("1m") == 60000ms);
    CHECK(parse_duration("1h") == 3600000ms);
    CHECK(parse_duration("3") == 3000ms);
    CHECK(parse_duration("0.5") == 500ms);
    CHECK(parse_duration("1ms") == 1ms);
    CHECK(parse_duration("0.25m") == 15000ms);
    CHECK(parse_duration("007s") == 7000ms);
    CHECK(parse_duration("1.0005s") == 1001ms);  // rounded to the nearest millisecond
    CHECK(parse_duration("1.00049s") == 1000ms);
    CHECK(parse_duration("1.2345678901234s") == 1235ms);  // digits past the ninth are ignored
    CHECK(parse_duration("168h") == std::chrono::milliseconds(vpcprobe::max_duration));
}

TEST_CASE("parse_duration refuses everything else") {
    const char* invalid =
        GENERATE("",                       // empty
                 "0", "0s", "0ms", "0.0",  // zero: meaningless for a timeout
                 "0.0001s", "0.4ms",       // round to zero
                 "-1s", "-0.5", "+3s",     // signs
                 "soon", "3x", "3sec", "3S", "3MS", "1d", "s", "ms",  // units
                 " 3s", "3s ", "3 s", "3s\n", "\t3",                  // whitespace junk
                 "3.", ".5", "1..5s", "1.5.2s", "1e3", "0x10", "3s3", "3,5s", "169h", "604800001ms",
                 "99999999999999999999999s", "18446744073709551617ms");
    CAPTURE(invalid);
    CHECK_FALSE(parse_duration(invalid).has_value());
}

TEST_CASE("format_duration prints the shortest readable form") {
    CHECK(format_duration(3000ms) == "3s");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(1500ms) == "1.5s");
    CHECK(format_duration(1250ms) == "1.25s");
    CHECK(format_duration(1005ms) == "1.005s");
    CHECK(format_duration(60000ms) == "1m");
    CHECK(format_duration(90000ms) == "90s");
    CHECK(format_duration(3600000ms) == "1h");
    CHECK(format_duration(5400000ms) == "90m");
    CHECK(format_duration(1ms) == "1ms");
    CHECK(format_duration(0ms) == "0ms");
    CHECK(format_duration(-5ms) == "-5ms");
}

TEST_CASE("format_duration and parse_duration round-trip") {
    const long long ms = GENERATE(1, 7, 999, 1000, 1001, 1500, 2999, 59999, 60000, 61000, 3599999,
                                  3600000, 86400000, 604800000);
    const std::chrono::milliseconds value(ms);
    CAPTURE(ms, format_duration(value));
    CHECK(parse_duration(format_duration(value)) == value);
}
