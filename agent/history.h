// SPDX-License-Identifier: Apache-2.0
// History of scheduled checks: `vpcprobe serve` keeps the last N reports in a state directory
// and records every change of a target's status between consecutive runs (ok -> failed at
// 10:02:13, with the cause), so "when did this break?" has an answer; `vpcprobe history`
// prints those changes. Each change is also logged as one structured line.
//
// Files (all written atomically, temp file + rename):
//   STATE_DIR/reports/<started_at>.json   the last `keep` reports (render_json), oldest pruned
//   STATE_DIR/changes.jsonl               one JSON object per change, appended, bounded in size
//
// Threading: a History is used from one thread (serve's scheduler); separate processes must
// not share a state directory for writing.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/report.h"
#include "core/status_change.h"

namespace vpcprobe {

class History {
  public:
    // Opens (creating if needed) the state directory. nullopt with `error` (one line naming
    // the directory) when it cannot be created or written.
    static std::optional<History> open(const std::string& state_dir, std::size_t keep,
                                       std::string& error);

    // Stores `report`, prunes beyond `keep`, compares with the previous report (in memory, or
    // the newest stored one after a restart) and appends the changes. Returns the changes of
    // this run; problems writing are returned through `error` (the check itself still counts).
    std::vector<StatusChange> record(const Report& report, std::string& error);

    // Every recorded change, oldest first (at most `limit`, the newest ones; 0 for all kept).
    std::vector<StatusChange> changes(std::size_t limit, std::string& error) const;

    const std::string& directory() const { return directory_; }

  private:
    // What a run said about one target: all the next run is compared with.
    struct TargetState {
        std::string status;  // "ok" | "warning" | "failed"
        std::string cause;   // cause code, "" when ok
        std::string component;
        std::string access;
    };
    using TargetStates = std::map<std::string, TargetState>;  // by endpoint "host:port"

    History(std::string directory, std::size_t keep)
        : directory_(std::move(directory)), keep_(keep) {}
    // The newest stored report's targets (after a restart); nullopt when none could be read.
    std::optional<TargetStates> load_newest(std::string& error) const;
    std::string directory_;
    std::size_t keep_ = 1;
    std::optional<TargetStates> previous_;  // the previous run's, once known
};

// History::changes without opening the directory for writing, for `vpcprobe history` (which
// may run as a user who can only read it). nullopt with `error` when the directory is missing
// or unreadable; otherwise `error` names what was skipped (malformed lines), if anything.
std::optional<std::vector<StatusChange>> read_changes(const std::string& state_dir,
                                                      std::size_t limit, std::string& error);

}  // namespace vpcprobe
