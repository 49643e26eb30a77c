// SPDX-License-Identifier: Apache-2.0
// One report with a failure at each stage (dns, tcp, tls, certificate, protocol) and a
// certificate about to expire, rendered in every format and compared with the files under
// tests/reports/render/golden/: the reader's whole view of causes and remedies, reviewed once
// by a person. VPCPROBE_UPDATE_GOLDEN=1 rewrites the files (review the diff before committing).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "reports/render/json_report.h"
#include "reports/render/junit_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/text_report.h"
#include "tests/support/golden.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

using vpcprobe::test::read_file;

const std::string kRegistryPub = "pub-schemaregistry-abcdef1234.alikafka.aliyuncs.com";
const std::string kControlCenterPub = "pub-controlcenter-abcdef1234.alikafka.aliyuncs.com";
const std::string kKsqlHost = "vpc-ksqldb-abcdef1234.alikafka.aliyuncs.com";

AddressEvidence tls_failed(const std::string& address, std::uint16_t port,
                           const std::string& host) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.tls.status = StageStatus::failed;
    evidence.tls.cause = Cause::tls_handshake_failed;
    evidence.tls.alert = "handshake failure";
    evidence.tls.version.clear();
    evidence.tls.cipher.clear();
    evidence.tls.detail = "the server at " + address + ":" + std::to_string(port) +
                          " ended the handshake with alert handshake failure";
    evidence.certificate = {};
    return evidence;
}

AddressEvidence chain_incomplete(const std::string& address, std::uint16_t port,
                                 const std::string& host) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.certificate.status = StageStatus::failed;
    evidence.certificate.cause = Cause::cert_incomplete_chain;
    evidence.certificate.days_left = 364;
    evidence.certificate.chain = {
        certificate("CN=" + host, "CN=Test Intermediate CA", {host}, 'a')};
    evidence.certificate.verify_errors = {
        VerifyError{0, 20, "unable to get local issuer certificate", Cause::cert_incomplete_chain}};
    evidence.certificate.detail =
        "the chain of " + address + ":" + std::to_string(port) +
        " stops at CN=Test Intermediate CA, which the server did not send";
    return evidence;
}

AddressEvidence auth_refused(const std::string& address, std::uint16_t port,
                             const std::string& host) {
    AddressEvidence evidence = healthy(address, port, host);
    ProtocolEvidence& protocol = evidence.protocol;
    protocol.status = StageStatus::failed;
    protocol.cause = Cause::protocol_auth_failed;
    protocol.name = "kafka";
    protocol.ms = 5.5;
    KafkaEvidence kafka;
    kafka.api_versions_version = 3;
    kafka.apis = {{18, 0, 3}};
    kafka.sasl_mechanism = "PLAIN";
    kafka.sasl_mechanisms_offered = {"PLAIN", "SCRAM-SHA-512"};
    protocol.kafka = kafka;
    protocol.detail = "SASL PLAIN authentication failed: the broker refused the credentials";
    return evidence;
}

// A healthy chain whose leaf expires on 2026-12-04, 12 days after the run.
AddressEvidence expiring_leaf(const std::string& address, std::uint16_t port,
                              const std::string& host) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.certificate.status = StageStatus::warning;
    evidence.certificate.cause = Cause::cert_expiring_soon;
    evidence.certificate.days_left = 12;
    evidence.certificate.chain[0].not_after = utc(2026, 12, 4, 10, 0, 0);
    evidence.certificate.detail = "the leaf certificate expires in 12 days (2026-12-04)";
    return evidence;
}

Report every_stage_report() {
    AgentInfo agent = agent_info();
    agent.sasl_mechanism = "PLAIN";
    return diagnose(
        {evidence_of(make_target("control-center", kControlCenterPub, 443, "pub"),
                     dns_ok({"47.100.1.2"}), {healthy("47.100.1.2", 443, kControlCenterPub)}),
         evidence_of(make_target("schema-registry", kRegistryPub, 443, "pub"),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN from 10.20.0.2:53"), {}),
         evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
                     {tcp_failed("10.0.0.5", 9095)}),
         evidence_of(make_target("connect", kConnectHost, 8083), dns_ok({"10.0.0.7"}),
                     {tls_failed("10.0.0.7", 8083, kConnectHost)}),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                     {chain_incomplete("10.0.0.6", 8081, kRegistryHost)}),
         evidence_of(make_target("kafka", kKafkaHost, 9094, ""), dns_ok({"10.0.0.5"}),
                     {auth_refused("10.0.0.5", 9094, kKafkaHost)}),
         evidence_of(make_target("ksqldb", kKsqlHost, 8088), dns_ok({"10.0.0.8"}),
                     {expiring_leaf("10.0.0.8", 8088, kKsqlHost)})},
        agent);
}

std::string golden_path(const std::string& name) {
    return std::string(VPCPROBE_SOURCE_DIR) + "/tests/reports/render/golden/" + name;
}

// Compares `actual` with the golden file (tests/support/golden.h).
void check_golden(const std::string& name, const std::string& actual) {
    vpcprobe::test::check_golden_file(golden_path(name), actual);
}

