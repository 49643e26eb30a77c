// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules_eval.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "core/text.h"
#include "reports/diagnosis/rules_eval_border.h"

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

enum class PeerMatch { no, yes, maybe };

// The entries of prefix list `id`, when some export gave them.
const PrefixList* prefix_list_entries(const RuleSet& rules, const std::string& id) {
    for (const auto& list : rules.prefix_lists) {
        if (list.id == id && list.entries) return &list;
    }
    return nullptr;
}

// "pl-0abc (kafka-clients)": a prefix list as steps and suspects name it.
std::string prefix_list_text(const RuleSet& rules, const std::string& id) {
    for (const auto& list : rules.prefix_lists) {
        if (list.id == id && !list.name.empty()) return id + " (" + list.name + ")";
    }
    return id;
}

// Why a rule on prefix list `id` may match: its entries were not given, and how to get them.
std::string prefix_list_unknown(const RuleSet& rules, Cloud cloud, const std::string& id) {
    return prefix_list_text(rules, id) + " may hold it: its entries were not given (" +
           (cloud == Cloud::aws ? "aws ec2 get-managed-prefix-list-entries --prefix-list-id " + id +
                                      " > " + id + ".json"
                                : "aliyun ecs DescribePrefixListAttributes --PrefixListId " + id) +
           ")";
}

bool enterprise_group(const RuleSet& rules, const std::string& id) {
    return std::any_of(rules.group_types.begin(), rules.group_types.end(),
                       [&](const GroupType& type) { return type.id == id && type.enterprise; });
}

