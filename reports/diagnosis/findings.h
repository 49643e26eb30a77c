// SPDX-License-Identifier: Apache-2.0
// Findings across targets: what the targets' evidence says together that no single target
// says alone (docs/report.md, "Findings"). A dropped port on several hosts points at a rule on
// that port; every pub name failing DNS while Control Center's resolves points at the
// console's Internet access switch; and so on. diagnose() calls find_patterns() once it has
// judged every target; renderers only print the result.
//
// Pure functions over plain values: safe from any thread.
#pragma once

#include <vector>

#include "core/report.h"

namespace vpcprobe {

// Every pattern found in the judged targets, ordered by severity (errors first), then code;
// findings with the same severity and code keep the order of the targets they are about.
// Codes produced:
//  - access.internet_not_enabled (error): catalog pub names fail DNS (nxdomain/nodata) while
//    Control Center's pub name resolves.
//  - dns.instance_unresolvable (error): catalog targets exist and none of them resolves.
//  - firewall.port_blocked (error): tcp.timeout on one port at >= 2 addresses, each of which
//    answered (connected or refused) on another port.
//  - tls.interception_suspected (error): >= 2 hostnames whose chains fail verification at the
//    same untrusted top issuer.
//  - clock.skew_suspected (error): >= 2 hostnames whose certificates are not yet valid.
//  - dns.vpc_name_public_address (warning): a vpc- catalog name resolving to a public address,
//    or a pub- name to a private one.
//  - network.partial_reachability (warning): one host whose addresses split into some that
//    connect and some that fail at TCP on the same port (one per host).
//  - kafka.advertised_unreachable (error): brokers advertised by a bootstrap's Metadata
//    (targets of origin "advertised") failed; one finding per bootstrap, each broker with the
//    likely reason (a name that does not resolve here, a private address behind a public
//    bootstrap, a dropped port, ...).
//  - network.mtu_blackhole_suspected (error): TCP connected, TLS or the protocol exchange
//    stalled (the target keeps tls.timeout / protocol.timeout) and a retry with a clamped MSS
//    completed it (AddressEvidence::mtu): one finding naming every such address, the MSS that
//    works and the packet size it implies.
//  - kafka.advertised_not_checked (info): a bootstrap answered ApiVersions but its Metadata
//    was not read (the listener wants SASL and none is configured), unless --no-advertised.
// `agent` supplies the resolvers and source addresses named in summaries and remedies, and
// started_at as "now" for certificates dated in the future.
std::vector<Finding> find_patterns(const std::vector<TargetReport>& targets,
                                   const AgentInfo& agent);

}  // namespace vpcprobe
