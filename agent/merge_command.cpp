// SPDX-License-Identifier: Apache-2.0
#include "agent/merge_command.h"

#include <unistd.h>

#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include "agent/command_output.h"
#include "core/bounded_file.h"
#include "core/fleet.h"
#include "reports/diagnosis/fleet.h"
#include "reports/diagnosis/report_reader.h"
#include "reports/diagnosis/rules.h"
#include "reports/render/fleet_report.h"

namespace vpcprobe {
namespace {

// One report, read from its file or from standard input ("-"), and parsed. The Error names
// the file.
Result<AgentReport> read_report(const std::string& path) {
    const bool standard_input = path == "-";
    const std::string named = standard_input ? "standard input (-)" : path;
    auto text =
        read_bounded_file(standard_input ? "/dev/stdin" : path, kMaxReportBytes, "vpcprobe report");
    if (!text) return std::move(text).error().context(named);
    auto report = parse_agent_report(*text, path);
    if (!report) return std::move(report).error().context(named);
    return report;
}

AgentInfo merging_host(const std::string& command_line) {
    AgentInfo host;
    char name[256] = {};
    host.hostname = gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
    host.name = host.hostname;
    host.version = VPCPROBE_VERSION;
    host.command_line = command_line;
    host.started_at = std::chrono::system_clock::now();
    return host;
}

std::string render(const FleetReport& report, ReportFormat format) {
    switch (format) {
        case ReportFormat::json:
            return render_fleet_json(report);
        case ReportFormat::markdown:
            return render_fleet_markdown(report);
        case ReportFormat::text:
        case ReportFormat::prometheus:  // refused by the command line
        case ReportFormat::junit:
            break;
    }
    return render_fleet_text(report);
}

}  // namespace

int run_merge_command(const Command& command, const std::string& command_line) {
    const MergeSettings& settings = command.merge;
    std::vector<AgentReport> reports;
    for (const std::string& path : settings.reports) {
        auto report = read_report(path);
        if (!report) return cannot_run(std::move(report).error().context("merge"));
        reports.push_back(std::move(*report));
    }
    std::optional<rules::RuleSet> rule_set;
    if (!settings.rules_files.empty()) {
        auto loaded = rules::load_rules(settings.rules_files);
        if (!loaded) return cannot_run(std::move(loaded).error().context("merge: --rules"));
        rule_set = std::move(*loaded);
    }
    auto merged = merge_reports(std::move(reports), merging_host(command_line),
                                rule_set ? &*rule_set : nullptr);
    if (!merged) return cannot_run(std::move(merged).error().context("merge"));
    if (!write_output(settings.output, render(*merged, settings.format))) return kExitCannotRun;
    return exit_code(*merged);
}

}  // namespace vpcprobe
