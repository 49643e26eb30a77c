// SPDX-License-Identifier: Apache-2.0
// What a TCP path trace (TcpEvidence::trace, docs/report.md "Path trace") says about where the
// SYNs to an address die, read once for the cause's summary, the remedies and rule attribution
// so the three say the same thing. Internal to reports/diagnosis.
// Pure functions of their arguments: safe from any thread.
#pragma once

#include <string>

#include "core/evidence.h"

namespace vpcprobe::path {

struct Reading {
    const TraceEvidence* trace = nullptr;  // null when the address was not traced
    const TraceHop* last = nullptr;        // the last hop that answered; null when none did
    // A router on the way answered (time-exceeded or an ICMP error from an address other
    // than the destination's), or the destination itself: the SYN left this host.
    bool left_host = false;
    // Nothing answered at any TTL and the trace ended in silence: the SYN may never have left
    // this host, or the routers on the way do not answer TTL expiry.
    bool silent_from_start = false;
    // The trace's SYNs left from the same port as the failed probe's: the same flow, so a
    // filter on the 5-tuple treated both alike.
    bool own_port = false;
    // The last hop that answered is in the destination's subnet (same /24 for IPv4, /64 for
    // IPv6: a guess, the reports know no prefix lengths).
    bool last_near_destination = false;
};

Reading read(const TcpEvidence& tcp);

// Whether two address literals share a /24 (IPv4) or a /64 (IPv6); false for anything else.
bool same_subnet_guess(const std::string& a, const std::string& b);

// "1 hop away", "3 hops away".
std::string hops_away(int hops);

// What an ICMP error from a router says about the destination: "it has no route to X" for a
// net-unreachable / no-route, "it cannot reach X" otherwise.
std::string unreachable_meaning(const std::string& icmp_name, const std::string& destination);

// The clause a tcp.timeout summary ends with: "no answer past hop 2, 10.50.2.2", "no hop
// answered (TTL 1 to 5 unanswered)", "the trace reached the destination at hop 3 ...".
// "" when the address was not traced.
std::string timeout_clause(const TcpEvidence& tcp);

// The clause for an ICMP reject or unreachable sent by an address other than the destination:
// "rejected by 10.50.1.2, 1 hop away, not by the destination (10.50.3.2)", "10.50.2.2, 2 hops
// away, answered net-unreachable: it has no route to 10.50.3.2". "" when the destination sent
// it (or nobody is named).
std::string router_clause(const TcpEvidence& tcp);

}  // namespace vpcprobe::path
