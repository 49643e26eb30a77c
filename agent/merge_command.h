// SPDX-License-Identifier: Apache-2.0
// `vpcprobe merge REPORT...`: the JSON reports of several agents read back
// (reports/diagnosis/report_reader.h), merged into one matrix with the findings across agents
// (reports/diagnosis/fleet.h), rendered as text, JSON or Markdown (reports/render/
// fleet_report.h) to -o or standard output. Reads files and standard input; writes to
// stdout/stderr.
#pragma once

#include <string>

#include "agent/settings/cli.h"

namespace vpcprobe {

// Exit status as check's, over the merged matrix (0 ok, 1 warnings, 2 a target failed from
// some agent), or 3 when the reports cannot be merged (one line on stderr naming the file).
int run_merge_command(const Command& command, const std::string& command_line);

}  // namespace vpcprobe
