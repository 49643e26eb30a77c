// SPDX-License-Identifier: Apache-2.0
// render_text(): what a person at a terminal reads.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/report.h"
#include "reports/render/text_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

// Like mixed_report(), but with two rows of one component, to test grouping.
Report grouped_report() {
    return diagnose(
        {healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5"),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                     {tcp_failed("10.0.0.6", 8081)}),
         evidence_of(make_target("kafka", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                     {expiring("10.0.0.5", 8090, 12)}),
         evidence_of(make_target("connect", "vpc-connect-abcdef1234.alikafka.aliyuncs.com", 8083),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN from 10.20.0.2:53"), {})},
        agent_info());
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// Terminal columns of UTF-8 text, independently of the renderer's table: one per code point,
// two for the CJK and kana blocks used below, none for combining accents.
std::size_t columns(const std::string& text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        char32_t point = 0;
        if (length == 2) {
            point = ((lead & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
        } else if (length == 3) {
            point = ((lead & 0x0Fu) << 12) |
                    ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
                    (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
        }
        if (point >= 0x0300 && point <= 0x036F) {
            // combining: no column
        } else if (point >= 0x3000 && point <= 0x9FFF) {
            width += 2;
        } else {
            width += 1;
        }
        i += length;
    }
    return width;
}

// The terminal column where `needle` starts on `line`.
std::size_t column_of(const std::string& line, const std::string& needle) {
    const auto at = line.find(needle);
    REQUIRE(at != std::string::npos);
    return columns(line.substr(0, at));
}

}  // namespace

TEST_CASE("the header says where, when, which resolvers and how long") {
    const auto lines = lines_of(render_text(grouped_report(), false));
    REQUIRE(!lines.empty());
    CHECK(lines[0] ==
          "vpcprobe 0.1.0 on bastion-1 (10.20.1.15), 2026-11-22T10:00:00Z, resolvers "
          "10.20.0.2:53, took 1.2s");
}

TEST_CASE("the header names the agent when it is not its hostname, and its labels") {
    Report report = grouped_report();
    report.agent.name = "app-subnet-a";
    report.agent.labels = {{"subnet", "subnet-0a1b"}, {"vpc", "vpc-prod"}};
    const auto lines = lines_of(render_text(report, false));
    REQUIRE(lines.size() > 1);
    CHECK(lines[0].starts_with("vpcprobe 0.1.0, agent app-subnet-a on bastion-1 (10.20.1.15), "));
    CHECK(lines[1] == "agent labels: subnet=subnet-0a1b, vpc=vpc-prod");
}

TEST_CASE("each target that is not ok gets its cause code, explanation and summary") {
    const std::string text = render_text(grouped_report(), false);
    CHECK_THAT(text, Catch::Contains("schema-registry " + kRegistryHost +
                                     ":8081: tcp.timeout\n"
                                     "    " +
                                     std::string(explain(Cause::tcp_timeout)) +
                                     "\n"
                                     "    SYN to 10.0.0.6:8081 got no answer in 3s: silently "
                                     "dropped\n"));
    CHECK_THAT(text, Catch::Contains("kafka " + kKafkaHost +
                                     ":8090: cert.expiring_soon\n"
                                     "    " +
                                     std::string(explain(Cause::cert_expiring_soon))));
    CHECK_THAT(text, Catch::Contains("connect vpc-connect-abcdef1234.alikafka.aliyuncs.com:8083: "
                                     "dns.nxdomain\n"));
    CHECK_THAT(text, Catch::Contains(std::string(explain(Cause::dns_nxdomain))));
    // The healthy target has no cause paragraph.
    CHECK_THAT(text, !Catch::Contains(kKafkaHost + ":9095: "));
    CHECK_THAT(text, Catch::EndsWith("\n4 targets: 1 ok, 1 warning, 2 failed\n"));
}

TEST_CASE("the table groups targets by component and aligns stage marks and facts") {
    const auto lines = lines_of(render_text(grouped_report(), false));
    std::vector<std::string> table;
    for (std::size_t i = 2; i < lines.size() && !lines[i].empty(); ++i) table.push_back(lines[i]);
    REQUIRE(table.size() == 5);
    CHECK_THAT(table[0], Catch::StartsWith("COMPONENT"));
    // kafka's two targets together, the component named once, in order of first appearance.
    CHECK_THAT(table[1], Catch::StartsWith("kafka ") && Catch::Contains(":9095"));
    CHECK_THAT(table[2], Catch::StartsWith(" ") && Catch::Contains(":8090"));
    CHECK_THAT(table[3], Catch::StartsWith("schema-registry"));
    CHECK_THAT(table[4], Catch::StartsWith("connect"));

    const std::size_t dns = column_of(table[0], "DNS");
    const std::size_t cert = column_of(table[0], "CERT");
    const std::size_t status = column_of(table[0], "STATUS");
    CHECK(column_of(table[1], "\u2713 2.0ms") == dns);
    CHECK(column_of(table[1], "\u2713 200d") == cert);
    CHECK(column_of(table[1], "ok") == status);
    CHECK(column_of(table[2], "! 12d") == cert);  // days left for TLS targets
    CHECK(column_of(table[2], "warning") == status);
    CHECK(column_of(table[3], "\u2717 3.0s") < cert);  // the dropped SYN, 3000 ms
    CHECK(column_of(table[3], "FAILED") == status);
    CHECK(column_of(table[4], "\u2717 5.0ms") == dns);
    CHECK_THAT(table[4], Catch::Contains("\u00B7"));             // skipped stages
    const std::size_t address = column_of(table[0], "ADDRESS");  // ASCII up to here
    CHECK(table[4].substr(address, 3) == "-  ");                 // no address probed
}

TEST_CASE("alignment counts display width, not bytes") {
    Report report = diagnose({healthy_target("カフカ", kKafkaHost, 9095, "10.0.0.5"),
                              healthy_target("cafe\u0301", kKafkaHost, 9096, "10.0.0.5"),
                              healthy_target("kafka", kKafkaHost, 9097, "10.0.0.5")},
                             agent_info());
    const auto lines = lines_of(render_text(report, false));
    const std::size_t access = column_of(lines[2], "ACCESS");
    const std::size_t dns = column_of(lines[2], "DNS");
    for (std::size_t row = 3; row <= 5; ++row) {
        INFO(lines[row]);
        CHECK(column_of(lines[row], "vpc") == access);
        CHECK(column_of(lines[row], "\u2713 2.0ms") == dns);
    }
}

TEST_CASE("no ANSI escapes without colour, colours with it") {
    const std::string plain = render_text(grouped_report(), false);
    CHECK(plain.find('\x1b') == std::string::npos);
    const std::string colored = render_text(grouped_report(), true);
    CHECK_THAT(colored, Catch::Contains("\x1b[31m"));  // failed in red
    CHECK_THAT(colored, Catch::Contains("\x1b[33m"));  // warning in yellow
    CHECK_THAT(colored, Catch::Contains("\x1b[32m"));  // ok in green
    CHECK_THAT(colored, Catch::Contains("\x1b[31mtcp.timeout\x1b[0m"));
    CHECK_THAT(colored, Catch::Contains(std::string(explain(Cause::tcp_timeout))));
}

TEST_CASE("nothing a peer sends can drive the terminal") {
    TargetEvidence evidence = evidence_of(make_target("kafka\x1b]0;owned\x07", kKafkaHost, 9095),
                                          dns_ok({"10.0.0.5"}), {tcp_failed("10.0.0.5", 9095)});
    evidence.addresses[0].tcp.detail =
        "reply \x1b[2J\x9b"
        "31m\xc2\x9b"
        "1m\nnext line \xff";
    const Report report = diagnose({evidence}, agent_info());
    for (bool color : {false, true}) {
        const std::string text = render_text(report, color);
        INFO(text);
        CHECK(text.find("\x1b[2J") == std::string::npos);
        CHECK(text.find("\x1b]") == std::string::npos);
        CHECK(text.find('\x07') == std::string::npos);
        CHECK(text.find("\xc2\x9b") == std::string::npos);  // C1 CSI
        CHECK(text.find('\xff') == std::string::npos);
        CHECK_THAT(text, Catch::Contains("reply \xEF\xBF\xBD[2J"));
        CHECK_THAT(text, Catch::Contains("1m next line \xEF\xBF\xBD"));  // one line, no break
    }
}

TEST_CASE("findings and suspects are listed") {
    Report report = grouped_report();
    report.targets[1].cause->suspects.push_back(
        {"security-group", "sg-0abc", "ingress", "", "no ingress rule allows tcp/8081"});
    report.findings.push_back(Finding{"firewall.port_blocked",
                                      Severity::error,
                                      "tcp/8081 is dropped on 2 hosts",
                                      {"schema-registry"},
                                      {"a:8081", "b:8081"},
                                      {},
                                      "open tcp/8081",
                                      "certain"});
    const std::string text = render_text(report, false);
    CHECK_THAT(text, Catch::Contains(
                         "    suspect: security-group sg-0abc (ingress): no ingress rule allows "
                         "tcp/8081\n"));
    CHECK_THAT(text, Catch::Contains("Findings\nerror firewall.port_blocked: tcp/8081 is dropped "
                                     "on 2 hosts\n    targets: a:8081, b:8081\n    remedy: open "
                                     "tcp/8081\n"));
}

TEST_CASE("an empty report still has a header and a verdict") {
    const std::string text = render_text(diagnose({}, agent_info()), false);
    CHECK_THAT(text, Catch::StartsWith("vpcprobe 0.1.0 on bastion-1"));
    CHECK_THAT(text, Catch::EndsWith("0 targets: 0 ok, 0 warnings, 0 failed\n"));
}

TEST_CASE("findings made by diagnose() come after the problems and before the verdict") {
    const std::string connect_host = "vpc-connect-abcdef1234.alikafka.aliyuncs.com";
    // tcp/8081 dropped on two addresses that answer on other ports: firewall.port_blocked.
    const Report report =
        diagnose({healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5"),
                  evidence_of(make_target("schema-registry", kKafkaHost, 8081),
                              dns_ok({"10.0.0.5"}), {tcp_failed("10.0.0.5", 8081)}),
                  healthy_target("connect", connect_host, 8083, "10.0.0.7"),
                  evidence_of(make_target("schema-registry", connect_host, 8081),
                              dns_ok({"10.0.0.7"}), {tcp_failed("10.0.0.7", 8081)})},
                 agent_info());
    const std::string text = render_text(report, false);
    const auto problems = text.find("\u2717 schema-registry " + kKafkaHost + ":8081: tcp.timeout");
    const auto findings = text.find("\nFindings\nerror firewall.port_blocked: SYNs to tcp/8081");
    const auto verdict = text.find("4 targets: 2 ok, 0 warnings, 2 failed");
    REQUIRE(problems != std::string::npos);
    REQUIRE(findings != std::string::npos);
    REQUIRE(verdict != std::string::npos);
    CHECK(problems < findings);
    CHECK(findings < verdict);
    CHECK_THAT(text, Catch::Contains("    targets: " + kKafkaHost + ":8081, " + connect_host +
                                     ":8081\n    suspect: firewall tcp/8081: "));
    CHECK_THAT(text, Catch::Contains("    remedy: Allow tcp/8081 from 10.20.1.15 to 10.0.0.5, "
                                     "10.0.0.7"));
}

TEST_CASE("services: what answered, notes, and each advertised broker with its verdict") {
    const std::string bootstrap = kKafkaHost + ":9095";
    AddressEvidence registry = healthy("10.0.0.6", 8081, kRegistryHost);
    registry.protocol.status = StageStatus::ok;
    registry.protocol.name = "http";
    registry.protocol.detail = "Schema Registry answered 401 Unauthorized for /";
    registry.protocol.note = "authentication required";
    Report report = diagnose(
        {evidence_of(
             make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
             {kafka_answered("10.0.0.5", 9095, kKafkaHost,
                             {broker(1, "b1.internal", 9095), broker(2, "10.0.0.12", 9095)})}),
         evidence_of(advertised_target("b1.internal", 9095, bootstrap, 1),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {}),
         evidence_of(advertised_target("10.0.0.12", 9095, bootstrap, 2), dns_ok({"10.0.0.12"}),
                     {healthy("10.0.0.12", 9095)}),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                     {registry})},
        agent_info());
    const std::string text = render_text(report, false);
    CHECK_THAT(text, Catch::Contains("kafka " + bootstrap +
                                     ": ApiVersions v3 answered: 2 APIs; Metadata v8: cluster "
                                     "lkc-abc123\n"));
    CHECK_THAT(text,
               Catch::Contains("    advertises node 1 b1.internal:9095 FAILED dns.nxdomain\n"));
    CHECK_THAT(text, Catch::Contains("    advertises node 2 10.0.0.12:9095 ok\n"));
    CHECK_THAT(text, Catch::Contains("schema-registry " + kRegistryHost +
                                     ":8081: Schema Registry answered 401 Unauthorized for /\n"
                                     "    note: authentication required\n"));
    CHECK_THAT(text, Catch::Contains("kafka.advertised_unreachable"));
}

TEST_CASE("a second header line only when the descriptor limit set the pace") {
    Report report = grouped_report();
    report.agent.concurrency = 64;
    report.agent.socket_budget = 960;
    report.agent.descriptor_limit = 1024;
    report.agent.peak_targets = 7;
    report.agent.peak_sockets = 9;
    auto lines = lines_of(render_text(report, false));
    REQUIRE(lines.size() > 1);
    CHECK(lines[1].find("at most") == std::string::npos);  // nothing waited: nothing to say

    report.agent.concurrency = 5000;
    report.agent.peak_targets = 5000;
    report.agent.peak_sockets = 960;
    report.agent.queued_for_socket = 1;
    lines = lines_of(render_text(report, false));
    REQUIRE(lines.size() > 1);
    CHECK(lines[1] ==
          "at most 5000 targets and 960 sockets at once (descriptor limit 1024); the most in "
          "flight: 5000 targets, 960 sockets; 1 address waited for a free socket");
}

TEST_CASE("canonical names: where each address of a bootstrap leads the client, and how it fared") {
    const Report report = canonical_report();
    REQUIRE(report.targets.size() == 3);
    CHECK(report.targets[0].status == StageStatus::ok);  // not connected to, not failed
    const std::string text = render_text(report, false);
    CHECK_THAT(text, Catch::Contains(
                         "kafka boot.example:9093: the client "
                         "(client.dns.lookup=resolve_canonical_bootstrap_servers_only) connects to "
                         "the canonical names of the addresses of boot.example:9093, not to "
                         "boot.example\n"
                         "    10.0.0.5 -> b-1.internal ok\n"
                         "    10.0.0.7 -> 10.0.0.7 (no canonical name: the address itself) FAILED "
                         "cert.hostname_mismatch\n"
                         "        10.0.0.7 has no PTR record (NXDOMAIN from 10.20.0.2:53); the "
                         "client uses 10.0.0.7 itself as the name\n"));
    CHECK_THAT(text, Catch::Contains("3 targets: 2 ok, 0 warnings, 1 failed"));
    // Without canonical names, no such section.
    CHECK_THAT(render_text(mixed_report(), false),
               !Catch::Contains("resolve_canonical_bootstrap_servers_only"));
}

TEST_CASE("the plan's notes are lines under the header, none without merges") {
    Report report = grouped_report();
    CHECK(render_text(report, false).find("\nplan: ") == std::string::npos);
    report.agent.plan_notes = {"a:1 was given twice for kafka (TARGET); probed once",
                               "b:2 was given 3 times for connect (TARGET); probed once"};
    const auto lines = lines_of(render_text(report, false));
    REQUIRE(lines.size() > 3);
    CHECK(lines[0].rfind("vpcprobe 0.1.0 on bastion-1", 0) == 0);
    CHECK(lines[1] == "plan: a:1 was given twice for kafka (TARGET); probed once");
    CHECK(lines[2] == "plan: b:2 was given 3 times for connect (TARGET); probed once");
}
