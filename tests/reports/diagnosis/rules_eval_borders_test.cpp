// SPDX-License-Identifier: Apache-2.0
// Flow evaluation beyond security groups and AWS ACLs (reports/diagnosis/rules_eval.h), one
// semantics at a time: Cloud Firewall (order, default allow, Release "false", log, address and
// port books, "may match" never guessed, Internet border through SNAT or --public-source, VPC
// border), SNAT (most specific entry, Available only, pools), Alibaba network ACLs (list order,
// nothing matched denies, both directions of both sides), prefix lists (present, absent, next
// to group references), enterprise security groups, and the PNI egress check.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "agent/explain_command.h"
#include "reports/diagnosis/rules_eval.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe::rules;

namespace {

// Every text export given, merged.
RuleSet parse_all(const std::vector<std::string>& texts) {
    RuleSet rules;
    int n = 0;
    for (const auto& text : texts) {
        auto parsed = parse_rules(text, "export" + std::to_string(++n) + ".json");
        if (!parsed) FAIL(parsed.error().message());
        rules.merge(std::move(*parsed));
    }
    return rules;
}

RuleSet with_fixtures(RuleSet rules, const std::vector<std::string>& names) {
    rules.merge(vpcprobe::test::load_rules_fixtures(names));
    return rules;
}

Evaluation run(const RuleSet& rules, const std::string& from, const std::string& to,
               std::uint16_t port, const std::string& public_source = "") {
    auto evaluation = evaluate(rules, Flow{from, to, port, public_source});
    std::string trace = std::string(name(evaluation.verdict)) + "\n";
    for (const auto& step : evaluation.steps) trace += "  " + step.text + "\n";
    for (const auto& note : evaluation.notes) trace += "  note: " + note + "\n";
    for (const auto& s : evaluation.suspects) trace += "  suspect " + s.kind + " " + s.id + "\n";
    for (const auto& s : evaluation.possible) trace += "  possible " + s.kind + " " + s.id + "\n";
    UNSCOPED_INFO(trace);
    return evaluation;
}

bool step_contains(const Evaluation& evaluation, const std::string& text) {
    return std::any_of(evaluation.steps.begin(), evaluation.steps.end(),
                       [&](const Step& step) { return step.text.find(text) != std::string::npos; });
}

// An Internet-border policy (Direction in) from `source` to `destination` on `port` ("a/b").
std::string policy(const std::string& uuid, int order, const std::string& action,
                   const std::string& source, const std::string& destination,
                   const std::string& port, const std::string& extra = "") {
    return R"({"AclUuid": ")" + uuid + R"(", "AclAction": ")" + action +
           R"(", "Direction": "in", "Order": )" + std::to_string(order) +
           R"(, "Proto": "TCP", "Source": ")" + source +
           R"(", "SourceType": "net", "Destination": ")" + destination +
           R"(", "DestinationType": "net", "DestPort": ")" + port +
           R"(", "DestPortType": "port", "ApplicationName": "ANY")" + extra + "}";
}

std::string policies(const std::vector<std::string>& list) {
    std::string out = R"({"Policys": [)";
    for (std::size_t i = 0; i < list.size(); ++i) out += (i ? ", " : "") + list[i];
    return out + "]}";
}

const std::string kPublicKafka = "47.96.0.10";

}  // namespace

TEST_CASE("Cloud Firewall: ascending Order, first match wins, nothing matched is allowed") {
    const auto accept_first = parse_all(
        {policies({policy("u-drop", 2, "drop", "0.0.0.0/0", "47.96.0.0/24", "9092/9092"),
                   policy("u-accept", 1, "accept", "198.51.100.7/32", "0.0.0.0/0", "0/0")})});
    auto allowed = run(accept_first, "198.51.100.7", kPublicKafka, 9092);
    CHECK(allowed.suspects.empty());
    CHECK(step_contains(allowed,
                        "order 1 accept TCP 198.51.100.7/32 -> 0.0.0.0/0:0/0 (u-accept)"
                        ": matches -> accept"));
    CHECK_FALSE(step_contains(allowed, "u-drop"));  // never reached

    auto blocked = run(accept_first, "203.0.113.5", kPublicKafka, 9092);
    CHECK(blocked.verdict == Verdict::blocked);
    REQUIRE(blocked.suspects.size() == 1);
    CHECK(blocked.suspects[0].kind == "cloud-firewall-policy");
    CHECK(blocked.suspects[0].id == "u-drop");
    CHECK(blocked.suspects[0].direction == "ingress");
    CHECK(blocked.suspects[0].rule.find("order 2 drop") == 0);
    CHECK(blocked.suspects[0].detail.find("(order 2) drops tcp/9092 from 203.0.113.5 to "
                                          "47.96.0.10") != std::string::npos);

    auto other_port = run(accept_first, "203.0.113.5", kPublicKafka, 443);
    CHECK(other_port.verdict != Verdict::blocked);
    CHECK(step_contains(other_port, "no policy matches -> allow"));
}

