// SPDX-License-Identifier: Apache-2.0
// History of scheduled runs (agent/history.h): status changes between consecutive reports
// (ok -> failed -> ok with times and causes, cause changes), reports kept and pruned, the
// comparison after a restart, corrupt and partial files, directories that cannot be written,
// bounds on changes.jsonl, and the real `vpcprobe history` reading a directory History wrote.
// The comparison alone is status_changes_test.cpp's, the log line event_log_test.cpp's and the
// renderings tests/reports/render/changes_report_test.cpp's. Reports are diagnose()d from
// hand-built evidence (tests/agent/run_fixtures.h); every test has its own TempDir.
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
#include "tests/agent/run_fixtures.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

History open_ok(const std::string& dir, std::size_t keep = 100) {
    auto history = History::open(dir, keep);
    if (!history) FAIL("History::open(" << dir << "): " << history.error().message());
    return std::move(*history);
}

// What History::open says about a directory it cannot use.
std::string open_error(const std::string& dir) {
    auto history = History::open(dir, 10);
    REQUIRE_FALSE(history);
    return history.error().message();
}

// Problems or warnings as one line, as serve logs them.
std::string joined(const std::vector<std::string>& lines) {
    return join(lines, "; ");
}

std::vector<StatusChange> record_ok(History& history, const Report& report) {
    const RecordedRun run = history.record(report);
    CHECK(joined(run.problems) == "");
    return run.changes;
}

ChangeLog changes_of(const History& history, std::size_t limit) {
    auto log = history.changes(limit);
    if (!log) FAIL("History::changes: " << log.error().message());
    return std::move(*log);
}

