// SPDX-License-Identifier: Apache-2.0
// What the path trace (TcpEvidence::trace) changes in a diagnosis: the cause's summary, the
// remedies and the order of rule attribution's suspects. Fabricated evidence of the topology
// agent 10.50.0.2 - r1 10.50.1.2 - r2 10.50.2.2 - cluster 10.50.3.0/24
// (tests/support/report_fixtures.h); rule exports written inline.
#include <catch2/catch.hpp>

#include <string>

#include "reports/diagnosis/attribution.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/diagnosis/path_reading.h"
#include "reports/diagnosis/rules.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TargetReport judged(AddressEvidence address, std::uint16_t port = 9095) {
    const std::string ip = address.address;
    Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, port), dns_ok({ip}), {std::move(address)})},
        traced_agent_info());
    return report.targets.at(0);
}

AddressEvidence dropped_with(TraceEvidence trace) {
    return traced(tcp_failed("10.50.3.2", 9095), std::move(trace));
}

AddressEvidence rejected_by_r1(bool with_trace) {
    AddressEvidence address =
        icmp_failed("10.50.3.2", 9095, Cause::tcp_prohibited, "10.50.1.2", "admin-prohibited", 13);
    if (!with_trace) return address;
    return traced(
        std::move(address),
        trace_of({router_hop(1, "10.50.1.2", 0.4),
                  router_hop(2, "10.50.1.2", 0.5, "admin-prohibited", Cause::tcp_prohibited)},
                 TraceStop::icmp, "10.50.1.2, 1 hop away, answered ICMP admin-prohibited"));
}

// The agent's interface in sg-agent (no egress rule: it lets nothing out), the broker's in
// sg-kafka (no ingress rule: it lets nothing in). Both block the flow, on opposite sides.
rules::RuleSet both_sides_block() {
    auto interfaces = rules::parse_rules(R"({"NetworkInterfaces": [
        {"NetworkInterfaceId": "eni-agent", "SubnetId": "subnet-agent", "VpcId": "vpc-1",
         "PrivateIpAddress": "10.50.0.2",
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.50.0.2"}],
         "Groups": [{"GroupId": "sg-agent"}]},
        {"NetworkInterfaceId": "eni-kafka", "SubnetId": "subnet-kafka", "VpcId": "vpc-1",
         "PrivateIpAddress": "10.50.3.2",
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.50.3.2"}],
         "Groups": [{"GroupId": "sg-kafka"}]}]})",
                                         "interfaces.json");
    REQUIRE(interfaces.ok());
    auto groups = rules::parse_rules(R"({"SecurityGroups": [
        {"GroupId": "sg-agent", "GroupName": "agent", "VpcId": "vpc-1",
         "IpPermissions": [], "IpPermissionsEgress": []},
        {"GroupId": "sg-kafka", "GroupName": "kafka", "VpcId": "vpc-1",
         "IpPermissions": [],
         "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]})",
                                     "groups.json");
    REQUIRE(groups.ok());
    rules::RuleSet set = std::move(*interfaces);
    set.merge(std::move(*groups));
    return set;
}

// Groups that let everything through; the agent subnet's ACL denies tcp/9095 outbound and the
// answers (the ephemeral ports) inbound: the request path's egress and the return path's ingress,
// both on this host's side.
rules::RuleSet agent_acl_blocks() {
    rules::RuleSet set = both_sides_block();
    for (auto& group : set.groups) {
        auto open = rules::parse_rules(R"({"SecurityGroups": [{"GroupId": "sg-open",
            "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]})",
                                       "open.json");
        REQUIRE(open.ok());
        const std::string id = group.id;
        group = open->groups.at(0);
        group.id = id;
    }
    auto acls = rules::parse_rules(R"({"NetworkAcls": [
        {"NetworkAclId": "acl-agent", "VpcId": "vpc-1", "IsDefault": false,
         "Associations": [{"SubnetId": "subnet-agent"}],
         "Entries": [
           {"RuleNumber": 100, "Egress": true, "Protocol": "6", "RuleAction": "deny",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 9095, "To": 9095}},
           {"RuleNumber": 200, "Egress": true, "Protocol": "-1", "RuleAction": "allow",
            "CidrBlock": "0.0.0.0/0"},
           {"RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "deny",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1024, "To": 65535}},
           {"RuleNumber": 200, "Egress": false, "Protocol": "-1", "RuleAction": "allow",
            "CidrBlock": "0.0.0.0/0"}]}]})",
                                   "acls.json");
    REQUIRE(acls.ok());
    set.merge(std::move(*acls));
    return set;
}

