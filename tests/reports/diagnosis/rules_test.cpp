// SPDX-License-Identifier: Apache-2.0
// Parsing of the rules exports (reports/diagnosis/rules.h): every shape docs/rules.md lists, from
// fixtures printed the way the clouds' CLIs print them, and the one-line errors for files
// that are malformed, unrecognised or carry a wrong type, naming the file and the path.
#include "reports/diagnosis/rules.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "tests/support/process.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe::rules;

using vpcprobe::test::load_rules_fixtures;
using vpcprobe::test::rules_error_of;
using vpcprobe::test::rules_fixture;

TEST_CASE("Cidr parses networks and bare addresses and tests containment") {
    auto net = Cidr::parse("10.20.0.0/16");
    REQUIRE(net);
    CHECK(net->prefix == 16);
    CHECK(net->contains(*Cidr::parse("10.20.255.1")));
    CHECK_FALSE(net->contains(*Cidr::parse("10.21.0.1")));
    CHECK_FALSE(net->contains(*Cidr::parse("::ffff:10.20.0.1")));  // other family
    auto host = Cidr::parse("10.0.0.5");
    REQUIRE(host);
    CHECK(host->prefix == 32);
    CHECK(Cidr::parse("::/0")->contains(*Cidr::parse("2600:1f14::1")));
    CHECK(Cidr::parse("10.0.0.0/25")->contains(*Cidr::parse("10.0.0.127")));
    CHECK_FALSE(Cidr::parse("10.0.0.0/25")->contains(*Cidr::parse("10.0.0.128")));
    CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
    CHECK_FALSE(Cidr::parse("10.0.0/8"));
    CHECK_FALSE(Cidr::parse("10.0.0.0/"));
    CHECK_FALSE(Cidr::parse("sg-0abc"));
}

TEST_CASE("AWS describe-security-groups: one rule per peer, ports and protocols") {
    auto rules = load_rules_fixtures({"aws_security_groups.json"});
    REQUIRE(rules.groups.size() == 2);
    const auto& kafka = rules.groups[0];
    CHECK(kafka.id == "sg-0a1b2c3d4e5f60718");
    CHECK(kafka.cloud == Cloud::aws);
    CHECK(kafka.vpc == "vpc-0123456789abcdef0");
    // 9092-9095 (1 peer), 8081 (group pair), 443 (v4 + v6), egress -1.
    REQUIRE(kafka.rules.size() == 5);
    CHECK(kafka.rules[0].ports.from == 9092);
    CHECK(kafka.rules[0].ports.to == 9095);
    CHECK(kafka.rules[0].peer->text == "10.20.0.0/16");
    CHECK(kafka.rules[1].peer_group == "sg-0c1e2a3b4c5d6e7f8");
    CHECK_FALSE(kafka.rules[1].peer);
    CHECK(kafka.rules[3].peer->v6);
    CHECK(kafka.rules[4].direction == Direction::egress);
    CHECK(kafka.rules[4].matches_tcp);
    CHECK(kafka.rules[4].ports.all());
    CHECK(rules.groups[1].rules[0].protocol == "6");
    CHECK(rules.groups[1].rules[0].matches_tcp);
}

TEST_CASE("AWS describe-network-acls and describe-network-interfaces") {
    auto rules = load_rules_fixtures({"aws_network_acls.json", "aws_network_interfaces.json"});
    REQUIRE(rules.acls.size() == 2);
    const auto& acl = rules.acls[0];
    CHECK(acl.id == "acl-0f1e2d3c4b5a69788");
    CHECK(acl.subnets == std::vector<std::string>{"subnet-0kafka0000000001"});
    REQUIRE(acl.entries.size() == 6);
    CHECK(acl.entries[0].egress);
    CHECK(acl.entries[0].allow);
    CHECK(acl.entries[0].ports.from == 1024);
    CHECK(acl.entries[1].number == 32767);
    CHECK(acl.entries[1].ports.all());
    CHECK_FALSE(acl.entries[3].allow);
    CHECK(rules.acls[1].is_default);
    REQUIRE(rules.interfaces.size() == 2);
    const auto& client = rules.interfaces[1];
    CHECK(client.id == "eni-0client00000000001");
    CHECK(client.subnet == "subnet-0client000000001");
    CHECK(client.groups == std::vector<std::string>{"sg-0c1e2a3b4c5d6e7f8"});
    // 10.20.1.15 appears twice in the export, once in the model; plus .16 and the IPv6 one.
    CHECK(client.addresses.size() == 3);
}

TEST_CASE("Alibaba DescribeSecurityGroupAttribute and DescribeNetworkInterfaces") {
    auto rules = load_rules_fixtures(
        {"alibaba_sg_kafka.json", "alibaba_sg_client.json", "alibaba_network_interfaces.json"});
    REQUIRE(rules.groups.size() == 2);
    const auto& kafka = rules.groups[0];
    CHECK(kafka.cloud == Cloud::alibaba);
    CHECK(kafka.inner_accept);
    CHECK_FALSE(rules.groups[1].inner_accept);
    REQUIRE(kafka.rules.size() == 6);
    CHECK(kafka.rules[0].id == "sgr-bp1accept9095");
    CHECK(kafka.rules[0].ports.from == 9095);
    CHECK(kafka.rules[0].priority == 1);
    CHECK(kafka.rules[1].accept == false);
    CHECK(kafka.rules[2].priority == 50);  // a number, not a string, in this export
    CHECK(kafka.rules[5].direction == Direction::egress);
    CHECK(kafka.rules[5].ports.all());
    CHECK(kafka.rules[5].matches_tcp);  // ALL
    CHECK(kafka.rules[5].peer->text == "0.0.0.0/0");
    REQUIRE(rules.interfaces.size() == 5);
    CHECK(rules.interfaces[0].subnet == "vsw-bp1kafka000000001");
    CHECK(rules.interfaces[0].groups == std::vector<std::string>{"sg-bp1kafka0000000001"});
    CHECK(rules.interfaces[4].addresses.size() == 1);  // no PrivateIpSets: primary only
}

