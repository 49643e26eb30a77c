// SPDX-License-Identifier: Apache-2.0
// Helpers every renderer shares, so all formats say the same thing the same way.
// Pure functions: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// Milliseconds as the reports give them: rounded to 0.1 ms.
double round_ms(double ms);

// One sentence on how much ran at once, for the text and Markdown headers: "at most 64 targets
// and 960 sockets at once (descriptor limit 1024); the most in flight: 64 targets, 70 sockets".
// Empty when the report does not know (agent.socket_budget 0).
std::string describe_concurrency(const AgentInfo& agent);

}  // namespace vpcprobe