// What read_changes says about a directory it cannot read.
std::string read_error(const std::string& dir) {
    auto log = read_changes(dir, 10);
    REQUIRE_FALSE(log);
    return log.error().message();
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
    const ChangeLog log = changes_of(history, 0);
    CHECK(joined(log.warnings) == "");
    const std::vector<StatusChange>& all = log.changes;
    REQUIRE(all.size() == 5);
    CHECK(all[0].from == "new");
    CHECK(all[2].to == "failed");
    CHECK(all[2].cause == "tcp.timeout");
    CHECK(all[2].at == minute(2, 13, 250));
    CHECK(all[3].cause == "tcp.refused");
    CHECK(all[4].to == "ok");
    CHECK(all[4].cause == "");
    // The newest two, still oldest first.
    const auto newest = changes_of(history, 2).changes;
    CHECK(shown(newest) == std::vector<std::string>{shown(all[3]), shown(all[4])});
    CHECK(changes_of(history, 100).changes.size() == 5);

    // One JSON object per line.
    const std::string jsonl = read_file(dir + "/changes.jsonl");
    CHECK(line_count(jsonl) == 5);
    CHECK(jsonl.find(R"({"at":"2026-11-22T10:02:13.250Z","endpoint":")" + kKafka +
                     R"(","component":"kafka","access":"vpc","from":"ok","to":"failed",)"
                     R"("cause":"tcp.timeout"})") != std::string::npos);
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
    CHECK(changes_of(second, 0).changes.size() == 2 + 1 + 2);  // new x2, ok->failed, then these two

    SECTION("a corrupt newest report is skipped, with a message, for the one before it") {
        write_file(dir + "/reports/20261122T100300.000Z.json", R"({"schema_version": 1, "targ)");
        History third = open_ok(dir);
        const RecordedRun run = third.record(run_at(minute(4), {kafka_ok(), registry_ok()}));
        const std::string error = joined(run.problems);
        const std::vector<StatusChange>& changes = run.changes;
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
        const RecordedRun run = third.record(run_at(minute(4), {kafka_ok(), registry_ok()}));
        const std::string error = joined(run.problems);
        const std::vector<StatusChange>& changes = run.changes;
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
        const RecordedRun run = third.record(run_at(minute(4), {kafka_ok()}));
        const std::string error = joined(run.problems);
        const std::vector<StatusChange>& changes = run.changes;
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
        auto history = History::open(dir, 10);
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
    // Under a regular file: fails for root too.
    CHECK(open_error(temp.file("plain-file/state")) ==
          "state directory '" + temp.file("plain-file/state") + "': Not a directory");
    CHECK(open_error(temp.file("plain-file")) ==
          "state directory '" + temp.file("plain-file") + "': Not a directory");
    CHECK(open_error("") == "state directory: none given");
    // reports/ taken by a file.
    fs::create_directory(temp.file("taken"));
    write_file(temp.file("taken/reports"), "x");
    CHECK(
        open_error(temp.file("taken")).find("cannot create '" + temp.file("taken/reports") + "'") !=
        std::string::npos);

    if (is_root()) {
        WARN("SKIPPED (the chmod 0500 part): root ignores directory permissions");
    } else {
        fs::create_directory(temp.file("readonly"));
        ::chmod(temp.file("readonly").c_str(), 0500);
        CHECK(open_error(temp.file("readonly/state")) ==
              "state directory '" + temp.file("readonly/state") + "': Permission denied");
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
    const RecordedRun run = history.record(run_at(minute(1), {kafka_failed()}));
    const std::string error = joined(run.problems);
    CHECK(shown(run.changes) ==
          std::vector<std::string>{"kafka " + kKafka +
                                   " ok->failed tcp.timeout @2026-11-22T10:01:00.000Z access=vpc"});
    CHECK(error.find("cannot write '" + dir + "/reports/20261122T100100.000Z.json'") == 0);
    CHECK(error.find(dir + "/changes.jsonl") != std::string::npos);
    // The comparison went on in memory.
    CHECK(shown(history.record(run_at(minute(2), {kafka_ok()})).changes).size() == 1);
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
    ChangeLog log = changes_of(history, 0);
    CHECK(joined(log.warnings) ==
          dir +
              "/changes.jsonl: skipped 5 lines (not a change record; first at line 2 "
              "of what was read)");
    REQUIRE(log.changes.size() == 2);
    CHECK(log.changes[1].endpoint == "h:2");
    CHECK(log.changes[1].at == minute(0, 31));
    CHECK(log.changes[1].component == "");
    CHECK(log.changes[1].cause == "");

    // The next append drops them (with a message) and keeps the good ones.
    const RecordedRun run = history.record(run_at(minute(1), {kafka_failed()}));
    CHECK(run.changes.size() == 1);
    CHECK(joined(run.problems).find("dropped 5 lines") != std::string::npos);
    log = changes_of(history, 0);
    CHECK(log.changes.size() == 3);
    CHECK(joined(log.warnings) == "");
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
        const auto all = changes_of(history, 0).changes;
        REQUIRE(all.size() == 10000);
        CHECK(all.back().to == "failed");
        CHECK(all.back().endpoint == kKafka);
        CHECK(changes_of(history, 3).changes.size() == 3);
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
        const ChangeLog log = changes_of(history, 5);
        CHECK(joined(log.warnings) == "");
        const std::vector<StatusChange>& newest = log.changes;
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
    CHECK(read_error(temp.file("absent")) ==
          "state directory '" + temp.file("absent") +
              "': No such file or directory (written by vpcprobe serve --state-dir)");
    write_file(temp.file("file"), "x");
    CHECK(read_error(temp.file("file")) ==
          "state directory '" + temp.file("file") + "': not a directory");
    // changes.jsonl that is a directory: unreadable, not "no changes".
    fs::create_directories(temp.file("odd/changes.jsonl"));
    CHECK(read_error(temp.file("odd")) ==
          "cannot read '" + temp.file("odd/changes.jsonl") + "': Is a directory");
    // A state directory serve has not written a change into yet.
    fs::create_directory(temp.file("empty"));
    auto none = read_changes(temp.file("empty"), 10);
    REQUIRE(none);
    CHECK(none->changes.empty());
    CHECK(joined(none->warnings) == "");
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
    const auto recorded = changes_of(history, 0).changes;
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
