// SPDX-License-Identifier: Apache-2.0
// History of scheduled runs (agent/history.h): status changes between consecutive reports
// (ok -> failed -> ok with times and causes, new and gone targets, cause changes), reports kept
// and pruned, the comparison after a restart, corrupt and partial files, directories that
// cannot be written, bounds on changes.jsonl, and the real
// `vpcprobe history` reading a directory History wrote. Reports are diagnose()d from hand-built
// evidence (tests/reports/report_fixtures.h); every test has its own TempDir. The renderings
// are tests/reports/render/changes_report_test.cpp's, the log line event_log_test.cpp's.
#include "agent/history.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "agent/history_command.h"
#include "agent/settings/cli.h"
#include "core/text.h"
#include "reports/render/changes_report.h"
#include "reports/render/json_report.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

TargetEvidence kafka_ok() {
    return healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5");
}

TargetEvidence kafka_failed(Cause cause = Cause::tcp_timeout) {
    return evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
                       {tcp_failed("10.0.0.5", 9095, cause)});
}

TargetEvidence registry_ok() {
    return healthy_target("schema-registry", kRegistryHost, 8081, "10.0.0.6");
}

TargetEvidence connect_ok() {
    return healthy_target("connect", kConnectHost, 8083, "10.0.0.7");
}

TargetEvidence mds_expiring() {
    return evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                       {expiring("10.0.0.5", 8090, 12)});
}

Report run_at(SystemTime started_at, std::vector<TargetEvidence> evidence) {
    AgentInfo agent = agent_info();
    agent.started_at = started_at;
    return diagnose(std::move(evidence), std::move(agent));
}

SystemTime minute(int m, int second = 0, int millisecond = 0) {
    return utc(2026, 11, 22, 10, m, second, millisecond);
}

History open_ok(const std::string& dir, std::size_t keep = 100) {
    std::string error;
    auto history = History::open(dir, keep, error);
    if (!history) FAIL("History::open(" << dir << "): " << error);
    CHECK(error.empty());
    return std::move(*history);
}

std::vector<StatusChange> record_ok(History& history, const Report& report) {
    std::string error;
    auto changes = history.record(report, error);
    CHECK(error == "");
    return changes;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

std::vector<std::string> report_names(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "reports")) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A change as one comparable line: "kafka vpc-kafka-...:9095 ok->failed tcp.timeout @..."
std::string shown(const StatusChange& change) {
    return change.component + " " + change.endpoint + " " + change.from + "->" + change.to + " " +
           change.cause + " @" + rfc3339_ms(change.at) + " access=" + change.access;
}

std::vector<std::string> shown(const std::vector<StatusChange>& changes) {
    std::vector<std::string> out;
    for (const auto& change : changes) out.push_back(shown(change));
    return out;
}

const std::string kKafka = kKafkaHost + ":9095";
const std::string kRegistry = kRegistryHost + ":8081";
const std::string kConnect = kConnectHost + ":8083";
const std::string kMds = kKafkaHost + ":8090";

mode_t mode_of(const std::string& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 07777;
}

// A minimal valid changes.jsonl line (component, access and cause may be absent).
std::string short_line(int n) {
    return R"({"at":"2026-11-22T10:00:00Z","endpoint":"h)" + std::to_string(n) +
           R"(:1","from":"ok","to":"failed"})";
}

// A valid changes.jsonl line.
std::string change_line(int n, const std::string& component = "kafka") {
    StatusChange change{minute(0) + std::chrono::seconds(n),
                        "h" + std::to_string(n) + ":9092",
                        component,
                        "vpc",
                        "ok",
                        "failed",
                        "tcp.timeout"};
    return render_change_line(change);
}

}  // namespace

