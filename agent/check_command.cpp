// SPDX-License-Identifier: Apache-2.0
#include "agent/check_command.h"

#include <unistd.h>

#include "agent/check_run.h"
#include "agent/command_output.h"
#include "reports/render/json_report.h"
#include "reports/render/junit_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/prometheus_report.h"
#include "reports/render/text_report.h"

namespace vpcprobe {
namespace {

std::string render(const Report& report, const CheckOptions& options) {
    switch (options.format) {
        case ReportFormat::json:  // streamed instead (run_check_command)
            return render_json(report);
        case ReportFormat::markdown:
            return render_markdown(report);
        case ReportFormat::junit:
            return render_junit(report);
        case ReportFormat::prometheus:
            return render_prometheus(report);
        case ReportFormat::text:
            break;
    }
    // Colour only for a person at a terminal.
    const bool color = options.color && !options.output && isatty(STDOUT_FILENO) == 1;
    return render_text(report, color);
}

}  // namespace

int run_check_command(const Command& command, const std::string& command_line) {
    auto checked = run_check_once(command.options, command_line);
    if (!checked) return cannot_run(checked.error());
    for (const std::string& warning : checked->warnings) warn(warning);
    const Report& report = checked->report;
    // JSON is written as it is rendered: its evidence is most of a large run's memory.
    const bool written =
        command.options.format == ReportFormat::json
            ? write_output(command.options.output,
                           [&report](const ReportSink& sink) { render_json(report, sink); })
            : write_output(command.options.output, render(report, command.options));
    if (!written) return kExitCannotRun;
    return exit_code(report);
}

}  // namespace vpcprobe
