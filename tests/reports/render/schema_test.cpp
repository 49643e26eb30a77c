// SPDX-License-Identifier: Apache-2.0
// docs/report.schema.json against render_json(): every report we render validates, with a
// real validator (Debian's python3-jsonschema), and documents that break the contract do
// not, so neither the renderer nor the schema can drift without this test failing.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/report.h"
#include "reports/render/json_report.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {

const std::string kSchema = std::string(VPCPROBE_SOURCE_DIR) + "/docs/report.schema.json";
const std::string kHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";

// Validates each file; prints one line per file: "valid" or "invalid: <first error>".
// The schema itself is checked against its metaschema first (exit 2 if it is broken).
constexpr const char* kValidator = R"PY(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator_class = jsonschema.validators.validator_for(schema)
try:
    validator_class.check_schema(schema)
except jsonschema.SchemaError as error:
    print("schema is broken:", error.message)
    sys.exit(2)
validator = validator_class(schema)
for path in sys.argv[2:]:
    try:
        document = json.load(open(path, encoding="utf-8", errors="strict"))
    except Exception as error:
        print("invalid: not JSON:", error)
        continue
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        print("invalid:", "/".join(str(p) for p in e.absolute_path), e.message)
    else:
        print("valid")
)PY";

// One verdict per document: "valid", or "invalid: ..." saying why.
std::vector<std::string> validate(const std::vector<std::string>& documents) {
    TempDir dir;
    std::vector<std::string> argv = {"/usr/bin/python3", "-c", kValidator, kSchema};
    for (std::size_t i = 0; i < documents.size(); ++i) {
        const std::string path = dir.file("report-" + std::to_string(i) + ".json");
        std::ofstream(path, std::ios::binary) << documents[i];
        argv.push_back(path);
    }
    RunResult result = run_command(argv, std::chrono::seconds(60));
    INFO("validator stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    std::vector<std::string> verdicts;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) verdicts.push_back(line);
    REQUIRE(verdicts.size() == documents.size());
    return verdicts;
}

Report ok_report() {
    return diagnose({healthy_target("kafka", kHost, 9095, "10.0.0.5"),
                     healthy_target("mds", kHost, 8090, "10.0.0.5")},
                    agent_info());
}

Report dns_failed_report() {
    return diagnose(
        {evidence_of(
            make_target("ksqldb", "pub-ksqldb-abcdef1234.alikafka.aliyuncs.com", 443, "pub"),
            dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {})},
        agent_info());
}

Report partial_report() {
    AddressEvidence prohibited = tcp_failed("fd00::8", 8083, Cause::tcp_prohibited);
    prohibited.tcp.icmp = IcmpReport{3, 1, 1, "fd00::1", "admin-prohibited"};
    TargetEvidence evidence = evidence_of(
        make_target("connect", "vpc-connect-abcdef1234.alikafka.aliyuncs.com", 8083),
        dns_ok({"10.0.0.7", "fd00::8", "10.0.0.9"}),
        {healthy("10.0.0.7", 8083), prohibited, tcp_failed("10.0.0.9", 8083, Cause::tcp_refused)});
    evidence.addresses_not_probed = 2;
    return diagnose({evidence}, agent_info());
}

Report certificate_warning_report() {
    return diagnose(
        {evidence_of(make_target("control-center",
                                 "pub-controlcenter-abcdef1234.alikafka.aliyuncs.com", 443, "pub"),
                     dns_ok({"47.1.2.3"}), {expiring("47.1.2.3", 443, 9)})},
        agent_info());
}

Report weird_strings_report() {
    TargetEvidence evidence = evidence_of(make_target("kafka \"q\" \\ \t é 日本", kHost, 9095, ""),
                                          dns_ok({"10.0.0.5"}), {healthy("10.0.0.5", 9095)});
    auto& address = evidence.addresses[0];
    address.tls.status = StageStatus::failed;
    address.tls.cause = Cause::tls_not_tls;
    address.tls.detail = std::string("got \"HTTP/1.1 400\"\r\n\x1b[31m\x01 and \xff\xc0\xe6\x97");
    address.tls.alert = "\x7f";
    address.certificate = CertificateEvidence{};
    AgentInfo agent = agent_info();
    agent.hostname = "h\xf0\x28\x8c\x28st";
    agent.command_line = "vpcprobe check --dns-server '10.0.0.2' \"x\"";
    Report report = diagnose({evidence}, agent);
    report.targets[0].cause->suspects.push_back(
        {"service", "", "", "", "the listener on 9095 speaks plaintext \"HTTP\""});
    return report;
}

Report deadline_and_findings_report() {
    AddressEvidence cut = healthy("10.0.0.5", 9095);
    cut.tls = TlsEvidence{};
    cut.tls.cause = Cause::run_deadline;
    cut.certificate = CertificateEvidence{};
    Report report =
        diagnose({evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {cut}),
                  evidence_of(make_target("kafka", kHost, 9095), dns_ok({}), {}),
                  evidence_of(make_target("kafka", kHost, 9095), DnsEvidence{}, {})},
                 agent_info());
    report.findings.push_back(Finding{"dns.instance_unresolvable",
                                      Severity::warning,
                                      "none resolves",
                                      {"kafka"},
                                      {kHost + ":9095"},
                                      {{"dns", "10.20.0.2:53", "", "", "answers NXDOMAIN"}},
                                      "use the VPC's resolver",
                                      ""});
    return report;
}

