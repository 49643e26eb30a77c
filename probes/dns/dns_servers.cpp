// SPDX-License-Identifier: Apache-2.0
#include "probes/dns/dns_servers.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "core/address.h"

namespace vpcprobe {

namespace {

Error bad_server() {
    return Error(
        "expected ADDR, ADDR:PORT or [IPV6]:PORT with an IP address and a port from 1 to 65535");
}

// "[V6]" or "[V6]:PORT".
Result<DnsServer> parse_bracketed(std::string_view text) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return bad_server();
    auto address = canonical_address(AF_INET6, text.substr(1, close - 1));
    if (!address) return bad_server();
    DnsServer server{AF_INET6, std::move(*address), 53};
    const auto rest = text.substr(close + 1);
    if (rest.empty()) return server;
    if (rest.front() != ':') return bad_server();
    auto port = parse_port(rest.substr(1));
    if (!port) return bad_server();
    server.port = *port;
    return server;
}

// "ADDR" or "ADDR:PORT" with an IPv4 address.
Result<DnsServer> parse_ipv4(std::string_view text) {
    const auto colon = text.find(':');
    auto address = canonical_address(AF_INET, text.substr(0, colon));
    if (!address) return bad_server();
    DnsServer server{AF_INET, std::move(*address), 53};
    if (colon == std::string_view::npos) return server;
    auto port = parse_port(text.substr(colon + 1));
    if (!port) return bad_server();
    server.port = *port;
    return server;
}

}  // namespace

Result<DnsServer> parse_dns_server(std::string_view text) {
    // A comma would split the value in two in the list c-ares is given.
    if (text.find(',') != std::string_view::npos) return bad_server();
    if (!text.empty() && text.front() == '[') return parse_bracketed(text);
    if (std::count(text.begin(), text.end(), ':') > 1) {  // a bare IPv6 address, default port
        auto address = canonical_address(AF_INET6, text);
        if (!address) return bad_server();
        return DnsServer{AF_INET6, std::move(*address), 53};
    }
    return parse_ipv4(text);
}

std::string format_dns_server(const DnsServer& server) {
    return endpoint_text(server.address, static_cast<std::uint16_t>(server.port));  // 1..65535
}

Result<std::string> dns_servers_csv(const std::vector<std::string>& servers) {
    std::string csv;
    for (const auto& text : servers) {
        auto server = parse_dns_server(text);
        if (!server)
            return std::move(server).error().context(
                fmt::format("invalid DNS server \"{}\"", text));
        if (!csv.empty()) csv += ',';
        csv += format_dns_server(*server);
    }
    return csv;
}

}  // namespace vpcprobe
