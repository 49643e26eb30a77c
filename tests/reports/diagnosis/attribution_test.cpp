// SPDX-License-Identifier: Apache-2.0
// Rule attribution on top of diagnose(): hand-built evidence of failed probes, real AWS exports
// from tests/reports/diagnosis/fixtures/rules.
#include "reports/diagnosis/attribution.h"

#include <catch2/catch.hpp>

#include <variant>

#include "reports/diagnosis/rules_eval.h"
#include "tests/support/report_fixtures.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

rules::RuleSet aws_exports() {
    const std::string& dir = vpcprobe::test::kRulesFixtures;
    auto loaded =
        rules::load_rules({dir + "aws_security_groups.json", dir + "aws_network_acls.json",
                           dir + "aws_network_interfaces.json"});
    REQUIRE(loaded.ok());
    return *loaded;
}

Report dropped(const std::string& address, std::uint16_t port, Cause cause = Cause::tcp_timeout) {
    return diagnose({evidence_of(make_target("kafka", "vpc-kafka-x.example", port),
                                 dns_ok({address}), {tcp_failed(address, port, cause)})},
                    agent_info());
}

}  // namespace

TEST_CASE("a flow the exports block gets the blocking ACL rule as its suspect") {
    Report report = dropped("10.0.0.5", 9095);
    attribute_to_rules(report, aws_exports());
    const auto& suspects = report.targets[0].cause->suspects;
    REQUIRE(suspects.size() == 1);
    CHECK(suspects[0].kind == "network-acl-rule");
    CHECK(suspects[0].id == "acl-0f1e2d3c4b5a69788");
    CHECK(suspects[0].rule == "100");
    CHECK(suspects[0].direction == "ingress");
}

TEST_CASE("a flow the exports allow points beyond them") {
    Report report = dropped("10.0.0.5", 9094);
    attribute_to_rules(report, aws_exports());
    const auto& suspects = report.targets[0].cause->suspects;
    REQUIRE(suspects.size() == 1);
    CHECK(suspects[0].kind == "firewall");
    CHECK(suspects[0].detail.find(rules::kBeyondExports) != std::string::npos);
}

TEST_CASE("an address outside the exports is said to be unknown, not blamed") {
    Report report = dropped("10.0.0.99", 9095);  // in the egress rule's range, on no interface
    attribute_to_rules(report, aws_exports());
    const auto& suspects = report.targets[0].cause->suspects;
    REQUIRE(suspects.size() == 1);
    CHECK(suspects[0].kind == "firewall");
    CHECK(suspects[0].detail.find("do not decide") != std::string::npos);
}

TEST_CASE("every failing address of a target is attributed, each suspect once") {
    // 10.0.0.5 is blocked by an ACL rule; 10.0.0.6 (another zone's address) is in no export.
    // Both are said, and nothing twice.
    Report report =
        diagnose({evidence_of(make_target("kafka", "vpc-kafka-x.example", 9095),
                              dns_ok({"10.0.0.5", "10.0.0.6"}),
                              {tcp_failed("10.0.0.5", 9095), tcp_failed("10.0.0.6", 9095)})},
                 agent_info());
    attribute_to_rules(report, aws_exports());
    const auto& suspects = report.targets[0].cause->suspects;
    REQUIRE(suspects.size() == 2);
    CHECK(suspects[0].kind == "network-acl-rule");
    CHECK(suspects[1].kind == "firewall");
    CHECK(suspects[1].detail.find("10.0.0.6") != std::string::npos);
    for (std::size_t i = 0; i < suspects.size(); ++i)
        for (std::size_t j = i + 1; j < suspects.size(); ++j)
            CHECK_FALSE((suspects[i].kind == suspects[j].kind && suspects[i].id == suspects[j].id &&
                         suspects[i].rule == suspects[j].rule &&
                         suspects[i].direction == suspects[j].direction));
}

TEST_CASE("only filter-shaped TCP failures are attributed") {
    Report report = dropped("10.0.0.5", 9095, Cause::tcp_refused);  // a RST is not a filter
    attribute_to_rules(report, aws_exports());
    CHECK(report.targets[0].cause->suspects.empty());
}

TEST_CASE("rules open to the world on Kafka ports become a warning finding") {
    Report report = dropped("10.0.0.5", 9095);
    attribute_to_rules(report, aws_exports());
    const Finding* wide = nullptr;
    for (const auto& finding : report.findings)
        if (finding.code == "rules.wider_than_needed") wide = &finding;
    REQUIRE(wide != nullptr);
    CHECK(wide->severity == Severity::warning);
    CHECK_FALSE(wide->suspects.empty());
    CHECK(wide->suspects[0].id.find("sg-") == 0);

    Report without = dropped("10.0.0.5", 9095);
    attribute_to_rules(without, rules::RuleSet{});
    for (const auto& finding : without.findings) CHECK(finding.code != "rules.wider_than_needed");
}

TEST_CASE("rules.pni_egress_open: egress on Confluent PNI ENIs' group, with no probe failing") {
    auto rules = rules::parse_rules(R"({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-pni",
        "PrivateIpAddress": "10.1.0.10", "Groups": [{"GroupId": "sg-pni"}],
        "TagSet": [{"Key": "Confluent", "Value": "true"}]}]})",
                                    "enis.json");
    REQUIRE(rules.ok());
    auto groups = rules::parse_rules(R"({"SecurityGroups": [{"GroupId": "sg-pni",
        "IpPermissionsEgress": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
        "IpRanges": [{"CidrIp": "10.2.0.0/16"}]}]}]})",
                                     "sgs.json");
    REQUIRE(groups.ok());
    rules->merge(std::move(*groups));
    Report report = diagnose({}, agent_info());
    attribute_to_rules(report, *rules);
    const Finding* open = nullptr;
    for (const auto& finding : report.findings)
        if (finding.code == "rules.pni_egress_open") open = &finding;
    REQUIRE(open != nullptr);
    CHECK(open->severity == Severity::warning);
    CHECK(open->summary.find("sg-pni") != std::string::npos);
    REQUIRE(open->suspects.size() == 1);
    CHECK(open->suspects[0].rule == "sg-pni: tcp 5432 to 10.2.0.0/16");
    CHECK_FALSE(open->remedy.empty());
}

TEST_CASE("a public destination's suspects name the address this host reaches the Internet as") {
    Report report = dropped("47.96.0.10", 9092);
    auto rules = rules::parse_rules(R"({"Policys": [{"AclUuid": "u-kafka", "AclAction": "drop",
        "Direction": "in", "Order": 1, "Proto": "TCP", "Source": "0.0.0.0/0", "SourceType": "net",
        "Destination": "47.96.0.10/32", "DestinationType": "net", "DestPort": "9092/9092"}]})",
                                    "cfw.json");
    REQUIRE(rules.ok());
    attribute_to_rules(report, *rules, "198.51.100.7");
    const auto& suspects = report.targets[0].cause->suspects;
    REQUIRE_FALSE(suspects.empty());
    CHECK(suspects[0].kind == "cloud-firewall-policy");
    CHECK(suspects[0].id == "u-kafka");
    CHECK(suspects[0].detail.find("from 198.51.100.7") != std::string::npos);
    CHECK(suspects[0].detail.find("this host reaches the Internet as 198.51.100.7") !=
          std::string::npos);
    INFO(report.targets[0].cause->remedy);
    CHECK(
        report.targets[0].cause->remedy.find(
            "in Cloud Firewall, allow tcp/9092 to 47.96.0.10 from the address the suspect names") ==
        0);
    CHECK(report.targets[0].cause->remedy.find("u-kafka") != std::string::npos);
}