std::vector<Suspect> attributed(AddressEvidence address,
                                const rules::RuleSet& rules = both_sides_block()) {
    const std::string ip = address.address;
    Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({ip}), {std::move(address)})},
        traced_agent_info());
    attribute_to_rules(report, rules);
    return report.targets.at(0).cause->suspects;
}

}  // namespace

// ---- The cause's summary ----

TEST_CASE("a dropped SYN's summary names the last hop that answered") {
    const TargetReport target = judged(dropped_with(trace_past_hop_2()));
    CHECK(target.cause->summary ==
          "SYN to 10.50.3.2:9095 got no answer in 3s: silently dropped; no answer past hop 2, "
          "10.50.2.2");
}

TEST_CASE("a dropped SYN no hop answered says so, with the TTLs tried") {
    const TargetReport target = judged(dropped_with(trace_silent_from_start()));
    CHECK(contains(target.cause->summary, "; no hop answered (TTL 1 to 5 unanswered)"));
}

TEST_CASE("a trace that reached the destination after the probe timed out says so") {
    const TargetReport target = judged(dropped_with(
        trace_of({router_hop(1, "10.50.1.2", 0.4), router_hop(2, "10.50.3.2", 0.9, "syn-ack")},
                 TraceStop::destination, "reached")));
    CHECK(contains(target.cause->summary, "the trace reached the destination at hop 2"));
    CHECK(contains(target.cause->summary, "SYN-ACK"));
}

TEST_CASE("an untraced dropped SYN keeps the probe's own sentence") {
    const TargetReport target = judged(tcp_failed("10.50.3.2", 9095));
    CHECK(target.cause->summary == "SYN to 10.50.3.2:9095 got no answer in 3s: silently dropped");
}

TEST_CASE("a router's reject is attributed to the router and its distance") {
    const TargetReport target = judged(rejected_by_r1(true));
    CHECK(target.cause->code == Cause::tcp_prohibited);
    CHECK(contains(target.cause->summary,
                   "rejected by 10.50.1.2, 1 hop away, not by the destination (10.50.3.2)"));
}

TEST_CASE("without a trace a router's reject is still not the destination's") {
    const TargetReport target = judged(rejected_by_r1(false));
    CHECK(contains(target.cause->summary,
                   "rejected by 10.50.1.2, not by the destination (10.50.3.2)"));
    CHECK_FALSE(contains(target.cause->summary, "hop away"));
}

TEST_CASE("the destination's own reject is not attributed to a router") {
    AddressEvidence address =
        icmp_failed("10.50.3.2", 9095, Cause::tcp_prohibited, "10.50.3.2", "admin-prohibited", 13);
    const TargetReport target = judged(std::move(address));
    CHECK_FALSE(contains(target.cause->summary, "not by the destination"));
}

TEST_CASE("a router's net-unreachable names the router, its distance and what it means") {
    AddressEvidence address =
        icmp_failed("10.50.3.2", 9095, Cause::tcp_unreachable, "10.50.2.2", "net-unreachable", 0);
    address = traced(
        std::move(address),
        trace_of({router_hop(1, "10.50.1.2", 0.4), router_hop(2, "10.50.2.2", 0.7),
                  router_hop(3, "10.50.2.2", 0.7, "net-unreachable", Cause::tcp_unreachable)},
                 TraceStop::icmp, "net-unreachable at hop 3"));
    const TargetReport target = judged(std::move(address));
    CHECK(contains(target.cause->summary,
                   "10.50.2.2 is a router 2 hops away, not the destination: it has no route to "
                   "10.50.3.2"));
}

