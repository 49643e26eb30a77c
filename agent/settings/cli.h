// SPDX-License-Identifier: Apache-2.0
// The command line: subcommands check, endpoints, explain, serve, history, plus --version and
// --help, parsed with CLI11, merged over the config file (-c) field by field, and validated, so
// the rest of the program only ever sees valid options. Never throws: every problem becomes a
// one-line UsageError naming the flag or file at fault (exit code 3 in the contract).
// Reads the NO_COLOR environment variable; otherwise pure. Not for concurrent use with
// setenv.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "agent/settings/options.h"

namespace vpcprobe {

enum class CommandKind { check, endpoints, explain, serve, history, version, help };

// `vpcprobe serve` beyond the check options.
struct ServeSettings {
    std::chrono::milliseconds interval{std::chrono::seconds(60)};  // --interval, between runs
    std::string listen = "127.0.0.1:9464";  // --listen IP:PORT for /metrics and the report
    std::string state_dir;   // --state-dir DIR: history of runs (agent/history.h); "" = none
    std::size_t keep = 100;  // --keep N: reports kept in state_dir/reports, 1..100000
};

// `vpcprobe history [--state-dir DIR] [--format text|json] [--limit N]`.
struct HistorySettings {
    std::string state_dir = "/var/lib/vpcprobe";
    ReportFormat format = ReportFormat::text;  // text or json only
    std::size_t limit = 100;                   // the newest N changes; 0 = all that are kept
};

// `vpcprobe explain --rules FILE... --from IP --to IP:PORT`; the rules files are in
// Command::options.rules_files.
struct ExplainSettings {
    std::string from;     // source IP literal
    std::string to_host;  // destination IP literal, without brackets
    std::uint16_t to_port = 0;
};

struct Command {
    CommandKind kind = CommandKind::help;
    CheckOptions options;  // check, endpoints, serve; rules_files for explain
    std::string text;      // help or version text, ready to print (ends with a newline)
    ServeSettings serve;
    ExplainSettings explain;
    HistorySettings history;
};

struct UsageError {
    std::string message;  // one line, names the flag or file at fault
};

std::variant<Command, UsageError> parse_command_line(int argc, const char* const* argv);

// argv joined for reports, shell-quoted where needed, with the value of any flag whose name
// contains password, secret, token or key (--api-key X, --sasl-password=X) replaced by ***.
std::string redacted_command_line(int argc, const char* const* argv);

}  // namespace vpcprobe