TEST_CASE("ok -> failed -> ok: each change with its time and cause") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir);
    CHECK(history.directory() == dir);

    // The first run has nothing before it: every target is new.
    CHECK(shown(record_ok(history, run_at(minute(0), {kafka_ok(), registry_ok()}))) ==
          std::vector<std::string>{
              "kafka " + kKafka + " new->ok  @2026-11-22T10:00:00.000Z access=vpc",
              "schema-registry " + kRegistry + " new->ok  @2026-11-22T10:00:00.000Z access=vpc"});
    // Nothing changed: nothing recorded.
    CHECK(record_ok(history, run_at(minute(1), {kafka_ok(), registry_ok()})).empty());
    // Kafka's SYN is dropped at 10:02:13.
    CHECK(shown(record_ok(history, run_at(minute(2, 13, 250), {kafka_failed(), registry_ok()}))) ==
          std::vector<std::string>{"kafka " + kKafka +
                                   " ok->failed tcp.timeout @2026-11-22T10:02:13.250Z access=vpc"});
    CHECK(record_ok(history, run_at(minute(3), {kafka_failed(), registry_ok()})).empty());
    // Still failed, for another reason: that is worth a line too.
    CHECK(shown(record_ok(history,
                          run_at(minute(4), {kafka_failed(Cause::tcp_refused), registry_ok()}))) ==
          std::vector<std::string>{"kafka " + kKafka +
                                   " failed->failed tcp.refused @2026-11-22T10:04:00.000Z "
                                   "access=vpc"});
    // Back.
    CHECK(shown(record_ok(history, run_at(minute(5), {kafka_ok(), registry_ok()}))) ==
          std::vector<std::string>{"kafka " + kKafka +
                                   " failed->ok  @2026-11-22T10:05:00.000Z "
                                   "access=vpc"});

    // Everything, oldest first, read back from changes.jsonl.
    std::string error;
    const auto all = history.changes(0, error);
    CHECK(error == "");
    REQUIRE(all.size() == 5);
    CHECK(all[0].from == "new");
    CHECK(all[2].to == "failed");
    CHECK(all[2].cause == "tcp.timeout");
    CHECK(all[2].at == minute(2, 13, 250));
    CHECK(all[3].cause == "tcp.refused");
    CHECK(all[4].to == "ok");
    CHECK(all[4].cause == "");
    // The newest two, still oldest first.
    const auto newest = history.changes(2, error);
    CHECK(shown(newest) == std::vector<std::string>{shown(all[3]), shown(all[4])});
    CHECK(history.changes(100, error).size() == 5);

    // One JSON object per line.
    const std::string jsonl = read_file(dir + "/changes.jsonl");
    CHECK(line_count(jsonl) == 5);
    CHECK(jsonl.find(R"({"at":"2026-11-22T10:02:13.250Z","endpoint":")" + kKafka +
                     R"(","component":"kafka","access":"vpc","from":"ok","to":"failed",)"
                     R"("cause":"tcp.timeout"})") != std::string::npos);
}

TEST_CASE("a warning is a status of its own; access may be empty") {
    TempDir temp;
    History history = open_ok(temp.file("state"));
    TargetEvidence plain =
        evidence_of(Target{"broker", "", "127.0.0.1", 9092, "argument"}, dns_ok({"127.0.0.1"}),
                    {healthy("127.0.0.1", 9092, "127.0.0.1")});
    record_ok(history, run_at(minute(0), {mds_expiring(), plain}));
    TargetEvidence plain_down =
        evidence_of(Target{"broker", "", "127.0.0.1", 9092, "argument"}, dns_ok({"127.0.0.1"}),
                    {tcp_failed("127.0.0.1", 9092, Cause::tcp_refused)});
    auto mds_ok = evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                              {healthy("10.0.0.5", 8090)});
    CHECK(shown(record_ok(history, run_at(minute(1), {mds_ok, plain_down}))) ==
          std::vector<std::string>{
              "mds " + kMds + " warning->ok  @2026-11-22T10:01:00.000Z access=vpc",
              "broker 127.0.0.1:9092 ok->failed tcp.refused @2026-11-22T10:01:00.000Z access="});
}

