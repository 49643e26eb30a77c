// SPDX-License-Identifier: Apache-2.0
// `vpcprobe merge`: the reports of several agents (read back by report_reader.h) made into one
// FleetReport (core/fleet.h): the matrix of agents x targets, targets matched by host and port,
// and the findings across agents, each a function below (docs/fleet.md, docs/report.md
// "Findings"):
//  - fleet.blocked_from_all_agents (error): a target every agent that checked it (two or more)
//    fails on: the block is on the target's side.
//  - fleet.blocked_from_some_agents (error): a target some agents fail on and others reach: the
//    block is on the failing agents' side or path; what they share and the working agents do
//    not (a source subnet, labels, security groups from --rules exports) is named.
//  - fleet.inconsistent_dns (warning): agents resolving one name to different addresses.
// Each agent's own findings follow, attributed to it.
// Pure functions: safe from any thread.
#pragma once

#include <vector>

#include "core/fleet.h"
#include "core/result.h"
#include "reports/diagnosis/rules.h"

namespace vpcprobe {

// The merged report, agents in the order of `reports`. `rules` (nullptr for none) maps agents'
// source addresses to subnets and security groups (NetworkInterfaces exports). An Error
// naming the later file when two reports name the same agent.
Result<FleetReport> merge_reports(std::vector<AgentReport> reports, AgentInfo merged_by,
                                  const rules::RuleSet* rules);

// The findings across agents of a merged matrix (merge_reports calls it).
std::vector<FleetFinding> blocked_from_all_agents(const FleetReport& report);
std::vector<FleetFinding> blocked_from_some_agents(const FleetReport& report);
std::vector<FleetFinding> inconsistent_dns(const FleetReport& report);

// What the agents at `failing` (indices into report.agents) share that none at `working` has.
InCommon in_common(const FleetReport& report, const std::vector<std::size_t>& failing,
                   const std::vector<std::size_t>& working);

}  // namespace vpcprobe
