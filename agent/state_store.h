// SPDX-License-Identifier: Apache-2.0
// The history's state directory on disk (agent/history.h): creating it (0750) and proving it
// writable, removing the temporary files a crash left, stored reports (named by their start
// time, pruned to the newest `keep`), and changes.jsonl. Every write is atomic (temporary
// file, fsync, rename: reports/render/output.h); every read is bounded in size, whatever a
// file has grown to. What the files hold is agent/status_changes.h's business.
//
//   STATE_DIR/reports/<started_at>.json   the stored reports, e.g. 20261122T100000.123Z.json
//   STATE_DIR/changes.jsonl               one change record per line
//
// Threading: blocking I/O on the calling thread. A StateStore is a plain value (the
// directory's path); separate processes must not share a state directory for writing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/evidence.h"
#include "core/result.h"

namespace vpcprobe {

class StateStore {
  public:
    // Creates the directory and reports/ (mode 0750, whatever the umask; an existing
    // directory keeps its mode), proves reports/ writable now rather than at the first run,
    // and removes the temporary files a crash left behind. The error names the directory.
    static Result<StateStore> open(const std::string& directory);

    // For reading only: the directory must exist and be readable; nothing is created. The
    // error names the directory (and, when it is missing, what writes it).
    static Result<StateStore> open_for_reading(const std::string& directory);

    const std::string& directory() const { return directory_; }
    std::string changes_path() const;

    // A name no stored report has, for a run started at `started_at`:
    // "20261122T100000.123Z.json", or with "-N" before ".json" on a clash (same millisecond).
    std::string new_report_name(SystemTime started_at) const;

    // The error says "cannot write 'PATH': ..." .
    Result<void> write_report(const std::string& name, const std::string& content) const;

    // The paths of the stored reports, newest first, at most `limit`.
    std::vector<std::string> newest_report_paths(std::size_t limit) const;

    // A stored report's content; the error says why it cannot be had (larger than 64 MiB, or
    // the system's reason).
    static Result<std::string> read_report(const std::string& path);

    // Removes the oldest stored reports beyond `keep`, never `except` (the one just written,
    // which a clock set back gives an older name than those already there). Returns the
    // problems met ("cannot remove 'PATH': ...").
    std::vector<std::string> prune_reports(std::size_t keep, const std::string& except) const;

    // The newest `max_bytes` of changes.jsonl (from the first whole line), or nullopt when
    // there is no such file. The error says "cannot read 'PATH': ...".
    Result<std::optional<std::string>> read_changes(std::size_t max_bytes) const;

    // Replaces changes.jsonl; the error says "cannot write 'PATH': ...".
    Result<void> write_changes(const std::string& content) const;

  private:
    explicit StateStore(std::string directory) : directory_(std::move(directory)) {}
    std::string reports_dir() const;

    std::string directory_;
};

}  // namespace vpcprobe
