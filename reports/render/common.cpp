// SPDX-License-Identifier: Apache-2.0
#include "reports/render/common.h"

#include <fmt/format.h>

#include <cmath>

namespace vpcprobe {

double round_ms(double ms) {
    if (!std::isfinite(ms) || ms <= 0) return 0;
    return std::round(ms * 10) / 10;
}

std::string describe_concurrency(const AgentInfo& agent) {
    if (agent.socket_budget == 0) return "";
    std::string limit = agent.descriptor_limit == 0
                            ? std::string("no descriptor limit")
                            : fmt::format("descriptor limit {}", agent.descriptor_limit);
    std::string text = fmt::format(
        "at most {} targets and {} sockets at once ({}); the most in flight: {} targets, {} "
        "sockets",
        agent.concurrency, agent.socket_budget, limit, agent.peak_targets, agent.peak_sockets);
    // Said only when it happened: the descriptor limit, not --concurrency, set the pace.
    if (agent.queued_for_socket > 0) {
        text += fmt::format("; {} address{} waited for a free socket", agent.queued_for_socket,
                            agent.queued_for_socket == 1 ? "" : "es");
    }
    return text;
}

}  // namespace vpcprobe
