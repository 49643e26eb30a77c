// SPDX-License-Identifier: Apache-2.0
// The model of `vpcprobe merge`: the JSON reports of several agents read back (AgentReport, made
// by reports/diagnosis/report_reader.h), and the one report merged from them (FleetReport, made
// by reports/diagnosis/fleet.h): a matrix of agents x targets, each cell the status and cause an
// agent saw, the findings across agents (fleet.*) and each agent's own findings, attributed.
// The renderers (reports/render/fleet_report.h) only format it. docs/fleet.md says what each
// part means; docs/report.md the JSON.
// Plain values and pure functions: safe from any thread, copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/report.h"

namespace vpcprobe {

// One target of an agent's report as merge reads it back: what identifies it, its verdict, and
// what its DNS stage answered. Cause codes stay text: a report from a newer vpcprobe may name a
// cause this one does not know, and merge passes it on.
struct ReadTarget {
    std::string component;
    std::string access;  // "vpc", "pub", "" (not from the catalog)
    std::string host;
    std::uint16_t port = 0;
    StageStatus status = StageStatus::ok;  // ok, warning or failed
    std::string cause_code;                // "" when ok
    std::string cause_stage;
    std::string cause_summary;
    std::string cause_remedy;
    bool dns_answered = false;               // stages.dns.status ok (or warning)
    std::vector<std::string> dns_addresses;  // stages.dns.addresses, sorted
    // The target's JSON object as the agent wrote it, with "agent" (its name) added, serialized
    // compactly: the merged JSON report passes every agent's evidence on unchanged.
    std::string json;
};

// An agent's report read back (the input of merge).
struct AgentReport {
    std::string source;    // the file it was read from, "-" for standard input
    std::string name;      // agent.name, else agent.hostname for reports written before names
    std::string hostname;  // agent.hostname
    std::vector<AgentLabel> labels;  // agent.labels, sorted by name
    std::vector<std::string> source_addresses;
    std::vector<std::string> resolvers;
    std::string started_at;  // agent.started_at, RFC 3339 as written
    std::string version;     // tool.version
    std::vector<ReadTarget> targets;
    std::vector<Finding> findings;
};

// The host:port a target is matched on across agents (host compared without case).
std::string target_key(const std::string& host, std::uint16_t port);

// An agent as the merged report shows it.
struct FleetAgent {
    std::string name;
    std::string hostname;
    std::string source;  // the report's file, "-" for standard input
    std::vector<std::string> source_addresses;
    std::vector<std::string> resolvers;
    std::vector<AgentLabel> labels;
    std::string started_at;
    std::string version;
    // What the --rules exports say about the agent's source address (a NetworkInterfaces
    // export naming it); empty when none was given or none names it.
    std::string subnet;  // SubnetId / VSwitchId
    std::vector<std::string> security_groups;
};

// One cell of the matrix: what one agent saw of one target. A target an agent did not check
// has no cell (nullopt in FleetTarget::cells).
struct FleetCell {
    StageStatus status = StageStatus::ok;
    std::string cause_code;  // "" when ok
    std::string cause_stage;
    std::string cause_summary;
    std::vector<std::string> dns_addresses;  // sorted; empty when DNS did not answer
    bool dns_answered = false;
};

// One column of the matrix: a target matched by host and port across agents.
struct FleetTarget {
    std::string component;  // as the first agent that checked it names it
    std::string access;
    std::string host;
    std::uint16_t port = 0;
    std::vector<std::optional<FleetCell>> cells;  // one per agent, in FleetReport::agents order
    std::string key() const { return target_key(host, port); }
};

// The failing agents of a fleet finding have in common, and the working agents do not.
struct InCommon {
    std::string subnet;  // "10.61.1.0/24" (from the source addresses) or a SubnetId; "" = none
    std::vector<AgentLabel> labels;
    std::vector<std::string> security_groups;  // from --rules exports
    bool empty() const { return subnet.empty() && labels.empty() && security_groups.empty(); }
};

// Agents that resolved a name to one set of addresses.
struct DnsAnswer {
    std::vector<std::string> addresses;  // sorted
    std::vector<std::string> agents;
};

// A finding of the merged report: an agent's own (attributed to it) or one across agents.
struct FleetFinding {
    Finding finding;
    std::string agent;  // the agent whose report holds it; "" for fleet.* findings
    // fleet.blocked_from_some_agents and fleet.blocked_from_all_agents: where the target fails
    // (with the cause each saw, in `failing_causes`, same order) and, for some agents, where
    // it works and what the failing ones share.
    std::vector<std::string> failing_agents;
    std::vector<std::string> failing_causes;
    std::vector<std::string> working_agents;
    std::optional<InCommon> in_common;
    std::vector<DnsAnswer> answers;  // fleet.inconsistent_dns: one per distinct answer
};

struct FleetReport {
    int schema_version = 1;
    AgentInfo merged_by;  // the host that merged: hostname, name, version, command line, time
    std::vector<FleetAgent> agents;
    std::vector<FleetTarget> targets;
    std::vector<FleetFinding> findings;  // fleet.* first, then each agent's own, agent by agent
    std::vector<AgentReport> reports;    // the reports merged, in agents order (their evidence)
    Summary summary;                     // over the cells of the matrix
};

// The exit status the merged matrix calls for, as check's over its targets (core/report.h
// exit_code): 2 when any cell failed, 1 when any warned, else 0.
int exit_code(const FleetReport& report);

}  // namespace vpcprobe
