// SPDX-License-Identifier: Apache-2.0
// `vpcprobe check`: one check (agent/check_run.h), rendered in the format asked for and written
// to -o or standard output. Blocks for the whole check; writes to stdout/stderr.
#pragma once

#include <string>

#include "agent/settings/cli.h"

namespace vpcprobe {

// Exit status: the report's (0 ok, 1 warnings, 2 a target failed), or 3 when the check could
// not run as asked (one line on stderr naming the flag or file). `command_line` goes into the
// report (already redacted).
int run_check_command(const Command& command, const std::string& command_line);

}  // namespace vpcprobe
