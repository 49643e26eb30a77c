// SPDX-License-Identifier: Apache-2.0
// A TCP path trace (TraceEvidence, docs/report.md "Path trace") in the few words every human
// format prints under a traced address: where the packets die, and the hops in one line.
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/evidence.h"

namespace vpcprobe {

// Whether a human report prints the path of this address beside its target's cause: it was
// traced and its connection failed (a trace of a healthy address, under --trace always, stays
// in the JSON and the raw evidence).
bool shows_path(const AddressEvidence& address);

// Where the SYNs die: "no answer past hop 2, 10.50.2.2 (TTL 3-7 silent)", "no hop answered
// (TTL 1-5 silent)", "rejected by 10.50.1.2 at hop 2", "10.50.2.2 answered net-unreachable at
// hop 2", "reached at hop 3", "routers answered up to TTL 30; the destination never did".
std::string path_verdict(const TraceEvidence& trace, const std::string& destination);

// The hops in one line, a run of silent TTLs collapsed: "1 10.50.1.2 0.4 ms · 2 10.50.2.2
// 0.7 ms · 3-7 *"; a reply other than time-exceeded is named ("3 10.50.3.2 1.1 ms syn-ack").
std::string compact_hops(const TraceEvidence& trace);

// A hop's round trip as the reports print it: "0.4 ms", "0.052 ms" (to the microsecond).
std::string rtt_text(double ms);

// "TTL 3", "TTL 3-7": the TTLs of a run of hops.
std::string ttl_span(int first, int last);

// One row of the hop list: a hop that answered, or a run of silent TTLs (`last_ttl` the run's
// end; `hop` the run's first).
struct HopRun {
    const TraceHop* hop = nullptr;
    int last_ttl = 0;
};
std::vector<HopRun> hop_runs(const TraceEvidence& trace);

}  // namespace vpcprobe
