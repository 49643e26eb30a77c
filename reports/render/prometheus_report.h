// SPDX-License-Identifier: Apache-2.0
// The Prometheus report (`--format prometheus`): the check as metrics in the Prometheus text
// exposition format 0.0.4, for node_exporter's textfile collector (written atomically with
// `-o`) and, later, for `vpcprobe serve`'s /metrics. docs/metrics.md documents every family
// and gives example alerts. Pure function of the report: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// The report as Prometheus text, ending in a newline. Families, in this order, each with its
// `# HELP` and `# TYPE` (all gauges); a family with no sample is left out:
//   vpcprobe_build_info{version}                                  1
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
// for it (`vpcprobe serve`, Accept: application/openmetrics-text): each family's TYPE and HELP;
// vpcprobe_build_info and vpcprobe_target_info are of type info (the family named without
// `_info`, the samples with it); families named `_seconds` carry `# UNIT ... seconds`; the
// others are gauges; label values escaped as above; the text ends with "# EOF\n".
std::string render_openmetrics(const Report& report);

}  // namespace vpcprobe
