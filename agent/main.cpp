// SPDX-License-Identifier: Apache-2.0
// vpcprobe's entry point: the command line becomes a Command (agent/settings), and one command
// runs it: check, endpoints, explain, serve, history or merge. Each command wires the stages of the
// flow (docs/architecture.md): settings -> plan -> probes -> diagnosis -> renderer -> output.
// Exit codes follow the Nagios plugin convention: 0 ok, 1 warnings, 2 failures, 3 could not run.
#include <signal.h>
#include <sys/resource.h>

#include <exception>

#include <fmt/format.h>

#include "agent/check_command.h"
#include "agent/command_output.h"
#include "agent/endpoints_command.h"
#include "agent/explain_command.h"
#include "agent/file_checks.h"
#include "agent/history_command.h"
#include "agent/merge_command.h"
#include "agent/serve.h"
#include "agent/settings/cli.h"
#include "core/report.h"

namespace vpcprobe {
namespace {

int run(int argc, const char* const* argv) {
    auto parsed = parse_command_line(argc, argv, probe_file_checks());
    if (!parsed) return cannot_run(parsed.error());
    const Command& command = *parsed;
    switch (command.kind) {
        case CommandKind::help:
        case CommandKind::version:
            fmt::print("{}", command.text);
            return 0;
        case CommandKind::usage:
            fmt::print(stderr, "{}", command.text);
            return kExitCannotRun;
        case CommandKind::endpoints:
            return run_endpoints_command(command);
        case CommandKind::check:
            return run_check_command(command, redacted_command_line(argc, argv));
        case CommandKind::explain:
            return run_explain(command);
        case CommandKind::history:
            return run_history(command);
        case CommandKind::merge:
            return run_merge_command(command, redacted_command_line(argc, argv));
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
