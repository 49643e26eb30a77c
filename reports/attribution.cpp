#include "reports/attribution.h"

#include <fmt/format.h>

#include "reports/rules_eval.h"

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
        const auto& addresses = target.evidence.addresses;
        if (target.shown_address >= addresses.size()) continue;
        const TcpEvidence& tcp = addresses[target.shown_address].tcp;
        std::string source = tcp.local_address;
        if (source.empty() && !report.agent.source_addresses.empty())
            source = report.agent.source_addresses.front();
        if (source.empty() || tcp.address.empty()) continue;
        const rules::Flow flow{source, tcp.address, target.evidence.target.port};
        auto suspects = suspects_for(rules::evaluate(rules, flow), flow);
        target.cause->suspects.insert(target.cause->suspects.end(), suspects.begin(),
                                      suspects.end());
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
