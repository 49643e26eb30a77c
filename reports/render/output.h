// SPDX-License-Identifier: Apache-2.0
// Where a rendered report goes (`-o, --output FILE`; docs/configuration.md, docs/security.md
// "What it writes"): standard output, or a file replaced atomically, so a dashboard or a scheduled
// job reading it never sees half a report. Blocking I/O on the calling thread; concurrent writes to
// the same path each leave a complete report (the last rename wins).
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace vpcprobe {

// Writes `content` to standard output when `path` is empty (or "-"). Otherwise writes it to a
// temporary file in the destination's directory (mkstemp), fsyncs it and renames it over the
// destination; the temporary file never outlives the call. The new file gets the mode of the
// file it replaces, or 0644 (less the umask) when there was none. A symbolic link is followed
// (its target is replaced, the link kept); a destination that is not a regular file (a FIFO,
// /dev/null, /dev/stdout) is written in place, since renaming over it would replace the device.
// The Error says what went wrong ("No such file or directory"); the caller says where the path
// came from ("-o /x/y.json", "cannot write '/var/lib/vpcprobe/changes.jsonl'").
Result<void> write_report(const std::optional<std::string>& path, const std::string& content);

}  // namespace vpcprobe
