// SPDX-License-Identifier: Apache-2.0
// Probe engine: takes the plan's targets through dns -> tcp -> tls -> certificate -> protocol
// on one io_context, every target in parallel up to a concurrency bound, each stage under its
// own timeout and the whole run under an optional deadline. Returns evidence only; verdicts
// are for reports/.
//
// The protocol stage speaks Kafka to `kafka` targets (probes/kafka/kafka_probe.h) and HTTP to
// the REST components (probes/http/http_probe.h). A Kafka bootstrap's Metadata names the brokers
// clients will really connect to; each becomes a target of its own (origin "advertised"),
// appended to the run and probed like any other, without Metadata of its own
// (probes/engine/advertised_brokers.h). With client.dns.lookup=
// resolve_canonical_bootstrap_servers_only, a bootstrap is not connected to by its name: the
// canonical names of its addresses are, each as a target of origin "canonical"
// (probes/engine/canonical_bootstraps.h). Sockets are bounded by a budget from the descriptor limit
// (probes/engine/engine_budget.h, probes/engine/address_queue.h); a run cut short by its deadline
// marks the stages still waiting with run.deadline (probes/engine/run_progress.h).
//
// Threading: run_probes() blocks the calling thread, which drives the event loop; no other threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/probe_settings.h"
#include "core/result.h"
#include "core/sasl.h"
#include "core/target.h"

namespace vpcprobe {

class TlsContext;  // probes/tls/tls_context.h

// Hands a run the TLS context its probes share, or the Error that keeps it from being built;
// called at most once per run, at the first handshake, on the run's thread.
using TlsContextProvider = std::function<Result<std::shared_ptr<TlsContext>>()>;

struct EngineOptions {
    ProbeSettings settings;               // as the user set them
    std::optional<SaslCredentials> sasl;  // for the Kafka check; never copied into evidence
    // A mechanism the client uses that vpcprobe does not speak: the Kafka check asks whether
    // the broker offers it and stops before logging in (probes/kafka/kafka_probe.h).
    std::string sasl_handshake_only;
    std::size_t max_advertised = 64;  // bound on advertised brokers added to one run
    // Sockets open at once (one per address in flight). 0 = derived from RLIMIT_NOFILE, so
    // that running out of descriptors can never be mistaken for a network failure.
    std::size_t max_sockets = 0;
    // Where the run's TLS context comes from: unset, the run builds its own from `settings`
    // (`check`); `serve` passes one it keeps across runs (probes/tls/kept_tls_context.h).
    TlsContextProvider tls_context;
};

struct EngineRun : RunEvidence {
    // The input's targets in input order, then the canonical names of bootstraps and the
    // advertised brokers in discovery order.
    std::vector<TargetEvidence> targets;
};

// Setup problems (unreadable CA file, bad --dns-server, bad --bind, too few descriptors) are
// not network findings: they are an Error (one line naming the flag or file), exit 3 upstream.
Result<EngineRun> run_probes(const std::vector<Target>& targets, const EngineOptions& options);

}  // namespace vpcprobe
