// SPDX-License-Identifier: Apache-2.0
// Offline evaluation of one TCP flow against the security groups, network ACLs, NAT and Cloud
// Firewall policies of a RuleSet (rules.h), the way each cloud defines them, so a failed probe
// (and `vpcprobe explain`) can name the rule in the way: the source's groups egress, its
// subnet's ACL, the SNAT address a public destination sees, Cloud Firewall (Internet border for
// public destinations, VPC border between VPCs), the destination subnet's ACL and groups, and
// the stateless return path through both ACLs on ephemeral ports (docs/rules.md, "How a flow is
// evaluated"). Also flags rules wider than least privilege on the Kafka / Confluent ports, and
// egress rules on Confluent PNI ENIs.
//
// Pure functions of their arguments: safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/report.h"
#include "reports/diagnosis/rules.h"

namespace vpcprobe::rules {

// Return traffic of a TCP connection goes to the client's ephemeral port; AWS recommends
// allowing 1024-65535 for it in network ACLs.
inline constexpr int kEphemeralFrom = 1024;
inline constexpr int kEphemeralTo = 65535;

struct Flow {
    std::string source;       // IP literal
    std::string destination;  // IP literal
    std::uint16_t port = 0;   // tcp
    // --public-source: the address Internet-border policies see; "" = from the SNAT exports.
    std::string public_source;
};

enum class Verdict {
    allowed,  // every rule set that applies lets it through
    blocked,  // a group, rule or ACL entry stops it
    unknown,  // nothing blocks it, but an address (or its groups) is not in the exports
};
std::string_view name(Verdict verdict);  // "ALLOWED", "BLOCKED", "UNKNOWN"

enum class StepOutcome { no_match, allow, deny, note };

// One rule (or default) consulted, in evaluation order.
struct Step {
    std::string text;  // "acl-12 ingress rule 100 deny tcp 9095 from 0.0.0.0/0: matches -> deny"
    StepOutcome outcome = StepOutcome::no_match;
};

// One filter on the path and what it does with the flow, in the order the packets meet them:
// {"this host's security groups (eni-1: sg-1), egress", "allowed"}.
struct Consulted {
    std::string filter;
    std::string verdict;  // "allowed", "blocked", "unknown", "may block", or the NAT's address
};

struct Evaluation {
    Verdict verdict = Verdict::unknown;
    std::vector<Consulted> path;  // every filter consulted, in order, with its verdict
    std::vector<Step> steps;      // every rule consulted, in order
    // What blocks the flow (docs/rules.md, "What the report says"): security-group (no rule allows;
    // `rule` holds the closest rules that almost do), security-group-rule (an explicit Drop),
    // network-acl-rule (id = ACL id, rule = AWS rule number, Alibaba entry id, or "*"),
    // cloud-firewall-policy (id = AclUuid, rule = the policy described). Empty unless blocked.
    std::vector<Suspect> suspects;
    std::vector<std::string> notes;  // unknown addresses, groups missing from the exports
    // Rules that may block the flow but cannot be decided offline ("may match": a prefix list
    // whose entries were not given, a Cloud Firewall policy on a location, domain or
    // application), each saying so in its detail. Kept whatever the verdict.
    std::vector<Suspect> possible;
    // For a public destination: "this host reaches the Internet as 198.51.100.7 via
    // snat-bp1..." (or "as given by --public-source"); "" when the destination is private or
    // nothing says.
    std::string egress_as;
};

// Whether `address` is on the Internet: not private (RFC 1918, RFC 6598 shared, unique-local),
// loopback or link-local. Internet-border Cloud Firewall policies and SNAT apply to these only.
bool is_public_address(const Cidr& address);

// What to say when the exports allow a flow that still fails: look beyond them.
inline constexpr std::string_view kBeyondExports =
    "the exports allow this flow; if it still fails, look beyond them: route tables, Cloud "
    "Firewall / network firewalls, the host's own firewall, the service's IP allowlist";

// Semantics (docs/rules.md, "How a flow is evaluated"): AWS groups allow-only and stateful (any
// allow of any attached group allows; a group reference matches when the peer's interface is in
// that group). AWS network ACLs by ascending rule number, first match wins, then the default deny;
// not applied when both ends share a subnet; a subnet with no association in the exports uses its
// VPC's default ACL. Alibaba: the rules of all groups on the interface together, by Priority (1
// first), Drop before Accept at the same priority; when none matches, InnerAccessPolicy Accept lets
// members of the same group through, else the basic group's default (ingress drop, egress
// accept; an enterprise group: no access between members, ingress and egress dropped). Alibaba
// network ACLs: entries in list order, first match wins, nothing matched is denied, bound to
// vSwitches. A rule on a prefix list whose entries were not given "may match". Cloud Firewall:
// enabled policies by ascending Order, first match wins, log passes, nothing matched is
// allowed; Internet-border policies see the SNAT (or --public-source) address. An address on
// no exported interface is unknown, never blocked by itself.
// Evaluates tcp source -> destination:port. Invalid address literals give `unknown` with a
// note (the CLI validates them first).
Evaluation evaluate(const RuleSet& rules, const Flow& flow);

// Ingress rules that accept 0.0.0.0/0 or ::/0 on a Kafka / Confluent port (9092-9095, 443,
// 8081-8090, 9021): wider than least privilege. One Suspect per rule, kind
// "security-group-rule", id the group (and rule id when the export has one).
std::vector<Suspect> wide_rules(const RuleSet& rules);

// The egress rules of the security groups of Confluent PNI ENIs (AWS interfaces tagged
// Confluent=true): Confluent Cloud can open connections into this network through them. One
// Suspect per rule, kind "security-group-rule", id the group, direction "egress".
std::vector<Suspect> pni_egress_rules(const RuleSet& rules);

}  // namespace vpcprobe::rules
