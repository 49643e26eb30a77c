// SPDX-License-Identifier: Apache-2.0
// Flow evaluation against the exports (reports/diagnosis/rules_eval.h), one semantics at a time:
// AWS security groups (allow-only, group references), AWS network ACLs (rule order, deny before
// allow, default deny, the stateless return path), Alibaba rules (priority, Drop wins a tie,
// default policies, InnerAccessPolicy), unknown addresses, and over-wide rules.
#include "reports/diagnosis/rules_eval.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "agent/explain_command.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe::rules;

using vpcprobe::test::kRulesFixtures;
using vpcprobe::test::load_rules_fixtures;

namespace {

RuleSet aws() {
    return load_rules_fixtures(
        {"aws_security_groups.json", "aws_network_acls.json", "aws_network_interfaces.json"});
}

RuleSet alibaba() {
    return load_rules_fixtures(
        {"alibaba_sg_kafka.json", "alibaba_sg_client.json", "alibaba_network_interfaces.json"});
}

Evaluation flow(const RuleSet& rules, const std::string& from, const std::string& to,
                std::uint16_t port) {
    auto evaluation = evaluate(rules, Flow{from, to, port, ""});
    std::string trace = std::string(name(evaluation.verdict)) + "\n";
    for (const auto& step : evaluation.steps) trace += "  " + step.text + "\n";
    for (const auto& note : evaluation.notes) trace += "  note: " + note + "\n";
    for (const auto& s : evaluation.suspects) {
        trace += "  suspect " + s.kind + " " + s.id + " " + s.direction + " " + s.rule + "\n";
    }
    INFO(trace);
    return evaluation;
}

bool has_step(const Evaluation& evaluation, const std::string& text) {
    return std::any_of(evaluation.steps.begin(), evaluation.steps.end(),
                       [&](const Step& step) { return step.text == text; });
}

const std::string kKafkaAcl = "acl-0f1e2d3c4b5a69788";
const std::string kKafkaSg = "sg-0a1b2c3d4e5f60718";

}  // namespace

TEST_CASE("AWS: allowed through both groups and both ACLs, return path included") {
    auto rules = aws();
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9092);
    CHECK(e.verdict == Verdict::allowed);
    CHECK(e.suspects.empty());
    CHECK(has_step(e, "sg-0c1e2a3b4c5d6e7f8 egress: allowed by rule tcp 0-65535 to 10.0.0.0/24"));
    CHECK(has_step(e, kKafkaAcl + " ingress rule 100 deny tcp 9095 from 0.0.0.0/0: no match "
                                  "(other ports)"));
    CHECK(has_step(e, kKafkaAcl + " ingress rule 110 allow tcp 9092-9095 from 10.20.0.0/16: "
                                  "matches -> allow"));
    CHECK(has_step(e, kKafkaSg + " ingress: allowed by rule tcp 9092-9095 from 10.20.0.0/16"));
    CHECK(has_step(e, kKafkaAcl + " egress (return path) rule 100 allow tcp 1024-65535 to "
                                  "10.20.0.0/16: matches -> allow"));
    // The client subnet has no explicit association: its VPC's default ACL applies.
    CHECK(has_step(e,
                   "acl-0a1b2c3d4e5f60718 egress rule 100 allow all traffic to 0.0.0.0/0: "
                   "matches -> allow"));
    // Order: source egress before destination ingress before the return path.
    auto position = [&](const std::string& prefix) {
        return std::find_if(e.steps.begin(), e.steps.end(),
                            [&](const Step& s) { return s.text.rfind(prefix, 0) == 0; }) -
               e.steps.begin();
    };
    CHECK(position("sg-0c1e2a3b4c5d6e7f8 egress") < position(kKafkaAcl + " ingress"));
    CHECK(position(kKafkaAcl + " ingress") < position(kKafkaSg + " ingress"));
    CHECK(position(kKafkaSg + " ingress") < position(kKafkaAcl + " egress (return path)"));
}

TEST_CASE("AWS NACL: a deny with a lower number wins over a later allow") {
    auto rules = aws();
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9095);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "network-acl-rule");
    CHECK(e.suspects[0].id == kKafkaAcl);
    CHECK(e.suspects[0].rule == "100");
    CHECK(e.suspects[0].direction == "ingress");
    CHECK(has_step(e, kKafkaAcl + " ingress rule 100 deny tcp 9095 from 0.0.0.0/0: matches -> "
                                  "deny"));
    // Rule 110 (an allow for 9092-9095) comes after and is never reached.
    CHECK_FALSE(has_step(e, kKafkaAcl + " ingress rule 110 allow tcp 9092-9095 from "
                                        "10.20.0.0/16: matches -> allow"));
}

