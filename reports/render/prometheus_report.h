// SPDX-License-Identifier: Apache-2.0
// The Prometheus report (`--format prometheus`): the check as metrics in the Prometheus text
// exposition format 0.0.4, for node_exporter's textfile collector (written atomically with
// `-o`), and in that format or OpenMetrics 1.0.0 for `vpcprobe serve`'s /metrics. The families
// themselves (name, help, type, unit) and their metadata lines are defined once in
// metric_families.h, which serve's own family goes through as well. docs/metrics.md documents
// every family and gives example alerts. Pure functions of the report: safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/report.h"
#include "reports/render/metric_families.h"

namespace vpcprobe {

// The report as Prometheus text, ending in a newline. Families, in this order, each with its
// `# HELP` and `# TYPE` (all gauges, metric_families.h); a family with no sample is left out:
//   vpcprobe_build_info{version}                                  1
//   vpcprobe_agent_info{agent,LABEL...}                           1; name and [agent] labels
//   vpcprobe_check_timestamp_seconds                              when the check started
//   vpcprobe_check_duration_seconds                               how long it took
//   vpcprobe_targets{status}                                      ok / warning / failed counts
//   vpcprobe_findings{code,severity}                              findings by code (those seen)
//   vpcprobe_target_info{T...,origin}                             1; catalog, argument, ...
//   vpcprobe_target_up{T...}                                      1 ok or warning, 0 failed
//   vpcprobe_target_status{T...,status}                           one-hot over the 3 statuses
//   vpcprobe_target_cause{T...,cause}                             one per code of kAllCauses
//   vpcprobe_stage_duration_seconds{T...,stage}                   stages that ran (shown address)
//   vpcprobe_certificate_expiry_timestamp_seconds{T...}           earliest not_after shown
// where T... is component, access, host, port: the identity of a target, stable from run to
// run (origin is not part of it, so a broker seen once as a bootstrap and once as advertised
// keeps its series). `access` is "none" for targets outside the catalog, since an empty label
// value means "no label" to Prometheus. Within a family the samples follow the report's target
// order, causes kAllCauses' order and stages the pipeline's; findings are sorted by code.
// No sample carries a timestamp (the textfile collector refuses them); when the check ran is
// the value of vpcprobe_check_timestamp_seconds. Label values are made valid UTF-8 (bad bytes
// become U+FFFD) and escaped as the format wants: backslash, double quote and newline. Should
// two targets render to the same label set (only possible with invalid UTF-8 in both names),
// the first one wins, since duplicate series make a scrape fail.
std::string render_prometheus(const Report& report);

// The same families and samples in the OpenMetrics 1.0.0 text format, for scrapers that ask
// for it (`vpcprobe serve`, Accept: application/openmetrics-text): each family's HELP and TYPE
// as in the text format (gauges, vpcprobe_build_info and vpcprobe_target_info included), then
// `# UNIT <name> seconds` for the families named `_seconds`; label values escaped as above;
// the text ends with "# EOF\n".
std::string render_openmetrics(const Report& report);

// The report's families in `format`, without OpenMetrics' "# EOF" line: for an exposition that
// adds families of its own after them (`vpcprobe serve`). render_prometheus and
// render_openmetrics are this, the latter with the terminator.
std::string render_report_families(const Report& report, MetricsFormat format);

// vpcprobe_build_info alone, exactly as the report's families write it for a report by
// `version`: what `vpcprobe serve` exposes before its first check has completed.
std::string render_build_info_family(std::string_view version, MetricsFormat format);

// vpcprobe_agent_info alone, exactly as the report's families write it for a report by this
// agent: `agent` is `agent_name`, followed by `labels` in their order (the config's, sorted by
// name), value 1. A label named `agent` is left out, since the name is that label and a
// repeated label name would make the whole scrape fail. What `vpcprobe serve` exposes before
// its first check has completed, beside vpcprobe_build_info, so that the agent is named from
// its first scrape on.
std::string render_agent_info_family(std::string_view agent_name,
                                     std::span<const AgentLabel> labels, MetricsFormat format);

}  // namespace vpcprobe
