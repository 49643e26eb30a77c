// SPDX-License-Identifier: Apache-2.0
#include "core/fleet.h"

#include "core/address.h"
#include "core/text.h"

namespace vpcprobe {

std::string target_key(const std::string& host, std::uint16_t port) {
    return endpoint_text(lower(host), port);
}

int exit_code(const FleetReport& report) {
    bool warned = false;
    for (const FleetTarget& target : report.targets) {
        for (const auto& cell : target.cells) {
            if (!cell) continue;
            if (cell->status == StageStatus::failed || cell->status == StageStatus::skipped) {
                return 2;
            }
            if (cell->status == StageStatus::warning) warned = true;
        }
    }
    return warned ? 1 : 0;
}

}  // namespace vpcprobe
