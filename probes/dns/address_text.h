// SPDX-License-Identifier: Apache-2.0
// IP addresses as text, the way the resolver compares and reports them: the canonical form
// inet_ntop gives ("fd00::1", never "fd00:0::01"), for hosts-file entries, --dns-server values
// and names that are already addresses.
// Pure functions: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vpcprobe {

// `text` in canonical form when it is an address of `family` (AF_INET or AF_INET6), else
// nullopt. No brackets, no zone.
std::optional<std::string> canonical_address(int family, std::string_view text);

// An IPv4 or IPv6 literal (a scoped "fe80::1%eth0" too, the zone kept), in canonical form;
// nullopt for a name that needs resolving.
std::optional<std::string> ip_literal(std::string_view host);

}  // namespace vpcprobe
