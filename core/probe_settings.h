// SPDX-License-Identifier: Apache-2.0
// How the probes run: the settings of a check that the probe engine reads (probes/engine/engine.h).
// The settings table (agent/settings) writes them here directly, from the command line, the
// config file or any other source; the engine reads them as they are.
// A plain value: copy freely, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/tls_settings.h"

namespace vpcprobe {

// How a client turns its bootstrap names into connections (Kafka's client.dns.lookup).
enum class DnsLookup {
    use_all_dns_ips,  // every address of the name is tried (the default): every one is probed
    // Each address of a bootstrap name is turned back into its canonical name (PTR, or the
    // address itself when it has none) and the client connects to, and verifies TLS against,
    // that name: the canonical names are probed instead.
    resolve_canonical_bootstrap_servers_only,
};

// When a TCP path trace is made for an address (probes/tcp/tcp_trace.h).
enum class TraceMode {
    automatic,  // "auto": a SYN that went unanswered, or an ICMP error from a router
    always,     // every address
    never,
};

struct ProbeSettings {
    std::vector<std::string> dns_servers;     // "ADDR[:PORT]"; empty = the system's resolvers
    std::vector<std::string> ca_files;        // extra trust anchors (PEM), beside the system's
    std::string hosts_file = "/etc/hosts";    // consulted before DNS, as the C library does
    std::chrono::milliseconds timeout{3000};  // per stage, DNS included
    std::optional<std::chrono::milliseconds> deadline;  // bound on the whole run
    std::optional<std::string> bind;                    // source address (numeric)
    int warn_days = 30;             // cert.expiring_soon when the chain expires sooner
    int concurrency = 64;           // targets in flight at once
    int max_addresses = 16;         // addresses probed per name
    bool tcp_only = false;          // stop after TCP: tls, certificate and protocol are skipped
    bool protocol_checks = true;    // false: stop after the certificate (no Kafka or HTTP)
    bool follow_advertised = true;  // probe the brokers a Kafka bootstrap advertises
    TlsSettings tls;                // trust, client certificate, what is verified
    DnsLookup dns_lookup = DnsLookup::use_all_dns_ips;
    TraceMode trace = TraceMode::automatic;
    int trace_max_hops = 30;  // the highest TTL a trace tries
    friend bool operator==(const ProbeSettings&, const ProbeSettings&) = default;
};

}  // namespace vpcprobe
