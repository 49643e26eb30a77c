// SPDX-License-Identifier: Apache-2.0
// Rule attribution (docs/rules.md, "What the report says"): given the cloud's security-group /
// network-ACL / interface exports (--rules), name what blocks each target that failed at TCP the
// way a filter makes it fail (silent drop, ICMP reject, unreachable). The flow evaluated is the
// probe's own: its real source address (the socket's local end, so --bind is honoured) to the
// address and port that failed. Runs after diagnose(); adds to causes and findings, never removes.
// Pure function of its inputs; thread-safe.
#pragma once

#include <string>

#include "core/report.h"
#include "reports/diagnosis/rules.h"

namespace vpcprobe {

// For every failed or warned target whose cause is tcp.timeout, tcp.prohibited or
// tcp.unreachable: the exports' suspects when they block the flow; when they allow it, a
// `firewall` suspect saying to look beyond them (route tables, Cloud Firewall, the host's
// firewall, the service's allowlist); when an address is not in the exports, a suspect saying
// so. Rules wider than least privilege on Kafka ports become a `rules.wider_than_needed`
// warning finding. An address's path trace orders its suspects: hops that answered the probe's
// flow put the target's side first and mark this host's egress suspects as contradicted;
// nothing answering puts this host's egress first. Rules that may block but cannot be decided
// offline ("may match": prefix lists not given, Cloud Firewall policies on locations, domains,
// applications) are added as suspects saying so; for a public destination every suspect says
// which public address this host reaches the Internet as (SNAT exports, or `public_source`
// from --public-source). Egress rules on Confluent PNI ENIs' groups become a
// `rules.pni_egress_open` warning finding, whether or not a probe failed. The remedies are
// written again (add_remedies) to name the suspects.
void attribute_to_rules(Report& report, const rules::RuleSet& rules,
                        const std::string& public_source = "");

}  // namespace vpcprobe
