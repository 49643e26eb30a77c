// SPDX-License-Identifier: Apache-2.0
// The line the text and Markdown reports add under a stalled target's cause when a retry with a
// clamped MSS got through (docs/report.md, "MTU black holes"), so a reader of tls.timeout or
// protocol.timeout learns at once that the path, not the server, is in question.
// Pure functions: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// "a retry with MSS 1200 completed the TLS handshake: path MTU black hole suspected (finding
// network.mtu_blackhole_suspected)", from the shown address's evidence; "" when no clamp
// completed (nothing was retried, or every retry stalled too: not an MTU problem as far as the
// retries show).
std::string mtu_retry_line(const TargetReport& target);

}  // namespace vpcprobe
