// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/attribution.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/text.h"
#include "reports/diagnosis/path_reading.h"
#include "reports/diagnosis/remedies.h"
#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe {

namespace {

bool filter_shaped(Cause cause) {
    return cause == Cause::tcp_timeout || cause == Cause::tcp_prohibited ||
           cause == Cause::tcp_unreachable;
}

std::vector<Suspect> verdict_suspects(const rules::Evaluation& evaluation,
                                      const rules::Flow& flow) {
    switch (evaluation.verdict) {
        case rules::Verdict::blocked:
            return evaluation.suspects;
        case rules::Verdict::allowed:
            return {Suspect{"firewall", "", "", "",
                            fmt::format("tcp {} -> {}:{}: {}", flow.source, flow.destination,
                                        flow.port, rules::kBeyondExports)}};
        case rules::Verdict::unknown:
            return {Suspect{"firewall", "", "", "",
                            fmt::format("the exports given with --rules do not decide tcp {} -> "
                                        "{}:{} ({}); export the interfaces and groups of both "
                                        "ends to name the rule",
                                        flow.source, flow.destination, flow.port,
                                        evaluation.notes.empty() ? "an address is not in them"
                                                                 : join(evaluation.notes, "; "))}};
    }
    return {};
}

// The suspects of one evaluation: what blocks it (or the `firewall` suspect saying to look
// beyond the exports, or that they do not decide it), then what may block it; each saying which
// address the Internet sees this host as, for a public destination.
std::vector<Suspect> suspects_for(const rules::Evaluation& evaluation, const rules::Flow& flow) {
    auto suspects = verdict_suspects(evaluation, flow);
    suspects.insert(suspects.end(), evaluation.possible.begin(), evaluation.possible.end());
    if (!evaluation.egress_as.empty()) {
        for (auto& suspect : suspects) suspect.detail += " (" + evaluation.egress_as + ")";
    }
    return suspects;
}

// The flow a failed address stands for: the probe's own source (the socket's local end, so
// --bind is honoured; else the run's first source address) to the address and port that
// failed. nullopt when either end is not known.
std::optional<rules::Flow> failed_flow(const TcpEvidence& tcp, std::uint16_t port,
                                       const AgentInfo& agent, const std::string& public_source) {
    std::string source = tcp.local_address;
    if (source.empty() && !agent.source_addresses.empty()) source = agent.source_addresses.front();
    if (source.empty() || tcp.address.empty()) return std::nullopt;
    return rules::Flow{source, tcp.address, port, public_source};
}

void add_unless_known(std::vector<Suspect>& suspects, Suspect suspect) {
    const bool known = std::any_of(suspects.begin(), suspects.end(), [&](const Suspect& s) {
        return s.kind == suspect.kind && s.id == suspect.id && s.direction == suspect.direction &&
               s.rule == suspect.rule;
    });
    if (!known) suspects.push_back(std::move(suspect));
}

// Where a suspect sits on the flow, as rules_eval.cpp names them: a security group's egress is
// the source's (this host's), its ingress the destination's; a network ACL's entry on the
// request path is the source subnet's when egress, the destination's when ingress, and the
// other way round on the return path ("return traffic" in its detail).
enum class Side { agent_egress, agent_return, target, beyond };

Side side_of(const Suspect& suspect) {
    const bool egress = suspect.direction == "egress";
    if (suspect.kind == "network-acl-rule") {
        const bool return_path = suspect.detail.find("return traffic") != std::string::npos;
        if (return_path) return egress ? Side::target : Side::agent_return;
        return egress ? Side::agent_egress : Side::target;
    }
    if (suspect.kind == "security-group" || suspect.kind == "security-group-rule") {
        return egress ? Side::agent_egress : Side::target;
    }
    return Side::beyond;
}

// The order suspects are said in, from the path trace (docs/rules.md, "What the report says"):
// hops that answered the probe's flow mean it left this host, so the target's side comes first
// and this host's egress last; nothing answering points at this host's egress first. Without a
// trace the evaluation's own order (the order the packets meet the rules) stands.
int rank_of(Side side, const path::Reading& reading) {
    if (reading.left_host) {
        constexpr int kOrder[] = {3, 2, 0, 1};  // agent_egress, agent_return, target, beyond
        return kOrder[static_cast<int>(side)];
    }
    if (reading.silent_from_start) {
        constexpr int kOrder[] = {0, 1, 2, 3};
        return kOrder[static_cast<int>(side)];
    }
    return 0;
}

// What the trace says against an egress suspect of this host, or beside a target-side one.
void annotate(Suspect& suspect, Side side, const path::Reading& reading) {
    if (!reading.left_host) return;
    const TraceHop& last = *reading.last;
    if (side == Side::agent_egress) {
        suspect.detail += fmt::format(
            "; but the path trace contradicts it: hop {}, {}, answered a SYN sent {}, so this "
            "host's egress let the flow out (a stale export?)",
            last.ttl, last.address,
            reading.own_port ? "from the probe's own port" : "to the same port");
    } else if (side == Side::target && reading.last_near_destination) {
        suspect.detail += fmt::format(
            "; the path trace's last answer came from {}, in the destination's subnet (by its "
            "/24 or /64)",
            last.address);
    }
}

struct Ranked {
    int rank = 0;
    Suspect suspect;
};

// Every address that failed the way a filter makes it fail, not only the one shown: two
// zones' ENIs may sit behind different groups or ACLs. Each address's own trace orders and
// annotates its suspects.
void attribute_target(TargetReport& target, const AgentInfo& agent, const rules::RuleSet& rules,
                      const std::string& public_source) {
    std::vector<Ranked> ranked;
    for (const auto& address : target.evidence.addresses) {
        const TcpEvidence& tcp = address.tcp;
        if (tcp.status != StageStatus::failed || !filter_shaped(tcp.cause)) continue;
        const auto flow = failed_flow(tcp, target.evidence.target.port, agent, public_source);
        if (!flow) continue;
        const path::Reading reading = path::read(tcp);
        for (auto& suspect : suspects_for(rules::evaluate(rules, *flow), *flow)) {
            const Side side = side_of(suspect);
            annotate(suspect, side, reading);
            ranked.push_back({rank_of(side, reading), std::move(suspect)});
        }
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Ranked& a, const Ranked& b) { return a.rank < b.rank; });
    for (auto& entry : ranked) add_unless_known(target.cause->suspects, std::move(entry.suspect));
}

