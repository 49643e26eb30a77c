// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules_eval_border.h"

#include <algorithm>
#include <utility>

#include "core/text.h"

namespace vpcprobe::rules::border {

namespace {

std::vector<std::string> texts(const std::vector<Cidr>& addresses) {
    std::vector<std::string> out;
    for (const auto& address : addresses) out.push_back(address.text);
    return out;
}

// How specifically `entry` covers the host: twice the prefix length of its SourceCIDR, 63 for a
// vSwitch match without one (above every CIDR short of a /32); -1 when it does not cover it.
int specificity(const SnatEntry& entry, const Cidr& source, const Interface* interface) {
    if (entry.source_cidr) {
        return entry.source_cidr->contains(source) ? 2 * entry.source_cidr->prefix : -1;
    }
    if (!entry.source_vswitch.empty() && interface != nullptr &&
        interface->subnet == entry.source_vswitch) {
        return 63;
    }
    return -1;
}

const SnatEntry* best_snat_entry(const RuleSet& rules, const Cidr& source,
                                 const Interface* interface, Evaluation& out) {
    const SnatEntry* best = nullptr;
    int best_score = -1;
    for (const auto& entry : rules.snat_entries) {
        const int score = specificity(entry, source, interface);
        if (score < 0) continue;
        if (lower(entry.status) != "available") {
            out.notes.push_back(
                entry.id + " covers " + source.text + " but is " +
                (entry.status.empty() ? std::string("without a status") : entry.status) +
                ", not Available: it does not translate");
            continue;
        }
        if (score > best_score) {
            best = &entry;
            best_score = score;
        }
    }
    return best;
}

}  // namespace

std::optional<PublicSource> public_source(const RuleSet& rules, const Flow& flow,
                                          const Cidr& source, const Interface* source_interface,
                                          Evaluation& out) {
    if (!flow.public_source.empty()) {
        if (auto given = Cidr::parse(flow.public_source)) {
            out.egress_as = "this host reaches the Internet as " + given->text +
                            " (as given by --public-source)";
            out.steps.push_back({"NAT: " + out.egress_as, StepOutcome::note});
            return PublicSource{{*given}, "--public-source"};
        }
    }
    if (is_public_address(source)) {
        out.steps.push_back(
            {"NAT: " + source.text + " is public itself: no SNAT applies", StepOutcome::note});
        return PublicSource{{source}, "its own address"};
    }
    const SnatEntry* entry = best_snat_entry(rules, source, source_interface, out);
    if (entry == nullptr) {
        if (!rules.snat_entries.empty() || !rules.firewall_policies.empty()) {
            out.steps.push_back({"NAT: no Available SNAT entry in the exports covers " +
                                     source.text +
                                     ": the public address Internet-border policies see is "
                                     "unknown (give --public-source)",
                                 StepOutcome::note});
        }
        return std::nullopt;
    }
    const std::string via =
        entry->id + (entry->nat_gateway.empty() ? "" : " (" + entry->nat_gateway + ")");
    const std::string covers = entry->source_cidr ? "SourceCIDR " + entry->source_cidr->text
                                                  : "SourceVSwitchId " + entry->source_vswitch;
    out.egress_as = "this host reaches the Internet as " + join(texts(entry->addresses), " or ") +
                    " via " + via;
    out.steps.push_back({"NAT: " + entry->id + " (" + covers + ", SnatIp " +
                             join(texts(entry->addresses), ",") + "): " + out.egress_as,
                         StepOutcome::note});
    return PublicSource{entry->addresses, via};
}

namespace {

enum class Match { no, yes, maybe };

struct Judged {
    Match match = Match::yes;
    std::string why;  // why not, or why it cannot be told
};

// Folds one criterion into the verdict so far: any "no" wins, then any "maybe".
void fold(Judged& judged, Match match, std::string why) {
    if (judged.match == Match::no) return;
    if (match == Match::no || (match == Match::maybe && judged.match == Match::yes)) {
        judged.match = match;
        judged.why = std::move(why);
    }
}

bool anywhere(const FirewallAddresses& addresses) {
    return addresses.unknowable.empty() &&
           std::any_of(addresses.cidrs.begin(), addresses.cidrs.end(),
                       [](const Cidr& cidr) { return cidr.is_anywhere(); });
}

Judged judge_addresses(const FirewallAddresses& addresses, const std::optional<Cidr>& address,
                       std::string_view role) {
    Judged judged;
    if (!addresses.unknowable.empty()) {
        fold(judged, Match::maybe, addresses.unknowable + " cannot be evaluated offline");
    } else if (!address) {
        fold(judged, anywhere(addresses) ? Match::yes : Match::maybe,
             "the public address this host is seen from is unknown (give --public-source or "
             "the SNAT entries)");
    } else if (std::none_of(addresses.cidrs.begin(), addresses.cidrs.end(),
                            [&](const Cidr& cidr) { return cidr.contains(*address); })) {
        fold(judged, Match::no,
             std::string(role) + " " + address->text + " outside " + addresses.text);
    }
    return judged;
}

Judged judge(const FirewallPolicy& policy, const std::optional<Cidr>& source,
             const Cidr& destination, int port) {
    Judged judged;
    if (!policy.matches_tcp) fold(judged, Match::no, "not tcp");
    if (!policy.ports_unknowable.empty()) {
        fold(judged, Match::maybe, policy.ports_unknowable + " cannot be evaluated offline");
    } else if (std::none_of(policy.ports.begin(), policy.ports.end(),
                            [&](const PortRange& ports) { return ports.contains(port); })) {
        fold(judged, Match::no, "other port");
    }
    const Judged from = judge_addresses(policy.source, source, "source");
    fold(judged, from.match, from.why);
    const Judged to = judge_addresses(policy.destination, destination, "destination");
    fold(judged, to.match, to.why);
    if (upper(policy.application) != "ANY") {
        fold(judged, Match::maybe,
             "application " + policy.application + " cannot be told from the flow offline");
    }
    return judged;
}

std::string suspect_direction(FirewallBorder border) {
    switch (border) {
        case FirewallBorder::internet_in:
            return "ingress";
        case FirewallBorder::internet_out:
            return "egress";
        case FirewallBorder::vpc:
            break;
    }
    return "";
}

Suspect policy_suspect(const FirewallPolicy& policy, const std::string& flow, bool certain,
                       const std::string& why) {
    Suspect suspect;
    suspect.kind = "cloud-firewall-policy";
    suspect.id = policy.uuid;
    suspect.direction = suspect_direction(policy.border);
    suspect.rule = policy.describe();
    suspect.detail = "Cloud Firewall " + std::string(name(policy.border)) + " policy " +
                     policy.uuid + " (order " + std::to_string(policy.order) +
                     (policy.description.empty() ? "" : ", " + quote(policy.description)) + ") " +
                     (certain ? "drops " : "may drop ") + flow +
                     (certain ? "" : ": it may match (" + why + "), not guessed");
    return suspect;
}

std::vector<const FirewallPolicy*> policies_of(const RuleSet& rules, FirewallBorder border) {
    std::vector<const FirewallPolicy*> policies;
    for (const auto& policy : rules.firewall_policies) {
        if (policy.border == border) policies.push_back(&policy);
    }
    std::stable_sort(policies.begin(), policies.end(),
                     [](const auto* a, const auto* b) { return a->order < b->order; });
    return policies;
}

}  // namespace

PassResult firewall(const RuleSet& rules, FirewallBorder border, const std::optional<Cidr>& source,
                    const Cidr& destination, int port, Evaluation& out) {
    const auto policies = policies_of(rules, border);
    if (policies.empty()) return PassResult::allowed;
    const std::string label = "Cloud Firewall " + std::string(name(border));
    const std::string flow = "tcp/" + std::to_string(port) + " from " +
                             (source ? source->text : std::string("this host")) + " to " +
                             destination.text;
    bool maybe_passes = false;  // a policy before the deciding one may let it through
    bool maybe_drops = false;   // ... or may drop it
    for (const auto* policy : policies) {
        const std::string text = label + " " + policy->describe();
        if (!policy->enabled) {
            out.steps.push_back({text + ": skipped (Release false)", StepOutcome::no_match});
            continue;
        }
        const Judged judged = judge(*policy, source, destination, port);
        if (judged.match == Match::no) {
            out.steps.push_back({text + ": no match (" + judged.why + ")", StepOutcome::no_match});
            continue;
        }
        if (judged.match == Match::maybe) {
            out.steps.push_back({text + ": may match (" + judged.why + ") -> would " +
                                     std::string(name(policy->action)),
                                 StepOutcome::note});
            if (policy->action == FirewallAction::drop) {
                maybe_drops = true;
                out.possible.push_back(policy_suspect(*policy, flow, false, judged.why));
            } else {
                maybe_passes = true;
            }
            continue;
        }
        if (policy->action == FirewallAction::drop) {
            out.steps.push_back({text + ": matches -> drop", StepOutcome::deny});
            auto suspect = policy_suspect(*policy, flow, true, "");
            if (maybe_passes) {
                out.possible.push_back(std::move(suspect));
                return PassResult::unknown;
            }
            out.suspects.push_back(std::move(suspect));
            return PassResult::blocked;
        }
        out.steps.push_back({text + (policy->action == FirewallAction::log
                                         ? ": matches -> log (monitor: the flow passes)"
                                         : ": matches -> accept"),
                             StepOutcome::allow});
        return maybe_drops ? PassResult::unknown : PassResult::allowed;
    }
    out.steps.push_back({label + ": no policy matches -> allow (Cloud Firewall allows what no "
                                 "policy matches)",
                         StepOutcome::allow});
    return maybe_drops ? PassResult::unknown : PassResult::allowed;
}

}  // namespace vpcprobe::rules::border
