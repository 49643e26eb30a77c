// SPDX-License-Identifier: Apache-2.0
#include "reports/render/prometheus_report.h"
#include "core/text.h"
#include "reports/render/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace vpcprobe {

namespace {

// What `access` says for a target outside the catalog: an empty label value would be the
// same as no `access` label at all to Prometheus.
constexpr std::string_view kNoAccess = "none";

// A label value as the text format wants it: valid UTF-8, with backslash, double quote and
// newline escaped (the only escapes 0.0.4 defines; every other character stands for itself).
std::string label_value(std::string_view raw) {
    const std::string text = valid_utf8(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

// `units` counted in 10^-scale as an exact decimal without trailing zeros:
// decimal(12346, 4) == "1.2346", decimal(20, 4) == "0.002", decimal(5, 0) == "5". Printing
// the integer avoids binary floating point turning 3000.4 ms into 3.0003999999999995 s.
std::string decimal(std::int64_t units, int scale) {
    const bool negative = units < 0;
    // Magnitude as unsigned, so the most negative value does not overflow.
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(units) : static_cast<std::uint64_t>(units);
    std::uint64_t divisor = 1;
    for (int i = 0; i < scale; ++i) divisor *= 10;
    std::string out = fmt::format("{}{}", negative ? "-" : "", magnitude / divisor);
    if (scale > 0) {
        std::string fraction = fmt::format("{:0{}}", magnitude % divisor, scale);
        while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
        if (!fraction.empty()) out += "." + fraction;
    }
    return out;
}

// Milliseconds (rounded to 0.1 ms, as every report gives them) as seconds.
std::string seconds_of_ms(double ms) {
    return decimal(static_cast<std::int64_t>(std::llround(round_ms(ms) * 10)), 4);
}

// A point in time as Unix seconds with millisecond precision.
std::string unix_seconds_ms(SystemTime time) {
    using namespace std::chrono;
    return decimal(floor<milliseconds>(time.time_since_epoch()).count(), 3);
}

// A point in time as whole Unix seconds.
std::string unix_seconds(SystemTime time) {
    using namespace std::chrono;
    return decimal(floor<seconds>(time.time_since_epoch()).count(), 0);
}

// One metric family: its samples are appended as "name{labels} value" lines.
class Family {
  public:
    Family(std::string_view name, std::string_view help) : name_(name), help_(help) {}

    // `labels` already rendered (`a="x",b="y"`), or empty for none.
    void add(std::string_view labels, std::string_view value) {
        if (labels.empty()) {
            samples_ += fmt::format("{} {}\n", name_, value);
        } else {
            samples_ += fmt::format("{}{{{}}} {}\n", name_, labels, value);
        }
    }

    // HELP and TYPE, then the samples; nothing for a family without samples (a family must
    // not be announced twice, and one with no sample says nothing). Every family is a gauge in
    // both formats, the `_info` ones too (as most exporters state them), so that promtool,
    // which reads OpenMetrics with the text parser and knows no `info` type, can check both;
    // OpenMetrics also states the unit a `_seconds` name ends in.
    void render(std::string& out, bool openmetrics) const {
        if (samples_.empty()) return;
        constexpr std::string_view seconds_suffix = "_seconds";
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name_, help_, name_);
        if (openmetrics && name_.ends_with(seconds_suffix)) {
            out += fmt::format("# UNIT {} seconds\n", name_);
        }
        out += samples_;
    }

  private:
    std::string_view name_;
    std::string_view help_;
    std::string samples_;
};

std::string label(std::string_view name, std::string_view raw_value) {
    return fmt::format("{}=\"{}\"", name, label_value(raw_value));
}

// A target's identity: component, access, host, port.
std::string target_labels(const Target& target) {
    return fmt::format("{},{},{},{}", label("component", target.component),
                       label("access", target.access.empty() ? kNoAccess : target.access),
                       label("host", target.host), label("port", std::to_string(target.port)));
}

// The targets to render with their labels, in report order, the first of any duplicate
// label set only.
std::vector<std::pair<const TargetReport*, std::string>> distinct_targets(const Report& report) {
    std::vector<std::pair<const TargetReport*, std::string>> out;
    std::set<std::string> seen;
    for (const auto& target : report.targets) {
        std::string labels = target_labels(target.target);
        if (!seen.insert(labels).second) continue;
        out.emplace_back(&target, std::move(labels));
    }
    return out;
}

std::string_view flag(bool value) {
    return value ? "1" : "0";
}

}  // namespace

namespace {

std::string render_families(const Report& report, bool openmetrics) {
    Family build_info("vpcprobe_build_info",
                      "Always 1; the version label says which vpcprobe ran the check.");
    Family check_timestamp(
        "vpcprobe_check_timestamp_seconds",
        "When the check started, in Unix seconds (the value, not a sample timestamp).");
    Family check_duration("vpcprobe_check_duration_seconds",
                          "How long the whole check took, in seconds.");
    Family targets_by_status("vpcprobe_targets", "Targets of the check by status.");
    Family findings("vpcprobe_findings",
                    "Findings across targets by code and severity (only codes that occurred).");
    Family target_info("vpcprobe_target_info",
                       "Always 1; the origin label says where the target came from.");
    Family target_up("vpcprobe_target_up",
                     "1 when the target is usable (status ok or warning), 0 when it failed.");
    Family target_status("vpcprobe_target_status",
                         "1 for the target's status (ok, warning or failed), 0 for the others.");
    Family target_cause("vpcprobe_target_cause",
                        "1 for the cause code of a target that failed or warned, 0 for every "
                        "other code; all 0 when the target is ok.");
    Family stage_duration(
        "vpcprobe_stage_duration_seconds",
        "How long each stage that ran took, in seconds (tcp to protocol: the shown address).");
    Family certificate_expiry("vpcprobe_certificate_expiry_timestamp_seconds",
                              "Earliest notAfter of the certificate chain the target presented "
                              "(shown address), in Unix seconds.");

    build_info.add(label("version", report.agent.version), "1");
    check_timestamp.add("", unix_seconds_ms(report.agent.started_at));
    check_duration.add("", seconds_of_ms(report.agent.duration_ms));
    targets_by_status.add(label("status", "ok"), std::to_string(report.summary.ok));
    targets_by_status.add(label("status", "warning"), std::to_string(report.summary.warning));
    targets_by_status.add(label("status", "failed"), std::to_string(report.summary.failed));

    std::map<std::pair<std::string, std::string>, int> finding_counts;  // sorted by code
    for (const auto& finding : report.findings) {
        ++finding_counts[{finding.code, std::string(name(finding.severity))}];
    }
    for (const auto& [key, count] : finding_counts) {
        findings.add(fmt::format("{},{}", label("code", key.first), label("severity", key.second)),
                     std::to_string(count));
    }

    for (const auto& [target, labels] : distinct_targets(report)) {
        target_info.add(fmt::format("{},{}", labels, label("origin", target->target.origin)), "1");
        target_up.add(labels, flag(target->status != StageStatus::failed));
        for (const StageStatus status :
             {StageStatus::ok, StageStatus::warning, StageStatus::failed}) {
            target_status.add(fmt::format("{},{}", labels, label("status", name(status))),
                              flag(target->status == status));
        }
        const Cause cause = target->cause ? target->cause->code : Cause::none;
        for (const Cause each : kAllCauses) {
            target_cause.add(fmt::format("{},{}", labels, label("cause", code(each))),
                             flag(each == cause));
        }

        const TargetEvidence& evidence = target->evidence;
        const AddressEvidence* shown = target->shown();
        std::vector<std::pair<Stage, const StageResult*>> stages = {{Stage::dns, &evidence.dns}};
        if (shown) {
            stages.emplace_back(Stage::tcp, &shown->tcp);
            stages.emplace_back(Stage::tls, &shown->tls);
            stages.emplace_back(Stage::certificate, &shown->certificate);
            stages.emplace_back(Stage::protocol, &shown->protocol);
        }
        for (const auto& [stage, result] : stages) {
            if (result->status == StageStatus::skipped) continue;
            stage_duration.add(fmt::format("{},{}", labels, label("stage", name(stage))),
                               seconds_of_ms(result->ms));
        }

        if (shown && !shown->certificate.chain.empty()) {
            const auto& chain = shown->certificate.chain;
            const auto earliest = std::min_element(
                chain.begin(), chain.end(), [](const CertificateInfo& a, const CertificateInfo& b) {
                    return a.not_after < b.not_after;
                });
            certificate_expiry.add(labels, unix_seconds(earliest->not_after));
        }
    }

    std::string out;
    for (const Family* family : {&build_info, &check_timestamp, &check_duration, &targets_by_status,
                                 &findings, &target_info, &target_up, &target_status, &target_cause,
                                 &stage_duration, &certificate_expiry}) {
        family->render(out, openmetrics);
    }
    return out;
}

}  // namespace

std::string render_prometheus(const Report& report) {
    return render_families(report, false);
}

std::string render_openmetrics(const Report& report) {
    return render_families(report, true) + "# EOF\n";
}

}  // namespace vpcprobe