// ---- Remedies ----

TEST_CASE("remedy: a router's reject points at that router's filter, named and placed") {
    const std::string remedy = judged(rejected_by_r1(true)).cause->remedy;
    CHECK(contains(remedy, "the firewall at 10.50.1.2, 1 hop away, not the destination"));
    CHECK(contains(remedy, "(ICMP admin-prohibited)"));
    CHECK(contains(remedy, "not the endpoint's security group"));
}

TEST_CASE("remedy: the ICMP name comes from the evidence, not from the detail's words") {
    AddressEvidence address = rejected_by_r1(false);
    address.tcp.detail = "rejected";  // a detail without the ICMP name in it
    CHECK(contains(judged(std::move(address)).cause->remedy, "(ICMP admin-prohibited)"));
}

TEST_CASE("remedy: hops that answered clear this host's egress and point past the last one") {
    const std::string remedy = judged(dropped_with(trace_past_hop_2())).cause->remedy;
    CHECK(contains(remedy, "gets past this host's egress filters"));
    CHECK(contains(remedy, "this probe's own port"));
    CHECK(contains(remedy, "look from 10.50.2.2 on: its own forwarding filter"));
    CHECK(contains(remedy, "or that of hop 3"));
    CHECK_FALSE(contains(remedy, "in this host's egress rules"));
}

TEST_CASE("remedy: a last hop in the destination's subnet puts the endpoint's rules first") {
    const std::string remedy =
        judged(dropped_with(trace_of({router_hop(1, "10.50.1.2", 0.4),
                                      router_hop(2, "10.50.3.1", 0.6), silent_hop(3)},
                                     TraceStop::silence, "no answer past hop 2")))
            .cause->remedy;
    CHECK(contains(remedy, "10.50.3.1 is in the endpoint's subnet"));
    CHECK(contains(remedy, "security group and network ACL come first"));
}

TEST_CASE("remedy: no hop answered says both readings honestly") {
    const std::string remedy = judged(dropped_with(trace_silent_from_start())).cause->remedy;
    CHECK(contains(remedy, "no hop answered the path trace"));
    CHECK(contains(remedy, "security group's egress rules"));
    CHECK(contains(remedy, "do not answer TTL expiry"));
    CHECK(contains(remedy, "in this host's egress rules"));
}

TEST_CASE("remedy: a router's ICMP heard only by the trace points at that router") {
    // The probe's own net-unreachable was lost to the router's ICMP rate limit; the trace's
    // SYN on the same port got it.
    const auto unreachable =
        trace_of({router_hop(1, "10.50.1.2", 0.4),
                  router_hop(2, "10.50.2.2", 0.6, "net-unreachable", Cause::tcp_unreachable)},
                 TraceStop::icmp, "hop 2, 10.50.2.2, answered ICMP net-unreachable");
    const std::string remedy = judged(dropped_with(unreachable)).cause->remedy;
    CHECK(contains(remedy,
                   "answered by 10.50.2.2, 2 hops away, not the destination, with ICMP "
                   "net-unreachable"));
    CHECK(contains(remedy, "check the routes of 10.50.2.2 toward 10.50.3.2"));
    CHECK_FALSE(contains(remedy, "security group"));

    const auto rejected =
        trace_of({router_hop(1, "10.50.1.2", 0.4),
                  router_hop(2, "10.50.1.2", 0.5, "admin-prohibited", Cause::tcp_prohibited)},
                 TraceStop::icmp, "10.50.1.2, 1 hop away, answered ICMP admin-prohibited");
    const std::string reject_remedy = judged(dropped_with(rejected)).cause->remedy;
    CHECK(contains(reject_remedy, "answered by 10.50.1.2, 1 hop away"));
    CHECK(contains(reject_remedy,
                   "allow tcp/9095 from 10.50.0.2 to 10.50.3.2 in the rules of "
                   "10.50.1.2"));
}