TEST_CASE("targets that appear and disappear between runs") {
    TempDir temp;
    History history = open_ok(temp.file("state"));
    record_ok(history, run_at(minute(0), {kafka_ok(), registry_ok()}));
    // The registry left the plan (config changed); connect joined, failing.
    auto connect_nx = evidence_of(make_target("connect", kConnectHost, 8083),
                                  dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {});
    CHECK(shown(record_ok(history, run_at(minute(1), {kafka_ok(), connect_nx}))) ==
          std::vector<std::string>{
              "connect " + kConnect +
                  " new->failed dns.nxdomain @2026-11-22T10:01:00.000Z "
                  "access=vpc",
              "schema-registry " + kRegistry + " ok->gone  @2026-11-22T10:01:00.000Z access=vpc"});
    // Gone and back: new again.
    CHECK(shown(record_ok(history, run_at(minute(2), {kafka_ok(), registry_ok()}))) ==
          std::vector<std::string>{
              "schema-registry " + kRegistry + " new->ok  @2026-11-22T10:02:00.000Z access=vpc",
              "connect " + kConnect + " failed->gone  @2026-11-22T10:02:00.000Z access=vpc"});
    // An empty run: everything is gone.
    CHECK(record_ok(history, run_at(minute(3), {})).size() == 2);
    CHECK(record_ok(history, run_at(minute(4), {})).empty());
}

TEST_CASE("reports are stored under their start time, newest `keep` kept") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir, 3);
    std::vector<Report> reports;
    for (int m = 0; m < 5; ++m) {
        reports.push_back(run_at(minute(m, 7, 42), {kafka_ok()}));
        record_ok(history, reports.back());
    }
    CHECK(report_names(dir) == std::vector<std::string>{"20261122T100207.042Z.json",
                                                        "20261122T100307.042Z.json",
                                                        "20261122T100407.042Z.json"});
    // The stored form is the JSON report itself.
    CHECK(read_file(dir + "/reports/20261122T100407.042Z.json") == render_json(reports.back()));

    SECTION("two runs in the same millisecond keep both, in order") {
        const Report again = run_at(minute(4, 7, 42), {kafka_failed()});
        CHECK(shown(record_ok(history, again)).size() == 1);
        CHECK(report_names(dir) == std::vector<std::string>{"20261122T100307.042Z.json",
                                                            "20261122T100407.042Z-1.json",
                                                            "20261122T100407.042Z.json"});
        // After a restart the clash's second report is the newest: kafka was failed.
        History restarted = open_ok(dir, 3);
        CHECK(shown(record_ok(restarted, run_at(minute(5), {kafka_ok()}))) ==
              std::vector<std::string>{"kafka " + kKafka +
                                       " failed->ok  @2026-11-22T10:05:00.000Z access=vpc"});
    }
    SECTION("files that are not reports are left alone and not counted") {
        write_file(dir + "/reports/README", "notes\n");
        write_file(dir + "/reports/2026.json", "{}");
        record_ok(history, run_at(minute(9), {kafka_ok()}));  // one report pruned: three remain
        std::vector<std::string> names = report_names(dir);
        CHECK(names == std::vector<std::string>{"2026.json", "20261122T100307.042Z.json",
                                                "20261122T100407.042Z.json",
                                                "20261122T100900.000Z.json", "README"});
    }
    SECTION("a clock set back never prunes the report just written") {
        History small = open_ok(dir, 1);
        record_ok(small, run_at(utc(2025, 1, 1), {kafka_ok()}));
        CHECK(report_names(dir) == std::vector<std::string>{"20250101T000000.000Z.json"});
    }
}

TEST_CASE("keep 0 is taken as 1: the newest report is what a restart compares with") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir, 0);
    record_ok(history, run_at(minute(0), {kafka_ok()}));
    record_ok(history, run_at(minute(1), {kafka_ok()}));
    CHECK(report_names(dir) == std::vector<std::string>{"20261122T100100.000Z.json"});
}

