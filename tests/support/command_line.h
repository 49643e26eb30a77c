// SPDX-License-Identifier: Apache-2.0
// Test support: the command line as the tests of the settings give it, "vpcprobe" put in front
// and the file checks of the real binary (agent/file_checks.h) used.
// Pure apart from the files the settings read; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "agent/settings/cli.h"
#include "core/result.h"

namespace vpcprobe::test {

// parse_command_line of {"vpcprobe", args...}.
Result<Command> parse_arguments(std::vector<std::string> args);

}  // namespace vpcprobe::test
