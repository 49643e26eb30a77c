// SPDX-License-Identifier: Apache-2.0
// The JSON report, schema_version 1 (docs/report.md; docs/report.schema.json is its JSON
// Schema): what scripts, dashboards and support tooling read. The fields of schema_version 1
// keep their names and order; more fields follow them (docs/report.md, "Fields beyond the
// contract's minimum": per-address evidence, details, raw error codes) so nothing observed is
// lost. Pure functions of the report: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"
#include "reports/render/output.h"

namespace vpcprobe {

// The report as pretty-printed JSON (2-space indent, stable key order), ending in a newline.
// Conventions: a stage's "code" is null when it has no cause; a skipped stage has null
// scalars ("ms", "address", "version", ...) and empty arrays; absent facts are null, never
// ""; durations are milliseconds rounded to 0.1; times are RFC 3339 UTC; strings that are
// not valid UTF-8 have their bad bytes replaced by U+FFFD so the document always parses.
std::string render_json(const Report& report);

// The same document written to `sink` in pieces as it is rendered: targets are written straight
// into one buffer (reports/render/json_writer.h, no document built first) that goes to the sink
// whenever it holds 64 KiB, so memory holds one piece, not the report
// (docs/performance.md, "The lightest probe").
void render_json(const Report& report, const ReportSink& sink);

class JsonWriter;

// Pieces of the document for reports built around it (the merged report of
// reports/render/fleet_report.h), so both say them alike: the members before "targets"
// (schema_version, tool, agent), one finding's members inside an object the caller opened, and
// the "summary" member.
void report_head_members(JsonWriter& w, const Report& report);
void finding_members(JsonWriter& w, const Finding& finding);
void summary_member(JsonWriter& w, const Summary& summary);

}  // namespace vpcprobe