TEST_CASE("Cloud Firewall: Release false is skipped, log passes") {
    auto rules = parse_all({policies(
        {policy("u-off", 1, "drop", "0.0.0.0/0", "0.0.0.0/0", "0/0", R"(, "Release": "false")"),
         policy("u-log", 2, "log", "0.0.0.0/0", "0.0.0.0/0", "9092/9092"),
         policy("u-drop", 3, "drop", "0.0.0.0/0", "0.0.0.0/0", "0/0")})});
    auto through = run(rules, "203.0.113.5", kPublicKafka, 9092);
    CHECK(through.verdict != Verdict::blocked);
    CHECK(step_contains(through, "(u-off): skipped (Release false)"));
    CHECK(step_contains(through, "(u-log): matches -> log (monitor: the flow passes)"));
    auto other = run(rules, "203.0.113.5", kPublicKafka, 443);
    CHECK(other.verdict == Verdict::blocked);
    CHECK(other.suspects.at(0).id == "u-drop");
}

TEST_CASE("Cloud Firewall: address and port books from the policy's own members") {
    auto rules = with_fixtures(RuleSet{}, {"cloudfw_internet.json"});
    // partners (198.51.100.0/28, 192.0.2.7/32) on kafka-ports (9092, 443): accepted at order 2.
    auto partner = run(rules, "192.0.2.7", kPublicKafka, 443);
    CHECK(step_contains(partner,
                        "(00281255-d220-4db1-8f4f-c4df221a0002, 'partners to the Kafka "
                        "endpoint'): matches -> accept"));
    // Anyone else on 9092 meets order 4 (order 3 is released false), past the log of order 1.
    auto stranger = run(rules, "192.0.2.8", kPublicKafka, 9092);
    CHECK(stranger.verdict == Verdict::blocked);
    CHECK(stranger.suspects.at(0).id == "00281255-d220-4db1-8f4f-c4df221a0004");
    CHECK(step_contains(stranger, "source 192.0.2.8 outside partners"));
}

TEST_CASE("Cloud Firewall: locations, domains, applications may match, never guessed") {
    auto rules = with_fixtures(RuleSet{}, {"cloudfw_internet.json"});
    // The out policy on a destination location may match anything public: unknown, with the
    // policy a possible suspect, not a suspect.
    auto evaluation = run(rules, "192.0.2.7", kPublicKafka, 443);
    CHECK(evaluation.verdict == Verdict::unknown);
    CHECK(evaluation.suspects.empty());
    REQUIRE(evaluation.possible.size() == 1);
    CHECK(evaluation.possible[0].id == "00281255-d220-4db1-8f4f-c4df221a0005");
    CHECK(evaluation.possible[0].direction == "egress");
    CHECK(evaluation.possible[0].detail.find("may drop") != std::string::npos);
    CHECK(evaluation.possible[0].detail.find("location") != std::string::npos);
    CHECK(step_contains(evaluation, "may match (location"));

    auto vpc = with_fixtures(RuleSet{}, {"cloudfw_vpc.json"});
    auto app = run(vpc, "10.20.1.15", "10.0.0.5", 443);  // order 2: application HTTPS
    CHECK(step_contains(app, "may match (application HTTPS cannot be told"));
    CHECK(app.verdict != Verdict::blocked);
}

