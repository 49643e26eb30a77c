// SPDX-License-Identifier: Apache-2.0
#include "reports/render/prometheus_report.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/metric_families.h"

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

MetricSamples build_info_samples(std::string_view version) {
    MetricSamples build_info(metric_family::build_info);
    build_info.add(label("version", version), "1");
    return build_info;
}

// The name label this family is keyed on, which a config label cannot replace or repeat.
constexpr std::string_view kAgentLabel = "agent";

MetricSamples agent_info_samples(std::string_view agent_name, std::span<const AgentLabel> labels) {
    std::string rendered = label(kAgentLabel, agent_name);
    for (const AgentLabel& each : labels) {
        if (each.name == kAgentLabel) continue;
        rendered += ',';
        rendered += label(each.name, each.value);
    }
    MetricSamples agent_info(metric_family::agent_info);
    agent_info.add(rendered, "1");
    return agent_info;
}

// The report's families, filled in report order and rendered in metric_family's order.
class ReportFamilies {
  public:
    explicit ReportFamilies(const Report& report)
        : build_info_(build_info_samples(report.agent.version)),
          agent_info_(agent_info_samples(report.agent.shown_name(), report.agent.labels)) {
        add_check(report);
        add_findings(report);
        for (const auto& [target, labels] : distinct_targets(report)) {
            add_target(*target, labels);
            add_stages(*target, labels);
            add_certificate(*target, labels);
        }
    }

    std::string render(MetricsFormat format) const {
        std::string out;
        for (const MetricSamples* family :
             {&build_info_, &agent_info_, &check_timestamp_, &check_duration_, &targets_,
              &findings_, &target_info_, &target_up_, &target_status_, &target_cause_,
              &stage_duration_, &certificate_expiry_}) {
            family->append_to(out, format);
        }
        return out;
    }

  private:
    void add_check(const Report& report) {
        check_timestamp_.add("", unix_seconds_ms(report.agent.started_at));
        check_duration_.add("", seconds_of_ms(report.agent.duration_ms));
        targets_.add(label("status", "ok"), std::to_string(report.summary.ok));
        targets_.add(label("status", "warning"), std::to_string(report.summary.warning));
        targets_.add(label("status", "failed"), std::to_string(report.summary.failed));
    }

    void add_findings(const Report& report) {
        std::map<std::pair<std::string, std::string>, int> counts;  // sorted by code
        for (const auto& finding : report.findings) {
            ++counts[{finding.code, std::string(name(finding.severity))}];
        }
        for (const auto& [key, count] : counts) {
            findings_.add(
                fmt::format("{},{}", label("code", key.first), label("severity", key.second)),
                std::to_string(count));
        }
    }

    void add_target(const TargetReport& target, const std::string& labels) {
        target_info_.add(fmt::format("{},{}", labels, label("origin", target.target.origin)), "1");
        target_up_.add(labels, flag(target.status != StageStatus::failed));
        for (const StageStatus status :
             {StageStatus::ok, StageStatus::warning, StageStatus::failed}) {
            target_status_.add(fmt::format("{},{}", labels, label("status", name(status))),
                               flag(target.status == status));
        }
        const Cause cause = target.cause ? target.cause->code : Cause::none;
        for (const Cause each : kAllCauses) {
            target_cause_.add(fmt::format("{},{}", labels, label("cause", code(each))),
                              flag(each == cause));
        }
    }

    void add_stages(const TargetReport& target, const std::string& labels) {
        const AddressEvidence* shown = target.shown();
        std::vector<std::pair<Stage, const StageResult*>> stages = {
            {Stage::dns, &target.evidence.dns}};
        if (shown) {
            stages.emplace_back(Stage::tcp, &shown->tcp);
            stages.emplace_back(Stage::tls, &shown->tls);
            stages.emplace_back(Stage::certificate, &shown->certificate);
            stages.emplace_back(Stage::protocol, &shown->protocol);
        }
        for (const auto& [stage, result] : stages) {
            if (result->status == StageStatus::skipped) continue;
            stage_duration_.add(fmt::format("{},{}", labels, label("stage", name(stage))),
                                seconds_of_ms(result->ms));
        }
    }

    void add_certificate(const TargetReport& target, const std::string& labels) {
        const AddressEvidence* shown = target.shown();
        if (!shown || shown->certificate.chain.empty()) return;
        const auto& chain = shown->certificate.chain;
        const auto earliest = std::min_element(
            chain.begin(), chain.end(), [](const CertificateInfo& a, const CertificateInfo& b) {
                return a.not_after < b.not_after;
            });
        certificate_expiry_.add(labels, unix_seconds(earliest->not_after));
    }

    MetricSamples build_info_;
    MetricSamples agent_info_;
    MetricSamples check_timestamp_{metric_family::check_timestamp};
    MetricSamples check_duration_{metric_family::check_duration};
    MetricSamples targets_{metric_family::targets};
    MetricSamples findings_{metric_family::findings};
    MetricSamples target_info_{metric_family::target_info};
    MetricSamples target_up_{metric_family::target_up};
    MetricSamples target_status_{metric_family::target_status};
    MetricSamples target_cause_{metric_family::target_cause};
    MetricSamples stage_duration_{metric_family::stage_duration};
    MetricSamples certificate_expiry_{metric_family::certificate_expiry};
};

}  // namespace

std::string render_report_families(const Report& report, MetricsFormat format) {
    return ReportFamilies(report).render(format);
}

std::string render_build_info_family(std::string_view version, MetricsFormat format) {
    std::string out;
    build_info_samples(version).append_to(out, format);
    return out;
}

std::string render_agent_info_family(std::string_view agent_name,
                                     std::span<const AgentLabel> labels, MetricsFormat format) {
    std::string out;
    agent_info_samples(agent_name, labels).append_to(out, format);
    return out;
}

std::string render_prometheus(const Report& report) {
    return render_report_families(report, MetricsFormat::prometheus_text);
}

std::string render_openmetrics(const Report& report) {
    return render_report_families(report, MetricsFormat::openmetrics) +
           std::string(kOpenMetricsEof);
}

}  // namespace vpcprobe
