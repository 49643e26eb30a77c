// SPDX-License-Identifier: Apache-2.0
// vpcprobe serve's logic that needs no network: the jitter of the schedule, the choice between
// the Prometheus text and OpenMetrics formats from a scraper's Accept header, what /metrics
// and the other endpoints answer before the first check has completed and after (the same
// metadata for every family either way), and the OpenMetrics rendering /metrics serves. The
// listener, signals and the schedule are tested end to end in tests/integration/test_serve.py;
// the log lines in event_log_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "agent/serve_http.h"
#include "agent/serve_schedule.h"
#include "agent/serve_snapshot.h"
#include "reports/render/metric_families.h"
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

// For every sample name, the metadata lines (HELP, TYPE, UNIT) of the family it is exposed
// under, as a scraper reads them: a block of metadata lines starts a family, the samples after
// it belong to it. Keyed by sample name, so a family announced under another name (as
// OpenMetrics' info type would, `vpcprobe_build` for vpcprobe_build_info) shows as a change.
std::map<std::string, std::vector<std::string>> metadata_by_sample(const std::string& text) {
    std::map<std::string, std::vector<std::string>> out;
    std::vector<std::string> block;
    bool in_metadata = false;
    for (const auto& line : lines_of(text)) {
        const bool metadata = line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0 ||
                              line.rfind("# UNIT ", 0) == 0;
        if (metadata) {
            if (!in_metadata) block.clear();
            block.push_back(line);
            in_metadata = true;
            continue;
        }
        in_metadata = false;
        if (line.empty() || line[0] == '#') continue;
        const std::string name = line.substr(0, line.find_first_of("{ "));
        const auto [it, inserted] = out.emplace(name, block);
        CHECK((inserted || it->second == block));  // a name is under one family only
    }
    return out;
}

HttpRequest get(std::string target, std::string accept = "") {
    HttpRequest request{boost::beast::http::verb::get, target, 11};
    if (!accept.empty()) request.set(boost::beast::http::field::accept, accept);
    return request;
}

// Prometheus 2.x's scrape Accept header.
constexpr const char* kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

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

TEST_CASE("serve: before the first check, /metrics has build and agent info and ready 0") {
    const std::vector<AgentLabel> labels = {{"subnet", "mgmt"}, {"vpc", "vpc-app"}};
    const auto pending = pending_snapshot("bastion-1", labels);
    CHECK_FALSE(pending->completed);
    const std::string expected =
        metric_metadata(metric_family::build_info, MetricsFormat::prometheus_text) +
        "vpcprobe_build_info{version=\"" VPCPROBE_VERSION "\"} 1\n" +
        metric_metadata(metric_family::agent_info, MetricsFormat::prometheus_text) +
        "vpcprobe_agent_info{agent=\"bastion-1\",subnet=\"mgmt\",vpc=\"vpc-app\"} 1\n" +
        metric_metadata(metric_family::serve_ready, MetricsFormat::prometheus_text) +
        "vpcprobe_serve_ready 0\n";
    CHECK(pending->prometheus == expected);
    CHECK(pending->openmetrics == expected + "# EOF\n");
    CHECK(pending->prometheus ==
          "# HELP vpcprobe_build_info Always 1; the version label says which vpcprobe ran the "
          "check.\n"
          "# TYPE vpcprobe_build_info gauge\n"
          "vpcprobe_build_info{version=\"" VPCPROBE_VERSION
          "\"} 1\n"
          "# HELP vpcprobe_agent_info Always 1; the agent label is this agent's name, the others "
          "its labels from the config.\n"
          "# TYPE vpcprobe_agent_info gauge\n"
          "vpcprobe_agent_info{agent=\"bastion-1\",subnet=\"mgmt\",vpc=\"vpc-app\"} 1\n"
          "# HELP vpcprobe_serve_ready 1 once a check has completed and its results are served, "
          "0 before.\n"
          "# TYPE vpcprobe_serve_ready gauge\n"
          "vpcprobe_serve_ready 0\n");
}

TEST_CASE("serve: after a check, /metrics is the report's families, then serve's own") {
    Report report = test::mixed_report();
    report.agent.version = VPCPROBE_VERSION;
    const auto completed = report_snapshot(report, ServeCost{3, std::chrono::microseconds(12345)});
    CHECK(completed->completed);
    const auto serve_families = [](MetricsFormat format) {
        return metric_metadata(metric_family::serve_ready, format) + "vpcprobe_serve_ready 1\n" +
               metric_metadata(metric_family::serve_tls_context_builds, format) +
               "vpcprobe_serve_tls_context_builds 3\n" +
               metric_metadata(metric_family::serve_check_cpu, format) +
               "vpcprobe_serve_check_cpu_seconds 0.012345\n";
    };
    CHECK(completed->prometheus ==
          render_prometheus(report) + serve_families(MetricsFormat::prometheus_text));
    std::string openmetrics = render_openmetrics(report);
    REQUIRE(openmetrics.ends_with("# EOF\n"));
    openmetrics.resize(openmetrics.size() - 6);
    CHECK(completed->openmetrics ==
          openmetrics + serve_families(MetricsFormat::openmetrics) + "# EOF\n");
    CHECK(completed->openmetrics.find("# UNIT vpcprobe_serve_check_cpu_seconds seconds\n") !=
          std::string::npos);
    CHECK_FALSE(completed->json.empty());
    CHECK_FALSE(completed->markdown.empty());
}