TEST_CASE("after a restart the newest stored report is the previous run") {
    TempDir temp;
    const std::string dir = temp.file("state");
    {
        History first = open_ok(dir);
        record_ok(first, run_at(minute(0), {kafka_ok(), registry_ok()}));
        record_ok(first, run_at(minute(1), {kafka_failed(), registry_ok()}));
    }
    History second = open_ok(dir);
    // Compared with minute 1 (kafka failed), not minute 0, and not "everything is new".
    CHECK(shown(record_ok(second, run_at(minute(2), {kafka_ok(), registry_ok(), connect_ok()}))) ==
          std::vector<std::string>{
              "kafka " + kKafka + " failed->ok  @2026-11-22T10:02:00.000Z access=vpc",
              "connect " + kConnect + " new->ok  @2026-11-22T10:02:00.000Z access=vpc"});
    std::string error;
    CHECK(second.changes(0, error).size() == 2 + 1 + 2);  // new x2, ok->failed, then these two

    SECTION("a corrupt newest report is skipped, with a message, for the one before it") {
        write_file(dir + "/reports/20261122T100300.000Z.json", R"({"schema_version": 1, "targ)");
        History third = open_ok(dir);
        auto changes = third.record(run_at(minute(4), {kafka_ok(), registry_ok()}), error);
        CHECK(error.find("ignored stored report '" + dir +
                         "/reports/20261122T100300.000Z.json': not JSON") == 0);
        // Compared with minute 2: connect is gone, nothing else changed.
        CHECK(shown(changes) == std::vector<std::string>{"connect " + kConnect +
                                                         " ok->gone  @2026-11-22T10:04:00.000Z "
                                                         "access=vpc"});
    }
    SECTION("a report that is JSON but not a report, or with a bad target, is skipped too") {
        write_file(dir + "/reports/20261122T100300.000Z.json", "[1, 2]");
        write_file(dir + "/reports/20261122T100301.000Z.json",
                   R"({"targets": [{"endpoint": "h:1", "status": "sideways"}]})");
        History third = open_ok(dir);
        auto changes = third.record(run_at(minute(4), {kafka_ok(), registry_ok()}), error);
        CHECK(error.find("20261122T100301.000Z.json': a target without endpoint, status or "
                         "component") != std::string::npos);
        CHECK(error.find("20261122T100300.000Z.json': not a vpcprobe report") != std::string::npos);
        CHECK(changes.size() == 1);  // connect gone, compared with minute 2
    }
    SECTION("with no readable report at all, every target is new again") {
        for (const auto& name : report_names(dir)) {
            write_file(dir + "/reports/" + name, "");
        }
        History third = open_ok(dir);
        auto changes = third.record(run_at(minute(4), {kafka_ok()}), error);
        CHECK(error.find("not JSON") != std::string::npos);
        CHECK(shown(changes) == std::vector<std::string>{"kafka " + kKafka +
                                                         " new->ok  @2026-11-22T10:04:00.000Z "
                                                         "access=vpc"});
    }
}

TEST_CASE("the state directory is created 0750, whatever the umask") {
    TempDir temp;
    for (mode_t mask : {mode_t{022}, mode_t{077}, mode_t{0}}) {
        CAPTURE(mask);
        const std::string dir = temp.file("m" + std::to_string(mask) + "/nested/state");
        const mode_t old = ::umask(mask);
        std::string error;
        auto history = History::open(dir, 10, error);
        ::umask(old);
        REQUIRE(history);
        CHECK(mode_of(dir) == 0750);
        CHECK(mode_of(temp.file("m" + std::to_string(mask) + "/nested")) == 0750);
        CHECK(mode_of(dir + "/reports") == 0750);
    }
    // An existing directory keeps its mode: it is the administrator's.
    const std::string existing = temp.file("existing");
    fs::create_directory(existing);
    ::chmod(existing.c_str(), 0755);
    open_ok(existing);
    CHECK(mode_of(existing) == 0755);
}

