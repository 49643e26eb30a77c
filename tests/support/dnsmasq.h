// SPDX-License-Identifier: Apache-2.0
// Test support: real DNS servers on loopback for tests that resolve names.
//  - Dnsmasq: Debian's dnsmasq on 127.0.0.1 at a free port, answering only from the records it
//    is given (no /etc/hosts, no resolv.conf, no upstream unless asked): configured names
//    answer, other names under `local_domains` are NXDOMAIN, everything else is REFUSED.
//  - SilentDnsServer: a UDP port on 127.0.0.1 that takes queries and never answers.
// Both stop (and free the port) in their destructors; dnsmasq is also killed by the kernel if
// the test process dies first (setpriv --pdeathsig, tied to the creating thread: create it on
// a thread that outlives it). Not thread-safe; one owner each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

namespace vpcprobe::test {

struct DnsmasqConfig {
    // Names below these domains that are not configured get NXDOMAIN (dnsmasq --local).
    std::vector<std::string> local_domains{"alikafka.aliyuncs.com"};
    // (name, address) pairs: an A or AAAA record by the address's family. A name may appear
    // several times; the family it has no record in answers NODATA (dnsmasq --host-record).
    std::vector<std::pair<std::string, std::string>> records;
    // Names that exist but have no A or AAAA record: queries for them get NODATA. They carry
    // a TXT record only (dnsmasq --txt-record).
    std::vector<std::string> nodata_names;
    // Anything else, passed to dnsmasq verbatim.
    std::vector<std::string> extra_args;
};

class Dnsmasq {
  public:
    // Starts dnsmasq and waits until it accepts queries. Throws std::runtime_error (with
    // dnsmasq's log) if it cannot be started.
    explicit Dnsmasq(DnsmasqConfig config = {});
    ~Dnsmasq();
    Dnsmasq(const Dnsmasq&) = delete;
    Dnsmasq& operator=(const Dnsmasq&) = delete;

    std::uint16_t port() const { return port_; }
    // "127.0.0.1:PORT", as --dns-server and ResolverOptions::servers take it.
    std::string server() const;
    // What dnsmasq logged so far (every query, with --log-queries), for failure messages.
    std::string log() const;

    // A config for a second dnsmasq whose every answer is SERVFAIL: it validates DNSSEC against
    // the root trust anchor and forwards everything to `upstream`. The upstream's answers are
    // unsigned and its DS answers prove nothing, so validation can never succeed (dnsmasq logs
    // BOGUS or ABANDONED) and dnsmasq answers the client SERVFAIL.
    static DnsmasqConfig servfail_in_front_of(const Dnsmasq& upstream);

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::unique_ptr<Subprocess> process_;
};

// A UDP socket bound on 127.0.0.1 that never reads: queries sent to it get no answer and no
// ICMP error, like a resolver behind a firewall that drops DNS.
class SilentDnsServer {
  public:
    SilentDnsServer();  // throws std::runtime_error if no socket can be bound
    ~SilentDnsServer();
    SilentDnsServer(const SilentDnsServer&) = delete;
    SilentDnsServer& operator=(const SilentDnsServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string server() const;  // "127.0.0.1:PORT"

  private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace vpcprobe::test
