// SPDX-License-Identifier: Apache-2.0
#include "reports/render/mtu_line.h"

#include <fmt/format.h>

namespace vpcprobe {

std::string mtu_retry_line(const TargetReport& target) {
    const AddressEvidence* shown = target.shown();
    if (shown == nullptr || !shown->mtu || shown->mtu->working_mss() == 0) return "";
    const MtuEvidence& mtu = *shown->mtu;
    const std::string stage =
        mtu.stalled_stage == "protocol" ? "the protocol exchange" : "the TLS handshake";
    std::string stalled_first;
    for (const auto& attempt : mtu.attempts) {
        if (attempt.completed) break;
        stalled_first += fmt::format("a retry with MSS {} stalled too, then ", attempt.mss);
    }
    const std::string retry =
        stalled_first.empty() ? fmt::format("a retry with MSS {}", mtu.working_mss())
                              : fmt::format("{}one with MSS {}", stalled_first, mtu.working_mss());
    return fmt::format(
        "{} completed {}: path MTU black hole suspected (finding network.mtu_blackhole_suspected)",
        retry, stage);
}

}  // namespace vpcprobe