Report named_agent_report() {
    Report report = ok_report();
    report.agent.name = "app-subnet-a";
    report.agent.labels = {{"subnet", "subnet-0a1b"}, {"vpc", "vpc \"prod\" é"}};
    return report;
}

std::string without(const Report& report, const std::function<void(json::object&)>& change) {
    json::value doc = json::parse(render_json(report));
    change(doc.as_object());
    return json::serialize(doc);
}

// A bootstrap that answered Kafka with Metadata, an advertised broker that failed DNS, and a
// REST component whose HTTP check asked for credentials.
Report protocol_report() {
    const std::string bootstrap = kKafkaHost + ":9095";
    AddressEvidence registry = healthy("10.0.0.6", 8081, kRegistryHost);
    registry.protocol.status = StageStatus::ok;
    registry.protocol.name = "http";
    registry.protocol.note = "authentication required";
    registry.protocol.http = HttpEvidence{"GET", "/", 401, "Unauthorized", "Jetty", "", "", true};
    return diagnose({evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
                                 {kafka_answered("10.0.0.5", 9095, kKafkaHost,
                                                 {broker(1, "b1.internal", 9095)})}),
                     evidence_of(advertised_target("b1.internal", 9095, bootstrap, 1),
                                 dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {}),
                     evidence_of(make_target("schema-registry", kRegistryHost, 8081),
                                 dns_ok({"10.0.0.6"}), {registry})},
                    agent_info());
}

}  // namespace

TEST_CASE("every rendered report validates against docs/report.schema.json") {
    const std::vector<std::pair<std::string, Report>> reports = {
        {"ok", ok_report()},
        {"dns failed", dns_failed_report()},
        {"partial", partial_report()},
        {"certificate warning", certificate_warning_report()},
        {"weird strings", weird_strings_report()},
        {"deadline, no address, findings", deadline_and_findings_report()},
        {"empty", diagnose({}, AgentInfo{})},
        {"kafka and http protocol evidence", protocol_report()},
        {"a named agent with labels", named_agent_report()},
        {"canonical names of a bootstrap", canonical_report()},
        {"path traces: silence, a router's reject and unreachable, reached", path_report()},
    };
    std::vector<std::string> documents;
    for (const auto& [label, report] : reports) documents.push_back(render_json(report));
    const auto verdicts = validate(documents);
    for (std::size_t i = 0; i < reports.size(); ++i) {
        INFO(reports[i].first << ":\n" << documents[i]);
        CHECK(verdicts[i] == "valid");
    }
}

