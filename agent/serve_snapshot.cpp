// SPDX-License-Identifier: Apache-2.0
#include "agent/serve_snapshot.h"

#include <utility>

#include "reports/render/json_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/prometheus_report.h"

namespace vpcprobe {

namespace {

// `families` followed by vpcprobe_serve_ready, and the terminator OpenMetrics ends with.
std::string with_ready_family(std::string families, bool ready, MetricsFormat format) {
    MetricSamples serve_ready(metric_family::serve_ready);
    serve_ready.add("", ready ? "1" : "0");
    serve_ready.append_to(families, format);
    if (format == MetricsFormat::openmetrics) families += kOpenMetricsEof;
    return families;
}

// Before the first check: only vpcprobe_build_info of the report's families.
std::string pending_metrics(MetricsFormat format) {
    return with_ready_family(render_build_info_family(VPCPROBE_VERSION, format), false, format);
}

std::string report_metrics(const Report& report, MetricsFormat format) {
    return with_ready_family(render_report_families(report, format), true, format);
}

}  // namespace

std::shared_ptr<const Snapshot> pending_snapshot() {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->prometheus = pending_metrics(MetricsFormat::prometheus_text);
    snapshot->openmetrics = pending_metrics(MetricsFormat::openmetrics);
    return snapshot;
}

std::shared_ptr<const Snapshot> report_snapshot(const Report& report) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->completed = true;
    snapshot->prometheus = report_metrics(report, MetricsFormat::prometheus_text);
    snapshot->openmetrics = report_metrics(report, MetricsFormat::openmetrics);
    snapshot->json = render_json(report);
    snapshot->markdown = render_markdown(report);
    return snapshot;
}

}  // namespace vpcprobe
