// SPDX-License-Identifier: Apache-2.0
#include "reports/render/metric_families.h"

#include <array>

#include <fmt/format.h>

namespace vpcprobe {

namespace {

std::string_view type_name(MetricType type) {
    switch (type) {
        case MetricType::gauge:
            return "gauge";
    }
    return "gauge";
}

constexpr std::array<const MetricFamily*, 15> kAllFamilies = {
    &metric_family::build_info,      &metric_family::agent_info,
    &metric_family::check_timestamp, &metric_family::check_duration,
    &metric_family::targets,         &metric_family::findings,
    &metric_family::target_info,     &metric_family::target_up,
    &metric_family::target_status,   &metric_family::target_cause,
    &metric_family::stage_duration,  &metric_family::certificate_expiry,
    &metric_family::serve_ready,     &metric_family::serve_tls_context_builds,
    &metric_family::serve_check_cpu,
};

}  // namespace

std::span<const MetricFamily* const> all_metric_families() {
    return kAllFamilies;
}

std::string metric_metadata(const MetricFamily& family, MetricsFormat format) {
    std::string out = fmt::format("# HELP {} {}\n# TYPE {} {}\n", family.name, family.help,
                                  family.name, type_name(family.type));
    if (format == MetricsFormat::openmetrics && !family.unit.empty()) {
        out += fmt::format("# UNIT {} {}\n", family.name, family.unit);
    }
    return out;
}

void MetricSamples::add(std::string_view labels, std::string_view value) {
    if (labels.empty()) {
        samples_ += fmt::format("{} {}\n", family_->name, value);
    } else {
        samples_ += fmt::format("{}{{{}}} {}\n", family_->name, labels, value);
    }
}

void MetricSamples::append_to(std::string& out, MetricsFormat format) const {
    if (samples_.empty()) return;
    out += metric_metadata(*family_, format);
    out += samples_;
}

}  // namespace vpcprobe
