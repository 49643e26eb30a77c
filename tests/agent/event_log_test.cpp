// SPDX-License-Identifier: Apache-2.0
// serve's log (agent/event_log.h): one logfmt line per event, values quoted and escaped when
// needed, the line of a run with its counts and the line of a status change.
#include "agent/event_log.h"

#include <catch2/catch.hpp>

#include <string>

#include <fmt/format.h>

#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const std::string kKafka = kKafkaHost + ":9095";

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
    CHECK(line.find("cpu_ms") == std::string::npos);
    CHECK(check_log_line(report, std::chrono::microseconds(12345))
              .ends_with(fmt::format(" exit={} cpu_ms=12.3", exit_code(report))));
}

TEST_CASE("the log line: logfmt, quoted when needed") {
    StatusChange change{minute(2, 13, 250), kKafka, "kafka", "vpc", "ok", "failed", "tcp.timeout"};
    CHECK(change_log_line(change) ==
          "ts=2026-11-22T10:02:13.250Z event=status_change endpoint=" + kKafka +
              " from=ok to=failed cause=tcp.timeout component=kafka access=vpc");
    change.to = "ok";
    change.cause = "";
    change.access = "";
    change.endpoint = "[::1]:9092";
    CHECK(change_log_line(change) ==
          "ts=2026-11-22T10:02:13.250Z event=status_change endpoint=[::1]:9092 from=ok to=ok "
          "cause=\"\" component=kafka access=\"\"");
    change.component = "my \"odd\" = broker\\\n\x01";
    CHECK(change_log_line(change).find(R"(component="my \"odd\" = broker\\\n\u0001")") !=
          std::string::npos);
    change.component = "caf\xc3\xa9\xff";  // UTF-8 kept, a stray byte replaced
    CHECK(change_log_line(change).find("component=caf\xc3\xa9\xef\xbf\xbd ") != std::string::npos);
}