TEST_CASE("Cloud Firewall VPC border: between VPCs, not within one") {
    auto vpc = with_fixtures(RuleSet{}, {"cloudfw_vpc.json"});
    auto dev = run(vpc, "10.30.4.4", "10.0.0.5", 9095);
    CHECK(dev.verdict == Verdict::blocked);
    CHECK(dev.suspects.at(0).kind == "cloud-firewall-policy");
    CHECK(dev.suspects.at(0).direction.empty());

    auto same_vpc = parse_all({R"({"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-a", "VpcId": "vpc-1", "PrivateIpAddress": "10.30.4.4"},
        {"NetworkInterfaceId": "eni-b", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.0.5"}]})"});
    same_vpc.merge(with_fixtures(RuleSet{}, {"cloudfw_vpc.json"}));
    auto inside = run(same_vpc, "10.30.4.4", "10.0.0.5", 9095);
    CHECK(inside.suspects.empty());
    CHECK(step_contains(inside, "both ends are in vpc-1: not crossed"));
}

TEST_CASE("SNAT: the most specific Available entry, pools, and Internet-border policies") {
    auto rules = with_fixtures(RuleSet{}, {"alibaba_snat.json"});
    // 10.20.1.15: the /32 entry is Pending, the /24 pool beats the /16.
    auto bastion = run(rules, "10.20.1.15", kPublicKafka, 9092);
    CHECK(bastion.egress_as ==
          "this host reaches the Internet as 198.51.100.8 or 198.51.100.9 via "
          "snat-bp1subnet000002 (ngw-bp1gateway000001)");
    CHECK(std::any_of(bastion.notes.begin(), bastion.notes.end(), [](const std::string& note) {
        return note.find("snat-bp1pending000003 covers 10.20.1.15 but is Pending") == 0;
    }));
    auto app = run(rules, "10.20.7.7", kPublicKafka, 9092);
    CHECK(app.egress_as.find("as 198.51.100.7 via snat-bp1vpcwide000001") != std::string::npos);
    auto private_destination = run(rules, "10.20.7.7", "10.0.0.5", 9095);
    CHECK(private_destination.egress_as.empty());

    // A policy on one address of the pool blocks (the NAT may pick it), named with that address.
    rules.merge(parse_all(
        {policies({policy("u-nine", 1, "drop", "198.51.100.9/32", "0.0.0.0/0", "9092/9092")})}));
    auto pooled = run(rules, "10.20.1.15", kPublicKafka, 9092);
    CHECK(pooled.verdict == Verdict::blocked);
    CHECK(pooled.suspects.at(0).detail.find("from 198.51.100.9") != std::string::npos);
    CHECK(run(rules, "10.20.7.7", kPublicKafka, 9092).verdict != Verdict::blocked);
    // --public-source wins over the exports.
    auto given = run(rules, "10.20.7.7", kPublicKafka, 9092, "198.51.100.9");
    CHECK(given.verdict == Verdict::blocked);
    CHECK(given.egress_as ==
          "this host reaches the Internet as 198.51.100.9 (as given by --public-source)");
}

TEST_CASE("Internet border without a known public address: only policies from anywhere decide") {
    auto anywhere = parse_all(
        {policies({policy("u-all", 1, "drop", "0.0.0.0/0", kPublicKafka + "/32", "9092/9092")})});
    auto blocked = run(anywhere, "10.20.7.7", kPublicKafka, 9092);
    CHECK(blocked.verdict == Verdict::blocked);
    CHECK(step_contains(blocked, "the public address Internet-border policies see is unknown"));
    auto narrow = parse_all(
        {policies({policy("u-one", 1, "drop", "198.51.100.0/24", "0.0.0.0/0", "9092/9092")})});
    auto maybe = run(narrow, "10.20.7.7", kPublicKafka, 9092);
    CHECK(maybe.verdict == Verdict::unknown);
    CHECK(maybe.possible.at(0).id == "u-one");
}

namespace {

// Client 10.20.1.15 on vsw-client, Kafka 10.0.0.5 on vsw-kafka; both groups accept the flow.
const std::string kAlibabaEnds = R"({"NetworkInterfaceSets": {"NetworkInterfaceSet": [
    {"NetworkInterfaceId": "eni-client", "VSwitchId": "vsw-client", "VpcId": "vpc-1",
     "PrivateIpAddress": "10.20.1.15", "SecurityGroupIds": {"SecurityGroupId": ["sg-client"]}},
    {"NetworkInterfaceId": "eni-kafka", "VSwitchId": "vsw-kafka", "VpcId": "vpc-1",
     "PrivateIpAddress": "10.0.0.5", "SecurityGroupIds": {"SecurityGroupId": ["sg-kafka"]}}]}})";
