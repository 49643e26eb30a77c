// SPDX-License-Identifier: Apache-2.0
// IP addresses and ports as text: what is a literal, the canonical forms, ports.
#include "core/address.h"

#include <sys/socket.h>

#include <catch2/catch.hpp>

using namespace vpcprobe;

TEST_CASE("IP literals") {
    CHECK(is_ipv4_literal("10.20.1.15"));
    CHECK_FALSE(is_ipv4_literal("10.20.1"));
    CHECK_FALSE(is_ipv4_literal("256.1.1.1"));
    CHECK_FALSE(is_ipv4_literal(" 10.0.0.1"));
    CHECK(is_ipv6_literal("::1"));
    CHECK(is_ipv6_literal("2001:db8::1"));
    CHECK_FALSE(is_ipv6_literal("[::1]"));
    CHECK_FALSE(is_ipv6_literal("fe80::1%eth0"));
    CHECK(is_ipv6_literal("fe80::1%eth0", true));
    CHECK_FALSE(is_ipv6_literal("fe80::1%", true));
    CHECK(is_ip_literal("127.0.0.1"));
    CHECK(is_ip_literal("::"));
    CHECK_FALSE(is_ip_literal("localhost"));
    CHECK_FALSE(is_ip_literal(""));
    CHECK(canonical_ipv6("2001:DB8:0:0::1") == "2001:db8::1");
    CHECK(canonical_ipv6("0:0::1%lo") == "::1%lo");
    CHECK(canonical_ipv6("host.example") == "host.example");
}

TEST_CASE("canonical addresses and literals with their zone") {
    CHECK(canonical_address(AF_INET, "10.0.0.5") == "10.0.0.5");
    CHECK(canonical_address(AF_INET6, "FD00:0::01") == "fd00::1");
    CHECK_FALSE(canonical_address(AF_INET, "fd00::1"));
    CHECK_FALSE(canonical_address(AF_INET6, "[fd00::1]"));
    CHECK_FALSE(canonical_address(AF_INET, ""));
    CHECK(ip_literal("10.0.0.5") == "10.0.0.5");
    CHECK(ip_literal("FE80:0::1%eth0") == "fe80::1%eth0");
    CHECK_FALSE(ip_literal("kafka.example.com"));
    CHECK_FALSE(ip_literal("999.1.1.1"));
    // A NUL inside is not the end of the text (found by the dns_inputs fuzz target).
    using namespace std::string_view_literals;
    CHECK_FALSE(is_ipv4_literal("10.0.0.4\0junk"sv));
    CHECK_FALSE(is_ipv6_literal("::1\0junk"sv));
    CHECK_FALSE(ip_literal("10.0.0.4\0"sv));
}

TEST_CASE("ports are 1..65535, digits only") {
    CHECK(parse_port("1") == 1);
    CHECK(parse_port("9092") == 9092);
    CHECK(parse_port("065535") == std::nullopt);  // six characters
    CHECK(parse_port("65535") == 65535);
    for (const char* bad : {"", "0", "65536", "99999", "+80", "-1", "80 ", "8o", "1e3"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_port(bad));
    }
}
