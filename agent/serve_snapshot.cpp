// SPDX-License-Identifier: Apache-2.0
#include "agent/serve_snapshot.h"

#include <utility>

#include <fmt/format.h>

#include "reports/render/json_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/prometheus_report.h"

namespace vpcprobe {

namespace {

// `families` followed by serve's own (the cost ones only after a check), and the terminator
// OpenMetrics ends with.
std::string with_serve_families(std::string families, const ServeCost* cost, MetricsFormat format) {
    MetricSamples serve_ready(metric_family::serve_ready);
    serve_ready.add("", cost != nullptr ? "1" : "0");
    serve_ready.append_to(families, format);
    if (cost != nullptr) {
        MetricSamples builds(metric_family::serve_tls_context_builds);
        builds.add("", std::to_string(cost->tls_context_builds));
        builds.append_to(families, format);
        MetricSamples cpu(metric_family::serve_check_cpu);
        cpu.add("", fmt::format("{:.6f}", std::chrono::duration<double>(cost->check_cpu).count()));
        cpu.append_to(families, format);
    }
    if (format == MetricsFormat::openmetrics) families += kOpenMetricsEof;
    return families;
}

// Before the first check: only vpcprobe_build_info and vpcprobe_agent_info of the report's
// families.
std::string pending_metrics(std::string_view agent_name, std::span<const AgentLabel> agent_labels,
                            MetricsFormat format) {
    return with_serve_families(render_build_info_family(VPCPROBE_VERSION, format) +
                                   render_agent_info_family(agent_name, agent_labels, format),
                               nullptr, format);
}

std::string report_metrics(const Report& report, const ServeCost& cost, MetricsFormat format) {
    return with_serve_families(render_report_families(report, format), &cost, format);
}

}  // namespace

std::shared_ptr<const Snapshot> pending_snapshot(std::string_view agent_name,
                                                 std::span<const AgentLabel> agent_labels) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->prometheus =
        pending_metrics(agent_name, agent_labels, MetricsFormat::prometheus_text);
    snapshot->openmetrics = pending_metrics(agent_name, agent_labels, MetricsFormat::openmetrics);
    return snapshot;
}

std::shared_ptr<const Snapshot> report_snapshot(const Report& report, const ServeCost& cost) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->completed = true;
    snapshot->prometheus = report_metrics(report, cost, MetricsFormat::prometheus_text);
    snapshot->openmetrics = report_metrics(report, cost, MetricsFormat::openmetrics);
    snapshot->json = render_json(report);
    snapshot->markdown = render_markdown(report);
    return snapshot;
}

}  // namespace vpcprobe
