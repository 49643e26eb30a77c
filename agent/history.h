// SPDX-License-Identifier: Apache-2.0
// History of scheduled checks: `vpcprobe serve --state-dir` keeps the last N reports in a
// state directory and records every change of a target's status between consecutive runs (ok
// -> failed at 10:02:13, with the cause), so "when did this break?" has an answer; `vpcprobe
// history` prints those changes. docs/serve.md ("History") is the user's guide.
//
// The files are agent/state_store.h's (reports/, changes.jsonl, all written atomically and
// read within bounds); comparing runs and reading records back is agent/status_changes.h's;
// rendering the changes is reports/render/changes_report.h's.
//
// Threading: a History is used from one thread (serve's scheduler); separate processes must
// not share a state directory for writing. read_changes only reads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/state_store.h"
#include "agent/status_changes.h"
#include "core/report.h"
#include "core/result.h"
#include "core/status_change.h"

namespace vpcprobe {

// What recording one run did.
struct RecordedRun {
    std::vector<StatusChange> changes;  // this run's, in the order compare_runs gives them
    // Problems writing or reading the state directory, each one line naming the file; the
    // run and its changes still count (the comparison goes on in memory).
    std::vector<std::string> problems;
};

// Recorded changes as read back.
struct ChangeLog {
    std::vector<StatusChange> changes;  // oldest first
    std::vector<std::string> warnings;  // what was skipped (lines that are not records)
};

class History {
  public:
    // Opens (creating if needed) the state directory; `keep` 0 is taken as 1. The error
    // (one line) names the directory.
    static Result<History> open(const std::string& state_dir, std::size_t keep);

    // Stores `report`, compares it with the previous run (in memory, or the newest readable
    // stored report after a restart), appends the changes to changes.jsonl (bounded to its
    // newest 10,000 lines and 1 MiB), and prunes the reports beyond `keep`.
    RecordedRun record(const Report& report);

    // Every recorded change, oldest first (at most `limit`, the newest ones; 0 for all kept).
    Result<ChangeLog> changes(std::size_t limit) const;

    const std::string& directory() const { return store_.directory(); }

  private:
    History(StateStore store, std::size_t keep) : store_(std::move(store)), keep_(keep) {}

    struct PreviousRun {
        std::optional<TargetStates> states;  // nullopt when no stored report could be read
        std::vector<std::string> problems;   // stored reports skipped, and why
    };
    PreviousRun load_newest() const;
    std::vector<std::string> append_changes(const std::vector<StatusChange>& changes) const;

    StateStore store_;
    std::size_t keep_ = 1;
    std::optional<TargetStates> previous_;  // the previous run's, once known
};

// History::changes without opening the directory for writing, for `vpcprobe history` (which
// may run as a user who can only read it). The error names the directory when it is missing
// or unreadable, or changes.jsonl when it cannot be read.
Result<ChangeLog> read_changes(const std::string& state_dir, std::size_t limit);

}  // namespace vpcprobe
