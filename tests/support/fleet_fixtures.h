// SPDX-License-Identifier: Apache-2.0
// Agents' reports as `vpcprobe merge` receives them: built from evidence with diagnose(),
// written by render_json() and read back by parse_agent_report(), the same path a real report
// takes, and a three-agent fleet for the merge tests (tests/reports/diagnosis/fleet_test.cpp,
// tests/reports/render/fleet_report_test.cpp).
// Pure functions; use from a test's own thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "core/fleet.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/diagnosis/fleet.h"
#include "reports/diagnosis/report_reader.h"
#include "reports/render/json_report.h"
#include "tests/support/report_fixtures.h"

namespace vpcprobe::test {

// The report of agent `name`, probing from `source`, as merge reads it back from `file`.
inline AgentReport agent_report(const std::string& name, const std::string& source,
                                std::vector<TargetEvidence> targets,
                                std::vector<AgentLabel> labels = {},
                                std::vector<Finding> findings = {}, const std::string& file = "") {
    AgentInfo agent = agent_info();
    agent.hostname = name + ".internal";
    agent.name = name;
    agent.labels = std::move(labels);
    agent.source_addresses = {source};
    Report report = diagnose(std::move(targets), agent);
    report.findings.insert(report.findings.end(), findings.begin(), findings.end());
    auto read = parse_agent_report(render_json(report), file.empty() ? name + ".json" : file);
    if (!read) FAIL("the report does not read back: " << read.error().message());
    return std::move(*read);
}

inline TargetEvidence registry_ok() {
    return healthy_target("schema-registry", kRegistryHost, 8081, "10.0.0.6");
}
inline TargetEvidence registry_dropped() {
    return evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                       {tcp_failed("10.0.0.6", 8081, Cause::tcp_timeout)});
}
inline TargetEvidence connect_dropped() {
    return evidence_of(make_target("connect", kConnectHost, 8083), dns_ok({"10.0.0.7"}),
                       {tcp_failed("10.0.0.7", 8083, Cause::tcp_timeout)});
}
inline TargetEvidence kafka_at(const std::string& address) {
    return healthy_target("kafka", kKafkaHost, 9095, address);
}

// Three agents: two in the application subnet, where Schema Registry is dropped, and a bastion
// that reaches it and resolves the Kafka endpoint to another address; Connect is dropped from
// all three. app-a's report holds a finding of its own.
inline std::vector<AgentReport> three_agents() {
    const std::vector<AgentLabel> app = {{"subnet", "app"}, {"vpc", "prod"}};
    Finding own{"firewall.port_blocked",
                Severity::error,
                "tcp/8083 is dropped on 1 host",
                {"connect"},
                {kConnectHost + ":8083"},
                {},
                "allow tcp/8083",
                ""};
    return {agent_report("app-a", "10.20.1.15",
                         {kafka_at("10.0.0.5"), registry_dropped(), connect_dropped()}, app, {own}),
            agent_report("app-b", "10.20.1.16",
                         {kafka_at("10.0.0.5"), registry_dropped(), connect_dropped()}, app),
            agent_report("bastion", "10.20.9.5",
                         {kafka_at("10.0.9.5"), registry_ok(), connect_dropped()},
                         {{"subnet", "bastion"}, {"vpc", "prod"}})};
}

inline AgentInfo merging_host() {
    AgentInfo host = agent_info();
    host.hostname = "support-laptop";
    host.name = host.hostname;
    host.source_addresses.clear();
    host.resolvers.clear();
    host.duration_ms = 0;
    host.command_line = "vpcprobe merge app-a.json app-b.json bastion.json";
    return host;
}

inline FleetReport merged(std::vector<AgentReport> reports, const rules::RuleSet* rules = nullptr) {
    auto report = merge_reports(std::move(reports), merging_host(), rules);
    if (!report) FAIL("not merged: " << report.error().message());
    return std::move(*report);
}

// The findings of `report` with `code`.
inline std::vector<FleetFinding> findings_of(const FleetReport& report, std::string_view code) {
    std::vector<FleetFinding> out;
    for (const FleetFinding& found : report.findings) {
        if (found.finding.code == code) out.push_back(found);
    }
    return out;
}

}  // namespace vpcprobe::test
