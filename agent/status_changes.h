// SPDX-License-Identifier: Apache-2.0
// The pure half of the history (agent/history.h): what a run said about each target, the
// comparison of two runs into status changes, and reading back what the state directory
// holds: a stored JSON report's target states and the lines of changes.jsonl (written with
// render_change_line, reports/render/changes_report.h). No file is touched here.
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/report.h"
#include "core/result.h"
#include "core/status_change.h"

namespace vpcprobe {

// What a run said about one target: all the next run is compared with.
struct TargetState {
    std::string status;  // "ok" | "warning" | "failed"
    std::string cause;   // cause code, "" when ok
    std::string component;
    std::string access;
};
using TargetStates = std::map<std::string, TargetState>;  // by endpoint "host:port"

struct RunComparison {
    TargetStates current;  // this run's states, what the next run is compared with
    // Targets whose status or cause differs, in the report's order ("new" when absent from
    // the previous run), then those the previous run had and this one has not ("gone"),
    // by endpoint; each stamped with the run's started_at.
    std::vector<StatusChange> changes;
};

// Compares `report` with the previous run's states; without them (the first run, or no
// readable stored report after a restart) every target is new. A target listed twice counts
// once, as first listed.
RunComparison compare_runs(const std::optional<TargetStates>& previous, const Report& report);

// The target states of a stored JSON report (render_json). The error says what is wrong:
// "not JSON (...)", "not a vpcprobe report", or a target without endpoint, status or
// component.
Result<TargetStates> parse_target_states(std::string_view report_json);

// One line of changes.jsonl back into a change; the error says why it is not one.
Result<StatusChange> parse_change_line(std::string_view line);

// The lines of changes.jsonl that are not change records: how many, and the first one's
// number (from 1, within what was read).
struct SkippedLines {
    std::size_t count = 0;
    std::size_t first = 0;
};

// Calls `each` with every non-empty line of `content` that is a change record, oldest first,
// and its change; counts the others.
SkippedLines for_each_change_line(
    std::string_view content,
    const std::function<void(std::string_view line, StatusChange&& change)>& each);

// The newest of `lines` that fit both bounds, each followed by a newline: whole lines only,
// the oldest dropped first.
std::string newest_lines_within(const std::vector<std::string>& lines, std::size_t max_lines,
                                std::size_t max_bytes);

}  // namespace vpcprobe
