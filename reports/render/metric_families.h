// SPDX-License-Identifier: Apache-2.0
// Every metric family vpcprobe exposes, defined once (name, help, type, unit), and the one
// writer of their metadata lines (HELP, TYPE, UNIT) in both exposition formats: the Prometheus
// text format 0.0.4 and OpenMetrics 1.0.0. The report's families (prometheus_report.h) and
// `vpcprobe serve`'s own are all rendered through here, so a family's metadata is the same
// whoever writes it and whether or not a check has completed: a scrape's metadata never
// changes with time. docs/metrics.md documents each family.
//
// Constants and pure functions: safe from any thread. A MetricSamples is a plain value, used
// by one thread at a time.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace vpcprobe {

// The two exposition formats vpcprobe writes.
enum class MetricsFormat { prometheus_text, openmetrics };

// Every family is a gauge in both formats, the `_info` ones too (as most exporters state
// them): promtool reads OpenMetrics with the text parser and knows no `info` type, and this
// way it can check both formats.
enum class MetricType { gauge };

struct MetricFamily {
    std::string_view name;
    std::string_view help;
    MetricType type = MetricType::gauge;
    // The unit OpenMetrics states with `# UNIT` (the name ends in "_" + unit); empty for none.
    // The text format 0.0.4 has no unit line.
    std::string_view unit;
};

namespace metric_family {

// The report's families (render_prometheus), in the order they are exposed.
inline constexpr MetricFamily build_info{
    "vpcprobe_build_info", "Always 1; the version label says which vpcprobe ran the check.",
    MetricType::gauge, ""};
// The agent's identity for Prometheus to join on (instance, job): one series per agent, so the
// per-target families stay one series per target and carry no agent label.
inline constexpr MetricFamily agent_info{
    "vpcprobe_agent_info",
    "Always 1; the agent label is this agent's name, the others its labels from the config.",
    MetricType::gauge, ""};
inline constexpr MetricFamily check_timestamp{
    "vpcprobe_check_timestamp_seconds",
    "When the check started, in Unix seconds (the value, not a sample timestamp).",
    MetricType::gauge, "seconds"};
inline constexpr MetricFamily check_duration{"vpcprobe_check_duration_seconds",
                                             "How long the whole check took, in seconds.",
                                             MetricType::gauge, "seconds"};
inline constexpr MetricFamily targets{"vpcprobe_targets", "Targets of the check by status.",
                                      MetricType::gauge, ""};
inline constexpr MetricFamily findings{
    "vpcprobe_findings", "Findings across targets by code and severity (only codes that occurred).",
    MetricType::gauge, ""};
inline constexpr MetricFamily target_info{
    "vpcprobe_target_info", "Always 1; the origin label says where the target came from.",
    MetricType::gauge, ""};
inline constexpr MetricFamily target_up{
    "vpcprobe_target_up", "1 when the target is usable (status ok or warning), 0 when it failed.",
    MetricType::gauge, ""};
inline constexpr MetricFamily target_status{
    "vpcprobe_target_status",
    "1 for the target's status (ok, warning or failed), 0 for the others.", MetricType::gauge, ""};
inline constexpr MetricFamily target_cause{
    "vpcprobe_target_cause",
    "1 for the cause code of a target that failed or warned, 0 for every other code; all 0 "
    "when the target is ok.",
    MetricType::gauge, ""};
inline constexpr MetricFamily stage_duration{
    "vpcprobe_stage_duration_seconds",
    "How long each stage that ran took, in seconds (tcp to protocol: the shown address).",
    MetricType::gauge, "seconds"};
inline constexpr MetricFamily certificate_expiry{
    "vpcprobe_certificate_expiry_timestamp_seconds",
    "Earliest notAfter of the certificate chain the target presented (shown address), in Unix "
    "seconds.",
    MetricType::gauge, "seconds"};

// `vpcprobe serve`'s own, after the report's: says something before the first check has
// completed, so alerting can tell "starting" from "down".
inline constexpr MetricFamily serve_ready{
    "vpcprobe_serve_ready", "1 once a check has completed and its results are served, 0 before.",
    MetricType::gauge, ""};
// Also a gauge, like every family here, although it only rises: `changes()` or `delta()` of it
// show rebuilds.
inline constexpr MetricFamily serve_tls_context_builds{
    "vpcprobe_serve_tls_context_builds",
    "TLS contexts serve has built since it started: the first run's, one per SIGHUP, one per "
    "change of a file of the trust store or client identity.",
    MetricType::gauge, ""};
inline constexpr MetricFamily serve_check_cpu{
    "vpcprobe_serve_check_cpu_seconds",
    "CPU time (user and system) the last completed check took on serve's scheduler thread, in "
    "seconds.",
    MetricType::gauge, "seconds"};

}  // namespace metric_family

// Every family above, in the order an exposition lists them.
std::span<const MetricFamily* const> all_metric_families();

// The family's metadata lines, each ending in a newline: HELP then TYPE, then in OpenMetrics
// the UNIT line when the family has a unit.
std::string metric_metadata(const MetricFamily& family, MetricsFormat format);

// The line that ends an OpenMetrics exposition (and that the text format does not have).
inline constexpr std::string_view kOpenMetricsEof = "# EOF\n";

// The samples of one family, rendered after its metadata: a family is announced once, with
// all its samples together, as both formats require.
class MetricSamples {
  public:
    explicit MetricSamples(const MetricFamily& family) : family_(&family) {}

    // One "name{labels} value" line; `labels` already rendered (`a="x",b="y"`), or empty.
    void add(std::string_view labels, std::string_view value);

    // The metadata and the samples; nothing for a family without samples (one with no sample
    // says nothing, and announcing it would only add noise).
    void append_to(std::string& out, MetricsFormat format) const;

  private:
    const MetricFamily* family_;
    std::string samples_;
};

}  // namespace vpcprobe
