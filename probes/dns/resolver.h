// SPDX-License-Identifier: Apache-2.0
// Resolver: c-ares driven by the Asio event loop: no thread per query, no select(); the
// channel's sockets are watched with posix::stream_descriptor and its timeouts with one
// steady_timer. Looks up A and AAAA for each name (two ares_query calls, so NXDOMAIN, NODATA,
// SERVFAIL and REFUSED stay distinct), after the hosts file (probes/dns/hosts_file.h); IP
// literals are answered without a query. What the statuses mean is probes/dns/error_map_dns.h;
// answers that mislead (0.0.0.0 from a DNS filter, loopback for another host's name) are judged
// by probes/dns/answer_checks.h before the evidence is handed over. A lookup that times out
// over UDP is asked once more over TCP, to tell "UDP/53 is blocked" from "no resolver at all".
// canonical_name() goes the other way for Kafka's client.dns.lookup=
// resolve_canonical_bootstrap_servers_only: an address to the name the Java client takes for it.
//
// Threading: construct, use and destroy on the io_context's thread; not thread-safe.
// Completions are always posted, never called from inside resolve().
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/evidence.h"
#include "core/result.h"

namespace vpcprobe {

struct ResolverOptions {
    // "ADDR", "ADDR:PORT", "[V6]:PORT"; empty = the system's resolvers (/etc/resolv.conf).
    std::vector<std::string> servers;
    // Bound on one resolve() call, both families included; the stage fails with dns.timeout.
    // A lookup that got no answer at all over UDP is asked once more over TCP within the same
    // bound (DnsEvidence::tcp_fallback), so a resolve() takes at most twice this.
    std::chrono::milliseconds timeout{3000};
    // Consulted before DNS, as the C library does ("" = none). Read once, at create().
    std::string hosts_file = "/etc/hosts";
};

class Resolver {
  public:
    using Done = std::function<void(DnsEvidence)>;

    // A resolver ready for resolve(), or why not: a bad server list, an unreadable hosts file,
    // c-ares failing to start.
    static Result<std::unique_ptr<Resolver>> create(boost::asio::io_context& io,
                                                    ResolverOptions options);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // The resolvers actually in use, as "addr:port" ("[v6]:port"), for the report's agent block.
    std::vector<std::string> servers() const;

    void resolve(const std::string& host, Done done);

    using CanonicalDone = std::function<void(CanonicalName)>;

    // The canonical name of `address` as Java's InetAddress.getCanonicalHostName finds it: the
    // first name the hosts file gives the address, else its PTR record (through the same
    // servers as resolve()); then that name is resolved as resolve() does, and kept only when
    // the address is among its answers (Java's check against spoofed PTR records). Otherwise
    // there is none and the client uses the address text. Both lookups together are bounded
    // by the timeout.
    void canonical_name(const std::string& address, CanonicalDone done);

  private:
    struct Impl;
    explicit Resolver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace vpcprobe
