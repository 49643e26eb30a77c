// SPDX-License-Identifier: Apache-2.0
// A status change: one target whose status differs between two consecutive runs of
// `vpcprobe serve` (ok -> failed at 10:02:13, with the cause). The history compares runs into
// these (agent/history.h), records them, logs them and `vpcprobe history` renders them
// (reports/render/changes_report.h); docs/serve.md ("History") describes the record.
// A plain value: copy freely, safe from any thread.
#pragma once

#include <string>

#include "core/evidence.h"  // SystemTime

namespace vpcprobe {

struct StatusChange {
    SystemTime at{};       // started_at of the run that saw the new status
    std::string endpoint;  // "host:port"
    std::string component;
    std::string access;
    std::string from;   // "ok" | "warning" | "failed" | "new" (absent from the previous run)
    std::string to;     // "ok" | "warning" | "failed" | "gone" (absent from this run)
    std::string cause;  // cause code of the new status, "" when ok or gone
};

}  // namespace vpcprobe
