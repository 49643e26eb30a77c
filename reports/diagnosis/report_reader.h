// SPDX-License-Identifier: Apache-2.0
// Reading a JSON report back (`vpcprobe merge`): the report an agent wrote with `check
// --format json` or served at /report.json, turned into the AgentReport merge works on
// (core/fleet.h). Reading a report back is input to diagnosis, as a rules export is: it sits
// here, beside the rules readers, and the renderers never parse anything (docs/architecture.md,
// "Merging reports"). Only what merge needs is read; each target's own JSON is kept whole.
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/fleet.h"
#include "core/result.h"

namespace vpcprobe {

// The largest report read: a run of 10,000 targets writes about 40 MiB.
inline constexpr std::size_t kMaxReportBytes = 256u * 1024u * 1024u;
// The deepest nesting read: a report nests about 10 levels (a path trace's hop in an address in
// a target); anything much deeper is not a report. The merged report writes each target again
// at the same depth, within what its writer allows (reports/render/json_writer.h).
inline constexpr unsigned kMaxReportDepth = 24;

// `text` as an agent's report. `source` (the file, "-" for standard input) is kept in the
// report; the Error says what is wrong without it (the caller adds it): "not JSON: ...",
// "not a vpcprobe report (...)", "schema_version 2; this vpcprobe reads schema_version 1", "a
// merged report (it has \"fleet\"): merge the agents' own reports", "targets[3]: no \"host\"".
Result<AgentReport> parse_agent_report(std::string_view text, const std::string& source);

}  // namespace vpcprobe
