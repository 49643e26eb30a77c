// SPDX-License-Identifier: Apache-2.0
// `vpcprobe explain --rules FILE... --from IP --to IP:PORT`: evaluates one TCP flow against
// security-group / network-ACL / interface exports offline (reports/rules_eval.h), without
// sending any traffic, and prints the verdict, every rule consulted in order, the suspects
// and warnings about rules wider than least privilege.
// Writes to stdout/stderr; otherwise no shared state. Call from one thread at a time.
#pragma once

#include <iosfwd>

#include "agent/settings/cli.h"

namespace vpcprobe {

// Exit status: 0 the exports allow the flow, 1 nothing in the exports blocks it but an
// address (or its groups) is not in them, 2 blocked, 3 a rules file is unreadable or
// malformed (one line on stderr naming the file).
int run_explain(const Command& command);

// The same, writing to the given streams (for tests).
int run_explain(const Command& command, std::ostream& out, std::ostream& err);

}  // namespace vpcprobe
