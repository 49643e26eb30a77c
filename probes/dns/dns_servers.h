// SPDX-License-Identifier: Apache-2.0
// The --dns-server list as c-ares is given it: each value checked and made canonical ("ADDR",
// "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address; port 53 unless one is given), and
// written back as "addr:port" / "[v6]:port", the form c-ares takes and the report shows. We
// check the syntax ourselves because c-ares 1.18 does not: it accepts "1.2.3.4:99999" (the
// port wraps) and "" (keeps the old list).
// Pure functions: safe from any thread.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

struct DnsServer {
    int family = AF_INET;  // AF_INET or AF_INET6
    std::string address;   // canonical text, no brackets
    int port = 53;
};

// One --dns-server value, or an Error saying what the forms are (the caller names the value).
Result<DnsServer> parse_dns_server(std::string_view text);

// "10.0.0.2:53", "[fd00::53]:5300".
std::string format_dns_server(const DnsServer& server);

// Every value of `servers` parsed and formatted, comma-separated, as
// ares_set_servers_ports_csv takes them; "" for an empty list (the system's resolvers). The
// Error names the first value that does not parse: `invalid DNS server "x": expected ...`.
Result<std::string> dns_servers_csv(const std::vector<std::string>& servers);

}  // namespace vpcprobe
