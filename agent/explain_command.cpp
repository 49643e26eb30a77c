// SPDX-License-Identifier: Apache-2.0
#include "agent/explain_command.h"
#include "core/report.h"

#include <iostream>
#include <ostream>

#include "reports/diagnosis/rules.h"
#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe {

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
    rules::Flow flow{command.explain.from, command.explain.to_host, command.explain.to_port};
    auto evaluation = rules::evaluate(rule_set, flow);

    const bool v6 = flow.destination.find(':') != std::string::npos;
    out << "tcp " << flow.source << " -> " << (v6 ? "[" : "") << flow.destination << (v6 ? "]" : "")
        << ":" << flow.port << ": " << rules::name(evaluation.verdict) << "\n";
    for (const auto& step : evaluation.steps) out << "  " << step.text << "\n";
    for (const auto& note : evaluation.notes) out << "  note: " << note << "\n";
    if (evaluation.verdict == rules::Verdict::allowed) {
        out << "  note: " << rules::kBeyondExports << "\n";
    }
    if (!evaluation.suspects.empty()) {
        out << "suspects:\n";
        for (const auto& suspect : evaluation.suspects) {
            out << "  " << suspect.kind << " " << suspect.id;
            if (suspect.kind == "network-acl-rule") out << " rule " << suspect.rule;
            if (!suspect.direction.empty()) out << " (" << suspect.direction << ")";
            out << ": " << suspect.detail << "\n";
        }
    }
    auto wide = rules::wide_rules(rule_set);
    if (!wide.empty()) {
        out << "warnings:\n";
        for (const auto& warning : wide)
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
