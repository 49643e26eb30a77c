// SPDX-License-Identifier: Apache-2.0
// The one place the errno of a failed connect and the ICMP error the kernel queued beside it
// are interpreted: what they mean as a tcp.* cause, and how they read in the stage's detail.
// The raw errno and ICMP report stay in TcpEvidence beside the cause.
// Pure functions: safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/cause.h"
#include "core/evidence.h"

namespace vpcprobe {

// errno of a failed non-blocking connect (SO_ERROR), refined by the ICMP error the kernel
// queued on the socket when there was one: ECONNREFUSED is a RST *or* ICMP port-unreachable;
// EHOSTUNREACH covers both host-unreachable and admin-prohibited.
Cause cause_from_connect(int error_number, const std::optional<IcmpReport>& icmp);

// One sentence for people on a failed connect, naming who answered when the evidence says:
// `evidence` carries the cause, errno, ICMP report and address; `endpoint` is "addr:port" as
// the detail names it; `timeout` is the stage's bound (for tcp.timeout).
std::string connect_failure_detail(const TcpEvidence& evidence, const std::string& endpoint,
                                   std::chrono::milliseconds timeout);

// The name network engineers and nft use for an ICMP error ("admin-prohibited",
// "time-exceeded", "net-unreachable"); "type T code C" when it has none.
std::string icmp_name(const IcmpReport& icmp);

// True when the report is an ICMP or ICMPv6 error a node on the network sent (not one the
// local stack made up).
bool sent_by_network(const IcmpReport& icmp);

// True for an ICMP time-exceeded (IPv4 type 11, ICMPv6 type 3): a router on the way.
bool is_time_exceeded(const IcmpReport& icmp);

// What a failed bind(--bind) adds to the system's message: " (not an address of this host)"
// for EADDRNOTAVAIL, else "".
std::string_view bind_failure_hint(int error_number);

}  // namespace vpcprobe