TEST_CASE("documents that break the contract are rejected by the schema") {
    const Report base = partial_report();
    const std::vector<std::pair<std::string, std::string>> broken = {
        {"not JSON", "{\"schema_version\": 1,"},
        {"no summary", without(base, [](json::object& d) { d.erase("summary"); })},
        {"wrong schema_version", without(base, [](json::object& d) { d["schema_version"] = 2; })},
        {"an agent label that is not text",
         without(base,
                 [](json::object& d) {
                     d["agent"].as_object()["labels"] = {{"vpc", 1}};
                 })},
        {"an agent label name Prometheus refuses",
         without(base,
                 [](json::object& d) {
                     d["agent"].as_object()["labels"] = {{"9vpc", "x"}};
                 })},
        {"an agent label name Prometheus reserves",
         without(base,
                 [](json::object& d) {
                     d["agent"].as_object()["labels"] = {{"__vpc", "x"}};
                 })},
        {"unknown target status",
         without(base,
                 [](json::object& d) { d["targets"].at(0).as_object()["status"] = "broken"; })},
        {"unknown cause code", without(base,
                                       [](json::object& d) {
                                           d["targets"].at(0).at("cause").as_object()["code"] =
                                               "tcp.bogus";
                                       })},
        {"a warning without a cause",
         without(base, [](json::object& d) { d["targets"].at(0).as_object()["cause"] = nullptr; })},
        {"an ok target with a cause",
         without(base, [](json::object& d) { d["targets"].at(0).as_object()["status"] = "ok"; })},
        {"a failed stage without a code",
         without(base,
                 [](json::object& d) {
                     d["targets"].at(0).at("stages").at("tcp").as_object()["code"] = nullptr;
                 })},
        {"no tls stage", without(base,
                                 [](json::object& d) {
                                     d["targets"].at(0).at("stages").as_object().erase("tls");
                                 })},
        {"started_at not RFC 3339", without(base,
                                            [](json::object& d) {
                                                d["agent"].as_object()["started_at"] =
                                                    "22/11/2026 10:00";
                                            })},
        {"ms as a string", without(base,
                                   [](json::object& d) {
                                       d["targets"].at(0).at("stages").at("dns").as_object()["ms"] =
                                           "2";
                                   })},
        {"port out of range",
         without(base, [](json::object& d) { d["targets"].at(0).as_object()["port"] = 70000; })},
        {"a cause without a remedy",
         without(
             base,
             [](json::object& d) { d["targets"].at(0).at("cause").as_object().erase("remedy"); })},
        {"an empty remedy", without(base,
                                    [](json::object& d) {
                                        d["targets"].at(0).at("cause").as_object()["remedy"] = "";
                                    })},
        {"a trace stopped for no known reason",
         without(path_report(),
                 [](json::object& d) {
                     d["targets"].at(0).at("stages").at("tcp").at("trace").as_object()["stopped"] =
                         "bored";
                 })},
        {"a trace hop without its TTL", without(path_report(),
                                                [](json::object& d) {
                                                    d["targets"]
                                                        .at(0)
                                                        .at("stages")
                                                        .at("tcp")
                                                        .at("trace")
                                                        .at("hops")
                                                        .at(0)
                                                        .as_object()
                                                        .erase("ttl");
                                                })},
        {"unknown suspect kind",
         without(weird_strings_report(),
                 [](json::object& d) {
                     d["targets"].at(0).at("cause").at("suspects").at(0).as_object()["kind"] =
                         "gremlin";
                 })},
    };
    std::vector<std::string> documents;
    for (const auto& [label, document] : broken) documents.push_back(document);
    const auto verdicts = validate(documents);
    for (std::size_t i = 0; i < broken.size(); ++i) {
        INFO(broken[i].first << ": " << verdicts[i]);
        CHECK_THAT(verdicts[i], Catch::StartsWith("invalid"));
    }
}

TEST_CASE("the schema names exactly the cause codes of core/cause.cpp") {
    std::ifstream file(kSchema);
    REQUIRE(file.good());
    std::stringstream text;
    text << file.rdbuf();
    json::value schema = json::parse(text.str());
    std::set<std::string> in_schema;
    for (const auto& code_value : schema.at("$defs").at("causeCode").at("enum").as_array()) {
        in_schema.insert(std::string(code_value.as_string()));
    }
    std::set<std::string> in_code;
    for (Cause cause : kAllCauses) in_code.insert(std::string(code(cause)));
    CHECK(in_schema == in_code);
}
