// SPDX-License-Identifier: Apache-2.0
// vpcprobe's entry point: command line -> plan -> probe engine -> diagnosis -> renderer -> sink.
// Each arrow hands a plain value on (design.md, "Data flow, one direction"). Exit codes follow
// the Nagios convention of the contract: 0 ok, 1 warnings, 2 failures, 3 could not run.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "agent/check_run.h"
#include "agent/explain.h"
#include "agent/history_command.h"
#include "agent/serve.h"
#include "agent/settings/cli.h"
#include "agent/settings/credentials.h"
#include "agent/settings/plan.h"
#include "core/report.h"
#include "probes/engine.h"
#include "reports/diagnosis/attribution.h"
#include "reports/diagnosis/rules.h"
#include "reports/render/json_report.h"
#include "reports/render/junit_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/output.h"
#include "reports/render/plan_report.h"
#include "reports/render/prometheus_report.h"
#include "reports/render/text_report.h"

namespace vpcprobe {
namespace {

constexpr int kExitCannotRun = 3;

int usage_error(const std::string& message) {
    fmt::print(stderr, "vpcprobe: {}\n", message);
    return kExitCannotRun;
}

// The report to -o or standard output; false (with the reason on stderr) when it could not be.
bool write_output(const std::optional<std::string>& output, const std::string& content) {
    auto written = write_report(output, content);
    if (written) return true;
    usage_error(written.error().context(output ? "-o " + *output : "stdout").message());
    return false;
}

int run_endpoints(const CheckOptions& options) {
    std::string error;
    auto plan = build_plan(options, error);
    if (!error.empty()) return usage_error(error);
    std::string out =
        options.format == ReportFormat::json ? render_plan_json(plan) : render_plan(plan);
    return write_output(options.output, out) ? 0 : kExitCannotRun;
}

int run_check(const CheckOptions& options, const std::string& command_line) {
    std::string error;
    std::string warning;
    auto checked = run_check_once(options, command_line, error, warning);
    if (!warning.empty()) fmt::print(stderr, "vpcprobe: warning: {}\n", warning);
    if (!checked) return usage_error(error);
    const Report& report = *checked;

    std::string out;
    switch (options.format) {
        case ReportFormat::json:
            out = render_json(report);
            break;
        case ReportFormat::markdown:
            out = render_markdown(report);
            break;
        case ReportFormat::junit:
            out = render_junit(report);
            break;
        case ReportFormat::prometheus:
            out = render_prometheus(report);
            break;
        case ReportFormat::text: {
            bool color = options.color && !options.output && isatty(STDOUT_FILENO) == 1;
            out = render_text(report, color);
            break;
        }
    }
    return write_output(options.output, out) ? exit_code(report) : kExitCannotRun;
}

int run(int argc, const char* const* argv) {
    auto parsed = parse_command_line(argc, argv);
    if (auto* error = std::get_if<UsageError>(&parsed)) return usage_error(error->message);
    const auto& command = std::get<Command>(parsed);
    switch (command.kind) {
        case CommandKind::help:
        case CommandKind::version:
            fmt::print("{}", command.text);
            return 0;
        case CommandKind::endpoints:
            return run_endpoints(command.options);
        case CommandKind::check:
            return run_check(command.options, redacted_command_line(argc, argv));
        case CommandKind::explain:
            return run_explain(command);
        case CommandKind::history:
            return run_history(command);
        case CommandKind::serve:
            return run_serve(command, argc, argv);
    }
    return kExitCannotRun;
}

}  // namespace
}  // namespace vpcprobe

int main(int argc, char** argv) {
    // A closed pipe (vpcprobe check | head) is the reader's choice, not a crash.
    signal(SIGPIPE, SIG_IGN);
    // Every address in flight holds a descriptor: use all the hard limit allows (the engine
    // then keeps within the soft limit it finds).
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    try {
        return vpcprobe::run(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "vpcprobe: internal error: {}\n", e.what());
    } catch (...) {
        fmt::print(stderr, "vpcprobe: internal error\n");
    }
    return vpcprobe::kExitCannotRun;
}
