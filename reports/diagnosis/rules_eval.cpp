// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules_eval.h"

#include <algorithm>
#include <utility>

namespace vpcprobe::rules {

std::string_view name(Verdict verdict) {
    switch (verdict) {
        case Verdict::allowed:
            return "ALLOWED";
        case Verdict::blocked:
            return "BLOCKED";
        case Verdict::unknown:
            break;
    }
    return "UNKNOWN";
}

namespace {

enum class SideResult { allowed, blocked, unknown };

struct Interval {
    int from;
    int to;
};

std::string range_text(int from, int to) {
    return from == to ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to);
}

bool same_address(const Cidr& a, const Cidr& b) {
    return a.v6 == b.v6 && a.bytes == b.bytes;
}

const Interface* find_interface(const RuleSet& rules, const Cidr& address) {
    for (const auto& interface : rules.interfaces) {
        for (const auto& known : interface.addresses) {
            if (same_address(known, address)) return &interface;
        }
    }
    return nullptr;
}

const SecurityGroup* find_group(const RuleSet& rules, const std::string& id) {
    for (const auto& group : rules.groups) {
        if (group.id == id) return &group;
    }
    return nullptr;
}

bool in_group(const Interface* interface, const std::string& group) {
    return interface != nullptr && std::find(interface->groups.begin(), interface->groups.end(),
                                             group) != interface->groups.end();
}

// Where the peer is described from the rule's point of view: "from X" for ingress.
std::string peer_phrase(Direction direction, const std::string& peer) {
    return (direction == Direction::ingress ? "from " : "to ") + peer;
}

struct Side {
    const RuleSet& rules;
    const Interface& self;
    Direction direction;
    const Cidr& peer;          // the other end's address
    const Interface* peer_if;  // the other end's interface, when known
    int port;                  // destination port of the flow
    Evaluation& out;

    bool peer_matches(const SgRule& rule) const {
        if (rule.peer) return rule.peer->contains(peer);
        return !rule.peer_group.empty() && in_group(peer_if, rule.peer_group);
    }
    bool port_matches(const SgRule& rule) const {
        return rule.matches_tcp && rule.ports.contains(port);
    }
    std::string why_not(const SgRule& rule) const {
        if (!rule.matches_tcp) return "not tcp";
        if (!rule.ports.contains(port)) return "other port";
        if (rule.peer) return "peer " + peer.text + " outside " + rule.peer->text;
        return "peer not in " + rule.peer_group;
    }

    std::vector<const SecurityGroup*> known_groups() const {
        std::vector<const SecurityGroup*> groups;
        std::vector<std::string> missing;
        for (const auto& id : self.groups) {
            if (const auto* group = find_group(rules, id)) {
                groups.push_back(group);
            } else {
                missing.push_back(id);
            }
        }
        for (const auto& id : missing) {
            out.notes.push_back(id + " (attached to " + self.id + ") is not in the exports: its " +
                                std::string(name(direction)) + " rules were not evaluated");
        }
        return groups;
    }

    // No rule of these groups lets the flow through: one suspect per group, with the allowing
    // rules that come closest (right port, other peer; or right peer, other port).
    void blame_groups(const std::vector<const SecurityGroup*>& groups) {
        for (const auto* group : groups) {
            std::string closest;
            for (const auto& rule : group->rules) {
                if (rule.direction != direction || !rule.matches_tcp || !rule.accept) continue;
                if (port_matches(rule) != peer_matches(rule)) {
                    if (!closest.empty()) closest += "; ";
                    closest += rule.describe(group->cloud);
                }
            }
            Suspect suspect;
            suspect.kind = "security-group";
            suspect.id = group->id;
            suspect.direction = std::string(name(direction));
            suspect.rule = closest;
            suspect.detail = "no " + std::string(name(direction)) + " rule of " + group->id +
                             " allows tcp/" + std::to_string(port) + " " +
                             peer_phrase(direction, peer.text);
            if (!closest.empty()) suspect.detail += " (closest: " + closest + ")";
            out.suspects.push_back(std::move(suspect));
        }
    }

