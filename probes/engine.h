// SPDX-License-Identifier: Apache-2.0
// Probe engine: takes the plan's targets through dns -> tcp -> tls -> certificate -> protocol
// on one io_context, every target in parallel up to a concurrency bound, each stage under its
// own timeout and the whole run under an optional deadline. Returns evidence only; verdicts
// are for reports/.
//
// The protocol stage speaks Kafka to `kafka` targets (probes/kafka_probe.h) and HTTP to the
// REST components (probes/http_probe.h). A Kafka bootstrap's Metadata names the brokers
// clients will really connect to; each becomes a target of its own (origin "advertised"),
// appended to the run and probed like any other, without Metadata of its own.
//
// Threading: run() blocks the calling thread, which drives the event loop; no other threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/sasl.h"
#include "core/target.h"

namespace vpcprobe {

struct EngineOptions {
    std::vector<std::string> dns_servers;  // empty = system resolvers
    std::vector<std::string> ca_files;
    std::chrono::milliseconds timeout{3000};
    std::optional<std::chrono::milliseconds> deadline;
    std::optional<std::string> bind;
    int warn_days = 30;
    int concurrency = 64;
    int max_addresses = 16;
    bool tcp_only = false;  // stop after TCP: tls, certificate and protocol are skipped
    std::optional<SaslCredentials> sasl;  // for the Kafka check; never copied into evidence
    bool protocol_checks = true;          // false: stop after the certificate (--no-protocol)
    bool follow_advertised = true;        // probe the brokers a bootstrap advertises
    std::size_t max_advertised = 64;      // bound on advertised brokers added to one run
    // Sockets open at once (one per address in flight). 0 = derived from RLIMIT_NOFILE, so
    // that running out of descriptors can never be mistaken for a network failure.
    std::size_t max_sockets = 0;
};

struct EngineRun {
    // The input's targets in input order, then the advertised brokers in discovery order.
    std::vector<TargetEvidence> targets;
    std::size_t advertised_not_probed = 0;      // advertised brokers beyond max_advertised
    std::vector<std::string> resolvers;         // resolvers in use
    std::vector<std::string> source_addresses;  // distinct local addresses seen on TCP probes
    SystemTime started_at{};
    double duration_ms = 0;
    // How much ran at once: the bounds in force and the most seen, so a report can say when
    // the descriptor limit, not --concurrency, set the pace (docs/report.md, agent.concurrency).
    std::size_t concurrency = 0;        // targets in flight at most (--concurrency)
    std::size_t socket_budget = 0;      // sockets open at most (max_sockets or from the limit)
    std::size_t descriptor_limit = 0;   // soft RLIMIT_NOFILE during the run; 0 = unlimited
    std::size_t peak_targets = 0;       // most targets in flight at once
    std::size_t peak_sockets = 0;       // most addresses holding a socket at once
    std::size_t queued_for_socket = 0;  // addresses that waited because the budget was in use
};

// Setup problems (unreadable CA file, bad --dns-server, bad --bind) are not network findings:
// they are reported through `error` (one line naming the flag or file) and exit 3 upstream.
std::optional<EngineRun> run_probes(const std::vector<Target>& targets,
                                    const EngineOptions& options, std::string& error);

}  // namespace vpcprobe
