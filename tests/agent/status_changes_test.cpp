// SPDX-License-Identifier: Apache-2.0
// The pure half of the history (agent/status_changes.h): two runs compared into status changes
// (new, gone, warning as a status of its own, a cause change, a target listed twice), a stored
// JSON report's target states read back, and changes.jsonl lines parsed, skipped and trimmed.
// No file is touched; History's use of these, files included, is tests/agent/history_test.cpp.
#include "agent/status_changes.h"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "reports/render/changes_report.h"
#include "reports/render/json_report.h"
#include "tests/agent/run_fixtures.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

// Successive runs compared as History compares them: each with the one before.
class Runs {
  public:
    std::vector<StatusChange> next(const Report& report) {
        RunComparison comparison = compare_runs(previous_, report);
        previous_ = std::move(comparison.current);
        return std::move(comparison.changes);
    }

  private:
    std::optional<TargetStates> previous_;
};

std::string parse_error(std::string_view line) {
    auto change = parse_change_line(line);
    REQUIRE_FALSE(change);
    return change.error().message();
}

}  // namespace

TEST_CASE("the first run: every target is new; a target listed twice counts once") {
    Runs runs;
    CHECK(shown(runs.next(run_at(minute(0), {kafka_failed(), registry_ok(), kafka_ok()}))) ==
          std::vector<std::string>{
              "kafka " + kKafka + " new->failed tcp.timeout @2026-11-22T10:00:00.000Z access=vpc",
              "schema-registry " + kRegistry + " new->ok  @2026-11-22T10:00:00.000Z access=vpc"});
    // The state kept is the first listing's: failed, so a failed run is no change.
    CHECK(runs.next(run_at(minute(1), {kafka_failed(), registry_ok()})).empty());
}

TEST_CASE("a warning is a status of its own; access may be empty") {
    Runs runs;
    TargetEvidence plain =
        evidence_of(Target{"broker", "", "127.0.0.1", 9092, "argument"}, dns_ok({"127.0.0.1"}),
                    {healthy("127.0.0.1", 9092, "127.0.0.1")});
    runs.next(run_at(minute(0), {mds_expiring(), plain}));
    TargetEvidence plain_down =
        evidence_of(Target{"broker", "", "127.0.0.1", 9092, "argument"}, dns_ok({"127.0.0.1"}),
                    {tcp_failed("127.0.0.1", 9092, Cause::tcp_refused)});
    auto mds_ok = evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                              {healthy("10.0.0.5", 8090)});
    CHECK(shown(runs.next(run_at(minute(1), {mds_ok, plain_down}))) ==
          std::vector<std::string>{
              "mds " + kMds + " warning->ok  @2026-11-22T10:01:00.000Z access=vpc",
              "broker 127.0.0.1:9092 ok->failed tcp.refused @2026-11-22T10:01:00.000Z access="});
}

TEST_CASE("targets that appear and disappear between runs") {
    Runs runs;
    runs.next(run_at(minute(0), {kafka_ok(), registry_ok()}));
    // The registry left the plan (config changed); connect joined, failing.
    auto connect_nx = evidence_of(make_target("connect", kConnectHost, 8083),
                                  dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {});
    CHECK(shown(runs.next(run_at(minute(1), {kafka_ok(), connect_nx}))) ==
          std::vector<std::string>{
              "connect " + kConnect +
                  " new->failed dns.nxdomain @2026-11-22T10:01:00.000Z "
                  "access=vpc",
              "schema-registry " + kRegistry + " ok->gone  @2026-11-22T10:01:00.000Z access=vpc"});
    // Gone and back: new again.
    CHECK(shown(runs.next(run_at(minute(2), {kafka_ok(), registry_ok()}))) ==
          std::vector<std::string>{
              "schema-registry " + kRegistry + " new->ok  @2026-11-22T10:02:00.000Z access=vpc",
              "connect " + kConnect + " failed->gone  @2026-11-22T10:02:00.000Z access=vpc"});
    // An empty run: everything is gone.
    CHECK(runs.next(run_at(minute(3), {})).size() == 2);
    CHECK(runs.next(run_at(minute(4), {})).empty());
}

