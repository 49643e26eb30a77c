// SPDX-License-Identifier: Apache-2.0
#include "core/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>

namespace vpcprobe {
namespace {

bool zone_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

}  // namespace

bool is_ipv4_literal(std::string_view text) {
    // Parsing alone says it (no canonical text needed): called for every target of a plan.
    if (text.empty() || text.size() > 15 || text.find('\0') != std::string_view::npos) {
        return false;
    }
    char terminated[16] = {};
    text.copy(terminated, text.size());
    in_addr parsed{};
    return inet_pton(AF_INET, terminated, &parsed) == 1;
}

bool is_ipv6_literal(std::string_view text, bool allow_zone) {
    const std::size_t percent = text.find('%');
    if (percent != std::string_view::npos) {
        if (!allow_zone) return false;
        const std::string_view zone = text.substr(percent + 1);
        if (zone.empty() || zone.size() > 64) return false;
        for (char c : zone) {
            if (!zone_char(c)) return false;
        }
        text = text.substr(0, percent);
    }
    return text.size() <= 45 && canonical_address(AF_INET6, text).has_value();  // INET6_ADDRSTRLEN
}

bool is_ip_literal(std::string_view text) {
    return is_ipv4_literal(text) || is_ipv6_literal(text);
}

std::optional<std::string> canonical_address(int family, std::string_view text) {
    // inet_pton reads a terminated string: a NUL inside (a TOML "\u0000") would end the
    // address early and let whatever follows it through.
    if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
    const std::string copy(text);
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(family, copy.c_str(), buffer) != 1) return std::nullopt;
    char out[INET6_ADDRSTRLEN];
    if (inet_ntop(family, buffer, out, sizeof(out)) == nullptr) return std::nullopt;
    return std::string(out);
}

std::optional<std::string> ip_literal(std::string_view host) {
    if (auto v4 = canonical_address(AF_INET, host)) return v4;
    const auto percent = host.find('%');
    auto v6 = canonical_address(AF_INET6, host.substr(0, percent));
    if (!v6) return std::nullopt;
    if (percent != std::string_view::npos) *v6 += host.substr(percent);
    return v6;
}

std::string canonical_ipv6(std::string_view text) {
    if (!is_ipv6_literal(text, true)) return std::string(text);
    const std::size_t percent = text.find('%');
    std::string out = *canonical_address(AF_INET6, text.substr(0, percent));
    if (percent != std::string_view::npos) out += text.substr(percent);
    return out;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value < 1 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::string endpoint_text(std::string_view host, std::uint16_t port) {
    std::string out;
    const bool bracketed = host.find(':') != std::string_view::npos;
    if (bracketed) out += '[';
    out += host;
    if (bracketed) out += ']';
    out += ':';
    out += std::to_string(port);
    return out;
}

}  // namespace vpcprobe
