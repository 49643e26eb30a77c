// SPDX-License-Identifier: Apache-2.0
// `vpcprobe history`: prints the status changes `vpcprobe serve --state-dir` recorded
// (agent/history.h), oldest first, as a table or JSON. Reads the state directory only; never
// creates or writes it. Writes to the given streams; call from one thread at a time.
#pragma once

#include <iosfwd>

#include "agent/settings/cli.h"

namespace vpcprobe {

// Exit status: 0 printed (malformed lines are skipped with a warning on stderr), 3 the state
// directory is missing or unreadable (one line on stderr naming it).
int run_history(const Command& command);

// The same, writing to the given streams (for tests).
int run_history(const Command& command, std::ostream& out, std::ostream& err);

}  // namespace vpcprobe
