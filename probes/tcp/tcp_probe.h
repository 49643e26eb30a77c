// SPDX-License-Identifier: Apache-2.0
// TCP probe: one non-blocking connect with a deadline, classified the way a network engineer
// would read it (docs/report.md, "How the TCP causes are told apart"): IP_RECVERR / IPV6_RECVERR
// are enabled before connect and the MSG_ERRQUEUE entry (sock_extended_err: origin, type, code,
// offender) tells a RST from an ICMP port-unreachable and an admin-prohibited from a
// host-unreachable. No answer by the deadline is tcp.timeout (silently dropped).
//
// Threading: call on the io_context's thread; the completion is posted there.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/evidence.h"

namespace vpcprobe {

struct TcpProbeOptions {
    std::chrono::milliseconds timeout{3000};
    std::optional<boost::asio::ip::address> bind;  // --bind; must match the family to be used
    // A fixed source port (with SO_REUSEADDR, so a port a closed probe just left can be taken
    // again at once): a path trace keeps one flow identity. 0 = the kernel's choice.
    std::uint16_t source_port = 0;
    // IP_TTL / IPV6_UNICAST_HOPS for the SYN (a path trace); nullopt = the system's default.
    std::optional<int> ttl;
    // TCP_MAXSEG before connect: the MSS this end announces and sends with (a path-MTU
    // black hole test); nullopt = the interface's.
    std::optional<int> max_segment;
    // Whether the caller wants the connected socket (for TLS or a protocol check). A caller
    // that only wants the verdict (--tcp-only) says false: the probe closes the socket itself
    // and skips readying it for a next stage (IP_RECVERR off, blocking mode, TCP_NODELAY).
    bool hand_on = true;
};

// On success the connected socket is handed on (for TLS) when `hand_on` asked for it; otherwise,
// and on failure, it is closed and `done` gets a closed socket.
using TcpDone = std::function<void(TcpEvidence, boost::asio::ip::tcp::socket)>;

void probe_tcp(boost::asio::io_context& io, const boost::asio::ip::address& address,
               std::uint16_t port, const TcpProbeOptions& options, TcpDone done);

}  // namespace vpcprobe
