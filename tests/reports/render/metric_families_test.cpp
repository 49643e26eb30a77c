// SPDX-License-Identifier: Apache-2.0
// The metric families (reports/render/metric_families.h): each defined once with a valid,
// unique name and a help text, units only where OpenMetrics allows them (the name ends in the
// unit), the metadata lines of both formats, the report's renderer announcing its families
// with exactly those lines, and docs/metrics.md naming every family.
#include "reports/render/metric_families.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "reports/render/prometheus_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The metadata lines of `text`, in order.
std::vector<std::string> metadata_lines(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& line : lines_of(text)) {
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0 ||
            line.rfind("# UNIT ", 0) == 0) {
            out.push_back(line);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("metric families: valid unique names, help, units only where the name ends in one") {
    const std::regex valid_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
    std::set<std::string> names;
    for (const MetricFamily* family : all_metric_families()) {
        const std::string name(family->name);
        INFO(name);
        CHECK(std::regex_match(name, valid_name));
        CHECK(name.rfind("vpcprobe_", 0) == 0);
        CHECK(names.insert(name).second);
        CHECK_FALSE(family->help.empty());
        CHECK(family->help.find('\n') == std::string_view::npos);
        CHECK(family->help.find('\\') == std::string_view::npos);
        CHECK(family->type == MetricType::gauge);
        if (!family->unit.empty()) {
            CHECK(name.ends_with("_" + std::string(family->unit)));
        }
        // Every family named for seconds says so in OpenMetrics.
        CHECK((family->unit == "seconds") == name.ends_with("_seconds"));
    }
    CHECK(names.size() == 15);
    // serve's own come last, after the report's.
    const auto families = all_metric_families();
    CHECK(families[families.size() - 3] == &metric_family::serve_ready);
    CHECK(families[families.size() - 2] == &metric_family::serve_tls_context_builds);
    CHECK(families.back() == &metric_family::serve_check_cpu);
}

TEST_CASE("metric families: HELP and TYPE in both formats, UNIT in OpenMetrics only") {
    CHECK(metric_metadata(metric_family::targets, MetricsFormat::prometheus_text) ==
          "# HELP vpcprobe_targets Targets of the check by status.\n"
          "# TYPE vpcprobe_targets gauge\n");
    CHECK(metric_metadata(metric_family::targets, MetricsFormat::openmetrics) ==
          metric_metadata(metric_family::targets, MetricsFormat::prometheus_text));
    CHECK(metric_metadata(metric_family::check_duration, MetricsFormat::prometheus_text) ==
          "# HELP vpcprobe_check_duration_seconds How long the whole check took, in seconds.\n"
          "# TYPE vpcprobe_check_duration_seconds gauge\n");
    CHECK(metric_metadata(metric_family::check_duration, MetricsFormat::openmetrics) ==
          "# HELP vpcprobe_check_duration_seconds How long the whole check took, in seconds.\n"
          "# TYPE vpcprobe_check_duration_seconds gauge\n"
          "# UNIT vpcprobe_check_duration_seconds seconds\n");
}

TEST_CASE("metric families: samples follow their metadata once; none, nothing at all") {
    MetricSamples samples(metric_family::serve_ready);
    std::string out;
    samples.append_to(out, MetricsFormat::openmetrics);
    CHECK(out.empty());
    samples.add("", "1");
    samples.add("a=\"b\"", "0");
    samples.append_to(out, MetricsFormat::prometheus_text);
    CHECK(out == metric_metadata(metric_family::serve_ready, MetricsFormat::prometheus_text) +
                     "vpcprobe_serve_ready 1\nvpcprobe_serve_ready{a=\"b\"} 0\n");
}

TEST_CASE("metric families: the report announces its families with exactly these lines") {
    Report report = mixed_report();
    report.findings = {Finding{"firewall.port_blocked", Severity::error, "s", {}, {}, {}, "r", ""}};
    for (const MetricsFormat format :
         {MetricsFormat::prometheus_text, MetricsFormat::openmetrics}) {
        std::string expected;
        for (const MetricFamily* family : all_metric_families()) {
            if (family->name.starts_with("vpcprobe_serve_")) continue;  // serve's own
            expected += metric_metadata(*family, format);
        }
        const std::string rendered = format == MetricsFormat::openmetrics
                                         ? render_openmetrics(report)
                                         : render_prometheus(report);
        CHECK(metadata_lines(rendered) == lines_of(expected));
        CHECK(render_report_families(report, format) + (format == MetricsFormat::openmetrics
                                                            ? std::string(kOpenMetricsEof)
                                                            : std::string()) ==
              rendered);
    }
    CHECK(render_build_info_family("1.2.3", MetricsFormat::prometheus_text) ==
          metric_metadata(metric_family::build_info, MetricsFormat::prometheus_text) +
              "vpcprobe_build_info{version=\"1.2.3\"} 1\n");
}

TEST_CASE("metric families: docs/metrics.md names every family") {
    std::ifstream in(std::string(VPCPROBE_SOURCE_DIR) + "/docs/metrics.md");
    REQUIRE(in);
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const MetricFamily* family : all_metric_families()) {
        INFO(family->name);
        CHECK(doc.find("`" + std::string(family->name) + "`") != std::string::npos);
    }
}