// "sg-1, sg-2": the groups consulted, in order.
std::string group_ids(const std::vector<const SecurityGroup*>& groups) {
    std::vector<std::string> ids;
    for (const auto* group : groups) ids.push_back(group->id);
    return join(ids, ", ");
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

    PeerMatch peer_match(const SgRule& rule) const {
        if (rule.peer) return rule.peer->contains(peer) ? PeerMatch::yes : PeerMatch::no;
        if (!rule.peer_group.empty()) {
            return in_group(peer_if, rule.peer_group) ? PeerMatch::yes : PeerMatch::no;
        }
        if (rule.peer_prefix_list.empty()) return PeerMatch::no;
        const auto* list = prefix_list_entries(rules, rule.peer_prefix_list);
        if (list == nullptr) return PeerMatch::maybe;
        return std::any_of(list->entries->begin(), list->entries->end(),
                           [&](const Cidr& entry) { return entry.contains(peer); })
                   ? PeerMatch::yes
                   : PeerMatch::no;
    }
    bool peer_matches(const SgRule& rule) const { return peer_match(rule) == PeerMatch::yes; }
    // The rule would apply but for a prefix list whose entries are unknown.
    bool may_match(const SgRule& rule) const {
        return port_matches(rule) && peer_match(rule) == PeerMatch::maybe;
    }
    std::string maybe_text(const SgRule& rule) const {
        return prefix_list_unknown(rules, self.cloud, rule.peer_prefix_list);
    }
    bool port_matches(const SgRule& rule) const {
        return rule.matches_tcp && rule.ports.contains(port);
    }
    std::string why_not(const SgRule& rule) const {
        if (!rule.matches_tcp) return "not tcp";
        if (!rule.ports.contains(port)) return "other port";
        if (rule.peer) return "peer " + peer.text + " outside " + rule.peer->text;
        if (!rule.peer_prefix_list.empty()) {
            return "peer " + peer.text + " not in " +
                   prefix_list_text(rules, rule.peer_prefix_list);
        }
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
    void blame_groups(const std::vector<const SecurityGroup*>& groups,
                      const std::string& unless = "") {
        for (const auto* group : groups) {
            std::vector<std::string> near_misses;
            for (const auto& rule : group->rules) {
                if (rule.direction != direction || !rule.matches_tcp || !rule.accept) continue;
                if (port_matches(rule) != peer_matches(rule)) {
                    near_misses.push_back(rule.describe(group->cloud));
                }
            }
            const std::string closest = join(near_misses, "; ");
            Suspect suspect;
            suspect.kind = "security-group";
            suspect.id = group->id;
            suspect.direction = std::string(name(direction));
            suspect.rule = closest;
            suspect.detail = "no " + std::string(name(direction)) + " rule of " + group->id +
                             " allows tcp/" + std::to_string(port) + " " +
                             peer_phrase(direction, peer.text);
            if (!closest.empty()) suspect.detail += " (closest: " + closest + ")";
            if (unless.empty()) {
                out.suspects.push_back(std::move(suspect));
            } else {
                suspect.detail += ", unless " + unless;
                out.possible.push_back(std::move(suspect));
            }
        }
    }

    SideResult aws(const std::vector<const SecurityGroup*>& groups) {
        const std::string dir(name(direction));
        std::vector<std::string> maybe;  // rules that may allow it (prefix lists not given)
        for (const auto* group : groups) {
            for (const auto& rule : group->rules) {
                if (rule.direction != direction) continue;
                if (may_match(rule)) {
                    out.steps.push_back({group->id + " " + dir + " rule " +
                                             rule.describe(Cloud::aws) + ": may match (" +
                                             maybe_text(rule) + ")",
                                         StepOutcome::note});
                    maybe.push_back(maybe_text(rule));
                    continue;
                }
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
        if (!maybe.empty()) {
            out.steps.push_back({group_ids(groups) + " " + dir + ": no rule allows tcp/" +
                                     std::to_string(port) + " " +
                                     peer_phrase(direction, peer.text) +
                                     " for certain; a rule on a prefix list may",
                                 StepOutcome::note});
            out.notes.push_back(join(maybe, "; "));
            blame_groups(groups, join(maybe, "; "));
            return SideResult::unknown;
        }
        out.steps.push_back({group_ids(groups) + " " + dir + ": no rule allows tcp/" +
                                 std::to_string(port) + " " + peer_phrase(direction, peer.text) +
                                 " -> deny (security groups allow only)",
                             StepOutcome::deny});
        blame_groups(groups);
        return SideResult::blocked;
    }

    // The rules of every group on the interface together, by priority; at equal priority
    // Drop comes first.
    std::vector<std::pair<const SecurityGroup*, const SgRule*>> alibaba_order(
        const std::vector<const SecurityGroup*>& groups) const {
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
        return ordered;
    }

    // An Alibaba Drop rule that matches the flow.
    void blame_drop(const SecurityGroup& group, const SgRule& rule) {
        Suspect suspect;
        suspect.kind = "security-group-rule";
        suspect.id = rule.id.empty() ? group.id : rule.id;
        suspect.direction = std::string(name(direction));
        suspect.rule = group.id + ": " + rule.describe(Cloud::alibaba);
        suspect.detail = "rule " + (rule.id.empty() ? std::string() : rule.id + " ") + "of " +
                         group.id + " drops tcp/" + std::to_string(port) + " " +
                         peer_phrase(direction, peer.text) + " (priority " +
                         std::to_string(rule.priority) + ")";
        out.suspects.push_back(std::move(suspect));
    }

    // No rule matched: InnerAccessPolicy Accept between members of a group, else the basic
    // group's defaults (egress accepted, ingress dropped).
    SideResult alibaba_default(const std::vector<const SecurityGroup*>& groups) {
        const std::string dir(name(direction));
        const bool enterprise = std::any_of(groups.begin(), groups.end(), [&](const auto* group) {
            return enterprise_group(rules, group->id);
        });
        if (enterprise) {
            out.steps.push_back({group_ids(groups) + " " + dir + ": no rule matches tcp/" +
                                     std::to_string(port) + " " +
                                     peer_phrase(direction, peer.text) +
                                     " -> drop (enterprise security groups drop what no rule "
                                     "accepts, in both directions and between members)",
                                 StepOutcome::deny});
            blame_groups(groups);
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
        out.steps.push_back({group_ids(groups) + " ingress: no rule matches tcp/" +
                                 std::to_string(port) + " " + peer_phrase(direction, peer.text) +
                                 " -> drop (default ingress policy)",
                             StepOutcome::deny});
        blame_groups(groups);
        return SideResult::blocked;
    }

    SideResult alibaba(const std::vector<const SecurityGroup*>& groups) {
        const std::string dir(name(direction));
        std::vector<std::string> maybe_accept;
        std::vector<std::string> maybe_drop;
        for (const auto& [group, rule] : alibaba_order(groups)) {
            auto text = group->id + " " + dir + " rule " + rule->describe(Cloud::alibaba);
            if (may_match(*rule)) {
                out.steps.push_back(
                    {text + ": may match (" + maybe_text(*rule) + ")", StepOutcome::note});
                (rule->accept ? maybe_accept : maybe_drop).push_back(maybe_text(*rule));
                if (!rule->accept) blame_possible_drop(*group, *rule);
                continue;
            }
            if (!(port_matches(*rule) && peer_matches(*rule))) {
                out.steps.push_back(
                    {text + ": no match (" + why_not(*rule) + ")", StepOutcome::no_match});
                continue;
            }
            if (rule->accept) {
                out.steps.push_back({text + ": matches -> accept", StepOutcome::allow});
                return maybe_drop.empty() ? SideResult::allowed : undecided(maybe_drop);
            }
            out.steps.push_back({text + ": matches -> drop", StepOutcome::deny});
            if (!maybe_accept.empty()) {
                blame_possible_drop(*group, *rule, join(maybe_accept, "; "));
                return undecided(maybe_accept);
            }
            blame_drop(*group, *rule);
            return SideResult::blocked;
        }
        const SideResult fallback = alibaba_default(groups);
        if (fallback == SideResult::blocked && !maybe_accept.empty()) {
            auto blamed = out.suspects.end() - static_cast<std::ptrdiff_t>(groups.size());
            for (auto it = blamed; it != out.suspects.end(); ++it) {
                it->detail += ", unless " + join(maybe_accept, "; ");
                out.possible.push_back(std::move(*it));
            }
            out.suspects.erase(blamed, out.suspects.end());
            return undecided(maybe_accept);
        }
        return fallback == SideResult::allowed && !maybe_drop.empty() ? undecided(maybe_drop)
                                                                      : fallback;
    }

    SideResult undecided(const std::vector<std::string>& why) {
        out.notes.push_back(join(why, "; "));
        return SideResult::unknown;
    }

    // An Alibaba Drop rule on a prefix list whose entries are unknown, or a Drop that applies
    // only unless an earlier such rule accepts.
    void blame_possible_drop(const SecurityGroup& group, const SgRule& rule,
                             const std::string& unless = "") {
        blame_drop(group, rule);
        Suspect suspect = std::move(out.suspects.back());
        out.suspects.pop_back();
        suspect.detail += unless.empty() ? ", if " + maybe_text(rule) : ", unless " + unless;
        out.possible.push_back(std::move(suspect));
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

// "9092,9094-9095": port intervals as the steps and suspects print them.
std::string intervals_text(const std::vector<Interval>& intervals) {
    std::vector<std::string> texts;
    for (const auto& interval : intervals) texts.push_back(range_text(interval.from, interval.to));
    return join(texts, ",");
}

// The ports of `remaining` an entry's `ports` cover (overlap) and those it leaves (rest).
struct PortSplit {
    std::vector<Interval> overlap;
    std::vector<Interval> rest;
};

PortSplit split_ports(const std::vector<Interval>& remaining, const PortRange& ports) {
    PortSplit split;
    for (const auto& interval : remaining) {
        int low = std::max(interval.from, ports.from);
        int high = std::min(interval.to, ports.to);
        if (low > high) {
            split.rest.push_back(interval);
            continue;
        }
        split.overlap.push_back({low, high});
        if (interval.from < low) split.rest.push_back({interval.from, low - 1});
        if (high < interval.to) split.rest.push_back({high + 1, interval.to});
    }
    return split;
}

// The entries of one direction by ascending rule number.
std::vector<const AclEntry*> entries_in_order(const NetworkAcl& acl, bool egress) {
    std::vector<const AclEntry*> entries;
    for (const auto& entry : acl.entries) {
        if (entry.egress == egress) entries.push_back(&entry);
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto* a, const auto* b) { return a->number < b->number; });
    return entries;
}

// AWS network ACL: entries by ascending number, first match wins, default deny. The packets
// cross `acl` in one direction (`egress` or not) to or from `peer`; for the return path they
// are the answers of the connection, on the client's ephemeral ports.
struct AclPass {
    const NetworkAcl& acl;
    bool egress;
    const Cidr& peer;
    bool return_path;
    Evaluation& out;

    std::string dir() const { return egress ? "egress" : "ingress"; }
    std::string label() const {
        return acl.id + " " + dir() + (return_path ? " (return path)" : "");
    }
    std::string toward_peer() const { return (egress ? "to " : "from ") + peer.text; }

    // What a deny stops, for its suspect: the flow itself (`flow`), or on the return path the
    // answers on `ports`.
    std::string denied(const std::string& flow, const std::string& ports) const {
        if (!return_path) return flow;
        return "return traffic tcp/" + ports + " " + toward_peer() +
               " (network ACLs are stateless)";
    }

    void blame(const std::string& rule, const std::string& detail) const {
        Suspect suspect;
        suspect.kind = "network-acl-rule";
        suspect.id = acl.id;
        suspect.direction = dir();
        suspect.rule = rule;
        suspect.detail = detail;
        out.suspects.push_back(std::move(suspect));
    }

    // Why `entry` does not apply to TCP with this peer at all, "" when it does.
    std::string mismatch(const AclEntry& entry) const {
        if (!entry.matches_tcp) return "not tcp";
        if (!entry.cidr || !entry.cidr->contains(peer)) {
            return peer.text + " outside " + (entry.cidr ? entry.cidr->text : "?");
        }
        return "";
    }

    // Whether every port of `from`-`to` (one port for the request, the ephemeral range for
    // the return path) is allowed before any deny.
    bool allows(int from, int to) const {
        std::vector<Interval> remaining{{from, to}};
        const std::string flow = "tcp/" + range_text(from, to) + " " + toward_peer();
        for (const auto* entry : entries_in_order(acl, egress)) {
            auto text = label() + " " + entry->describe();
            if (const std::string why = mismatch(*entry); !why.empty()) {
                out.steps.push_back({text + ": no match (" + why + ")", StepOutcome::no_match});
                continue;
            }
            PortSplit split = split_ports(remaining, entry->ports);
            if (split.overlap.empty()) {
                out.steps.push_back({text + ": no match (other ports)", StepOutcome::no_match});
                continue;
            }
            const std::string ports = intervals_text(split.overlap);
            const std::string number = entry->label();
            if (!entry->allow) {
                out.steps.push_back({text + ": matches" +
                                         (return_path ? " ports " + ports : std::string()) +
                                         " -> deny",
                                     StepOutcome::deny});
                blame(number, entry_name(*entry) + " of " + acl.id + " denies " + dir() + " " +
                                  denied(flow, ports));
                return false;
            }
            remaining = std::move(split.rest);
            if (remaining.empty()) {
                out.steps.push_back({text + ": matches -> allow", StepOutcome::allow});
                return true;
            }
            out.steps.push_back({text + ": matches ports " + ports + " -> allow, rest continues",
                                 StepOutcome::allow});
        }
        const std::string left = intervals_text(remaining);
        if (acl.cloud == Cloud::alibaba) {
            out.steps.push_back({label() + ": no entry matches tcp/" + left +
                                     " -> deny (Alibaba network ACLs deny what no entry accepts)",
                                 StepOutcome::deny});
            blame("*", "no entry of " + acl.id + " accepts " + dir() + " " + denied(flow, left) +
                           ": nothing matched is denied");
            return false;
        }
        out.steps.push_back(
            {label() + " default rule *: tcp/" + left + " -> deny", StepOutcome::deny});
        blame("*", "no rule of " + acl.id + " allows " + dir() + " " + denied(flow, left) +
                       ": the default rule * denies it");
        return false;
    }

    // "rule 100" (AWS), "entry 2 nae-... (name)" (Alibaba): how a suspect's detail names it.
    static std::string entry_name(const AclEntry& entry) {
        if (entry.cloud == Cloud::aws) return "rule " + entry.label();
        return "entry " + std::to_string(entry.number) + (entry.id.empty() ? "" : " " + entry.id) +
               (entry.name.empty() ? "" : " (" + entry.name + ")");
    }
};

// Where a flow runs through the exports: the interfaces of its ends (nullptr for an end on
// no exported interface) and the network ACLs it crosses (nullptr when none applies).
struct FlowPath {
    const Interface* source = nullptr;
    const Interface* destination = nullptr;
    const NetworkAcl* source_acl = nullptr;
    const NetworkAcl* destination_acl = nullptr;
};

// The ACL of an end's subnet (AWS) or vSwitch (Alibaba), when the exports have ACLs at all.
// Network ACLs filter traffic entering or leaving a subnet, never within it.
const NetworkAcl* crossed_acl(const RuleSet& rules, const Interface* interface, bool same_subnet,
                              Evaluation& out) {
    if (interface == nullptr || same_subnet) return nullptr;
    const auto* acl = find_acl(rules, *interface);
    if (acl == nullptr && !rules.acls.empty()) {
        out.notes.push_back("no network ACL in the exports for " + interface->subnet + " (" +
                            interface->id + ")");
    }
    return acl;
}

FlowPath find_path(const RuleSet& rules, const Flow& flow, const Cidr& source,
                   const Cidr& destination, Evaluation& out) {
    FlowPath path;
    path.source = find_interface(rules, source);
    path.destination = find_interface(rules, destination);
    if (path.source == nullptr) {
        out.notes.push_back("source " + flow.source +
                            " is on no interface in the exports: its egress rules are unknown");
    }
    if (path.destination == nullptr) {
        out.notes.push_back("destination " + flow.destination +
                            " is on no interface in the exports: its ingress rules are unknown");
    }
    const bool same_subnet = path.source != nullptr && path.destination != nullptr &&
                             !path.source->subnet.empty() &&
                             path.source->subnet == path.destination->subnet;
    path.source_acl = crossed_acl(rules, path.source, same_subnet, out);
    path.destination_acl = crossed_acl(rules, path.destination, same_subnet, out);
    if (same_subnet && !rules.acls.empty()) {
        out.notes.push_back("both ends are in " + path.source->subnet +
                            ": network ACLs do not apply within a subnet");
    }
    return path;
}

SideResult side_result(border::PassResult result) {
    switch (result) {
        case border::PassResult::allowed:
            return SideResult::allowed;
        case border::PassResult::blocked:
            return SideResult::blocked;
        case border::PassResult::unknown:
            break;
    }
    return SideResult::unknown;
}

std::vector<std::string> texts_of(const std::vector<Cidr>& addresses) {
    std::vector<std::string> out;
    for (const auto& address : addresses) out.push_back(address.text);
    return out;
}

// "this host's security groups (eni-1: sg-1, sg-2), egress".
std::string groups_label(const std::string& whose, const Interface& interface,
                         Direction direction) {
    return whose + " security groups (" + interface.id + ": " + join(interface.groups, ", ") +
           "), " + std::string(name(direction));
}

// "the target's network ACL nacl-1 (vsw-1), ingress".
std::string acl_label(const std::string& whose, const NetworkAcl& acl, const std::string& way) {
    return whose + " network ACL " + acl.id + ", " + way;
}

bool has_policies(const RuleSet& rules, bool internet) {
    return std::any_of(rules.firewall_policies.begin(), rules.firewall_policies.end(),
                       [&](const FirewallPolicy& policy) {
                           return (policy.border == FirewallBorder::vpc) != internet;
                       });
}

// What lies between the two ends' own filters: for a public destination the NAT gateway (the
// address the Internet sees) and Cloud Firewall's Internet border, out then in, once per SNAT
// address; for a private one Cloud Firewall's VPC border, unless both ends are in one VPC.
template <typename Consult>
void cross_borders(const RuleSet& rules, const Flow& flow, const Cidr& source,
                   const Cidr& destination, const FlowPath& path, Evaluation& out,
                   Consult&& consult) {
    const int port = flow.port;
    if (is_public_address(destination)) {
        const auto seen_as = border::public_source(rules, flow, source, path.source, out);
        if (seen_as || !rules.snat_entries.empty()) {
            out.path.push_back({"NAT (SNAT)", seen_as
                                                  ? "this host is seen as " +
                                                        join(texts_of(seen_as->addresses), " or ") +
                                                        ": " + seen_as->via
                                                  : "no entry covers this host"});
        }
        if (!has_policies(rules, true)) return;
        std::vector<std::optional<Cidr>> sources;
        if (seen_as) {
            sources.assign(seen_as->addresses.begin(), seen_as->addresses.end());
        } else {
            sources.emplace_back(std::nullopt);
        }
        for (const auto& public_address : sources) {
            for (auto side : {FirewallBorder::internet_out, FirewallBorder::internet_in}) {
                consult("Cloud Firewall, " + std::string(name(side)) +
                            (public_address ? " (from " + public_address->text + ")" : ""),
                        side_result(
                            border::firewall(rules, side, public_address, destination, port, out)));
            }
        }
        return;
    }
    if (!has_policies(rules, false)) return;
    if (path.source != nullptr && path.destination != nullptr && !path.source->vpc.empty() &&
        path.source->vpc == path.destination->vpc) {
        out.steps.push_back(
            {"Cloud Firewall VPC border: both ends are in " + path.source->vpc + ": not crossed",
             StepOutcome::note});
        return;
    }
    consult(
        "Cloud Firewall, VPC border",
        side_result(border::firewall(rules, FirewallBorder::vpc, source, destination, port, out)));
}

}  // namespace

bool is_public_address(const Cidr& address) {
    static const std::vector<Cidr> kNotPublic = [] {
        std::vector<Cidr> networks;
        for (const char* text :
             {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "172.16.0.0/12", "192.168.0.0/16", "::1/128", "::/128", "fc00::/7", "fe80::/10"}) {
            networks.push_back(*Cidr::parse(text));
        }
        return networks;
    }();
    return std::none_of(kNotPublic.begin(), kNotPublic.end(),
                        [&](const Cidr& network) { return network.contains(address); });
}

Evaluation evaluate(const RuleSet& rules, const Flow& flow) {
    Evaluation out;
    auto source = Cidr::parse(flow.source);
    auto destination = Cidr::parse(flow.destination);
    if (!source || !destination || flow.source.find('/') != std::string::npos ||
        flow.destination.find('/') != std::string::npos) {
        out.notes.push_back("not an IP address: " + (source ? flow.destination : flow.source));
        return out;
    }
    const FlowPath path = find_path(rules, flow, *source, *destination, out);
    bool blocked = false;
    bool unknown = path.source == nullptr || path.destination == nullptr;
    auto consult = [&](std::string filter, SideResult result) {
        blocked = blocked || result == SideResult::blocked;
        unknown = unknown || result == SideResult::unknown;
        out.path.push_back({std::move(filter), result == SideResult::allowed   ? "allowed"
                                               : result == SideResult::blocked ? "blocked"
                                                                               : "unknown"});
    };
    auto acl = [](bool allowed) { return allowed ? SideResult::allowed : SideResult::blocked; };
    const int port = flow.port;
    // In the order the packets meet them: the request out and in, then the answers back.
    if (path.source != nullptr) {
        consult(
            groups_label("this host's", *path.source, Direction::egress),
            Side{rules, *path.source, Direction::egress, *destination, path.destination, port, out}
                .evaluate());
    } else {
        out.path.push_back({"this host's security groups, egress", "not in the exports"});
    }
    if (path.source_acl != nullptr) {
        consult(acl_label("this host's", *path.source_acl, "egress"),
                acl(AclPass{*path.source_acl, true, *destination, false, out}.allows(port, port)));
    }
    cross_borders(rules, flow, *source, *destination, path, out, consult);
    if (path.destination_acl != nullptr) {
        consult(acl_label("the target's", *path.destination_acl, "ingress"),
                acl(AclPass{*path.destination_acl, false, *source, false, out}.allows(port, port)));
    }
    if (path.destination != nullptr) {
        consult(groups_label("the target's", *path.destination, Direction::ingress),
                Side{rules, *path.destination, Direction::ingress, *source, path.source, port, out}
                    .evaluate());
    } else {
        out.path.push_back({"the target's security groups, ingress", "not in the exports"});
    }
    if (path.destination_acl != nullptr) {
        consult(acl_label("the target's", *path.destination_acl, "egress (return path)"),
                acl(AclPass{*path.destination_acl, true, *source, true, out}.allows(kEphemeralFrom,
                                                                                    kEphemeralTo)));
    }
    if (path.source_acl != nullptr) {
        consult(acl_label("this host's", *path.source_acl, "ingress (return path)"),
                acl(AclPass{*path.source_acl, false, *destination, true, out}.allows(
                    kEphemeralFrom, kEphemeralTo)));
    }
    out.verdict = blocked ? Verdict::blocked : unknown ? Verdict::unknown : Verdict::allowed;
    if (!blocked) out.suspects.clear();
    return out;
}

std::vector<Suspect> pni_egress_rules(const RuleSet& rules) {
    std::vector<std::string> pni_groups;
    for (const auto& interface : rules.interfaces) {
        const bool pni = std::any_of(
            interface.tags.begin(), interface.tags.end(),
            [](const Tag& tag) { return tag.key == "Confluent" && lower(tag.value) == "true"; });
        if (!pni) continue;
        for (const auto& id : interface.groups) {
            if (std::find(pni_groups.begin(), pni_groups.end(), id) == pni_groups.end()) {
                pni_groups.push_back(id);
            }
        }
    }
    std::vector<Suspect> open;
    for (const auto& id : pni_groups) {
        const auto* group = find_group(rules, id);
        if (group == nullptr) continue;
        for (const auto& rule : group->rules) {
            if (rule.direction != Direction::egress || !rule.accept) continue;
            Suspect suspect;
            suspect.kind = "security-group-rule";
            suspect.id = rule.id.empty() ? group->id : rule.id;
            suspect.direction = "egress";
            suspect.rule = group->id + ": " + rule.describe(group->cloud);
            suspect.detail = group->id +
                             ", the security group of Confluent PNI ENIs (tagged "
                             "Confluent=true), allows egress " +
                             rule.describe(group->cloud) +
                             ": Confluent Cloud can open connections into this network through "
                             "it";
            open.push_back(std::move(suspect));
        }
    }
    return open;
}

std::vector<Suspect> wide_rules(const RuleSet& rules) {
    static const std::vector<Interval> kKafkaPorts = {
        {9092, 9095}, {443, 443}, {8081, 8090}, {9021, 9021}};
    std::vector<Suspect> warnings;
    for (const auto& group : rules.groups) {
        for (const auto& rule : group.rules) {
            if (rule.direction != Direction::ingress || !rule.accept || !rule.matches_tcp ||
                !rule.peer || !rule.peer->is_anywhere()) {
                continue;
            }
            const std::string ports = intervals_text(split_ports(kKafkaPorts, rule.ports).overlap);
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