TEST_CASE("a stored report's target states are what the run compared with") {
    const Report report = run_at(minute(0), {kafka_failed(), registry_ok(), mds_expiring()});
    auto states = parse_target_states(render_json(report));
    REQUIRE(states);
    CHECK(states->size() == 3);
    const TargetState& kafka = states->at(kKafka);
    CHECK(kafka.status == "failed");
    CHECK(kafka.cause == "tcp.timeout");
    CHECK(kafka.component == "kafka");
    CHECK(kafka.access == "vpc");
    CHECK(states->at(kRegistry).cause == "");
    CHECK(states->at(kMds).status == "warning");
    // Compared with the states read back, the same run changes nothing.
    CHECK(compare_runs(*states, report).changes.empty());

    auto error_of = [](std::string_view json) {
        auto parsed = parse_target_states(json);
        REQUIRE_FALSE(parsed);
        return parsed.error().message();
    };
    CHECK(error_of(R"({"schema_version": 1, "targ)").rfind("not JSON (", 0) == 0);
    CHECK(error_of("[1, 2]") == "not a vpcprobe report");
    CHECK(error_of(R"({"targets": {}})") == "not a vpcprobe report");
    CHECK(error_of(R"({"targets": [{"endpoint": "h:1", "status": "sideways"}]})") ==
          "a target without endpoint, status or component");
    CHECK(error_of(R"({"targets": [{"endpoint": "h:1", "status": "ok", "component": 7}]})") ==
          "a target without endpoint, status or component");
    CHECK(error_of(R"({"targets": [7]})") == "a target without endpoint, status or component");
}

TEST_CASE("a changes.jsonl line reads back as the change it was written from") {
    const StatusChange change{minute(2, 13, 250), kKafka,       "kafka", "vpc", "ok",
                              "failed",           "tcp.timeout"};
    auto parsed = parse_change_line(render_change_line(change));
    REQUIRE(parsed);
    CHECK(shown(*parsed) == shown(change));
    // Empty access and cause are written as null and read back as empty.
    const StatusChange gone{minute(5), "10.0.0.9:9092", "broker", "", "failed", "gone", ""};
    parsed = parse_change_line(render_change_line(gone));
    REQUIRE(parsed);
    CHECK(shown(*parsed) == shown(gone));
    // Whole seconds, and component, access and cause absent.
    parsed = parse_change_line(
        R"({"at":"2026-11-22T10:00:31Z","endpoint":"h:2","from":"new","to":"ok"})");
    REQUIRE(parsed);
    CHECK(parsed->at == minute(0, 31));
    CHECK(parsed->component == "");

    CHECK(parse_error("this is not json").rfind("not JSON (", 0) == 0);
    CHECK(parse_error("[1]") == "not a JSON object");
    CHECK(parse_error(R"({"at":"2026-11-22T10:00:30Z","from":"ok","to":"failed"})") ==
          "at, endpoint, from or to missing");
    CHECK(parse_error(R"({"at":"yesterday","endpoint":"h:1","from":"ok","to":"failed"})") ==
          "at is not an RFC 3339 UTC time");
    CHECK(parse_error(
              R"({"at":"2026-02-30T10:00:00Z","endpoint":"h:1","from":"ok","to":"failed"})") ==
          "at is not an RFC 3339 UTC time");
    CHECK(parse_error(
              R"({"at":"2026-11-22T10:00:30Z","endpoint":"h:1","from":"up","to":"failed"})") ==
          "from or to is not a status");
    CHECK(parse_error(R"({"at":"2026-11-22T10:00:30Z","endpoint":"h:1","from":"ok","to":"new"})") ==
          "from or to is not a status");
    CHECK(
        parse_error(
            R"({"at":"2026-11-22T10:00:30Z","endpoint":"h:1","from":"ok","to":"failed","cause":7})") ==
        "component, access or cause is not a string");
}

TEST_CASE("the records of changes.jsonl, with what is not one counted") {
    const std::string good = render_change_line(
        StatusChange{minute(1), "h:1", "kafka", "vpc", "ok", "failed", "tcp.timeout"});
    const std::string content = good + "\n\nnot json\n" + good + "\n{\"at\":\n" + good;
    std::vector<std::string> lines;
    const SkippedLines skipped =
        for_each_change_line(content, [&](std::string_view line, StatusChange&& change) {
            CHECK(change.endpoint == "h:1");
            lines.emplace_back(line);
        });
    CHECK(lines == std::vector<std::string>{good, good, good});
    CHECK(skipped.count == 2);
    CHECK(skipped.first == 2);  // empty lines are not counted
    CHECK(for_each_change_line("", [](std::string_view, StatusChange&&) {
              FAIL("no line");
          }).count == 0);
}

TEST_CASE("the newest lines within both bounds, whole lines only") {
    const std::vector<std::string> lines = {"aaaa", "bb", "cccccc", "d"};
    CHECK(newest_lines_within(lines, 10, 100) == "aaaa\nbb\ncccccc\nd\n");
    CHECK(newest_lines_within(lines, 2, 100) == "cccccc\nd\n");
    // "cccccc\nd\n" is 9 bytes: "bb\n" no longer fits in 11.
    CHECK(newest_lines_within(lines, 10, 11) == "cccccc\nd\n");
    CHECK(newest_lines_within(lines, 10, 12) == "bb\ncccccc\nd\n");
    CHECK(newest_lines_within(lines, 10, 1) == "");
    CHECK(newest_lines_within({}, 10, 100) == "");
}
