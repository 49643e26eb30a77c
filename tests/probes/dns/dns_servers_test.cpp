// SPDX-License-Identifier: Apache-2.0
// The --dns-server list as c-ares is given it (probes/dns/dns_servers.h): every accepted form,
// the canonical text it is written back as, and the values refused before c-ares sees them.
#include "probes/dns/dns_servers.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using vpcprobe::dns_servers_csv;
using vpcprobe::DnsServer;
using vpcprobe::format_dns_server;
using vpcprobe::parse_dns_server;

TEST_CASE("every server form parses to a canonical address and a port", "[dns_servers]") {
    struct Case {
        std::string text;
        int family;
        std::string address;
        int port;
    };
    for (const Case& c : std::vector<Case>{
             {"10.0.0.2", AF_INET, "10.0.0.2", 53},
             {"10.0.0.2:5353", AF_INET, "10.0.0.2", 5353},
             {"10.0.0.2:65535", AF_INET, "10.0.0.2", 65535},
             {"::1", AF_INET6, "::1", 53},
             {"fd00:0:0::53", AF_INET6, "fd00::53", 53},
             {"[::1]", AF_INET6, "::1", 53},
             {"[fd00::53]:5300", AF_INET6, "fd00::53", 5300},
         }) {
        INFO(c.text);
        const auto server = parse_dns_server(c.text);
        REQUIRE(server.ok());
        CHECK(server->family == c.family);
        CHECK(server->address == c.address);
        CHECK(server->port == c.port);
    }
}

TEST_CASE("malformed servers are refused with the forms that are accepted", "[dns_servers]") {
    for (const std::string bad :
         {"1.2.3.4:99999", "1.2.3.4:0", "resolver.example.com", "[::1", "[::1]:x", "1.2.3.4:", "",
          "1.2.3.4,5.6.7.8", "[1.2.3.4]:53", "300.1.1.1", "[::1]53", "1.2.3.4:+53", " 1.2.3.4"}) {
        INFO("server \"" << bad << "\"");
        const auto server = parse_dns_server(bad);
        REQUIRE_FALSE(server.ok());
        CHECK(server.error().message() ==
              "expected ADDR, ADDR:PORT or [IPV6]:PORT with an IP address and a port from 1 to "
              "65535");
    }
}

TEST_CASE("servers are written as addr:port, IPv6 in brackets", "[dns_servers]") {
    CHECK(format_dns_server(DnsServer{AF_INET, "10.0.0.2", 53}) == "10.0.0.2:53");
    CHECK(format_dns_server(DnsServer{AF_INET6, "fd00::53", 5300}) == "[fd00::53]:5300");
}

TEST_CASE("the server list becomes the comma-separated list c-ares takes", "[dns_servers]") {
    const auto csv = dns_servers_csv({"127.0.0.1:5353", "::1", "[::1]:5300", "127.0.0.2"});
    REQUIRE(csv.ok());
    CHECK(*csv == "127.0.0.1:5353,[::1]:53,[::1]:5300,127.0.0.2:53");

    const auto none = dns_servers_csv({});
    REQUIRE(none.ok());
    CHECK(none->empty());  // the system's resolvers
}

TEST_CASE("a bad server in the list is named in the error", "[dns_servers]") {
    const auto csv = dns_servers_csv({"127.0.0.1", "1.2.3.4:99999", "also bad"});
    REQUIRE_FALSE(csv.ok());
    CHECK(csv.error().message() ==
          "invalid DNS server \"1.2.3.4:99999\": expected ADDR, ADDR:PORT or [IPV6]:PORT with an "
          "IP address and a port from 1 to 65535");
}