TEST_CASE("AWS NACL: the default rule denies what no entry allows") {
    auto rules = aws();
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9000);
    REQUIRE(e.verdict == Verdict::blocked);
    auto acl = std::find_if(e.suspects.begin(), e.suspects.end(),
                            [](const auto& s) { return s.kind == "network-acl-rule"; });
    REQUIRE(acl != e.suspects.end());
    CHECK(acl->rule == "*");
    CHECK(acl->id == kKafkaAcl);
    // The security group does not allow 9000 either: named, with the closest rules.
    auto sg = std::find_if(e.suspects.begin(), e.suspects.end(),
                           [](const auto& s) { return s.kind == "security-group"; });
    REQUIRE(sg != e.suspects.end());
    CHECK(sg->id == kKafkaSg);
    CHECK(sg->direction == "ingress");
    CHECK(sg->detail.rfind("no ingress rule of " + kKafkaSg + " allows tcp/9000 from 10.20.1.15",
                           0) == 0);
    CHECK(sg->rule.find("tcp 9092-9095 from 10.20.0.0/16") != std::string::npos);
}

TEST_CASE("AWS NACL: return traffic needs its own rule on ephemeral ports") {
    auto rules = aws();
    // Narrow the Kafka subnet's outbound allow to 1024-32767: replies to clients' ports
    // above 32767 hit the default deny.
    auto& entry = rules.acls[0].entries[0];
    REQUIRE(entry.egress);
    entry.ports.to = 32767;
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9092);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "network-acl-rule");
    CHECK(e.suspects[0].id == kKafkaAcl);
    CHECK(e.suspects[0].direction == "egress");
    CHECK(e.suspects[0].rule == "*");
    CHECK(e.suspects[0].detail.find("return traffic tcp/32768-65535 to 10.20.1.15") !=
          std::string::npos);
    CHECK(has_step(e, kKafkaAcl + " egress (return path) rule 100 allow tcp 1024-32767 to "
                                  "10.20.0.0/16: matches ports 1024-32767 -> allow, rest "
                                  "continues"));

    // And an explicit deny on part of the range names that rule.
    rules.acls[0].entries.push_back(AclEntry{90, true, "6", true, false, Cidr::parse("0.0.0.0/0"),
                                             PortRange{60000, 61000}, Cloud::aws, "", ""});
    auto denied = flow(rules, "10.20.1.15", "10.0.0.5", 9092);
    REQUIRE(denied.verdict == Verdict::blocked);
    CHECK(denied.suspects[0].rule == "90");
}

TEST_CASE("AWS security groups: group references match the peer's interface groups") {
    auto rules = aws();
    CHECK(flow(rules, "10.20.1.15", "10.0.0.5", 8081).verdict == Verdict::allowed);
    CHECK(flow(rules, "10.20.1.16", "10.0.0.5", 8081).verdict == Verdict::allowed);  // same ENI

    // A client in the same subnet whose interface is not in sg-0c1e...: not allowed.
    Interface other;
    other.id = "eni-0other";
    other.subnet = "subnet-0client000000001";
    other.vpc = "vpc-0123456789abcdef0";
    other.addresses.push_back(*Cidr::parse("10.20.5.5"));
    other.groups.push_back(kKafkaSg);  // its egress allows everything
    rules.interfaces.push_back(other);
    auto e = flow(rules, "10.20.5.5", "10.0.0.5", 8081);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "security-group");
    CHECK(e.suspects[0].id == kKafkaSg);
    CHECK(has_step(e, kKafkaSg + " ingress rule tcp 8081 from sg-0c1e2a3b4c5d6e7f8: no match "
                                 "(peer not in sg-0c1e2a3b4c5d6e7f8)"));
}

TEST_CASE("AWS security groups: allow-only, no egress rule means blocked egress") {
    auto rules = aws();
    rules.groups[1].rules.clear();  // the client group loses its egress rule
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9092);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "security-group");
    CHECK(e.suspects[0].id == "sg-0c1e2a3b4c5d6e7f8");
    CHECK(e.suspects[0].direction == "egress");
}