const std::string kClientGroup = R"({"SecurityGroupId": "sg-client", "Permissions": {}})";
const std::string kKafkaGroup = R"({"SecurityGroupId": "sg-kafka", "Permissions": {"Permission": [
    {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "9095/9095",
     "SourceCidrIp": "0.0.0.0/0", "Policy": "Accept", "Priority": "1"}]}})";

// An Alibaba ACL bound to `vswitch` with the given ingress and egress entries.
std::string alibaba_acl(const std::string& id, const std::string& vswitch,
                        const std::string& ingress, const std::string& egress) {
    return R"({"NetworkAclAttribute": {"NetworkAclId": ")" + id +
           R"(", "IngressAclEntries": {"IngressAclEntry": [)" + ingress +
           R"(]}, "EgressAclEntries": {"EgressAclEntry": [)" + egress +
           R"(]}, "Resources": {"Resource": [{"ResourceId": ")" + vswitch +
           R"(", "ResourceType": "VSwitch", "Status": "BINDED"}]}}})";
}

std::string entry(const std::string& id, const std::string& policy, const std::string& cidr_key,
                  const std::string& cidr, const std::string& port) {
    return R"({"NetworkAclEntryId": ")" + id + R"(", "Policy": ")" + policy +
           R"(", "Protocol": "tcp", ")" + cidr_key + R"(": ")" + cidr + R"(", "Port": ")" + port +
           R"("})";
}

const std::string kAcceptAllIn =
    entry("nae-in-all", "accept", "SourceCidrIp", "0.0.0.0/0", "-1/-1");
const std::string kAcceptAllOut =
    entry("nae-out-all", "accept", "DestinationCidrIp", "0.0.0.0/0", "-1/-1");

}  // namespace