TEST_CASE("a state directory that cannot be created or written is an error naming it") {
    TempDir temp;
    write_file(temp.file("plain-file"), "x");
    std::string error;
    // Under a regular file: fails for root too.
    CHECK_FALSE(History::open(temp.file("plain-file/state"), 10, error));
    CHECK(error == "state directory '" + temp.file("plain-file/state") + "': Not a directory");
    CHECK_FALSE(History::open(temp.file("plain-file"), 10, error));
    CHECK(error == "state directory '" + temp.file("plain-file") + "': Not a directory");
    CHECK_FALSE(History::open("", 10, error));
    CHECK(error == "state directory: none given");
    // reports/ taken by a file.
    fs::create_directory(temp.file("taken"));
    write_file(temp.file("taken/reports"), "x");
    CHECK_FALSE(History::open(temp.file("taken"), 10, error));
    CHECK(error.find("cannot create '" + temp.file("taken/reports") + "'") != std::string::npos);

    if (is_root()) {
        WARN("SKIPPED (the chmod 0500 part): root ignores directory permissions");
    } else {
        fs::create_directory(temp.file("readonly"));
        ::chmod(temp.file("readonly").c_str(), 0500);
        CHECK_FALSE(History::open(temp.file("readonly/state"), 10, error));
        CHECK(error == "state directory '" + temp.file("readonly/state") + "': Permission denied");
        ::chmod(temp.file("readonly").c_str(), 0700);
    }
}

TEST_CASE("write problems after open are reported; the run still counts") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir);
    record_ok(history, run_at(minute(0), {kafka_ok()}));
    // The reports folder is replaced by a file, changes.jsonl by a directory.
    fs::remove_all(dir + "/reports");
    write_file(dir + "/reports", "x");
    fs::remove(dir + "/changes.jsonl");
    fs::create_directory(dir + "/changes.jsonl");
    std::string error;
    const auto changes = history.record(run_at(minute(1), {kafka_failed()}), error);
    CHECK(shown(changes) ==
          std::vector<std::string>{"kafka " + kKafka +
                                   " ok->failed tcp.timeout @2026-11-22T10:01:00.000Z access=vpc"});
    CHECK(error.find("cannot write '" + dir + "/reports/20261122T100100.000Z.json'") == 0);
    CHECK(error.find(dir + "/changes.jsonl") != std::string::npos);
    // The comparison went on in memory.
    CHECK(shown(history.record(run_at(minute(2), {kafka_ok()}), error)).size() == 1);
}

TEST_CASE("corrupt and partial lines of changes.jsonl are skipped with a message") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir);
    record_ok(history, run_at(minute(0), {kafka_ok()}));  // kafka new -> ok
    {
        std::ofstream out(dir + "/changes.jsonl", std::ios::app | std::ios::binary);
        out << "this is not json\n"
            << R"({"at":"yesterday","endpoint":"h:1","from":"ok","to":"failed"})"
            << "\n"
            << R"({"at":"2026-11-22T10:00:30Z","endpoint":"h:1","from":"up","to":"failed"})"
            << "\n"
            << R"({"at":"2026-11-22T10:00:30Z","endpoint":"h:1","from":"ok","to":"failed","cause":7})"
            << "\n"
            << R"({"at":"2026-11-22T10:00:31Z","endpoint":"h:2","from":"ok","to":"failed"})"
            << "\n"
            << R"({"at":"2026-11-22T10:00:32Z","endpoint":"h:3","from":"ok","to":)";  // torn
    }
    std::string error;
    auto changes = history.changes(0, error);
    CHECK(error == dir +
                       "/changes.jsonl: skipped 5 lines (not a change record; first at line 2 "
                       "of what was read)");
    REQUIRE(changes.size() == 2);
    CHECK(changes[1].endpoint == "h:2");
    CHECK(changes[1].at == minute(0, 31));
    CHECK(changes[1].component == "");
    CHECK(changes[1].cause == "");

    // The next append drops them (with a message) and keeps the good ones.
    changes = history.record(run_at(minute(1), {kafka_failed()}), error);
    CHECK(changes.size() == 1);
    CHECK(error.find("dropped 5 lines") != std::string::npos);
    CHECK(history.changes(0, error).size() == 3);
    CHECK(error == "");
    CHECK(line_count(read_file(dir + "/changes.jsonl")) == 3);
}

