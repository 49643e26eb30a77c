// SPDX-License-Identifier: Apache-2.0
// Helpers every renderer shares, so all formats say the same thing the same way.
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/report.h"

namespace vpcprobe {

// Milliseconds as the reports give them: rounded to 0.1 ms.
double round_ms(double ms);
// A round trip to a hop, kept to the microsecond (hops on one network are often under 0.1 ms).
double round_rtt_ms(double ms);

// "1 target", "2 targets", "1 address", "3 addresses": a count with its noun agreeing.
std::string counted(std::size_t n, std::string_view one, std::string_view many);

// What a certificate cell of a table says after its mark: days left when the chain is fine or
// only about to expire ("364d"), else the failure in words ("incomplete chain", "untrusted"),
// so days left never read as the reason a chain failed.
std::string certificate_fact(const CertificateEvidence& certificate);

// The cause's explanation (explain()) unless `summary` already says it, whole or its last
// clause: each sentence once.
std::string explanation_beside(Cause cause, const std::string& summary);

// One sentence on how much ran at once, for the text and Markdown headers: "at most 64 targets
// and 960 sockets at once (descriptor limit 1024); the most in flight: 64 targets, 70 sockets".
// Empty when the report does not know (agent.socket_budget 0).
std::string describe_concurrency(const AgentInfo& agent);

// For a bootstrap whose client connects to the canonical names of its addresses
// (client.dns.lookup=resolve_canonical_bootstrap_servers_only, docs/report.md): one entry per
// address, in DNS order, with the target of the report probed for the host the client connects
// to (null when the report has none, as after --deadline).
struct CanonicalRoute {
    const CanonicalName* name = nullptr;
    const TargetReport* target = nullptr;
};
std::vector<CanonicalRoute> canonical_routes(const TargetReport& bootstrap,
                                             const std::vector<TargetReport>& targets);

// The one sentence every format opens that list with: "the client
// (client.dns.lookup=resolve_canonical_bootstrap_servers_only) connects to the canonical names
// of the addresses of boot.example:9093, not to boot.example".
std::string describe_canonical_lookup(const Target& bootstrap);

}  // namespace vpcprobe
