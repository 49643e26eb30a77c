// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: what the resolver is given from outside, a hosts file (--hosts-file,
// probes/dns/hosts_file.h) and --dns-server values, as the settings check them
// (agent/settings/validate.h check_dns_server) and the resolver reads them for c-ares
// (probes/dns/dns_servers.h). Byte 0 picks which: even = a hosts file, odd = a server.
// Aborts if a lookup answers an address that is not in canonical form or gives IPv6 before
// IPv4; if a server the settings accept is one the resolver cannot read (the two would then
// disagree between "valid here" and "loads there"); or if a server written back for c-ares does
// not read back the same.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/settings/validate.h"
#include "core/address.h"
#include "probes/dns/dns_servers.h"
#include "probes/dns/hosts_file.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void check_hosts_file(std::string_view text) {
    const vpcprobe::HostsFile hosts = vpcprobe::HostsFile::parse(text, "fuzz");
    // Every token of the text is asked for: names that are listed, and everything else.
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t start = text.find_first_not_of(" \t\r\n", at);
        if (start == std::string_view::npos) break;
        const std::size_t end = std::min(text.find_first_of(" \t\r\n", start), text.size());
        bool seen_v6 = false;
        for (const std::string& address : hosts.lookup(text.substr(start, end - start))) {
            require(vpcprobe::ip_literal(address) == address);
            const bool v6 = address.find(':') != std::string::npos;
            require(v6 || !seen_v6);
            seen_v6 = seen_v6 || v6;
        }
        at = end;
    }
}

void check_dns_server(std::string_view text) {
    const bool accepted = vpcprobe::check_dns_server(text).ok();
    const auto server = vpcprobe::parse_dns_server(text);
    if (accepted) require(server.ok());
    if (!server) return;
    const std::string written = vpcprobe::format_dns_server(*server);
    const auto again = vpcprobe::parse_dns_server(written);
    require(again.ok() && again->address == server->address && again->port == server->port &&
            again->family == server->family);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    if ((data[0] & 1) == 0) {
        check_hosts_file(text);
    } else {
        check_dns_server(text);
    }
    return 0;
}