TEST_CASE("changes.jsonl stays within 10,000 lines and 1 MiB, dropping the oldest") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir);
    record_ok(history, run_at(minute(0), {kafka_ok()}));

    SECTION("lines") {
        std::string content;
        for (int n = 0; n < 10000; ++n) content += short_line(n) + "\n";
        REQUIRE(content.size() < 1024 * 1024);
        write_file(dir + "/changes.jsonl", content);
        record_ok(history, run_at(minute(1), {kafka_failed()}));
        const std::string after = read_file(dir + "/changes.jsonl");
        CHECK(line_count(after) == 10000);
        CHECK(after.rfind(short_line(1) + "\n", 0) == 0);  // line 0 dropped
        std::string error;
        const auto all = history.changes(0, error);
        REQUIRE(all.size() == 10000);
        CHECK(all.back().to == "failed");
        CHECK(all.back().endpoint == kKafka);
        CHECK(history.changes(3, error).size() == 3);
    }
    SECTION("bytes") {
        const std::string long_component(2000, 'c');
        std::string content;
        for (int n = 0; n < 600; ++n) content += change_line(n, long_component) + "\n";
        REQUIRE(content.size() > 1024 * 1024);
        write_file(dir + "/changes.jsonl", content);
        record_ok(history, run_at(minute(1), {kafka_failed()}));
        const std::string after = read_file(dir + "/changes.jsonl");
        CHECK(after.size() <= 1024 * 1024);
        CHECK(after.size() > 1024 * 1024 - 2200);  // only as much dropped as needed
        CHECK(after.find(R"("to":"failed","cause":"tcp.timeout"})"
                         "\n",
                         after.size() - 60) != std::string::npos);
        CHECK(after.front() == '{');  // whole lines only
    }
    SECTION("a file grown far beyond the bound by hand is read from its newest end") {
        std::string content;
        for (int n = 0; n < 30000; ++n) content += change_line(n) + "\n";
        REQUIRE(content.size() > 2 * 1024 * 1024);
        write_file(dir + "/changes.jsonl", content);
        std::string error;
        const auto newest = history.changes(5, error);
        CHECK(error == "");
        REQUIRE(newest.size() == 5);
        CHECK(newest.back().endpoint == "h29999:9092");
        CHECK(newest.front().endpoint == "h29995:9092");
    }
}

TEST_CASE("open removes temporary files a crash left behind, and nothing else") {
    TempDir temp;
    const std::string dir = temp.file("state");
    open_ok(dir);
    write_file(dir + "/reports/.20261122T100000.000Z.json.Ab12Cd", "{");
    write_file(dir + "/.changes.jsonl.Xy98Zw", "{");
    write_file(dir + "/reports/.20261122T100000.000Z-2.json.Ab12Cd", "{");
    write_file(dir + "/reports/.write-test.Qw34Er", "");
    write_file(dir + "/notes.txt", "mine");
    write_file(dir + "/.notes.json.backup", "mine");
    write_file(dir + "/reports/.my.json.backup", "mine");
    open_ok(dir);
    CHECK_FALSE(fs::exists(dir + "/reports/.20261122T100000.000Z.json.Ab12Cd"));
    CHECK_FALSE(fs::exists(dir + "/.changes.jsonl.Xy98Zw"));
    CHECK_FALSE(fs::exists(dir + "/reports/.20261122T100000.000Z-2.json.Ab12Cd"));
    CHECK_FALSE(fs::exists(dir + "/reports/.write-test.Qw34Er"));
    CHECK(fs::exists(dir + "/notes.txt"));
    CHECK(fs::exists(dir + "/.notes.json.backup"));
    CHECK(fs::exists(dir + "/reports/.my.json.backup"));
    CHECK(report_names(dir) == std::vector<std::string>{".my.json.backup"});
}