TEST_CASE("Alibaba network ACL: list order, first match wins, nothing matched is denied") {
    auto with_cluster_acl = [](const std::string& ingress) {
        return parse_all({kAlibabaEnds, kClientGroup, kKafkaGroup,
                          alibaba_acl("nacl-kafka", "vsw-kafka", ingress, kAcceptAllOut)});
    };
    const auto drop_then_accept = with_cluster_acl(
        entry("nae-drop", "drop", "SourceCidrIp", "10.20.1.0/24", "9095/9095") + ", " +
        entry("nae-accept", "accept", "SourceCidrIp", "10.20.0.0/16", "9095/9095"));
    auto blocked = run(drop_then_accept, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(blocked.verdict == Verdict::blocked);
    REQUIRE(blocked.suspects.size() == 1);
    CHECK(blocked.suspects[0].kind == "network-acl-rule");
    CHECK(blocked.suspects[0].id == "nacl-kafka");
    CHECK(blocked.suspects[0].rule == "nae-drop");
    CHECK(blocked.suspects[0].direction == "ingress");
    CHECK(blocked.suspects[0].detail.find("entry 1 nae-drop of nacl-kafka denies ingress") == 0);

    const auto accept_then_drop = with_cluster_acl(
        entry("nae-accept", "accept", "SourceCidrIp", "10.20.0.0/16", "9095/9095") + ", " +
        entry("nae-drop", "drop", "SourceCidrIp", "10.20.1.0/24", "9095/9095"));
    CHECK(run(accept_then_drop, "10.20.1.15", "10.0.0.5", 9095).verdict == Verdict::allowed);

    const auto nothing =
        with_cluster_acl(entry("nae-other", "accept", "SourceCidrIp", "10.99.0.0/16", "9095/9095"));
    auto denied = run(nothing, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(denied.verdict == Verdict::blocked);
    CHECK(denied.suspects.at(0).rule == "*");
    CHECK(step_contains(denied, "no entry matches tcp/9095 -> deny"));
}

TEST_CASE("Alibaba network ACL: stateless, the return path on both sides") {
    // The cluster's ACL lets the request in but no answer out to the ephemeral ports.
    auto cluster = parse_all({kAlibabaEnds, kClientGroup, kKafkaGroup,
                              alibaba_acl("nacl-kafka", "vsw-kafka", kAcceptAllIn,
                                          entry("nae-out-9095", "accept", "DestinationCidrIp",
                                                "0.0.0.0/0", "9095/9095"))});
    auto cluster_return = run(cluster, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(cluster_return.verdict == Verdict::blocked);
    REQUIRE(cluster_return.suspects.size() == 1);
    CHECK(cluster_return.suspects[0].id == "nacl-kafka");
    CHECK(cluster_return.suspects[0].direction == "egress");
    INFO(cluster_return.suspects[0].detail);
    CHECK(cluster_return.suspects[0].detail.find(
              "return traffic tcp/1024-9094,9096-65535 to 10.20.1.15") != std::string::npos);

    // The client's ACL lets the request out but no answer in.
    auto client =
        parse_all({kAlibabaEnds, kClientGroup, kKafkaGroup,
                   alibaba_acl("nacl-client", "vsw-client",
                               entry("nae-in-ssh", "accept", "SourceCidrIp", "0.0.0.0/0", "22/22"),
                               kAcceptAllOut)});
    auto client_return = run(client, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(client_return.verdict == Verdict::blocked);
    CHECK(client_return.suspects.at(0).id == "nacl-client");
    CHECK(client_return.suspects.at(0).direction == "ingress");
    CHECK(client_return.suspects.at(0).detail.find("return traffic") != std::string::npos);

    // Both ACLs open both ways: allowed, each consulted in the order the packets meet them.
    auto open = parse_all({kAlibabaEnds, kClientGroup, kKafkaGroup,
                           alibaba_acl("nacl-client", "vsw-client", kAcceptAllIn, kAcceptAllOut),
                           alibaba_acl("nacl-kafka", "vsw-kafka", kAcceptAllIn, kAcceptAllOut)});
    auto allowed = run(open, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(allowed.verdict == Verdict::allowed);
    std::vector<std::string> order;
    for (const auto& step : allowed.steps) order.push_back(step.text.substr(0, 24));
    const auto at = [&](const std::string& prefix) {
        return std::find_if(allowed.steps.begin(), allowed.steps.end(),
                            [&](const Step& step) { return step.text.rfind(prefix, 0) == 0; }) -
               allowed.steps.begin();
    };
    CHECK(at("nacl-client egress entry") < at("nacl-kafka ingress entry"));
    CHECK(at("nacl-kafka ingress entry") < at("sg-kafka ingress"));
    CHECK(at("sg-kafka ingress") < at("nacl-kafka egress (return path)"));
    CHECK(at("nacl-kafka egress (return path)") < at("nacl-client ingress (return path)"));
    std::vector<std::string> filters;
    for (const auto& consulted : allowed.path) filters.push_back(consulted.filter);
    CHECK(filters ==
          std::vector<std::string>{"this host's security groups (eni-client: sg-client), egress",
                                   "this host's network ACL nacl-client, egress",
                                   "the target's network ACL nacl-kafka, ingress",
                                   "the target's security groups (eni-kafka: sg-kafka), ingress",
                                   "the target's network ACL nacl-kafka, egress (return path)",
                                   "this host's network ACL nacl-client, ingress (return path)"});
}

namespace {

std::string aws_kafka_group(const std::string& permissions) {
    return R"({"SecurityGroups": [{"GroupId": "sg-kafka", "IpPermissions": [)" + permissions +
           R"(], "IpPermissionsEgress": []}, {"GroupId": "sg-client", "IpPermissions": [],
           "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]})";
}

const std::string kAwsEnds = R"({"NetworkInterfaces": [
    {"NetworkInterfaceId": "eni-client", "SubnetId": "subnet-c", "PrivateIpAddress": "10.20.1.15",
     "Groups": [{"GroupId": "sg-client"}]},
    {"NetworkInterfaceId": "eni-kafka", "SubnetId": "subnet-k", "PrivateIpAddress": "10.0.0.5",
     "Groups": [{"GroupId": "sg-kafka"}]}]})";

const std::string kPrefixListRule = R"({"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092,
    "PrefixListIds": [{"PrefixListId": "pl-0abc"}]})";

}  // namespace

