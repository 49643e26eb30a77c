// SPDX-License-Identifier: Apache-2.0
// Parsing of the exports beyond security groups and AWS ACLs (reports/diagnosis/rules.h):
// Cloud Firewall policies of both borders, SNAT entries, Alibaba network ACLs, prefix lists of
// both clouds, Alibaba group types and prefix-list references, from fixtures printed the way
// the clouds' CLIs print them; and the exit-3 errors for values of the right shape but the
// wrong content, each naming the file, the JSON path and the value.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "reports/diagnosis/rules.h"
#include "tests/support/process.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe::rules;

using vpcprobe::test::load_rules_fixtures;
using vpcprobe::test::rules_error_of;

namespace {

// One Internet-border policy with `field` set to `value` (raw JSON).
std::string policy_with(const std::string& field, const std::string& value) {
    std::string policy = R"({"AclUuid": "u-1", "AclAction": "drop", "Direction": "in",
        "Order": 1, "Proto": "TCP", "Source": "0.0.0.0/0", "SourceType": "net",
        "Destination": "0.0.0.0/0", "DestinationType": "net", "DestPort": "9092/9092",
        "DestPortType": "port")";
    return R"({"Policys": [)" + policy + ", \"" + field + "\": " + value + "}]}";
}

}  // namespace

TEST_CASE("Cloud Firewall DescribeControlPolicy: Internet border, both directions") {
    auto rules = load_rules_fixtures({"cloudfw_internet.json"});
    REQUIRE(rules.firewall_policies.size() == 5);
    const auto& log = rules.firewall_policies[0];
    CHECK(log.border == FirewallBorder::internet_in);
    CHECK(log.action == FirewallAction::log);
    CHECK(log.ports.size() == 1);
    CHECK(log.ports[0].all());
    const auto& book = rules.firewall_policies[1];
    CHECK(book.order == 2);  // "2" as Alibaba sometimes writes it
    CHECK(book.source.text == "partners");
    REQUIRE(book.source.cidrs.size() == 2);
    CHECK(book.source.cidrs[1].text == "192.0.2.7/32");
    CHECK(book.source.unknowable.empty());
    REQUIRE(book.ports.size() == 2);
    CHECK(book.ports[0].from == 9092);
    CHECK(book.ports[1].to == 443);
    CHECK(book.ports_text == "kafka-ports");
    CHECK_FALSE(rules.firewall_policies[2].enabled);
    CHECK(rules.firewall_policies[3].enabled);
    const auto& geo = rules.firewall_policies[4];
    CHECK(geo.border == FirewallBorder::internet_out);
    CHECK(geo.destination.cidrs.empty());
    CHECK(geo.destination.unknowable.find("location") == 0);
    CHECK(rules.firewall_policies[3].describe() ==
          "order 4 drop TCP 0.0.0.0/0 -> 47.96.0.0/24:9092/9092 "
          "(00281255-d220-4db1-8f4f-c4df221a0004, 'no Internet to Kafka')");
}

TEST_CASE("Cloud Firewall DescribeVpcFirewallControlPolicy: VPC border, applications kept") {
    auto rules = load_rules_fixtures({"cloudfw_vpc.json"});
    REQUIRE(rules.firewall_policies.size() == 2);
    CHECK(rules.firewall_policies[0].border == FirewallBorder::vpc);
    CHECK(rules.firewall_policies[0].application == "ANY");
    CHECK(rules.firewall_policies[1].enabled);  // Release as a JSON boolean
    CHECK(rules.firewall_policies[1].application == "HTTPS");
    REQUIRE(rules.firewall_policies[1].destination.cidrs.size() == 1);
    CHECK(rules.firewall_policies[1].destination.cidrs[0].text == "10.0.0.0/24");
}

TEST_CASE("DescribeSnatTableEntries: CIDRs, vSwitches, pools and status") {
    auto rules = load_rules_fixtures({"alibaba_snat.json"});
    REQUIRE(rules.snat_entries.size() == 3);
    const auto& pool = rules.snat_entries[1];
    CHECK(pool.id == "snat-bp1subnet000002");
    CHECK(pool.source_cidr->text == "10.20.1.0/24");
    CHECK(pool.source_vswitch == "vsw-bp1bastion000001");
    REQUIRE(pool.addresses.size() == 2);
    CHECK(pool.addresses[1].text == "198.51.100.9");
    CHECK(rules.snat_entries[2].status == "Pending");
}

