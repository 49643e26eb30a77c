// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/attribution.h"

#include <algorithm>

#include <fmt/format.h>

#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe {

namespace {

bool filter_shaped(Cause cause) {
    return cause == Cause::tcp_timeout || cause == Cause::tcp_prohibited ||
           cause == Cause::tcp_unreachable;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
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

}  // namespace

void attribute_to_rules(Report& report, const rules::RuleSet& rules) {
    for (auto& target : report.targets) {
        if (!target.cause || !filter_shaped(target.cause->code)) continue;
        // Every address that failed this way, not only the one shown: two zones' ENIs may sit
        // behind different groups or ACLs.
        auto& suspects = target.cause->suspects;
        for (const auto& address : target.evidence.addresses) {
            const TcpEvidence& tcp = address.tcp;
            if (tcp.status != StageStatus::failed || !filter_shaped(tcp.cause)) continue;
            std::string source = tcp.local_address;
            if (source.empty() && !report.agent.source_addresses.empty())
                source = report.agent.source_addresses.front();
            if (source.empty() || tcp.address.empty()) continue;
            const rules::Flow flow{source, tcp.address, target.evidence.target.port};
            for (auto& suspect : suspects_for(rules::evaluate(rules, flow), flow)) {
                bool seen = std::any_of(suspects.begin(), suspects.end(), [&](const Suspect& s) {
                    return s.kind == suspect.kind && s.id == suspect.id &&
                           s.direction == suspect.direction && s.rule == suspect.rule;
                });
                if (!seen) suspects.push_back(std::move(suspect));
            }
        }
    }

    auto wide = rules::wide_rules(rules);
    if (!wide.empty()) {
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
        report.findings.push_back(std::move(finding));
    }
}

}  // namespace vpcprobe
