// SPDX-License-Identifier: Apache-2.0
// Where a rendered report goes (`-o, --output FILE`; docs/configuration.md, docs/security.md
// "What it writes"): standard output, or a file replaced atomically, so a dashboard or a scheduled
// job reading it never sees half a report. Blocking I/O on the calling thread; concurrent writes to
// the same path each leave a complete report (the last rename wins). A ReportWriter belongs to
// one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vpcprobe {

// Where each piece of a report goes while it is rendered; renderers that can write a report
// as a stream take one (reports/render/json_report.h), so a report of 10,000 targets never
// exists whole in memory.
using ReportSink = std::function<void(std::string_view piece)>;

// A report on its way to standard output (`path` empty or "-") or to the file `path` names.
// A file is written to a temporary file in the destination's directory (mkstemp) that finish()
// fsyncs and renames over the destination, so readers see the old report or the new one,
// never a torn one; the temporary file never outlives the writer. The new file gets the mode
// of the file it replaces, or 0644 (less the umask) when there was none. A symbolic link is
// followed (its target is replaced, the link kept); a destination that is not a regular file
// (a FIFO, /dev/null, /dev/stdout) is written in place, since renaming over it would replace
// the device. Errors say what went wrong ("No such file or directory"); the caller says where
// the path came from ("-o /x/y.json", "cannot write '/var/lib/vpcprobe/changes.jsonl'").
class ReportWriter {
  public:
    static Result<ReportWriter> open(const std::optional<std::string>& path);

    // Appends a piece. The first failure is kept for finish() and later pieces are dropped,
    // so a renderer need not check each write.
    void write(std::string_view piece);
    // A sink that writes here; valid while the writer is.
    ReportSink sink() {
        return [this](std::string_view piece) { write(piece); };
    }
    // Makes the report whole where it goes (flush; fsync and rename for a file), or the
    // error of the first write or of this step (then the destination is left as it was).
    Result<void> finish();

    ReportWriter(ReportWriter&& other) noexcept;
    ReportWriter& operator=(ReportWriter&&) = delete;
    ReportWriter(const ReportWriter&) = delete;
    ReportWriter& operator=(const ReportWriter&) = delete;
    ~ReportWriter();  // an unfinished temporary file is removed

  private:
    enum class Kind { standard_output, in_place, temporary };
    ReportWriter(Kind kind, int fd, std::string temporary, std::string destination)
        : kind_(kind),
          fd_(fd),
          temporary_(std::move(temporary)),
          destination_(std::move(destination)) {}

    Kind kind_;
    int fd_ = -1;
    std::string temporary_;    // Kind::temporary: the file being written
    std::string destination_;  // Kind::temporary: what it replaces at finish()
    std::optional<Error> error_;
};

// A whole report, through a ReportWriter.
Result<void> write_report(const std::optional<std::string>& path, const std::string& content);

}  // namespace vpcprobe
