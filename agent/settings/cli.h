// SPDX-License-Identifier: Apache-2.0
// The command line: subcommands check, endpoints, explain, serve, history, merge, plus --version
// and
// --help, parsed with CLI11 from the flags of the setting table (agent/settings/
// setting_table.h), applied over the config file (-c) and then the environment (NO_COLOR),
// and validated, so the rest of the program only ever sees valid settings. Every problem is
// one Error naming the flag or file at fault (exit code 3).
// Reads the NO_COLOR environment variable; otherwise pure. Not for concurrent use with setenv.
#pragma once

#include <string>

#include "agent/settings/settings.h"
#include "agent/settings/validate.h"
#include "core/result.h"

namespace vpcprobe {

// `usage`: no command was given; the text (a "vpcprobe: " line, then the help) goes to stderr
// and the exit code is 3.
enum class CommandKind { check, endpoints, explain, serve, history, merge, version, help, usage };

struct Command : Settings {
    CommandKind kind = CommandKind::help;
    std::string text;  // help, version or usage text, ready to print (ends with a newline)
};

// `checks` are the file checks only a lower layer can make (the TLS layer's trust-anchor
// loader); agent/file_checks.h has the ones the program uses.
Result<Command> parse_command_line(int argc, const char* const* argv, const FileChecks& checks);

// argv joined for reports, shell-quoted where needed, with the value of any flag whose name
// contains password, secret, token or key (--api-key X, --sasl-password=X) replaced by ***.
std::string redacted_command_line(int argc, const char* const* argv);

}  // namespace vpcprobe