    SideResult aws(const std::vector<const SecurityGroup*>& groups) {
        const std::string dir(name(direction));
        for (const auto* group : groups) {
            for (const auto& rule : group->rules) {
                if (rule.direction != direction) continue;
                if (port_matches(rule) && peer_matches(rule)) {
                    out.steps.push_back(
                        {group->id + " " + dir + ": allowed by rule " + rule.describe(Cloud::aws),
                         StepOutcome::allow});
                    return SideResult::allowed;
                }
                out.steps.push_back({group->id + " " + dir + " rule " + rule.describe(Cloud::aws) +
                                         ": no match (" + why_not(rule) + ")",
                                     StepOutcome::no_match});
            }
        }
        std::string ids;
        for (const auto* group : groups) ids += (ids.empty() ? "" : ", ") + group->id;
        out.steps.push_back({ids + " " + dir + ": no rule allows tcp/" + std::to_string(port) +
                                 " " + peer_phrase(direction, peer.text) +
                                 " -> deny (security groups allow only)",
                             StepOutcome::deny});
        blame_groups(groups);
        return SideResult::blocked;
    }

    SideResult alibaba(const std::vector<const SecurityGroup*>& groups) {
        const std::string dir(name(direction));
        // The rules of every group on the interface are evaluated together by priority;
        // at equal priority Drop comes first.
        std::vector<std::pair<const SecurityGroup*, const SgRule*>> ordered;
        for (const auto* group : groups) {
            for (const auto& rule : group->rules) {
                if (rule.direction == direction) ordered.emplace_back(group, &rule);
            }
        }
        std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
            if (a.second->priority != b.second->priority) {
                return a.second->priority < b.second->priority;
            }
            return !a.second->accept && b.second->accept;
        });
        for (const auto& [group, rule] : ordered) {
            auto text = group->id + " " + dir + " rule " + rule->describe(Cloud::alibaba);
            if (!(port_matches(*rule) && peer_matches(*rule))) {
                out.steps.push_back(
                    {text + ": no match (" + why_not(*rule) + ")", StepOutcome::no_match});
                continue;
            }
            if (rule->accept) {
                out.steps.push_back({text + ": matches -> accept", StepOutcome::allow});
                return SideResult::allowed;
            }
            out.steps.push_back({text + ": matches -> drop", StepOutcome::deny});
            Suspect suspect;
            suspect.kind = "security-group-rule";
            suspect.id = rule->id.empty() ? group->id : rule->id;
            suspect.direction = dir;
            suspect.rule = group->id + ": " + rule->describe(Cloud::alibaba);
            suspect.detail = "rule " + (rule->id.empty() ? std::string() : rule->id + " ") + "of " +
                             group->id + " drops tcp/" + std::to_string(port) + " " +
                             peer_phrase(direction, peer.text) + " (priority " +
                             std::to_string(rule->priority) + ")";
            out.suspects.push_back(std::move(suspect));
            return SideResult::blocked;
        }
        for (const auto* group : groups) {
            if (group->inner_accept && in_group(peer_if, group->id)) {
                out.steps.push_back({group->id + " " + dir +
                                         ": InnerAccessPolicy Accept and both ends are in " +
                                         group->id + " -> accept",
                                     StepOutcome::allow});
                return SideResult::allowed;
            }
        }
        if (direction == Direction::egress) {
            out.steps.push_back({self.id + " egress: no rule matches -> accept (default egress "
                                           "policy of basic security groups)",
                                 StepOutcome::allow});
            return SideResult::allowed;
        }
        std::string ids;
        for (const auto* group : groups) ids += (ids.empty() ? "" : ", ") + group->id;
        out.steps.push_back({ids + " ingress: no rule matches tcp/" + std::to_string(port) + " " +
                                 peer_phrase(direction, peer.text) +
                                 " -> drop (default ingress policy)",
                             StepOutcome::deny});
        blame_groups(groups);
        return SideResult::blocked;
    }

    SideResult evaluate() {
        auto groups = known_groups();
        if (groups.empty()) {
            out.notes.push_back("no security group of " + self.id + " is in the exports: its " +
                                std::string(name(direction)) + " rules are unknown");
            return SideResult::unknown;
        }
        return self.cloud == Cloud::aws ? aws(groups) : alibaba(groups);
    }
};

const NetworkAcl* find_acl(const RuleSet& rules, const Interface& interface) {
    if (interface.subnet.empty()) return nullptr;
    for (const auto& acl : rules.acls) {
        if (std::find(acl.subnets.begin(), acl.subnets.end(), interface.subnet) !=
            acl.subnets.end()) {
            return &acl;
        }
    }
    // A subnet without an explicit association uses its VPC's default ACL.
    for (const auto& acl : rules.acls) {
        if (acl.is_default && !acl.vpc.empty() && acl.vpc == interface.vpc) return &acl;
    }
    return nullptr;
}

