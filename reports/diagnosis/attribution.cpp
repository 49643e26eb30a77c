// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/attribution.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/text.h"
#include "reports/diagnosis/remedies.h"
#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe {

namespace {

bool filter_shaped(Cause cause) {
    return cause == Cause::tcp_timeout || cause == Cause::tcp_prohibited ||
           cause == Cause::tcp_unreachable;
}

std::vector<Suspect> suspects_for(const rules::Evaluation& evaluation, const rules::Flow& flow) {
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

// The flow a failed address stands for: the probe's own source (the socket's local end, so
// --bind is honoured; else the run's first source address) to the address and port that
// failed. nullopt when either end is not known.
std::optional<rules::Flow> failed_flow(const TcpEvidence& tcp, std::uint16_t port,
                                       const AgentInfo& agent) {
    std::string source = tcp.local_address;
    if (source.empty() && !agent.source_addresses.empty()) source = agent.source_addresses.front();
    if (source.empty() || tcp.address.empty()) return std::nullopt;
    return rules::Flow{source, tcp.address, port};
}

void add_unless_known(std::vector<Suspect>& suspects, Suspect suspect) {
    const bool known = std::any_of(suspects.begin(), suspects.end(), [&](const Suspect& s) {
        return s.kind == suspect.kind && s.id == suspect.id && s.direction == suspect.direction &&
               s.rule == suspect.rule;
    });
    if (!known) suspects.push_back(std::move(suspect));
}

// Every address that failed the way a filter makes it fail, not only the one shown: two
// zones' ENIs may sit behind different groups or ACLs.
void attribute_target(TargetReport& target, const AgentInfo& agent, const rules::RuleSet& rules) {
    auto& suspects = target.cause->suspects;
    for (const auto& address : target.evidence.addresses) {
        const TcpEvidence& tcp = address.tcp;
        if (tcp.status != StageStatus::failed || !filter_shaped(tcp.cause)) continue;
        const auto flow = failed_flow(tcp, target.evidence.target.port, agent);
        if (!flow) continue;
        for (auto& suspect : suspects_for(rules::evaluate(rules, *flow), *flow)) {
            add_unless_known(suspects, std::move(suspect));
        }
    }
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

}  // namespace

void attribute_to_rules(Report& report, const rules::RuleSet& rules) {
    for (auto& target : report.targets) {
        if (!target.cause || !filter_shaped(target.cause->code)) continue;
        attribute_target(target, report.agent, rules);
    }
    if (auto finding = wider_than_needed(rules)) report.findings.push_back(std::move(*finding));
    // The suspects just named make the remedies more precise ("allow ... in sg-0abc").
    add_remedies(report);
}

}  // namespace vpcprobe