// Every target's "cause" object from the JSON report, one per line.
std::string json_causes(const Report& report) {
    const auto document = boost::json::parse(render_json(report));
    std::string out;
    for (const auto& target : document.at("targets").as_array()) {
        out += boost::json::serialize(target.at("endpoint")) + " " +
               boost::json::serialize(target.at("cause")) + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("golden: the text report of a failure at every stage") {
    check_golden("every_stage.txt", render_text(every_stage_report(), false));
}

TEST_CASE("golden: the Markdown report of a failure at every stage") {
    check_golden("every_stage.md", render_markdown(every_stage_report()));
}

TEST_CASE("golden: the JUnit report of a failure at every stage") {
    check_golden("every_stage.junit.xml", render_junit(every_stage_report()));
}

TEST_CASE("golden: the JSON causes of a failure at every stage") {
    check_golden("every_stage.causes.jsonl", json_causes(every_stage_report()));
}

TEST_CASE("golden: the JSON report of a failure at every stage, every byte kept") {
    check_golden("json/every_stage.json", render_json(every_stage_report()));
}

TEST_CASE("golden: the text report of path traces") {
    check_golden("path_trace.txt", render_text(path_report(), false));
}

TEST_CASE("golden: the Markdown report of path traces") {
    check_golden("path_trace.md", render_markdown(path_report()));
}

TEST_CASE("golden: the JUnit report of path traces") {
    check_golden("path_trace.junit.xml", render_junit(path_report()));
}

TEST_CASE("golden: the JSON causes of path traces") {
    check_golden("path_trace.causes.jsonl", json_causes(path_report()));
}

TEST_CASE("every failed or warning target of the golden report has its remedy in every format") {
    const Report report = every_stage_report();
    const std::string text = render_text(report, false);
    const std::string markdown = render_markdown(report);
    const std::string junit = render_junit(report);
    const std::string causes = json_causes(report);
    for (const auto& target : report.targets) {
        if (target.status == StageStatus::ok) continue;
        INFO(target.target.endpoint());
        REQUIRE(target.cause);
        const std::string& remedy = target.cause->remedy;
        REQUIRE_FALSE(remedy.empty());
        CHECK(text.find("    what to do: " + remedy + "\n") != std::string::npos);
        CHECK(causes.find(boost::json::serialize(boost::json::value(remedy))) != std::string::npos);
        // Markdown escapes and JUnit entity-encodes: look for a plain stretch of the remedy.
        const std::string stretch = remedy.substr(0, remedy.find_first_of("<>&*_[]|`\\'\"("));
        CHECK(markdown.find("- **What to do:** " + stretch) != std::string::npos);
        CHECK(junit.find("what to do: " + stretch) != std::string::npos);
    }
    // The certificate column: a chain that failed for another reason shows that reason, not
    // days left; an expiring one shows its days.
    CHECK(text.find("\u2717 incomplete chain") != std::string::npos);
    CHECK(text.find("\u2717 364d") == std::string::npos);
    CHECK(text.find("! 12d") != std::string::npos);
    CHECK(markdown.find("364d") == std::string::npos);
}

TEST_CASE("an explanation the summary already holds is printed once") {
    // A probe that left no detail: the summary is built from the explanation itself.
    AddressEvidence address = tcp_failed("10.0.0.5", 9095);
    address.tcp.detail.clear();
    const Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}), {address})},
        agent_info());
    const std::string explanation(explain(Cause::tcp_timeout));
    REQUIRE(report.targets[0].cause->summary.find(explanation) != std::string::npos);
    const auto count = [&](const std::string& text) {
        std::size_t n = 0;
        for (auto at = text.find(explanation); at != std::string::npos;
             at = text.find(explanation, at + 1)) {
            ++n;
        }
        return n;
    };
    CHECK(count(render_text(report, false)) == 1);
    // JUnit: the failure's message attribute holds the summary; its text says it once more.
    const std::string junit = render_junit(report);
    CHECK(junit.find("tcp.timeout at the tcp stage\n") != std::string::npos);
    CHECK(count(junit) == 2);
    const std::string markdown = render_markdown(report);
    CHECK(markdown.find("- **What it means:**") == std::string::npos);
    // A probe sentence ending with the explanation's last clause: the explanation is not said.
    AddressEvidence refused = tcp_failed("10.0.0.5", 9095, Cause::tcp_refused);
    refused.tcp.detail =
        "10.0.0.5:9095 answered the SYN with a RST: the host is reachable but nothing listens on "
        "the port";
    const std::string refused_text = render_text(
        diagnose(
            {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}), {refused})},
            agent_info()),
        false);
    CHECK(refused_text.find(std::string(explain(Cause::tcp_refused))) == std::string::npos);
    CHECK(refused_text.find(refused.tcp.detail) != std::string::npos);
    // With a detail of its own, the explanation is said beside it.
    CHECK(render_text(mixed_report(), false)
              .find("    " + std::string(explain(Cause::tcp_timeout)) + "\n") != std::string::npos);
}

TEST_CASE("counts agree with their nouns in every renderer") {
    AgentInfo agent = agent_info();
    agent.concurrency = 1;
    agent.socket_budget = 1;
    agent.descriptor_limit = 64;
    agent.peak_targets = 1;
    agent.peak_sockets = 1;
    agent.queued_for_socket = 1;
    TargetEvidence evidence = healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5");
    evidence.addresses[0].certificate.days_left = 1;
    evidence.addresses_not_probed = 1;
    const Report report = diagnose({evidence}, agent);
    const std::string text = render_text(report, false);
    CHECK(text.find("1 target: 1 ok, 0 warnings, 0 failed") != std::string::npos);
    CHECK(text.find("at most 1 target and 1 socket at once (descriptor limit 64); the most in "
                    "flight: 1 target, 1 socket; 1 address waited for a free socket") !=
          std::string::npos);
    const std::string markdown = render_markdown(report);
    CHECK(markdown.find("1 ok, 0 warnings, 0 failed.") != std::string::npos);
    CHECK(markdown.find(", 1 day left") != std::string::npos);
    CHECK(markdown.find("1 more address not probed") != std::string::npos);
    for (const std::string bad : {"1 targets", "1 sockets", "1 addresses", "1 days", "1 APIs"}) {
        INFO(bad);
        CHECK(text.find(bad) == std::string::npos);
        CHECK(markdown.find(bad) == std::string::npos);
    }
}
