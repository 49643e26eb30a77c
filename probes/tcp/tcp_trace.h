// SPDX-License-Identifier: Apache-2.0
// TCP path trace: where the SYNs to an address die (docs/report.md, "Path trace"). SYNs to the
// target's own port with TTL 1, 2, ... (IP_TTL / IPV6_UNICAST_HOPS); a router where the TTL
// runs out answers ICMP time-exceeded, read from the socket's error queue (IP_RECVERR /
// IPV6_RECVERR) with its address and the TCP header it quoted. The destination's SYN-ACK or RST
// ends the trace, as does another ICMP error (a reject, an unreachable: the hop that sent it is
// named) or silence for several TTLs in a row. Ordinary connect() sockets only: no raw socket,
// no capability, so an unprivileged agent traces exactly as root does.
//
// Paris-style: every probe of one trace has the same flow identity (source address and port,
// destination address and port), so a load balancer or ECMP router that hashes the 5-tuple
// sends every TTL down the same path, the one the failed connection took. The kernel allows one
// connecting socket per 4-tuple, so the probes of a trace go one TTL after another, each on a
// new socket bound to the same port the moment the previous one is closed; what keeps the cost
// bounded is the time budget, not parallel sockets: a hop that answers costs its round trip, a
// silent one a wait that shrinks so that the whole trace ends within `budget`.
//
// Threading: call on the io_context's thread; the completion is posted there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "core/evidence.h"
#include "core/probe_settings.h"

namespace vpcprobe {

struct TraceOptions {
    std::chrono::milliseconds budget{3000};  // the whole trace, every hop included
    int max_hops = 30;                       // the highest TTL tried
    // Unanswered TTLs in a row that end the trace ("silence"): past a filter that drops, no
    // later hop answers either; a few in a row tell that from a router that never answers.
    int silent_hops_to_stop = 5;
    std::optional<boost::asio::ip::address> bind;  // the source address (--bind, or the probe's)
    // The port the failed probe left from, so the trace follows its flow; 0 = the kernel's
    // choice for the first TTL, kept for the others.
    std::uint16_t source_port = 0;
};

using TraceDone = std::function<void(TraceEvidence)>;

// One socket open at a time: a trace draws on the same descriptor budget as the probe it
// follows. `done` is always posted, never run inside trace_tcp().
void trace_tcp(boost::asio::io_context& io, const boost::asio::ip::address& address,
               std::uint16_t port, const TraceOptions& options, TraceDone done);

// Whether an address's TCP evidence calls for a trace under `mode`. automatic: a SYN nothing
// answered (tcp.timeout), or one answered by an ICMP error from an address other than the
// destination (a router: the trace says how far away it is). always: every address the tcp
// stage reached the network for. Never for an error of this host's own (no route, a local
// policy, out of descriptors): its packets never left.
bool wants_trace(TraceMode mode, const TcpEvidence& tcp);

// How long one TTL waits for its answer: a multiple of the slowest round trip seen so far
// (the hops further out are further away), at least a floor that covers a router's slow path
// for ICMP, and never more than the budget left divided by the silent TTLs it may still need to
// conclude "silence". Exposed for tests.
std::chrono::milliseconds hop_wait(std::chrono::milliseconds left, double slowest_rtt_ms,
                                   int silent_hops_needed);

}  // namespace vpcprobe
