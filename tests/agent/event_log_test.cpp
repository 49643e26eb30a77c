// SPDX-License-Identifier: Apache-2.0
// serve's log (agent/event_log.h): one logfmt line per event, values quoted and escaped when
// needed and the line of a run with its counts.
#include "agent/event_log.h"

#include <catch2/catch.hpp>

#include <string>

#include <fmt/format.h>

#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const std::string kKafka = kKafkaHost + ":9095";

SystemTime minute(int m, int second = 0, int millisecond = 0) {
    return utc(2026, 11, 22, 10, m, second, millisecond);
}

}  // namespace

TEST_CASE("an event line: ts, event, then each field as logfmt") {
    CHECK(event_line(minute(0, 1, 120), "listening",
                     {{"address", "127.0.0.1:9464"}, {"interval", "1m"}, {"jitter", "10%"}}) ==
          "ts=2026-11-22T10:00:01.120Z event=listening address=127.0.0.1:9464 interval=1m "
          "jitter=10%");
    CHECK(event_line(minute(0), "stopped") == "ts=2026-11-22T10:00:00.000Z event=stopped");
    // One event, one line, whatever a value holds; a field may repeat.
    CHECK(event_line(minute(0), "reload",
                     {{"result", "rejected"},
                      {"error", "vpcprobe.toml:3: timeout: \"banana\"\nnext"},
                      {"note", ""},
                      {"note", "a b"}}) ==
          "ts=2026-11-22T10:00:00.000Z event=reload result=rejected "
          "error=\"vpcprobe.toml:3: timeout: \\\"banana\\\"\\nnext\" note=\"\" note=\"a b\"");
}

TEST_CASE("the line of a run: its counts, duration and exit code") {
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
