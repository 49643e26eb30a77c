// SPDX-License-Identifier: Apache-2.0
// vpcprobe serve's logic that needs no network: the jitter of the schedule, the choice between
// the Prometheus text and OpenMetrics formats from a scraper's Accept header, the log line of a
// run, and the OpenMetrics rendering /metrics serves. The HTTP side, signals and the schedule
// are tested end to end in tests/integration/test_serve.py.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "agent/serve.h"
#include "reports/render/prometheus_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using std::chrono::milliseconds;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::multiset<std::string> samples_of(const std::string& text) {
    std::multiset<std::string> samples;
    for (const auto& line : lines_of(text)) {
        if (!line.empty() && line[0] != '#') samples.insert(line);
    }
    return samples;
}

}  // namespace

TEST_CASE("serve: the jitter keeps the interval within 90% and 110%") {
    const milliseconds interval(60000);
    CHECK(jittered_interval(interval, 0.0) == milliseconds(54000));
    CHECK(jittered_interval(interval, 0.5) == milliseconds(60000));
    CHECK(jittered_interval(interval, 0.999999) < milliseconds(66000));
    CHECK(jittered_interval(interval, 0.999999) >= milliseconds(65999));
    // Out-of-range randoms are clamped, never a wait outside the range.
    CHECK(jittered_interval(interval, -3.0) == milliseconds(54000));
    CHECK(jittered_interval(interval, 1.0) < milliseconds(66000));
    CHECK(jittered_interval(interval, 7.0) < milliseconds(66000));
    for (int i = 0; i <= 1000; ++i) {
        const auto wait = jittered_interval(interval, i / 1000.0);
        CHECK(wait >= milliseconds(54000));
        CHECK(wait < milliseconds(66000));
    }
    // Distinct randoms spread the waits (a fleet does not beat in step).
    CHECK(jittered_interval(interval, 0.1) != jittered_interval(interval, 0.9));
    // The shortest intervals still wait: never 0 ms, which would spin.
    CHECK(jittered_interval(milliseconds(1), 0.0) == milliseconds(1));
    CHECK(jittered_interval(milliseconds(2), 0.999) == milliseconds(2));
    CHECK(jittered_interval(milliseconds(20), 0.999) == milliseconds(21));
    CHECK(jittered_interval(milliseconds(20), 0.0) == milliseconds(18));
}

TEST_CASE("serve: /metrics answers OpenMetrics only to a scraper that prefers it") {
    // Prometheus 2.x's scrape Accept header.
    CHECK(negotiate_metrics_format(
              "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1") ==
          MetricsFormat::openmetrics);
    CHECK(negotiate_metrics_format("application/openmetrics-text") == MetricsFormat::openmetrics);
    CHECK(negotiate_metrics_format("Application/OpenMetrics-Text; Version=1.0.0") ==
          MetricsFormat::openmetrics);
    // A tie goes to the format named explicitly.
    CHECK(negotiate_metrics_format("text/plain, application/openmetrics-text") ==
          MetricsFormat::openmetrics);

    CHECK(negotiate_metrics_format("") == MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format("*/*") == MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format("text/plain;version=0.0.4") == MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format("application/json") == MetricsFormat::prometheus_text);
    // Preferred less than plain text, or refused outright.
    CHECK(negotiate_metrics_format("application/openmetrics-text;q=0.3,text/plain;q=0.9") ==
          MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format("application/openmetrics-text;q=0") ==
          MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format("application/openmetrics-text;q=0.2, */*;q=0.5") ==
          MetricsFormat::prometheus_text);
    // Junk quality values count as 0, never as a preference.
    CHECK(negotiate_metrics_format("application/openmetrics-text;q=abc") ==
          MetricsFormat::prometheus_text);
    CHECK(negotiate_metrics_format(",,;;q=,") == MetricsFormat::prometheus_text);

    CHECK(metrics_content_type(MetricsFormat::openmetrics) ==
          "application/openmetrics-text; version=1.0.0; charset=utf-8");
    CHECK(metrics_content_type(MetricsFormat::prometheus_text) ==
          "text/plain; version=0.0.4; charset=utf-8");
}

TEST_CASE("serve: one logfmt line per run with the counts") {
    const Report report = test::mixed_report();
    const std::string line = check_log_line(report);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.rfind("ts=", 0) == 0);
    CHECK(line.find(" event=check ") != std::string::npos);
    CHECK(line.find(fmt::format(" ok={} warning={} failed={} ", report.summary.ok,
                                report.summary.warning, report.summary.failed)) !=
          std::string::npos);
    CHECK(line.find(fmt::format(" duration={:.3f}s ", report.agent.duration_ms / 1000.0)) !=
          std::string::npos);
    CHECK(line.find(fmt::format(" exit={}", exit_code(report))) != std::string::npos);
}

TEST_CASE("openmetrics: the same samples as the text format, OpenMetrics metadata, # EOF") {
    const Report report = test::mixed_report();
    const std::string text = render_prometheus(report);
    const std::string openmetrics = render_openmetrics(report);

    CHECK(samples_of(openmetrics) == samples_of(text));
    const auto lines = lines_of(openmetrics);
    REQUIRE(!lines.empty());
    CHECK(lines.back() == "# EOF");
    CHECK(openmetrics.ends_with("\n# EOF\n"));
    CHECK(std::count(lines.begin(), lines.end(), "# EOF") == 1);

    // Info metrics are gauges, as in the text format (promtool knows no `info` type).
    CHECK(openmetrics.find("# TYPE vpcprobe_build_info gauge\n") != std::string::npos);
    CHECK(openmetrics.find("# TYPE vpcprobe_target_info gauge\n") != std::string::npos);
    CHECK(openmetrics.find(" info\n") == std::string::npos);
    // Units on the _seconds families, and only there.
    for (const char* family :
         {"vpcprobe_check_timestamp_seconds", "vpcprobe_check_duration_seconds",
          "vpcprobe_stage_duration_seconds", "vpcprobe_certificate_expiry_timestamp_seconds"}) {
        INFO(family);
        CHECK(openmetrics.find(fmt::format("# TYPE {} gauge\n# UNIT {} seconds\n", family,
                                           family)) != std::string::npos);
    }
    std::size_t units = 0;
    std::size_t types = 0;
    for (const auto& line : lines) {
        if (line.rfind("# UNIT ", 0) == 0) ++units;
        if (line.rfind("# TYPE ", 0) == 0) ++types;
    }
    CHECK(units == 4);
    std::size_t text_types = 0;
    for (const auto& line : lines_of(text)) {
        if (line.rfind("# TYPE ", 0) == 0) ++text_types;
        CHECK(line.find("# UNIT") == std::string::npos);
        CHECK(line != "# EOF");
    }
    CHECK(types == text_types);
}
