// SPDX-License-Identifier: Apache-2.0
// The status changes `vpcprobe serve --state-dir` recorded (core/status_change.h) as
// `vpcprobe history` prints them: a table for people, or JSON (an array of change objects).
// One change as one JSON object is also the form of each line of the state directory's
// changes.jsonl, so the file and `--format json` can never disagree. docs/serve.md
// ("History") describes both.
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/status_change.h"

namespace vpcprobe {

// Columns TIME, COMPONENT, ACCESS, ENDPOINT, CHANGE, CAUSE, as wide as their widest cell and
// two spaces apart; times in whole seconds; "-" for no access or cause; control characters
// replaced. "no changes recorded\n" for none.
std::string render_changes_text(const std::vector<StatusChange>& changes);

// A JSON array, one change object per line, "[]\n" for none.
std::string render_changes_json(const std::vector<StatusChange>& changes);

// One change as one JSON object on one line, without the newline: {"at" (RFC 3339 with
// milliseconds), "endpoint", "component", "access" (null when empty), "from", "to", "cause"
// (null when empty)}, strings made valid UTF-8.
std::string render_change_line(const StatusChange& change);

}  // namespace vpcprobe