TEST_CASE("DescribeNetworkAclAttributes: entries in list order, BINDED vSwitches only") {
    auto rules = load_rules_fixtures({"alibaba_network_acl.json"});
    REQUIRE(rules.acls.size() == 1);
    const auto& acl = rules.acls[0];
    CHECK(acl.cloud == Cloud::alibaba);
    CHECK(acl.id == "nacl-bp1kafka00000001");
    CHECK(acl.subnets == std::vector<std::string>{"vsw-bp1kafka00000001"});
    REQUIRE(acl.entries.size() == 3);
    CHECK(acl.entries[0].number == 1);
    CHECK_FALSE(acl.entries[0].allow);
    CHECK(acl.entries[0].id == "nae-bp1drop9095000001");
    CHECK(acl.entries[1].number == 2);
    CHECK(acl.entries[2].egress);
    CHECK(acl.entries[2].number == 1);
    CHECK(acl.entries[2].ports.from == 1024);
    CHECK(acl.entries[0].describe() ==
          "entry 1 nae-bp1drop9095000001 (no-dev) drop tcp 9095 from 10.30.0.0/16");
    CHECK(acl.entries[0].label() == "nae-bp1drop9095000001");
}

TEST_CASE("prefix lists: AWS names and entries (file name or pl-ID=FILE), Alibaba attributes") {
    auto rules = load_rules_fixtures(
        {"aws_prefix_lists.json", "pl-0abc1234def567890.json", "alibaba_prefix_list.json"});
    REQUIRE(rules.prefix_lists.size() == 4);
    CHECK(rules.prefix_lists[0].name == "kafka-clients");
    CHECK_FALSE(rules.prefix_lists[0].entries);
    CHECK(rules.prefix_lists[2].id == "pl-0abc1234def567890");
    REQUIRE(rules.prefix_lists[2].entries);
    CHECK(rules.prefix_lists[2].entries->size() == 2);
    CHECK(rules.prefix_lists[3].cloud == Cloud::alibaba);
    CHECK(rules.prefix_lists[3].entries->at(1).text == "10.20.3.0/24");

    vpcprobe::test::TempDir dir;
    const auto file = dir.file("entries.json");
    std::ofstream(file) << R"({"Entries": [{"Cidr": "10.9.0.0/16"}]})";
    auto named = load_rules({"pl-0f00=" + file});
    REQUIRE(named.ok());
    CHECK(named->prefix_lists.at(0).id == "pl-0f00");
    auto unnamed = load_rules({file});
    REQUIRE_FALSE(unnamed.ok());
    CHECK(unnamed.error().message().find("--rules pl-0abc=" + file) != std::string::npos);
}

TEST_CASE("prefix-list references in AWS and Alibaba rules, next to group references") {
    auto aws = parse_rules(R"({"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092,
         "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "1"}],
         "PrefixListIds": [{"PrefixListId": "pl-0abc", "Description": "clients"}]}]}]})",
                           "sg.json");
    REQUIRE(aws.ok());
    REQUIRE(aws->groups[0].rules.size() == 2);
    CHECK(aws->groups[0].rules[0].peer_group == "sg-2");
    CHECK(aws->groups[0].rules[1].peer_prefix_list == "pl-0abc");
    CHECK(aws->groups[0].rules[1].describe(Cloud::aws) == "tcp 9092 from pl-0abc");

    auto alibaba = parse_rules(R"({"SecurityGroupId": "sg-a", "Permissions": {"Permission": [
        {"Direction": "egress", "IpProtocol": "TCP", "PortRange": "443/443",
         "DestPrefixListId": "pl-bp1x", "Policy": "Accept", "Priority": "1"}]}})",
                               "sg-a.json");
    REQUIRE(alibaba.ok());
    REQUIRE(alibaba->groups[0].rules.size() == 1);
    CHECK(alibaba->groups[0].rules[0].peer_prefix_list == "pl-bp1x");
}

