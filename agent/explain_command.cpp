// SPDX-License-Identifier: Apache-2.0
#include "agent/explain_command.h"
#include "core/report.h"

#include <iostream>
#include <ostream>

#include "reports/diagnosis/rules.h"
#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe {

namespace {

void print_suspects(std::ostream& out, const char* heading, const std::vector<Suspect>& suspects) {
    if (suspects.empty()) return;
    out << heading << "\n";
    for (const auto& suspect : suspects) {
        out << "  " << suspect.kind << " " << suspect.id;
        if (suspect.kind == "network-acl-rule") out << " rule " << suspect.rule;
        if (!suspect.direction.empty()) out << " (" << suspect.direction << ")";
        out << ": " << suspect.detail << "\n";
    }
}

}  // namespace

int run_explain(const Command& command) {
    return run_explain(command, std::cout, std::cerr);
}

int run_explain(const Command& command, std::ostream& out, std::ostream& err) {
    auto loaded = rules::load_rules(command.options.rules_files);
    if (!loaded) {
        err << "vpcprobe: explain: " << loaded.error().message() << "\n";
        return kExitCannotRun;
    }
    const rules::RuleSet& rule_set = *loaded;
    rules::Flow flow{command.explain.from, command.explain.to_host, command.explain.to_port,
                     command.options.public_source};
    auto evaluation = rules::evaluate(rule_set, flow);

    const bool v6 = flow.destination.find(':') != std::string::npos;
    out << "tcp " << flow.source << " -> " << (v6 ? "[" : "") << flow.destination << (v6 ? "]" : "")
        << ":" << flow.port << ": " << rules::name(evaluation.verdict) << "\n";
    out << "filters on the path, in order:\n";
    for (const auto& consulted : evaluation.path) {
        out << "  " << consulted.filter << ": " << consulted.verdict << "\n";
    }
    out << "rules consulted, in order:\n";
    for (const auto& step : evaluation.steps) out << "  " << step.text << "\n";
    for (const auto& note : evaluation.notes) out << "  note: " << note << "\n";
    if (evaluation.verdict == rules::Verdict::allowed) {
        out << "  note: " << rules::kBeyondExports << "\n";
    }
    if (!evaluation.egress_as.empty()) out << "  note: " << evaluation.egress_as << "\n";
    print_suspects(out, "suspects:", evaluation.suspects);
    print_suspects(out, "may block (cannot be decided offline):", evaluation.possible);
    auto warnings = rules::wide_rules(rule_set);
    for (auto& open : rules::pni_egress_rules(rule_set)) warnings.push_back(std::move(open));
    if (!warnings.empty()) {
        out << "warnings:\n";
        for (const auto& warning : warnings)
            out << "  " << warning.detail << " [" << warning.rule << "]\n";
    }
    switch (evaluation.verdict) {
        case rules::Verdict::allowed:
            return 0;
        case rules::Verdict::blocked:
            return 2;
        case rules::Verdict::unknown:
            break;
    }
    return 1;
}

}  // namespace vpcprobe
