// SPDX-License-Identifier: Apache-2.0
// The text report: for people at a terminal. A header (where, when, which resolvers, how
// long), a table of targets grouped by component with a mark per stage, the cause of every
// target that is not ok in plain words, findings, and a one-line verdict.
// Pure function of the report: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// Marks: ✓ ok, ! warning, ✗ failed, · skipped (UTF-8; columns are aligned by display width,
// so wide or combining characters in names do not break the table). `color` adds ANSI
// colours; the caller decides (a terminal, and no NO_COLOR / --no-color). Control characters
// and invalid UTF-8 from peers and certificates are neutralised, colour or not, so nothing
// observed on the network can drive the user's terminal.
std::string render_text(const Report& report, bool color);

}  // namespace vpcprobe
