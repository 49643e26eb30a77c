// Probe engine: takes the plan's targets through dns -> tcp -> tls -> certificate on one
// io_context, every target in parallel up to a concurrency bound, each stage under its own
// timeout and the whole run under an optional deadline. Returns evidence only; verdicts are
// for reports/.
//
// Threading: run() blocks the calling thread, which drives the event loop; no other threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "probes/evidence.h"
#include "probes/target.h"

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
    // Sockets open at once (one per address in flight). 0 = derived from RLIMIT_NOFILE, so
    // that running out of descriptors can never be mistaken for a network failure.
    std::size_t max_sockets = 0;
};

struct EngineRun {
    std::vector<TargetEvidence> targets;        // same order as the input
    std::vector<std::string> resolvers;         // resolvers in use
    std::vector<std::string> source_addresses;  // distinct local addresses seen on TCP probes
    SystemTime started_at{};
    double duration_ms = 0;
};

// Setup problems (unreadable CA file, bad --dns-server, bad --bind) are not network findings:
// they are reported through `error` (one line naming the flag or file) and exit 3 upstream.
std::optional<EngineRun> run_probes(const std::vector<Target>& targets,
                                    const EngineOptions& options, std::string& error);

}  // namespace vpcprobe
