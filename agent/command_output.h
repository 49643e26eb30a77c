// SPDX-License-Identifier: Apache-2.0
// How a command ends when it cannot do what was asked, and where its output goes: one line on
// stderr ("vpcprobe: ..."), exit code 3; the output to -o (atomically) or standard output.
// Writes to stdout/stderr; call from one thread at a time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/result.h"
#include "reports/render/output.h"

namespace vpcprobe {

// Prints "vpcprobe: <message>" on stderr; returns kExitCannotRun.
int cannot_run(const Error& error);

// Prints "vpcprobe: warning: <message>" on stderr.
void warn(const std::string& message);

// `content` to the file `output` names (atomically) or to standard output; false, with the
// reason on stderr, when it could not be written.
bool write_output(const std::optional<std::string>& output, const std::string& content);

// The same for a report written as it is rendered: `render` writes its pieces to the sink.
bool write_output(const std::optional<std::string>& output,
                  const std::function<void(const ReportSink&)>& render);

}  // namespace vpcprobe
