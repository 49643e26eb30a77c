// SPDX-License-Identifier: Apache-2.0
#include "probes/dns/address_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace vpcprobe {

std::optional<std::string> canonical_address(int family, std::string_view text) {
    const std::string copy(text);  // inet_pton needs a terminated string
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

}  // namespace vpcprobe