// AWS network ACL: entries by ascending number, first match wins, default deny. `from`-`to`
// is the destination port range the packets may use (one port for the request, the
// ephemeral range for the return path); every port of it must be allowed before any deny.
bool evaluate_acl(const NetworkAcl& acl, bool egress, const Cidr& peer, int from, int to,
                  bool return_path, Evaluation& out) {
    const std::string dir = egress ? "egress" : "ingress";
    const std::string label = acl.id + " " + dir + (return_path ? " (return path)" : "");
    std::vector<const AclEntry*> entries;
    for (const auto& entry : acl.entries) {
        if (entry.egress == egress) entries.push_back(&entry);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto* a, const auto* b) { return a->number < b->number; });
    std::vector<Interval> remaining{{from, to}};
    const std::string flow =
        "tcp/" + range_text(from, to) + " " + (egress ? "to " : "from ") + peer.text;
    auto blame = [&](const std::string& rule, const std::string& detail) {
        Suspect suspect;
        suspect.kind = "network-acl-rule";
        suspect.id = acl.id;
        suspect.direction = dir;
        suspect.rule = rule;
        suspect.detail = detail;
        out.suspects.push_back(std::move(suspect));
    };
    for (const auto* entry : entries) {
        auto text = label + " " + entry->describe();
        if (!entry->matches_tcp) {
            out.steps.push_back({text + ": no match (not tcp)", StepOutcome::no_match});
            continue;
        }
        if (!entry->cidr || !entry->cidr->contains(peer)) {
            out.steps.push_back({text + ": no match (" + peer.text + " outside " +
                                     (entry->cidr ? entry->cidr->text : "?") + ")",
                                 StepOutcome::no_match});
            continue;
        }
        std::vector<Interval> overlap;
        std::vector<Interval> rest;
        for (const auto& interval : remaining) {
            int low = std::max(interval.from, entry->ports.from);
            int high = std::min(interval.to, entry->ports.to);
            if (low > high) {
                rest.push_back(interval);
                continue;
            }
            overlap.push_back({low, high});
            if (interval.from < low) rest.push_back({interval.from, low - 1});
            if (high < interval.to) rest.push_back({high + 1, interval.to});
        }
        if (overlap.empty()) {
            out.steps.push_back({text + ": no match (other ports)", StepOutcome::no_match});
            continue;
        }
        std::string ports;
        for (const auto& interval : overlap) {
            ports += (ports.empty() ? "" : ",") + range_text(interval.from, interval.to);
        }
        const std::string number =
            entry->number == 32767 ? std::string("*") : std::to_string(entry->number);
        if (!entry->allow) {
            out.steps.push_back({text + ": matches" +
                                     (return_path ? " ports " + ports : std::string()) + " -> deny",
                                 StepOutcome::deny});
            blame(number, "rule " + number + " of " + acl.id + " denies " + dir + " " +
                              (return_path ? "return traffic tcp/" + ports + " " +
                                                 (egress ? "to " : "from ") + peer.text +
                                                 " (network ACLs are stateless)"
                                           : flow));
            return false;
        }
        remaining = std::move(rest);
        if (remaining.empty()) {
            out.steps.push_back({text + ": matches -> allow", StepOutcome::allow});
            return true;
        }
        out.steps.push_back(
            {text + ": matches ports " + ports + " -> allow, rest continues", StepOutcome::allow});
    }
    std::string left;
    for (const auto& interval : remaining) {
        left += (left.empty() ? "" : ",") + range_text(interval.from, interval.to);
    }
    out.steps.push_back({label + " default rule *: tcp/" + left + " -> deny", StepOutcome::deny});
    blame("*", "no rule of " + acl.id + " allows " + dir + " " +
                   (return_path ? "return traffic tcp/" + left + " " + (egress ? "to " : "from ") +
                                      peer.text + " (network ACLs are stateless)"
                                : flow) +
                   ": the default rule * denies it");
    return false;
}

}  // namespace