TEST_CASE("an address on no interface in the exports is unknown, not blocked") {
    auto rules = aws();
    auto e = flow(rules, "10.20.9.9", "10.0.0.5", 9092);
    CHECK(e.verdict == Verdict::unknown);
    CHECK(e.suspects.empty());
    REQUIRE_FALSE(e.notes.empty());
    CHECK(e.notes[0].find("10.20.9.9") != std::string::npos);
    // But what is known still blocks: the destination does not accept 192.168.1.1.
    CHECK(flow(rules, "192.168.1.1", "10.0.0.5", 9092).verdict == Verdict::blocked);
    CHECK(flow(rules, "10.20.1.15", "10.0.0.99", 9092).verdict == Verdict::unknown);
    // The source egress allows only 10.0.0.0/24: that is known to block.
    CHECK(flow(rules, "10.20.1.15", "10.99.0.1", 9092).verdict == Verdict::blocked);
    CHECK(flow(rules, "not-an-ip", "10.0.0.5", 9092).verdict == Verdict::unknown);
    CHECK(flow(RuleSet{}, "10.20.1.15", "10.0.0.5", 9092).verdict == Verdict::unknown);
}

TEST_CASE("Alibaba: Drop wins a tie at the same priority") {
    auto rules = alibaba();
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9095);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "security-group-rule");
    CHECK(e.suspects[0].id == "sgr-bp1drop9095");
    CHECK(e.suspects[0].direction == "ingress");
    CHECK(has_step(e,
                   "sg-bp1kafka0000000001 ingress rule Drop tcp 9095 from 10.20.1.0/24 "
                   "priority 1 (sgr-bp1drop9095): matches -> drop"));
    // Outside the dropped /24 the Accept of the same priority applies.
    CHECK(flow(rules, "10.20.2.7", "10.0.0.5", 9095).verdict == Verdict::allowed);
}

TEST_CASE("Alibaba: a smaller priority number wins") {
    auto rules = alibaba();
    // Accept at 50 beats Drop 0.0.0.0/0 at 100.
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 8090);
    CHECK(e.verdict == Verdict::allowed);
    auto dropped = flow(rules, "10.20.3.3", "10.0.0.5", 8090);
    REQUIRE(dropped.verdict == Verdict::blocked);
    CHECK(dropped.suspects[0].id == "sgr-bp1drop8090");

    // Swap: make the Drop priority 10; now it comes first.
    for (auto& rule : rules.groups[0].rules) {
        if (rule.id == "sgr-bp1drop8090") rule.priority = 10;
    }
    CHECK(flow(rules, "10.20.1.15", "10.0.0.5", 8090).verdict == Verdict::blocked);
}

TEST_CASE("Alibaba: default policies and InnerAccessPolicy") {
    auto rules = alibaba();
    // No ingress rule for 9092: the default ingress policy drops; the group is named with
    // the closest rule (same source, other port).
    auto e = flow(rules, "10.20.1.15", "10.0.0.5", 9092);
    REQUIRE(e.verdict == Verdict::blocked);
    REQUIRE(e.suspects.size() == 1);
    CHECK(e.suspects[0].kind == "security-group");
    CHECK(e.suspects[0].id == "sg-bp1kafka0000000001");
    CHECK(e.suspects[0].rule.find("9095") != std::string::npos);
    CHECK(e.suspects[0].rule.find("sgr-bp1accept9095") != std::string::npos);
    CHECK(e.suspects[0].rule.find("Drop") == std::string::npos);  // a Drop is never "close"
    // The client group has no egress Accept: the default egress policy accepts.
    CHECK(has_step(e,
                   "eni-bp1client00000001 egress: no rule matches -> accept (default egress "
                   "policy of basic security groups)"));
    // Two members of sg-bp1kafka (InnerAccessPolicy Accept) talk freely.
    auto inner = flow(rules, "10.0.0.6", "10.0.0.5", 9092);
    CHECK(inner.verdict == Verdict::allowed);
    // Two members of sg-bp1client (InnerAccessPolicy Drop) do not, beyond their rules.
    CHECK(flow(rules, "10.20.2.7", "10.20.1.15", 9092).verdict == Verdict::blocked);
    CHECK(flow(rules, "10.20.2.7", "10.20.1.15", 22).verdict == Verdict::allowed);
    // An explicit egress Drop blocks on the source side.
    auto egress = flow(rules, "10.20.1.15", "10.0.0.5", 8083);
    REQUIRE(egress.verdict == Verdict::blocked);
    CHECK(egress.suspects[0].id == "sgr-bp1dropconnect");
    CHECK(egress.suspects[0].direction == "egress");
}

