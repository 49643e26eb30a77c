// SPDX-License-Identifier: Apache-2.0
// Path-MTU black hole retries (docs/report.md, "MTU black holes"): an address whose TCP
// connected but whose TLS handshake or protocol exchange then stalled (tls.timeout,
// protocol.timeout) is tried again with a clamped maximum segment size (TCP_MAXSEG 536, then,
// when that got through, 1200), through the stage that stalled. A path that drops full-size packets
// and filters the ICMP fragmentation-needed / packet-too-big that would tell the sender lets the
// clamped segments through: the retry completes where the first try stalled. The engine makes the
// connections (it holds the address, --bind and the socket budget); this file decides whether
// to retry, which MSS comes next, and what the attempts add up to in MtuEvidence.
//
// Threading: plain values and functions; kernel_path_mtu() opens and closes a UDP socket of its
// own and may be called from any thread.
#pragma once

#include <optional>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "core/evidence.h"

namespace vpcprobe {

// The clamps tried, in order. 536 first, the MSS every IPv4 host must accept (RFC 879): if the
// smallest segments do not get through either, no clamp would, and the stall is not the path's
// MTU (a silent listener, a server that hangs) -- one retry, not two, for the common case.
// When 536 got through, 1200 (which fits every tunnel seen in practice: IPsec, GRE, WireGuard
// and their stacks leave more than 1240 bytes of a 1500-byte MTU) says how large a segment the
// path still carries.
inline constexpr int kMtuRetryMss[] = {536, 1200};

// "tls" when the TLS handshake timed out, "protocol" when the protocol exchange did (after TLS,
// or on a plaintext target); nullopt when the address did not stall after connecting, or when
// --tcp-only asked for no more than TCP.
std::optional<std::string> stalled_stage(const AddressEvidence& address, bool tcp_only);

// The evidence a retry starts from: the stage that stalled and the kernel's path MTU.
MtuEvidence start_mtu_evidence(std::string stalled_stage, int kernel_path_mtu);

// The MSS the next retry clamps to; 0 when the smallest clamp did not complete (no larger one
// would) or every clamp has been tried.
int next_retry_mss(const MtuEvidence& mtu);

// What the retry of `stage` ("tls" or "protocol") with `mss` saw, as an attempt: completed when
// the handshake completed ("tls"; `handshake_completed`) or the protocol check got an answer,
// of whatever kind, before its timeout ("protocol"). `result` is the stage's evidence (its
// cause and detail say why an attempt did not complete).
MssAttempt attempt_outcome(const std::string& stage, int mss, const StageResult& result,
                           bool handshake_completed, double ms);

// An attempt that never reached the stage: its TCP connect failed.
MssAttempt connect_failed(int mss, const TcpEvidence& tcp, double ms);

// The path MTU the kernel holds for `destination` from `source` (IP_MTU / IPV6_MTU on a
// connected UDP socket; connect() on UDP sends nothing). The kernel keeps what ICMP
// fragmentation-needed / packet-too-big taught it per destination, so this is the figure the
// stalled TCP connection had; the TLS probe closes that socket itself, so it is not asked.
// 0 when the kernel does not say.
int kernel_path_mtu(const boost::asio::ip::address& destination,
                    const std::optional<boost::asio::ip::address>& source);

}  // namespace vpcprobe