Evaluation evaluate(const RuleSet& rules, const Flow& flow) {
    Evaluation out;
    auto source = Cidr::parse(flow.source);
    auto destination = Cidr::parse(flow.destination);
    if (!source || !destination || flow.source.find('/') != std::string::npos ||
        flow.destination.find('/') != std::string::npos) {
        out.notes.push_back("not an IP address: " + (source ? flow.destination : flow.source));
        return out;
    }
    const Interface* src_if = find_interface(rules, *source);
    const Interface* dst_if = find_interface(rules, *destination);
    bool blocked = false;
    bool unknown = false;
    auto record = [&](SideResult result) {
        blocked = blocked || result == SideResult::blocked;
        unknown = unknown || result == SideResult::unknown;
    };
    if (src_if == nullptr) {
        out.notes.push_back("source " + flow.source +
                            " is on no interface in the exports: its egress rules are unknown");
        unknown = true;
    }
    if (dst_if == nullptr) {
        out.notes.push_back("destination " + flow.destination +
                            " is on no interface in the exports: its ingress rules are unknown");
        unknown = true;
    }
    const int port = flow.port;
    const bool same_subnet = src_if != nullptr && dst_if != nullptr && !src_if->subnet.empty() &&
                             src_if->subnet == dst_if->subnet;
    // Network ACLs filter traffic entering or leaving a subnet, never within it.
    auto acl_of = [&](const Interface* interface) -> const NetworkAcl* {
        if (interface == nullptr || interface->cloud != Cloud::aws || same_subnet) return nullptr;
        const auto* acl = find_acl(rules, *interface);
        if (acl == nullptr && !rules.acls.empty()) {
            out.notes.push_back("no network ACL in the exports for " + interface->subnet + " (" +
                                interface->id + ")");
        }
        return acl;
    };
    const NetworkAcl* src_acl = acl_of(src_if);
    const NetworkAcl* dst_acl = acl_of(dst_if);
    if (same_subnet && src_if->cloud == Cloud::aws) {
        out.notes.push_back("both ends are in " + src_if->subnet +
                            ": network ACLs do not apply within a subnet");
    }

    if (src_if != nullptr) {
        record(Side{rules, *src_if, Direction::egress, *destination, dst_if, port, out}.evaluate());
    }
    if (src_acl != nullptr && !evaluate_acl(*src_acl, true, *destination, port, port, false, out)) {
        blocked = true;
    }
    if (dst_acl != nullptr && !evaluate_acl(*dst_acl, false, *source, port, port, false, out)) {
        blocked = true;
    }
    if (dst_if != nullptr) {
        record(Side{rules, *dst_if, Direction::ingress, *source, src_if, port, out}.evaluate());
    }
    if (dst_acl != nullptr &&
        !evaluate_acl(*dst_acl, true, *source, kEphemeralFrom, kEphemeralTo, true, out)) {
        blocked = true;
    }
    if (src_acl != nullptr &&
        !evaluate_acl(*src_acl, false, *destination, kEphemeralFrom, kEphemeralTo, true, out)) {
        blocked = true;
    }
    out.verdict = blocked ? Verdict::blocked : unknown ? Verdict::unknown : Verdict::allowed;
    if (!blocked) out.suspects.clear();
    return out;
}

std::vector<Suspect> wide_rules(const RuleSet& rules) {
    static constexpr std::pair<int, int> kKafkaPorts[] = {
        {9092, 9095}, {443, 443}, {8081, 8090}, {9021, 9021}};
    std::vector<Suspect> warnings;
    for (const auto& group : rules.groups) {
        for (const auto& rule : group.rules) {
            if (rule.direction != Direction::ingress || !rule.accept || !rule.matches_tcp ||
                !rule.peer || !rule.peer->is_anywhere()) {
                continue;
            }
            std::string ports;
            for (const auto& [from, to] : kKafkaPorts) {
                int low = std::max(from, rule.ports.from);
                int high = std::min(to, rule.ports.to);
                if (low <= high) ports += (ports.empty() ? "" : ",") + range_text(low, high);
            }
            if (ports.empty()) continue;
            Suspect suspect;
            suspect.kind = "security-group-rule";
            suspect.id = rule.id.empty() ? group.id : rule.id;
            suspect.direction = "ingress";
            suspect.rule = group.id + ": " + rule.describe(group.cloud);
            suspect.detail = group.id + " accepts tcp/" + ports + " from " + rule.peer->text +
                             ": wider than least privilege; allow only the clients' CIDRs";
            warnings.push_back(std::move(suspect));
        }
    }
    return warnings;
}

}  // namespace vpcprobe::rules