TEST_CASE("malformed JSON names the file") {
    auto file = rules_fixture("malformed.json");
    auto result = load_rules({file});
    REQUIRE_FALSE(result.ok());
    auto message = result.error().message();
    CHECK(message.rfind(file + ": not valid JSON", 0) == 0);
}

TEST_CASE("an unrecognised shape names the file and what was expected") {
    auto file = rules_fixture("unknown_shape.json");
    auto result = load_rules({rules_fixture("aws_security_groups.json"), file});
    REQUIRE_FALSE(result.ok());
    auto message = result.error().message();
    CHECK(message.rfind(file + ": not a recognised rules export", 0) == 0);
    CHECK(rules_error_of("[1, 2]").find("not a recognised rules export") != std::string::npos);
    CHECK(rules_error_of("\"text\"").find("rules.json: ") == 0);
}

TEST_CASE("a wrong type names the file and the JSON path") {
    auto file = rules_fixture("wrong_type.json");
    auto result = load_rules({file});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message() ==
          file +
              ": expected an integer: \"9092\" (at SecurityGroups[2].IpPermissions[1].FromPort)");

    CHECK(rules_error_of(R"({"SecurityGroups": {}})") ==
          "rules.json: expected an array (at SecurityGroups)");
    CHECK(rules_error_of(R"({"SecurityGroups": [{"GroupName": "x"}]})") ==
          "rules.json: missing (at SecurityGroups[0].GroupId)");
    CHECK(
        rules_error_of(R"({"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 100,
          "Protocol": "6", "RuleAction": "allow", "Egress": "no", "CidrBlock": "0.0.0.0/0"}]}]})") ==
        "rules.json: expected true or false (at NetworkAcls[0].Entries[0].Egress)");
    CHECK(
        rules_error_of(R"({"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 100,
          "Protocol": "6", "RuleAction": "allow", "CidrBlock": "10.0.0.0/40"}]}]})")
            .find("(at NetworkAcls[0].Entries[0].CidrBlock)") != std::string::npos);
    CHECK(rules_error_of(R"({"SecurityGroupId": "sg-1", "Permissions": {"Permission": [{"Direction":
          "ingress", "IpProtocol": "TCP", "PortRange": "9092", "SourceCidrIp": "0.0.0.0/0"}]}})") ==
          "rules.json: expected \"FROM/TO\": \"9092\" (at Permissions.Permission[0].PortRange)");
    CHECK(rules_error_of(R"({"SecurityGroupId": "sg-1", "Permissions": {"Permission": [{"Direction":
          "ingress", "IpProtocol": "TCP", "PortRange": "1/2", "Priority": "high"}]}})") ==
          "rules.json: expected an integer: \"high\" (at Permissions.Permission[0].Priority)");
    CHECK(rules_error_of(R"({"SecurityGroupId": "sg-1", "Permissions": {"Permission": [{"Direction":
          "ingress", "IpProtocol": "TCP", "PortRange": "1/2", "Priority": 101}]}})") ==
          "rules.json: out of range 1-100: 101 (at Permissions.Permission[0].Priority)");
    CHECK(rules_error_of(R"({"NetworkInterfaceSets": {"NetworkInterfaceSet": [{"NetworkInterfaceId":
          "eni-1", "SecurityGroupIds": {"SecurityGroupId": [7]}}]}})") ==
          "rules.json: expected a string (at "
          "NetworkInterfaceSets.NetworkInterfaceSet[0].SecurityGroupIds.SecurityGroupId[0])");
}

TEST_CASE("missing optional fields are fine") {
    RuleSet rules;
    for (const auto& [text, file] : std::vector<std::pair<std::string, std::string>>{
             {R"({"SecurityGroups": [{"GroupId": "sg-1"}]})", "a.json"},
             {R"({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}]})", "b.json"},
             {R"({"SecurityGroupId": "sg-2", "Permissions": {}})", "c.json"},
             {R"({"NetworkInterfaceSets": {}})", "d.json"}}) {
        auto parsed = parse_rules(text, file);
        INFO(file << ": " << (parsed ? std::string() : parsed.error().message()));
        REQUIRE(parsed.ok());
        rules.merge(std::move(*parsed));
    }
    CHECK(rules.groups.size() == 2);
    CHECK(rules.interfaces.size() == 1);
}

TEST_CASE("unreadable, too large and deeply nested files are errors, not crashes") {
    auto missing = load_rules({"/nonexistent/rules.json"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message().rfind("/nonexistent/rules.json: cannot read", 0) == 0);

    vpcprobe::test::TempDir dir;
    auto big = dir.file("big.json");
    {
        std::ofstream out(big);
        out.seekp(static_cast<std::streamoff>(kMaxRulesFileBytes) + 1);
        out << ' ';
    }
    auto too_large = load_rules({big});
    REQUIRE_FALSE(too_large.ok());
    CHECK(too_large.error().message().find("too large") != std::string::npos);

    std::string deep =
        "{\"SecurityGroups\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
    CHECK(rules_error_of(deep).find("not valid JSON") != std::string::npos);
}