TEST_CASE("AWS prefix lists: entries given decide, missing ones may match") {
    const auto group = aws_kafka_group(kPrefixListRule);
    auto contains = parse_all({kAwsEnds, group});
    auto entries = parse_rules(R"({"Entries": [{"Cidr": "10.20.0.0/16"}]})", "dir/pl-0abc.json");
    REQUIRE(entries.ok());
    contains.merge(std::move(*entries));
    CHECK(run(contains, "10.20.1.15", "10.0.0.5", 9092).verdict == Verdict::allowed);

    auto other = parse_all({kAwsEnds, group, R"({"PrefixLists": [{"PrefixListId": "pl-0abc",
        "PrefixListName": "office"}]})"});
    other.prefix_lists.push_back(
        PrefixList{Cloud::aws, "pl-0abc", "", {{*Cidr::parse("10.9.0.0/16")}}});
    auto blocked = run(other, "10.20.1.15", "10.0.0.5", 9092);
    CHECK(blocked.verdict == Verdict::blocked);
    CHECK(blocked.suspects.at(0).kind == "security-group");
    CHECK(blocked.suspects.at(0).id == "sg-kafka");
    CHECK(blocked.suspects.at(0).rule == "tcp 9092 from pl-0abc");
    CHECK(step_contains(blocked, "peer 10.20.1.15 not in pl-0abc (office)"));

    auto missing = parse_all({kAwsEnds, group});
    auto maybe = run(missing, "10.20.1.15", "10.0.0.5", 9092);
    CHECK(maybe.verdict == Verdict::unknown);
    CHECK(maybe.suspects.empty());
    REQUIRE(maybe.possible.size() == 1);
    CHECK(maybe.possible[0].id == "sg-kafka");
    CHECK(maybe.possible[0].detail.find(
              "unless pl-0abc may hold it: its entries were not given (aws ec2 "
              "get-managed-prefix-list-entries --prefix-list-id pl-0abc > pl-0abc.json)") !=
          std::string::npos);
}

TEST_CASE("AWS prefix lists next to group references: the reference still allows") {
    const auto group = aws_kafka_group(R"({"IpProtocol": "tcp", "FromPort": 9092,
        "ToPort": 9092, "UserIdGroupPairs": [{"GroupId": "sg-client"}],
        "PrefixListIds": [{"PrefixListId": "pl-0abc"}]})");
    auto rules = parse_all({kAwsEnds, group});
    auto allowed = run(rules, "10.20.1.15", "10.0.0.5", 9092);
    CHECK(allowed.verdict == Verdict::allowed);
    CHECK(allowed.possible.empty());
}

TEST_CASE("Alibaba prefix lists: a Drop on a list not given may match") {
    auto rules = parse_all({kAlibabaEnds, kClientGroup,
                            R"({"SecurityGroupId": "sg-kafka", "Permissions": {"Permission": [
        {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "9095/9095",
         "SourcePrefixListId": "pl-bp1bad", "Policy": "Drop", "Priority": "1"},
        {"Direction": "ingress", "IpProtocol": "TCP", "PortRange": "9095/9095",
         "SourceCidrIp": "10.20.0.0/16", "Policy": "Accept", "Priority": "2"}]}})"});
    auto maybe = run(rules, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(maybe.verdict == Verdict::unknown);
    CHECK(maybe.possible.at(0).kind == "security-group-rule");
    CHECK(maybe.possible.at(0).detail.find("aliyun ecs DescribePrefixListAttributes") !=
          std::string::npos);
    rules.merge(parse_all({R"({"PrefixListId": "pl-bp1bad", "Entries": {"Entry": [
        {"Cidr": "10.20.1.0/24"}]}})"}));
    auto blocked = run(rules, "10.20.1.15", "10.0.0.5", 9095);
    CHECK(blocked.verdict == Verdict::blocked);
    CHECK(run(rules, "10.20.2.2", "10.0.0.5", 9095).verdict != Verdict::blocked);
}

TEST_CASE("Alibaba enterprise security groups: egress denied, no access between members") {
    const std::string same_group = R"({"NetworkInterfaceSets": {"NetworkInterfaceSet": [
        {"NetworkInterfaceId": "eni-1", "VSwitchId": "vsw-1", "PrivateIpAddress": "10.0.0.4",
         "SecurityGroupIds": {"SecurityGroupId": ["sg-e"]}},
        {"NetworkInterfaceId": "eni-2", "VSwitchId": "vsw-1", "PrivateIpAddress": "10.0.0.5",
         "SecurityGroupIds": {"SecurityGroupId": ["sg-e"]}}]}})";
    const std::string group = R"({"SecurityGroupId": "sg-e", "InnerAccessPolicy": "Accept",
        "Permissions": {}})";
    auto basic = parse_all({same_group, group});
    CHECK(run(basic, "10.0.0.4", "10.0.0.5", 9095).verdict == Verdict::allowed);

    auto enterprise = parse_all({same_group, group, R"({"SecurityGroups": {"SecurityGroup": [
        {"SecurityGroupId": "sg-e", "SecurityGroupType": "enterprise"}]}})"});
    auto blocked = run(enterprise, "10.0.0.4", "10.0.0.5", 9095);
    CHECK(blocked.verdict == Verdict::blocked);
    REQUIRE(blocked.suspects.size() == 2);  // its egress, then its ingress
    CHECK(blocked.suspects[0].direction == "egress");
    CHECK(blocked.suspects[1].direction == "ingress");
    CHECK(step_contains(blocked, "enterprise security groups drop what no rule accepts"));
}

