// SPDX-License-Identifier: Apache-2.0
// merge_reports(): the matrix of agents x targets and each finding across agents, over reports
// rendered by render_json() and read back (tests/support/fleet_fixtures.h).
#include "reports/diagnosis/fleet.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "core/text.h"

#include "tests/support/fleet_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const FleetTarget& column(const FleetReport& report, const std::string& host, int port) {
    for (const FleetTarget& target : report.targets) {
        if (target.key() == target_key(host, static_cast<std::uint16_t>(port))) return target;
    }
    FAIL("no column for " << host << ":" << port);
    throw;
}

rules::RuleSet interfaces(const std::string& json) {
    auto parsed = rules::parse_rules(json, "eni.json");
    if (!parsed) FAIL(parsed.error().message());
    return std::move(*parsed);
}

std::string eni(const std::string& id, const std::string& subnet, const std::string& address,
                const std::string& group) {
    return fmt::format(
        R"({{"NetworkInterfaceId": "{}", "SubnetId": "{}", "VpcId": "vpc-0prod",
            "PrivateIpAddress": "{}", "PrivateIpAddresses": [{{"PrivateIpAddress": "{}"}}],
            "Groups": [{{"GroupId": "{}", "GroupName": "{}"}}, {{"GroupId": "sg-common",
            "GroupName": "common"}}]}})",
        id, subnet, address, address, group, group);
}

}  // namespace

TEST_CASE("the matrix: one row per agent, one column per host:port, each cell its verdict") {
    const FleetReport report = merged(three_agents());
    REQUIRE(report.agents.size() == 3);
    CHECK(report.agents[0].name == "app-a");
    CHECK(report.agents[0].source_addresses == std::vector<std::string>{"10.20.1.15"});
    CHECK(report.agents[0].source == "app-a.json");
    CHECK(report.agents[2].labels ==
          std::vector<AgentLabel>{{"subnet", "bastion"}, {"vpc", "prod"}});
    REQUIRE(report.targets.size() == 3);
    const FleetTarget& registry = column(report, kRegistryHost, 8081);
    CHECK(registry.component == "schema-registry");
    REQUIRE(registry.cells.size() == 3);
    CHECK(registry.cells[0]->status == StageStatus::failed);
    CHECK(registry.cells[0]->cause_code == "tcp.timeout");
    CHECK(registry.cells[0]->cause_stage == "tcp");
    CHECK(registry.cells[2]->status == StageStatus::ok);
    CHECK(registry.cells[2]->cause_code.empty());
    // 9 cells: kafka ok x3, registry 1 ok and 2 failed, connect failed x3.
    CHECK(report.summary == Summary{4, 0, 5});
    CHECK(exit_code(report) == 2);
}

TEST_CASE("targets match by host (any case) and port; a target one agent did not check") {
    const FleetReport report =
        merged({agent_report("a", "10.20.1.15", {kafka_at("10.0.0.5"), registry_ok()}),
                agent_report("b", "10.20.2.15",
                             {healthy_target("kafka", upper(kKafkaHost), 9095, "10.0.0.5")})});
    REQUIRE(report.targets.size() == 2);
    const FleetTarget& kafka = column(report, kKafkaHost, 9095);
    CHECK(kafka.cells[0].has_value());
    CHECK(kafka.cells[1].has_value());
    const FleetTarget& registry = column(report, kRegistryHost, 8081);
    CHECK(registry.cells[0].has_value());
    CHECK_FALSE(registry.cells[1].has_value());
    CHECK(report.summary == Summary{3, 0, 0});
    CHECK(exit_code(report) == 0);
    CHECK(report.findings.empty());
}

TEST_CASE("exit codes over the matrix as check's: a warning anywhere is 1") {
    const FleetReport report = merged(
        {agent_report("a", "10.20.1.15", {kafka_at("10.0.0.5")}),
         agent_report("b", "10.20.2.15",
                      {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
                                   {expiring("10.0.0.5", 9095, 9)})})});
    CHECK(report.summary == Summary{1, 1, 0});
    CHECK(exit_code(report) == 1);
}

