// SPDX-License-Identifier: Apache-2.0
// What `vpcprobe serve` answers: an immutable rendering of the latest result, every format at
// once, built by the scheduler thread and handed to the HTTP thread whole (by shared_ptr), so
// a request never sees half of one run and half of the next. /metrics is the report's families
// (reports/render/prometheus_report.h) followed by serve's own (vpcprobe_serve_ready, then, once
// a check has completed, its TLS context builds and the last check's CPU time), all
// written through reports/render/metric_families.h: a family's metadata is the same before the
// first check has completed and after. docs/serve.md describes the endpoints.
//
// Threading: a Snapshot is never changed once built, so any thread may read it; the builders
// are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/report.h"
#include "reports/render/metric_families.h"

namespace vpcprobe {

struct Snapshot {
    bool completed = false;   // a check has completed: the report endpoints have content
    std::string prometheus;   // /metrics in the Prometheus text format 0.0.4
    std::string openmetrics;  // /metrics in OpenMetrics 1.0.0
    std::string json;         // /report.json, "" until completed
    std::string markdown;     // /report.md, "" until completed

    const std::string& metrics(MetricsFormat format) const {
        return format == MetricsFormat::openmetrics ? openmetrics : prometheus;
    }
};

// Before the first check has completed: vpcprobe_build_info, vpcprobe_agent_info (this agent's
// name and labels, as its reports will carry them) and vpcprobe_serve_ready 0, so a scrape
// still succeeds, reads as "starting" and already names the agent.
std::shared_ptr<const Snapshot> pending_snapshot(std::string_view agent_name,
                                                 std::span<const AgentLabel> agent_labels);

// What serving cost up to a completed check, for serve's own families.
struct ServeCost {
    std::uint64_t tls_context_builds = 0;    // since serve started
    std::chrono::microseconds check_cpu{0};  // of the check just completed
};

// A completed check: the report's families, vpcprobe_serve_ready 1 and the cost families, the
// JSON and Markdown reports.
std::shared_ptr<const Snapshot> report_snapshot(const Report& report, const ServeCost& cost);

}  // namespace vpcprobe