TEST_CASE("PNI: egress rules on the group of ENIs tagged Confluent=true") {
    const std::string enis = R"({"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-pni", "PrivateIpAddress": "10.1.0.10",
         "Groups": [{"GroupId": "sg-pni"}], "TagSet": [{"Key": "Confluent", "Value": "true"}]},
        {"NetworkInterfaceId": "eni-app", "PrivateIpAddress": "10.1.0.11",
         "Groups": [{"GroupId": "sg-app"}]}]})";
    const std::string open = R"({"SecurityGroups": [
        {"GroupId": "sg-pni", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 9092,
          "ToPort": 9092, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
         "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
        {"GroupId": "sg-app", "IpPermissions": [],
         "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]})";
    auto found = pni_egress_rules(parse_all({enis, open}));
    REQUIRE(found.size() == 1);
    CHECK(found[0].id == "sg-pni");
    CHECK(found[0].direction == "egress");
    CHECK(found[0].rule == "sg-pni: all traffic to 0.0.0.0/0");

    const std::string closed = R"({"SecurityGroups": [{"GroupId": "sg-pni",
        "IpPermissions": [], "IpPermissionsEgress": []}]})";
    CHECK(pni_egress_rules(parse_all({enis, closed})).empty());
}

TEST_CASE("explain: every filter on the path, NAT and Cloud Firewall included, in order") {
    vpcprobe::Command command;
    command.kind = vpcprobe::CommandKind::explain;
    command.options.rules_files = {vpcprobe::test::kRulesFixtures + "alibaba_snat.json",
                                   vpcprobe::test::kRulesFixtures + "cloudfw_internet.json"};
    command.explain.from = "10.20.7.7";
    command.explain.to_host = kPublicKafka;
    command.explain.to_port = 9092;
    std::ostringstream out;
    std::ostringstream err;
    CHECK(vpcprobe::run_explain(command, out, err) == 2);
    const std::string text = out.str();
    INFO(text);
    CHECK(text.find("filters on the path, in order:\n"
                    "  this host's security groups, egress: not in the exports\n"
                    "  NAT (SNAT): this host is seen as 198.51.100.7: snat-bp1vpcwide000001 "
                    "(ngw-bp1gateway000001)\n"
                    "  Cloud Firewall, Internet border out (from 198.51.100.7): unknown\n"
                    "  Cloud Firewall, Internet border in (from 198.51.100.7): blocked\n"
                    "  the target's security groups, ingress: not in the exports\n"
                    "rules consulted, in order:\n") != std::string::npos);
    const auto nat = text.find("  NAT: snat-bp1vpcwide000001");
    const auto egress = text.find("  Cloud Firewall Internet border out order 1");
    const auto ingress = text.find("  Cloud Firewall Internet border in order 4");
    CHECK(nat != std::string::npos);
    CHECK(nat < egress);
    CHECK(egress < ingress);
    CHECK(ingress != std::string::npos);
    CHECK(text.find("suspects:\n  cloud-firewall-policy 00281255-d220-4db1-8f4f-c4df221a0004 "
                    "(ingress): ") != std::string::npos);
    CHECK(text.find("may block (cannot be decided offline):\n  cloud-firewall-policy "
                    "00281255-d220-4db1-8f4f-c4df221a0005 (egress)") != std::string::npos);
    CHECK(text.find("note: this host reaches the Internet as 198.51.100.7 via "
                    "snat-bp1vpcwide000001") != std::string::npos);

    command.options.public_source = "192.0.2.7";  // a partner: accepted at order 2
    std::ostringstream partner;
    CHECK(vpcprobe::run_explain(command, partner, err) == 1);
    CHECK(partner.str().find("(as given by --public-source)") != std::string::npos);
}