TEST_CASE("fleet.blocked_from_some_agents names failing and working agents and what they share") {
    const FleetReport report = merged(three_agents());
    const auto found = findings_of(report, "fleet.blocked_from_some_agents");
    REQUIRE(found.size() == 1);
    const FleetFinding& some = found[0];
    CHECK(some.finding.severity == Severity::error);
    CHECK(some.finding.targets == std::vector<std::string>{kRegistryHost + ":8081"});
    CHECK(some.finding.components == std::vector<std::string>{"schema-registry"});
    CHECK(some.failing_agents == std::vector<std::string>{"app-a", "app-b"});
    CHECK(some.failing_causes == std::vector<std::string>{"tcp.timeout", "tcp.timeout"});
    CHECK(some.working_agents == std::vector<std::string>{"bastion"});
    REQUIRE(some.in_common.has_value());
    CHECK(some.in_common->subnet == "10.20.1.0/24");
    // vpc=prod is the bastion's too: it tells nothing apart.
    CHECK(some.in_common->labels == std::vector<AgentLabel>{{"subnet", "app"}});
    CHECK(some.in_common->security_groups.empty());
    CHECK(some.finding.summary ==
          "schema-registry " + kRegistryHost +
              ":8081 fails from 2 of 3 agents (app-a: tcp.timeout, app-b: tcp.timeout) and "
              "works from bastion: the block is on the failing agents' side or path; they have "
              "in common: source subnet 10.20.1.0/24, label subnet=app");
    CHECK(some.finding.remedy.find("allow tcp/8081 to 10.0.0.6") != std::string::npos);
    CHECK(some.finding.remedy.find("app-a (10.20.1.15), app-b (10.20.1.16)") != std::string::npos);
}

TEST_CASE("in common: no subnet when a working agent shares it, a wider one when it does not") {
    // The bastion in the failing agents' /24: no subnet tells them apart.
    FleetReport report = merged({agent_report("a", "10.20.1.15", {registry_dropped()}),
                                 agent_report("b", "10.20.1.16", {registry_ok()})});
    auto found = findings_of(report, "fleet.blocked_from_some_agents");
    REQUIRE(found.size() == 1);
    CHECK(found[0].in_common->empty());
    CHECK(found[0].finding.summary.find("in common") == std::string::npos);
    // Failing agents in two /24s of one /16 that no working agent is in.
    report = merged({agent_report("a", "10.20.1.15", {registry_dropped()}),
                     agent_report("b", "10.20.2.16", {registry_dropped()}),
                     agent_report("c", "10.30.0.5", {registry_ok()})});
    found = findings_of(report, "fleet.blocked_from_some_agents");
    REQUIRE(found.size() == 1);
    CHECK(found[0].in_common->subnet == "10.20.0.0/16");
}

TEST_CASE("in common: subnets and security groups from --rules interface exports") {
    const rules::RuleSet eni_export = interfaces(
        R"({"NetworkInterfaces": [)" + eni("eni-1", "subnet-app", "10.20.1.15", "sg-app") + ", " +
        eni("eni-2", "subnet-app", "10.20.1.16", "sg-app") + ", " +
        eni("eni-3", "subnet-bastion", "10.20.9.5", "sg-bastion") + "]}");
    const FleetReport report = merged(three_agents(), &eni_export);
    CHECK(report.agents[0].subnet == "subnet-app");
    CHECK(report.agents[0].security_groups == std::vector<std::string>{"sg-app", "sg-common"});
    const auto found = findings_of(report, "fleet.blocked_from_some_agents");
    REQUIRE(found.size() == 1);
    // sg-common is the bastion's too; sg-app is only the failing agents'.
    CHECK(found[0].in_common->subnet == "subnet-app");
    CHECK(found[0].in_common->security_groups == std::vector<std::string>{"sg-app"});
    REQUIRE(found[0].finding.suspects.size() == 1);
    const Suspect& suspect = found[0].finding.suspects[0];
    CHECK(suspect.kind == "security-group");
    CHECK(suspect.id == "sg-app");
    CHECK(suspect.direction == "egress");
    CHECK(suspect.detail.find("app-a, app-b") != std::string::npos);
    CHECK(found[0].finding.summary.find("source subnet subnet-app") != std::string::npos);
    CHECK(found[0].finding.summary.find("security group sg-app") != std::string::npos);
}

TEST_CASE("fleet.blocked_from_all_agents: every agent that checked it fails, two or more") {
    const FleetReport report = merged(three_agents());
    const auto found = findings_of(report, "fleet.blocked_from_all_agents");
    REQUIRE(found.size() == 1);
    const FleetFinding& all = found[0];
    CHECK(all.finding.targets == std::vector<std::string>{kConnectHost + ":8083"});
    CHECK(all.failing_agents == std::vector<std::string>{"app-a", "app-b", "bastion"});
    CHECK(all.working_agents.empty());
    CHECK(all.finding.summary.find("fails from all 3 agents that checked it") != std::string::npos);
    CHECK(all.finding.summary.find("the block is on the target's side") != std::string::npos);
    CHECK(all.finding.remedy.find("tcp/8083") != std::string::npos);
    CHECK(all.finding.remedy.find("10.0.0.7") != std::string::npos);

    // One agent alone is no fleet: its own report says it all.
    const FleetReport alone = merged({agent_report("a", "10.20.1.15", {connect_dropped()})});
    CHECK(findings_of(alone, "fleet.blocked_from_all_agents").empty());
}

