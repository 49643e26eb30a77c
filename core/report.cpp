// SPDX-License-Identifier: Apache-2.0
#include "core/report.h"

namespace vpcprobe {

const AddressEvidence* TargetReport::shown() const {
    if (shown_address >= evidence.addresses.size()) return nullptr;
    return &evidence.addresses[shown_address];
}

std::string_view name(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::info:
            return "info";
    }
    return "error";
}

int exit_code(const Report& report) {
    bool warned = false;
    for (const auto& target : report.targets) {
        if (target.status == StageStatus::failed || target.status == StageStatus::skipped) {
            return 2;
        }
        if (target.status == StageStatus::warning) warned = true;
    }
    return warned ? 1 : 0;
}

}  // namespace vpcprobe