TEST_CASE("DescribeSecurityGroups: the group type") {
    auto rules = load_rules_fixtures({"alibaba_security_groups.json"});
    REQUIRE(rules.group_types.size() == 2);
    CHECK(rules.group_types[0].enterprise);
    CHECK_FALSE(rules.group_types[1].enterprise);
}

TEST_CASE("AWS interfaces keep their tags") {
    auto parsed = parse_rules(R"({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1",
        "TagSet": [{"Key": "Confluent", "Value": "true"}]}]})",
                              "enis.json");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->interfaces[0].tags.size() == 1);
    CHECK(parsed->interfaces[0].tags[0].key == "Confluent");
}

TEST_CASE("a recognised shape with a wrong value is an error naming file, path and value") {
    CHECK(rules_error_of(policy_with("DestPort", "\"80-90\""), "cfw.json") ==
          "cfw.json: expected \"FROM/TO\": \"80-90\" (at Policys[0].DestPort)");
    CHECK(rules_error_of(policy_with("AclAction", "\"deny\"")) ==
          "rules.json: expected accept, drop or log: \"deny\" (at Policys[0].AclAction)");
    CHECK(rules_error_of(
              R"({"Policys": [{"AclUuid": "u", "AclAction": "drop", "Order": "first"}]})") ==
          "rules.json: expected an integer: \"first\" (at Policys[0].Order)");
    CHECK(rules_error_of(R"({"Policys": [{"AclUuid": "u", "AclAction": "drop"}]})") ==
          "rules.json: missing (at Policys[0].Order)");
    CHECK(rules_error_of(policy_with("Release", "\"maybe\"")) ==
          "rules.json: expected true or false: \"maybe\" (at Policys[0].Release)");
    CHECK(rules_error_of(policy_with("Direction", "\"up\"")) ==
          "rules.json: expected in or out: \"up\" (at Policys[0].Direction)");
    CHECK(rules_error_of(R"({"Policys": [{"AclUuid": "u", "AclAction": "drop", "Order": 1,
        "Source": "book", "SourceType": "group", "SourceGroupCidrs": ["10.0.0.0/99"]}]})") ==
          "rules.json: not an address or CIDR block: \"10.0.0.0/99\" (at "
          "Policys[0].SourceGroupCidrs)");
    CHECK(rules_error_of(R"({"SnatTableEntries": {"SnatTableEntry": [{"SnatEntryId": "snat-1",
        "SnatIp": "198.51.100.7,nope"}]}})") ==
          "rules.json: not an address or CIDR block: \"nope\" (at "
          "SnatTableEntries.SnatTableEntry[0].SnatIp)");
    CHECK(rules_error_of(R"({"NetworkAclAttribute": {"NetworkAclId": "nacl-1", "IngressAclEntries":
        {"IngressAclEntry": [{"Policy": "allow", "Protocol": "tcp", "SourceCidrIp": "0.0.0.0/0",
        "Port": "1/2"}]}}})") ==
          "rules.json: expected accept or drop: \"allow\" (at "
          "NetworkAclAttribute.IngressAclEntries.IngressAclEntry[0].Policy)");
    CHECK(rules_error_of(R"({"NetworkAclAttribute": {"NetworkAclId": "nacl-1", "EgressAclEntries":
        {"EgressAclEntry": [{"Policy": "drop", "Protocol": "tcp", "DestinationCidrIp":
        "0.0.0.0/0", "Port": "90/80"}]}}})") ==
          "rules.json: not a port range: \"90/80\" (at "
          "NetworkAclAttribute.EgressAclEntries.EgressAclEntry[0].Port)");
    CHECK(rules_error_of(R"({"SecurityGroups": {"SecurityGroup": [{"SecurityGroupId": "sg-1",
        "SecurityGroupType": "premium"}]}})") ==
          "rules.json: expected normal or enterprise: \"premium\" (at "
          "SecurityGroups.SecurityGroup[0].SecurityGroupType)");
    CHECK(rules_error_of(R"({"PrefixListId": "pl-1", "Entries": {"Entry": [{"Cidr": 5}]}})") ==
          "rules.json: expected a string (at Entries.Entry[0].Cidr)");
}
