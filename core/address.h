// SPDX-License-Identifier: Apache-2.0
// IP addresses and ports as text, read one way everywhere: the settings judging what a user
// typed (--bind, --dns-server, targets), the resolver comparing hosts-file entries and names
// that are already addresses, the TLS probe deciding whether to verify a name or an address.
// Canonical forms are inet_ntop's ("fd00::1", never "fd00:0::01").
// Pure functions: safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vpcprobe {

bool is_ipv4_literal(std::string_view text);
// A plain IPv6 address, no brackets; a zone ("fe80::1%eth0") is accepted when allow_zone.
bool is_ipv6_literal(std::string_view text, bool allow_zone = false);
// IPv4, or IPv6 without a zone.
bool is_ip_literal(std::string_view text);

// `text` in canonical form when it is an address of `family` (AF_INET or AF_INET6), else
// nullopt. No brackets, no zone.
std::optional<std::string> canonical_address(int family, std::string_view text);

// An IPv4 or IPv6 literal (a scoped "fe80::1%eth0" too, the zone kept), in canonical form;
// nullopt for a name that needs resolving.
std::optional<std::string> ip_literal(std::string_view host);

// The canonical text of an IPv6 literal ("2001:DB8:0::1" -> "2001:db8::1"), zone kept as
// given; the input unchanged when it is not one.
std::string canonical_ipv6(std::string_view text);

// "host:port", an IPv6 address in brackets ("[fd00::5]:9095"): how every endpoint is written.
std::string endpoint_text(std::string_view host, std::uint16_t port);

// A port in 1..65535, digits only.
std::optional<std::uint16_t> parse_port(std::string_view text);

}  // namespace vpcprobe