TEST_CASE("fleet.blocked_from_all_agents: a name no agent resolves is the DNS record's") {
    const auto nxdomain = [] {
        return evidence_of(make_target("connect", kConnectHost, 8083),
                           dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {});
    };
    const FleetReport report = merged({agent_report("a", "10.20.1.15", {nxdomain()}),
                                       agent_report("b", "10.20.2.15", {nxdomain()})});
    const auto found = findings_of(report, "fleet.blocked_from_all_agents");
    REQUIRE(found.size() == 1);
    CHECK(found[0].failing_causes == std::vector<std::string>{"dns.nxdomain", "dns.nxdomain"});
    CHECK(found[0].finding.remedy.starts_with(kConnectHost + " resolves from no agent"));
}

TEST_CASE("fleet.inconsistent_dns: one name, different answers from different agents") {
    const FleetReport report = merged(three_agents());
    const auto found = findings_of(report, "fleet.inconsistent_dns");
    REQUIRE(found.size() == 1);
    const FleetFinding& dns = found[0];
    CHECK(dns.finding.severity == Severity::warning);
    CHECK(dns.finding.targets == std::vector<std::string>{kKafkaHost + ":9095"});
    REQUIRE(dns.answers.size() == 2);
    CHECK(dns.answers[0].addresses == std::vector<std::string>{"10.0.0.5"});
    CHECK(dns.answers[0].agents == std::vector<std::string>{"app-a", "app-b"});
    CHECK(dns.answers[1].addresses == std::vector<std::string>{"10.0.9.5"});
    CHECK(dns.answers[1].agents == std::vector<std::string>{"bastion"});
    CHECK(dns.finding.summary.find("app-a, app-b get 10.0.0.5; bastion gets 10.0.9.5") !=
          std::string::npos);
    // The same answer everywhere, or a literal address never looked up: nothing to say.
    const FleetReport same = merged({agent_report("a", "10.20.1.15", {kafka_at("10.0.0.5")}),
                                     agent_report("b", "10.20.2.15", {kafka_at("10.0.0.5")})});
    CHECK(findings_of(same, "fleet.inconsistent_dns").empty());
}

TEST_CASE("no agent blocked: no fleet finding, exit 0") {
    const FleetReport report =
        merged({agent_report("a", "10.20.1.15", {kafka_at("10.0.0.5"), registry_ok()}),
                agent_report("b", "10.20.2.15", {kafka_at("10.0.0.5"), registry_ok()})});
    CHECK(report.findings.empty());
    CHECK(report.summary == Summary{4, 0, 0});
    CHECK(exit_code(report) == 0);
}

TEST_CASE("each agent's own findings stay, attributed to it, after the fleet's") {
    const FleetReport report = merged(three_agents());
    const auto own = findings_of(report, "firewall.port_blocked");
    REQUIRE(own.size() == 1);
    CHECK(own[0].agent == "app-a");
    CHECK(own[0].finding.summary == "tcp/8083 is dropped on 1 host");
    CHECK(report.findings.back().agent == "app-a");
    for (const FleetFinding& found : report.findings) {
        if (found.finding.code.starts_with("fleet.")) CHECK(found.agent.empty());
    }
}

TEST_CASE("two reports of one agent name are refused, naming the later file") {
    auto merged_twice = merge_reports(
        {agent_report("app-a", "10.20.1.15", {kafka_at("10.0.0.5")}, {}, {}, "monday.json"),
         agent_report("app-a", "10.20.1.15", {kafka_at("10.0.0.5")}, {}, {}, "tuesday.json")},
        merging_host(), nullptr);
    REQUIRE_FALSE(merged_twice.ok());
    CHECK(merged_twice.error().message() ==
          "tuesday.json: agent 'app-a' is also the agent of monday.json; give each agent its own "
          "--agent-name");
}

TEST_CASE("one file named twice is said so") {
    const AgentReport report = agent_report("app-a", "10.20.1.15", {kafka_at("10.0.0.5")});
    auto merged_twice = merge_reports({report, report}, merging_host(), nullptr);
    REQUIRE_FALSE(merged_twice.ok());
    CHECK(merged_twice.error().message() == "app-a.json: named twice");
}