TEST_CASE("read_changes: a missing or unreadable directory, an empty one") {
    TempDir temp;
    std::string error;
    CHECK_FALSE(read_changes(temp.file("absent"), 10, error));
    CHECK(error == "state directory '" + temp.file("absent") +
                       "': No such file or directory (written by vpcprobe serve --state-dir)");
    write_file(temp.file("file"), "x");
    CHECK_FALSE(read_changes(temp.file("file"), 10, error));
    CHECK(error == "state directory '" + temp.file("file") + "': not a directory");
    // changes.jsonl that is a directory: unreadable, not "no changes".
    fs::create_directories(temp.file("odd/changes.jsonl"));
    CHECK_FALSE(read_changes(temp.file("odd"), 10, error));
    CHECK(error == "cannot read '" + temp.file("odd/changes.jsonl") + "': Is a directory");
    // A state directory serve has not written a change into yet.
    fs::create_directory(temp.file("empty"));
    auto none = read_changes(temp.file("empty"), 10, error);
    REQUIRE(none);
    CHECK(none->empty());
    CHECK(error == "");
    // read_changes never creates anything.
    CHECK_FALSE(fs::exists(temp.file("absent")));
    CHECK_FALSE(fs::exists(temp.file("empty/reports")));
}

TEST_CASE("run_history prints what History recorded; exit 3 for a missing directory") {
    TempDir temp;
    const std::string dir = temp.file("state");
    History history = open_ok(dir);
    record_ok(history, run_at(minute(0), {kafka_ok(), registry_ok()}));
    record_ok(history, run_at(minute(1), {kafka_failed(), registry_ok()}));
    record_ok(history, run_at(minute(2), {kafka_ok()}));
    std::string error;
    const auto recorded = history.changes(0, error);
    REQUIRE(recorded.size() == 5);

    Command command;
    command.kind = CommandKind::history;
    command.history.state_dir = dir;
    std::ostringstream out, err;
    CHECK(run_history(command, out, err) == 0);
    CHECK(out.str() == render_changes_text(recorded));
    CHECK(err.str() == "");

    command.history.format = ReportFormat::json;
    command.history.limit = 2;
    out.str("");
    CHECK(run_history(command, out, err) == 0);
    CHECK(out.str() == render_changes_json({recorded[3], recorded[4]}));

    command.history.state_dir = temp.file("absent");
    out.str("");
    CHECK(run_history(command, out, err) == 3);
    CHECK(out.str() == "");
    CHECK(err.str() == "vpcprobe: state directory '" + temp.file("absent") +
                           "': No such file or directory (written by vpcprobe serve "
                           "--state-dir)\n");

    SECTION("the real binary reads the same directory") {
        const std::string binary = VPCPROBE_BINARY;
        if (!fs::exists(binary)) {
            WARN("SKIPPED: " << binary << " is not built");
            return;
        }
        RunResult json_run = run_command(
            {binary, "history", "--state-dir", dir, "--format", "json", "--limit", "0"});
        CHECK(json_run.exit_code == 0);
        CHECK(json_run.err == "");
        CHECK(json_run.out == render_changes_json(recorded));
        RunResult text_run = run_command({binary, "history", "--state-dir", dir});
        CHECK(text_run.exit_code == 0);
        CHECK(text_run.out == render_changes_text(recorded));
        RunResult missing = run_command({binary, "history", "--state-dir", temp.file("absent")});
        CHECK(missing.exit_code == 3);
        CHECK(missing.out == "");
        CHECK(missing.err.find(temp.file("absent")) != std::string::npos);
    }
}
