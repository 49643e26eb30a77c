// SPDX-License-Identifier: Apache-2.0
// Decoding of the control messages recvmsg(MSG_ERRQUEUE) returns for a socket with IP_RECVERR /
// IPV6_RECVERR on (probes/tcp/tcp_probe.cpp reads them to tell an ICMP reject from a RST and to
// name the hop that sent it). Apart from the socket so that it can be tested with hand-built
// buffers and fuzzed: the bytes come from the kernel, but what they say (type, code, offender) was
// made by whatever router answered, and a walk that trusted a length field would read past the
// buffer. Every length is checked against the bytes actually there; nothing is read outside
// them, and no alignment of the buffer is assumed.
//
// Threading: pure functions, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/evidence.h"

namespace vpcprobe {

// One error from the queue: what the ICMP (or the local stack) said, and the errno the kernel
// made of it (sock_extended_err.ee_errno).
struct QueuedIcmpError {
    IcmpReport report;  // origin, type, code, offender address text ("" when unknown)
    int error_number = 0;
    // The ports of the TCP header the ICMP quoted (the data recvmsg returns with the error is
    // the offending packet from its transport header on); 0 when fewer than 4 bytes came.
    std::uint16_t quoted_source_port = 0;
    std::uint16_t quoted_destination_port = 0;
};

// The first IP_RECVERR / IPV6_RECVERR control message in `control` (the msg_control bytes,
// msg_controllen of them, as recvmsg filled them), decoded; nullopt when there is none or it is
// too short to hold a sock_extended_err. The walk stops at a header whose cmsg_len is shorter
// than a header or runs past the bytes. The offender (SO_EE_OFFENDER, the sockaddr after the
// sock_extended_err) is named only when its family is AF_INET or AF_INET6 and the bytes hold
// the whole address.
std::optional<QueuedIcmpError> decode_error_queue_control(std::span<const unsigned char> control);

// Fills `error`'s quoted ports from the data part of the same recvmsg (the quoted TCP header,
// network byte order); leaves them 0 when `quoted` is shorter than the two ports.
void decode_quoted_ports(std::span<const unsigned char> quoted, QueuedIcmpError& error);

}  // namespace vpcprobe
