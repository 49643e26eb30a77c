// SPDX-License-Identifier: Apache-2.0
// The merged report of `vpcprobe merge` (core/fleet.h) as text, Markdown and JSON. The matrix
// has one row per agent, its source address beside its name, and one column per target; each
// cell is the status and cause the agent saw. Findings across agents come first, then each
// agent's own, named after it. The JSON is a schema_version 1 report (docs/report.schema.json):
// every agent's targets, each with its "agent", the findings, the summary over the matrix, and
// a "fleet" section with the agents and the matrix (docs/report.md, "Merged reports").
// Pure functions of the report: safe from any thread.
#pragma once

#include <string>

#include "core/fleet.h"
#include "reports/render/output.h"

namespace vpcprobe {

std::string render_fleet_text(const FleetReport& report);
std::string render_fleet_markdown(const FleetReport& report);
std::string render_fleet_json(const FleetReport& report);

}  // namespace vpcprobe