TEST_CASE("rules wider than least privilege on Kafka ports are flagged") {
    auto aws_wide = wide_rules(aws());
    REQUIRE(aws_wide.size() == 2);  // 443 from 0.0.0.0/0 and from ::/0
    CHECK(aws_wide[0].id == kKafkaSg);
    CHECK(aws_wide[0].detail.find("tcp/443 from 0.0.0.0/0") != std::string::npos);
    CHECK(aws_wide[1].detail.find("::/0") != std::string::npos);

    auto ali_wide = wide_rules(alibaba());
    // 443 Accept from 0.0.0.0/0; the 8090 Drop from 0.0.0.0/0 is not an allow; egress ignored.
    REQUIRE(ali_wide.size() == 1);
    CHECK(ali_wide[0].id == "sgr-bp1accept443");

    auto parsed = parse_rules(R"({"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 9092, "ToPort": 9092, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    ]}]})",
                              "wide.json");
    REQUIRE(parsed.ok());
    auto wide = wide_rules(*parsed);
    REQUIRE(wide.size() == 1);  // all traffic from anywhere; not ssh, not a private CIDR
    CHECK(wide[0].detail.find("9092-9095") != std::string::npos);
}

// `vpcprobe explain` prints this evaluation; its exit statuses and output are checked here
// with the rest of the rules tests (agent/explain_command.h).
namespace {

int explain(const std::vector<std::string>& names, const std::string& from, const std::string& to,
            std::uint16_t port, std::string& out, std::string& err) {
    vpcprobe::Command command;
    command.kind = vpcprobe::CommandKind::explain;
    for (const auto& name : names) command.options.rules_files.push_back(kRulesFixtures + name);
    command.explain.from = from;
    command.explain.to_host = to;
    command.explain.to_port = port;
    std::ostringstream out_stream;
    std::ostringstream err_stream;
    int status = vpcprobe::run_explain(command, out_stream, err_stream);
    out = out_stream.str();
    err = err_stream.str();
    return status;
}

}  // namespace

TEST_CASE("explain: verdict, every rule consulted, suspects, exit status") {
    const std::vector<std::string> files = {"aws_security_groups.json", "aws_network_acls.json",
                                            "aws_network_interfaces.json"};
    std::string out;
    std::string err;
    CHECK(explain(files, "10.20.1.15", "10.0.0.5", 9095, out, err) == 2);
    INFO(out);
    CHECK(err.empty());
    CHECK(out.rfind("tcp 10.20.1.15 -> 10.0.0.5:9095: BLOCKED\n", 0) == 0);
    CHECK(out.find("\n  sg-0c1e2a3b4c5d6e7f8 egress: allowed by rule tcp 0-65535 to "
                   "10.0.0.0/24\n") != std::string::npos);
    CHECK(out.find("\n  " + kKafkaAcl +
                   " ingress rule 100 deny tcp 9095 from 0.0.0.0/0: matches -> deny\n") !=
          std::string::npos);
    CHECK(out.find("suspects:\n  network-acl-rule " + kKafkaAcl + " rule 100 (ingress): ") !=
          std::string::npos);
    CHECK(out.find("warnings:\n") != std::string::npos);

    CHECK(explain(files, "10.20.1.15", "10.0.0.5", 9092, out, err) == 0);
    CHECK(out.rfind("tcp 10.20.1.15 -> 10.0.0.5:9092: ALLOWED\n", 0) == 0);
    CHECK(out.find("suspects:") == std::string::npos);
    CHECK(out.find("note: the exports allow this flow; if it still fails, look beyond them") !=
          std::string::npos);

    CHECK(explain(files, "10.20.9.9", "10.0.0.5", 9092, out, err) == 1);
    CHECK(out.rfind("tcp 10.20.9.9 -> 10.0.0.5:9092: UNKNOWN\n", 0) == 0);

    CHECK(explain({"aws_security_groups.json", "wrong_type.json"}, "10.20.1.15", "10.0.0.5", 9092,
                  out, err) == 3);
    CHECK(out.empty());
    CHECK(err == "vpcprobe: explain: " + kRulesFixtures +
                     "wrong_type.json: expected an integer: \"9092\" (at "
                     "SecurityGroups[2].IpPermissions[1].FromPort)\n");
}
