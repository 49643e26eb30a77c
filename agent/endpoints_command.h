// SPDX-License-Identifier: Apache-2.0
// `vpcprobe endpoints`: the plan a check would probe, as a table or JSON, without probing.
// Writes to stdout/stderr.
#pragma once

#include "agent/settings/cli.h"

namespace vpcprobe {

// Exit status: 0 printed, 3 the plan or the output could not be made.
int run_endpoints_command(const Command& command);

}  // namespace vpcprobe
