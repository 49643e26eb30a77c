// SPDX-License-Identifier: Apache-2.0
// Offline evaluation of one TCP flow against the security groups and network ACLs of a
// RuleSet (rules.h), the way each cloud defines them, so a failed probe (and `vpcprobe
// explain`) can name the rule in the way: the source's groups egress, the destination's
// groups ingress, and the network ACLs of both subnets in both directions, including the
// stateless return path on ephemeral ports. Also flags rules wider than least privilege on
// the Kafka / Confluent ports.
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

struct Evaluation {
    Verdict verdict = Verdict::unknown;
    std::vector<Step> steps;
    // What blocks the flow (docs/rules.md, "What the report says"): security-group (no rule allows;
    // `rule` holds the closest rules that almost do), security-group-rule (an explicit Drop),
    // network-acl-rule (id = ACL id, rule = rule number or "*"). Empty unless blocked.
    std::vector<Suspect> suspects;
    std::vector<std::string> notes;  // unknown addresses, groups missing from the exports
};

// What to say when the exports allow a flow that still fails: look beyond them.
inline constexpr std::string_view kBeyondExports =
    "the exports allow this flow; if it still fails, look beyond them: route tables, Cloud "
    "Firewall / network firewalls, the host's own firewall, the service's IP allowlist";

// Semantics: AWS groups allow-only and stateful (any allow of any attached group allows;
// a group reference matches when the peer's interface is in that group). AWS network ACLs by
// ascending rule number, first match wins, then the default deny; not applied when both ends
// share a subnet; a subnet with no association in the exports uses its VPC's default ACL.
// Alibaba: the rules of all groups on the interface together, by Priority (1 first), Drop
// before Accept at the same priority; when none matches, InnerAccessPolicy Accept lets
// members of the same group through, else the basic group's default (ingress drop, egress
// accept). An address on no exported interface is unknown, never blocked by itself.
// Evaluates tcp source -> destination:port. Invalid address literals give `unknown` with a
// note (the CLI validates them first).
Evaluation evaluate(const RuleSet& rules, const Flow& flow);

// Ingress rules that accept 0.0.0.0/0 or ::/0 on a Kafka / Confluent port (9092-9095, 443,
// 8081-8090, 9021): wider than least privilege. One Suspect per rule, kind
// "security-group-rule", id the group (and rule id when the export has one).
std::vector<Suspect> wide_rules(const RuleSet& rules);

}  // namespace vpcprobe::rules
