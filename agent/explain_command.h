// SPDX-License-Identifier: Apache-2.0
// `vpcprobe explain --rules FILE... --from IP --to IP:PORT [--public-source ADDR]`: evaluates
// one TCP flow against security-group / network-ACL / NAT / Cloud Firewall / interface exports
// offline (reports/diagnosis/rules_eval.h), without sending any traffic, and prints the
// verdict, every filter consulted in order with its verdict, the suspects, what may block but
// cannot be decided offline, and warnings about rules wider than least privilege or egress
// open on Confluent PNI ENIs.
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