// ---- Rule attribution ----

TEST_CASE("attribution without a trace keeps the order the packets meet the rules") {
    AddressEvidence untraced = tcp_failed("10.50.3.2", 9095);
    untraced.tcp.local_address = "10.50.0.2";
    const auto suspects = attributed(std::move(untraced));
    REQUIRE(suspects.size() == 2);
    CHECK(suspects[0].id == "sg-agent");
    CHECK(suspects[0].direction == "egress");
    CHECK(suspects[1].id == "sg-kafka");
}

TEST_CASE(
    "attribution: hops answering put the target's side first, the agent's egress contradicted") {
    const auto suspects = attributed(dropped_with(trace_past_hop_2()));
    REQUIRE(suspects.size() == 2);
    CHECK(suspects[0].id == "sg-kafka");
    CHECK(suspects[0].direction == "ingress");
    CHECK(suspects[1].id == "sg-agent");
    CHECK(contains(suspects[1].detail, "the path trace contradicts it"));
    CHECK(contains(suspects[1].detail, "stale export"));
    CHECK_FALSE(contains(suspects[0].detail, "contradicts"));
}

TEST_CASE("attribution: no hop answered puts this host's egress first") {
    // The evaluation order already starts with the agent's egress; a trace whose only answer
    // came from the destination's subnet reverses it, and silence from the start restores it.
    const auto near = attributed(dropped_with(trace_of(
        {router_hop(1, "10.50.3.1", 0.5), silent_hop(2)}, TraceStop::silence, "past hop 1")));
    REQUIRE(near.size() == 2);
    CHECK(near[0].id == "sg-kafka");
    CHECK(contains(near[0].detail, "in the destination's subnet"));
    const auto silent = attributed(dropped_with(trace_silent_from_start()));
    REQUIRE(silent.size() == 2);
    CHECK(silent[0].id == "sg-agent");
    CHECK_FALSE(contains(silent[0].detail, "contradicts"));
}

TEST_CASE("a router's reject with hops answering orders its suspects the same way") {
    const auto suspects = attributed(rejected_by_r1(true));
    REQUIRE(suspects.size() == 2);
    CHECK(suspects[0].id == "sg-kafka");
    CHECK(suspects[1].id == "sg-agent");
}

TEST_CASE("attribution: an ACL's outbound entry is this host's egress, its return path is not") {
    const auto suspects = attributed(dropped_with(trace_past_hop_2()), agent_acl_blocks());
    REQUIRE(suspects.size() == 2);
    CHECK(suspects[0].kind == "network-acl-rule");
    CHECK(suspects[0].direction == "ingress");  // the answers coming back: not contradicted
    CHECK(contains(suspects[0].detail, "return traffic"));
    CHECK_FALSE(contains(suspects[0].detail, "contradicts"));
    CHECK(suspects[1].direction == "egress");
    CHECK(contains(suspects[1].detail, "the path trace contradicts it"));

    const auto silent = attributed(dropped_with(trace_silent_from_start()), agent_acl_blocks());
    REQUIRE(silent.size() == 2);
    CHECK(silent[0].direction == "egress");
}

// ---- The subnet guess ----

TEST_CASE("the subnet guess is a /24 for IPv4 and a /64 for IPv6") {
    CHECK(path::same_subnet_guess("10.50.3.1", "10.50.3.200"));
    CHECK_FALSE(path::same_subnet_guess("10.50.2.2", "10.50.3.2"));
    CHECK(path::same_subnet_guess("fd50:3::1", "fd50:3::abcd:1"));
    CHECK_FALSE(path::same_subnet_guess("fd50:2::1", "fd50:3::1"));
    CHECK_FALSE(path::same_subnet_guess("10.50.3.1", "fd50:3::1"));
    CHECK_FALSE(path::same_subnet_guess("", "10.50.3.1"));
}
