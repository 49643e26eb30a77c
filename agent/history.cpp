// SPDX-License-Identifier: Apache-2.0
#include "agent/history.h"

#include <algorithm>
#include <deque>
#include <iterator>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/text.h"
#include "reports/render/changes_report.h"
#include "reports/render/json_report.h"

namespace vpcprobe {

namespace {

// changes.jsonl is trimmed (oldest lines dropped) so that it never holds more than this many
// lines or bytes: years of changes for a sane fleet, and a bound on what record() and
// `vpcprobe history` read into memory.
constexpr std::size_t kMaxChangeLines = 10000;
constexpr std::size_t kMaxChangeBytes = 1024 * 1024;
// How many stored reports a restart tries, newest first, before giving up on corrupt ones.
constexpr std::size_t kMaxReportsTried = 10;

std::string skipped_message(const std::string& path, SkippedLines skipped, std::string_view what) {
    return fmt::format("{}: {} {} line{} (not a change record; first at line {} of what was read)",
                       path, what, skipped.count, skipped.count == 1 ? "" : "s", skipped.first);
}

void append(std::vector<std::string>& to, std::vector<std::string> more) {
    std::move(more.begin(), more.end(), std::back_inserter(to));
}

// A stored report's target states; the error says why there are none.
Result<TargetStates> read_stored_states(const std::string& path) {
    auto content = StateStore::read_report(path);
    if (!content) return std::move(content).error();
    return parse_target_states(*content);
}

Result<ChangeLog> read_change_log(const StateStore& store, std::size_t limit) {
    // Twice the bound: a file someone appended to by hand is still read from its newest end.
    auto content = store.read_changes(2 * kMaxChangeBytes);
    if (!content) return std::move(content).error();
    ChangeLog log;
    if (!*content) return log;  // nothing changed yet
    std::deque<StatusChange> newest;
    const SkippedLines skipped =
        for_each_change_line(**content, [&](std::string_view, StatusChange&& change) {
            newest.push_back(std::move(change));
            if (limit != 0 && newest.size() > limit) newest.pop_front();
        });
    if (skipped.count > 0) {
        log.warnings.push_back(skipped_message(store.changes_path(), skipped, "skipped"));
    }
    log.changes.assign(std::make_move_iterator(newest.begin()),
                       std::make_move_iterator(newest.end()));
    return log;
}

}  // namespace

Result<History> History::open(const std::string& state_dir, std::size_t keep) {
    auto store = StateStore::open(state_dir);
    if (!store) return std::move(store).error();
    return History(std::move(*store), std::max<std::size_t>(keep, 1));
}

RecordedRun History::record(const Report& report) {
    RecordedRun run;
    // After a restart, the newest stored report is the previous run (read before this run's
    // report joins it).
    if (!previous_) {
        PreviousRun loaded = load_newest();
        previous_ = std::move(loaded.states);
        append(run.problems, std::move(loaded.problems));
    }
    const std::string name = store_.new_report_name(report.agent.started_at);
    if (auto written = store_.write_report(name, render_json(report)); !written) {
        run.problems.push_back(written.error().message());
    }
    RunComparison comparison = compare_runs(previous_, report);
    previous_ = std::move(comparison.current);
    run.changes = std::move(comparison.changes);
    if (!run.changes.empty()) append(run.problems, append_changes(run.changes));
    append(run.problems, store_.prune_reports(keep_, name));
    return run;
}

History::PreviousRun History::load_newest() const {
    PreviousRun previous;
    for (const std::string& path : store_.newest_report_paths(kMaxReportsTried)) {
        auto states = read_stored_states(path);
        if (states) {
            previous.states = std::move(*states);
            break;
        }
        previous.problems.push_back(
            states.error().context("ignored stored report " + quote(path)).message());
    }
    return previous;
}

// The file is rewritten atomically (changes are rare, so this is cheap), with the records it
// had, this run's changes, and trimmed to its bounds from the oldest end.
std::vector<std::string> History::append_changes(const std::vector<StatusChange>& changes) const {
    std::vector<std::string> problems;
    std::vector<std::string> lines;
    auto existing = store_.read_changes(kMaxChangeBytes);
    if (!existing) {
        problems.push_back(existing.error().message() + "; its older changes are replaced");
    } else if (*existing) {
        const SkippedLines skipped = for_each_change_line(
            **existing, [&](std::string_view line, StatusChange&&) { lines.emplace_back(line); });
        if (skipped.count > 0) {
            problems.push_back(skipped_message(store_.changes_path(), skipped, "dropped"));
        }
    }
    for (const StatusChange& change : changes) lines.push_back(render_change_line(change));
    auto written =
        store_.write_changes(newest_lines_within(lines, kMaxChangeLines, kMaxChangeBytes));
    if (!written) problems.push_back(written.error().message());
    return problems;
}

Result<ChangeLog> History::changes(std::size_t limit) const {
    return read_change_log(store_, limit);
}

Result<ChangeLog> read_changes(const std::string& state_dir, std::size_t limit) {
    auto store = StateStore::open_for_reading(state_dir);
    if (!store) return std::move(store).error();
    return read_change_log(*store, limit);
}

}  // namespace vpcprobe
