// SPDX-License-Identifier: Apache-2.0
// The JSON report (contract.md, "JSON report, schema_version 1"; docs/report.schema.json):
// what scripts, dashboards and support tooling read. Contract fields keep the contract's
// names and order; more fields follow them (per-address evidence, details, raw error codes)
// so nothing observed is lost. Pure function of the report: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// The report as pretty-printed JSON (2-space indent, stable key order), ending in a newline.
// Conventions: a stage's "code" is null when it has no cause; a skipped stage has null
// scalars ("ms", "address", "version", ...) and empty arrays; absent facts are null, never
// ""; durations are milliseconds rounded to 0.1; times are RFC 3339 UTC; strings that are
// not valid UTF-8 have their bad bytes replaced by U+FFFD so the document always parses.
std::string render_json(const Report& report);

}  // namespace vpcprobe