std::optional<Finding> wider_than_needed(const rules::RuleSet& rules) {
    auto wide = rules::wide_rules(rules);
    if (wide.empty()) return std::nullopt;
    Finding finding;
    finding.code = "rules.wider_than_needed";
    finding.severity = Severity::warning;
    finding.summary = fmt::format(
        "{} security-group rule(s) accept a Kafka or Confluent port from anywhere "
        "(0.0.0.0/0 or ::/0)",
        wide.size());
    finding.suspects = std::move(wide);
    finding.remedy =
        "Allow only the clients' CIDRs on these ports (least privilege, as the Confluent "
        "PNI / PrivateLink guidance recommends for the endpoint's security group)";
    return finding;
}

std::optional<Finding> pni_egress_open(const rules::RuleSet& rules) {
    auto open = rules::pni_egress_rules(rules);
    if (open.empty()) return std::nullopt;
    std::vector<std::string> groups;
    for (const auto& suspect : open) {
        const auto group = suspect.rule.substr(0, suspect.rule.find(':'));
        if (std::find(groups.begin(), groups.end(), group) == groups.end()) groups.push_back(group);
    }
    Finding finding;
    finding.code = "rules.pni_egress_open";
    finding.severity = Severity::warning;
    finding.summary = fmt::format(
        "the security group(s) {} of Confluent PNI ENIs (tagged Confluent=true) have {} egress "
        "rule(s): Confluent Cloud can open connections into this network",
        join(groups, ", "), open.size());
    finding.suspects = std::move(open);
    finding.remedy = fmt::format(
        "Remove the egress rules of {} (aws ec2 revoke-security-group-egress): the Confluent PNI "
        "guidance is tcp/9092 and tcp/443 ingress from the client CIDRs only and no egress rules, "
        "except routes fully managed connectors need",
        join(groups, ", "));
    return finding;
}

}  // namespace

void attribute_to_rules(Report& report, const rules::RuleSet& rules,
                        const std::string& public_source) {
    for (auto& target : report.targets) {
        if (!target.cause || !filter_shaped(target.cause->code)) continue;
        attribute_target(target, report.agent, rules, public_source);
    }
    if (auto finding = wider_than_needed(rules)) report.findings.push_back(std::move(*finding));
    if (auto finding = pni_egress_open(rules)) report.findings.push_back(std::move(*finding));
    // The suspects just named make the remedies more precise ("allow ... in sg-0abc").
    add_remedies(report);
}

}  // namespace vpcprobe