TEST_CASE("serve: a family's metadata is the same before the first check and after") {
    Report report = test::mixed_report();
    report.agent.version = VPCPROBE_VERSION;
    report.agent.name = "bastion-1";
    report.agent.labels = {{"subnet", "mgmt"}, {"vpc", "vpc-app"}};
    const auto pending = pending_snapshot(report.agent.name, report.agent.labels);
    const auto completed = report_snapshot(report, ServeCost{});
    for (const MetricsFormat format :
         {MetricsFormat::prometheus_text, MetricsFormat::openmetrics}) {
        INFO((format == MetricsFormat::openmetrics ? "OpenMetrics" : "text format"));
        // As a scraper gets them: through respond(), choosing the format from Accept.
        const std::string accept =
            format == MetricsFormat::openmetrics ? kPrometheusAccept : "text/plain";
        const HttpResponse before = respond(get("/metrics", accept), *pending);
        const HttpResponse after = respond(get("/metrics", accept), *completed);
        CHECK(before[boost::beast::http::field::content_type] == metrics_content_type(format));
        CHECK(after[boost::beast::http::field::content_type] == metrics_content_type(format));
        CHECK(before.body() == pending->metrics(format));
        CHECK(after.body() == completed->metrics(format));

        const auto metadata_before = metadata_by_sample(before.body());
        const auto metadata_after = metadata_by_sample(after.body());
        std::size_t compared = 0;
        for (const auto& [name, lines] : metadata_before) {
            const auto found = metadata_after.find(name);
            if (found == metadata_after.end()) continue;
            INFO(name);
            CHECK(lines == found->second);
            CHECK_FALSE(lines.empty());
            ++compared;
        }
        // Everything served before the first check is served after it too.
        CHECK(compared == metadata_before.size());
        CHECK(metadata_before.count("vpcprobe_build_info") == 1);
        CHECK(metadata_before.count("vpcprobe_agent_info") == 1);
        CHECK(metadata_before.count("vpcprobe_serve_ready") == 1);
        // The agent is named the same before its first check and after: the same series.
        const auto agent_sample = [](const std::string& text) {
            std::vector<std::string> found;
            for (const auto& line : samples_of(text)) {
                if (line.starts_with("vpcprobe_agent_info{")) found.push_back(line);
            }
            return found;
        };
        CHECK(agent_sample(before.body()) ==
              std::vector<std::string>{
                  "vpcprobe_agent_info{agent=\"bastion-1\",subnet=\"mgmt\",vpc=\"vpc-app\"} 1"});
        CHECK(agent_sample(after.body()) == agent_sample(before.body()));
        // And it is what the report's own renderer says about the family.
        const auto report_metadata =
            metadata_by_sample(format == MetricsFormat::openmetrics ? render_openmetrics(report)
                                                                    : render_prometheus(report));
        CHECK(report_metadata.at("vpcprobe_build_info") ==
              metadata_before.at("vpcprobe_build_info"));
        CHECK(report_metadata.at("vpcprobe_agent_info") ==
              metadata_before.at("vpcprobe_agent_info"));
    }
}

TEST_CASE("serve: the report endpoints and /healthz wait for the first check") {
    const auto pending = pending_snapshot("agent-1", {});
    Report report = test::mixed_report();
    const auto completed = report_snapshot(report, ServeCost{});
    for (const char* path : {"/report.json", "/report.md", "/healthz"}) {
        INFO(path);
        const HttpResponse before = respond(get(path), *pending);
        CHECK(before.result() == boost::beast::http::status::service_unavailable);
        CHECK(before.body() == "no check has completed yet\n");
        CHECK(respond(get(path), *completed).result() == boost::beast::http::status::ok);
    }
    CHECK(respond(get("/report.json"), *completed).body() == completed->json);
    CHECK(respond(get("/report.md"), *completed)[boost::beast::http::field::content_type] ==
          "text/markdown; charset=utf-8");
    CHECK(respond(get("/healthz"), *completed).body() == "ok\n");

    // /metrics answers either way, with Vary and no caching; a query string is ignored.
    const HttpResponse metrics = respond(get("/metrics?x=1"), *pending);
    CHECK(metrics.result() == boost::beast::http::status::ok);
    CHECK(metrics[boost::beast::http::field::vary] == "Accept");
    CHECK(metrics[boost::beast::http::field::cache_control] == "no-store");
    CHECK(respond(get("/metrics/extra"), *completed).result() ==
          boost::beast::http::status::not_found);

    HttpRequest post = get("/metrics");
    post.method(boost::beast::http::verb::post);
    const HttpResponse refused = respond(post, *completed);
    CHECK(refused.result() == boost::beast::http::status::method_not_allowed);
    CHECK(refused[boost::beast::http::field::allow] == "GET, HEAD");

    // HEAD: GET's headers, Content-Length included, and no body.
    HttpRequest head = get("/report.json");
    head.method(boost::beast::http::verb::head);
    const HttpResponse headers = respond(head, *completed);
    CHECK(headers.result() == boost::beast::http::status::ok);
    CHECK(headers[boost::beast::http::field::content_length] ==
          std::to_string(completed->json.size()));
    CHECK(headers.body().empty());
}
