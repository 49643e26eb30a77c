// SPDX-License-Identifier: Apache-2.0
// render_json(): every field of schema_version 1, in its order, read back with Boost.JSON.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/report.h"
#include "core/text.h"
#include "reports/render/json_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {
const std::string kHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";

json::object parse(const std::string& text) {
    return json::parse(text).as_object();
}

std::vector<std::string> keys(const json::object& object) {
    std::vector<std::string> out;
    for (const auto& member : object) out.emplace_back(member.key());
    return out;
}

// The first keys of an object, to check schema_version 1's order is kept.
std::vector<std::string> first_keys(const json::object& object, std::size_t n) {
    auto all = keys(object);
    all.resize(std::min(n, all.size()));
    return all;
}

double number(const json::value& value) {
    return value.to_number<double>();
}

std::string str(const json::value& value) {
    return std::string(value.as_string());
}

Report sample_report() {
    return diagnose(
        {healthy_target("kafka", kHost, 9095, "10.0.0.5"),
         evidence_of(make_target("schema-registry",
                                 "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com", 8081),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN for vpc-schemaregistry"), {}),
         evidence_of(
             make_target("connect", "vpc-connect-abcdef1234.alikafka.aliyuncs.com", 8083),
             dns_ok({"10.0.0.7", "10.0.0.8", "10.0.0.9"}),
             {healthy("10.0.0.7", 8083), tcp_failed("10.0.0.8", 8083), healthy("10.0.0.9", 8083)})},
        agent_info());
}
}  // namespace

TEST_CASE("the JSON report has the contract's top level, agent and summary") {
    const std::string text = render_json(sample_report());
    json::object doc = parse(text);
    CHECK(first_keys(doc, 6) == std::vector<std::string>{"schema_version", "tool", "agent",
                                                         "targets", "findings", "summary"});
    CHECK(doc.at("schema_version").as_int64() == 1);
    CHECK(str(doc.at("tool").at("name")) == "vpcprobe");
    CHECK(str(doc.at("tool").at("version")) == "0.1.0");

    const json::object& agent = doc.at("agent").as_object();
    CHECK(first_keys(agent, 5) == std::vector<std::string>{"hostname", "source_addresses",
                                                           "resolvers", "started_at",
                                                           "duration_ms"});
    CHECK(str(agent.at("hostname")) == "bastion-1");
    // Nothing named the agent: its hostname is its name, and it has no labels.
    CHECK(str(agent.at("name")) == "bastion-1");
    CHECK(agent.at("labels").as_object().empty());
    CHECK(agent.at("source_addresses").as_array() == json::array{"10.20.1.15"});
    CHECK(agent.at("resolvers").as_array() == json::array{"10.20.0.2:53"});
    CHECK(str(agent.at("started_at")) == "2026-11-22T10:00:00Z");
    CHECK(str(agent.at("started_at_exact")) == "2026-11-22T10:00:00.123Z");
    CHECK(number(agent.at("duration_ms")) == Approx(1234.6));
    CHECK(str(agent.at("command_line")) ==
          "vpcprobe check --instance alikafka_confluent-cn-abcdef1234");

    // 10.0.0.8 drops while the connect target's other addresses answer: one finding.
    const json::array& findings = doc.at("findings").as_array();
    REQUIRE(findings.size() == 1);
    CHECK(str(findings[0].as_object().at("code")) == "network.partial_reachability");
    const json::object& summary = doc.at("summary").as_object();
    CHECK(keys(summary) == std::vector<std::string>{"ok", "warning", "failed"});
    CHECK(summary.at("ok").as_int64() == 1);
    CHECK(summary.at("warning").as_int64() == 1);
    CHECK(summary.at("failed").as_int64() == 1);
}

TEST_CASE("the JSON report is pretty-printed with two spaces and ends with a newline") {
    const std::string text = render_json(sample_report());
    CHECK_THAT(text, Catch::StartsWith("{\n  \"schema_version\": 1,\n  \"tool\": {\n    \"name\": "
                                       "\"vpcprobe\",\n"));
    CHECK_THAT(text, Catch::EndsWith("\n}\n"));
    CHECK_THAT(text, Catch::Contains("\"findings\": ["));
    // Same report, same bytes: the key order is stable.
    CHECK(render_json(sample_report()) == text);
}

TEST_CASE("an ok target: every stage with status, code null, facts and timings") {
    json::object doc = parse(render_json(sample_report()));
    const json::object& target = doc.at("targets").at(0).as_object();
    CHECK(first_keys(target, 7) == std::vector<std::string>{"component", "access", "host", "port",
                                                            "status", "stages", "cause"});
    CHECK(str(target.at("component")) == "kafka");
    CHECK(str(target.at("access")) == "vpc");
    CHECK(str(target.at("host")) == kHost);
    CHECK(target.at("port").as_int64() == 9095);
    CHECK(str(target.at("status")) == "ok");
    CHECK(target.at("cause").is_null());
    CHECK(str(target.at("endpoint")) == kHost + ":9095");

    const json::object& stages = target.at("stages").as_object();
    CHECK(keys(stages) == std::vector<std::string>{"dns", "tcp", "tls", "certificate", "protocol"});
    const json::object& dns = stages.at("dns").as_object();
    CHECK(first_keys(dns, 4) == std::vector<std::string>{"status", "code", "addresses", "ms"});
    CHECK(str(dns.at("status")) == "ok");
    CHECK(dns.at("code").is_null());
    CHECK(dns.at("addresses").as_array() == json::array{"10.0.0.5"});
    CHECK(number(dns.at("ms")) == Approx(2.0));
    CHECK(str(dns.at("source")) == "dns");

    const json::object& tcp = stages.at("tcp").as_object();
    CHECK(first_keys(tcp, 4) == std::vector<std::string>{"status", "code", "address", "ms"});
    CHECK(str(tcp.at("status")) == "ok");
    CHECK(tcp.at("code").is_null());
    CHECK(str(tcp.at("address")) == "10.0.0.5");
    CHECK(number(tcp.at("ms")) == Approx(1.3));  // 1.26 rounded to 0.1 ms
    CHECK(str(tcp.at("local_address")) == "10.20.1.15");
    CHECK(tcp.at("icmp").is_null());
    CHECK(tcp.at("errno").is_null());

    const json::object& tls = stages.at("tls").as_object();
    CHECK(first_keys(tls, 5) ==
          std::vector<std::string>{"status", "code", "version", "cipher", "ms"});
    CHECK(str(tls.at("version")) == "TLSv1.3");
    CHECK(str(tls.at("cipher")) == "TLS_AES_256_GCM_SHA384");
    CHECK(number(tls.at("ms")) == Approx(4.0));

    const json::object& certificate = stages.at("certificate").as_object();
    CHECK(first_keys(certificate, 4) ==
          std::vector<std::string>{"status", "code", "days_left", "chain"});
    CHECK(certificate.at("days_left").as_int64() == 200);
    const json::array& chain = certificate.at("chain").as_array();
    REQUIRE(chain.size() == 2);
    const json::object& leaf = chain.at(0).as_object();
    CHECK(first_keys(leaf, 6) == std::vector<std::string>{"subject", "issuer", "sans", "not_before",
                                                          "not_after", "sha256"});
    CHECK(str(leaf.at("subject")) == "CN=" + kHost);
    CHECK(str(leaf.at("issuer")) == "CN=Test Intermediate CA");
    CHECK(leaf.at("sans").as_array() == json::array{json::string(kHost)});
    CHECK(str(leaf.at("not_before")) == "2026-01-01T00:00:00Z");
    CHECK(str(leaf.at("not_after")) == "2027-06-10T12:00:00Z");
    CHECK(str(leaf.at("sha256")) == std::string(64, 'a'));
    CHECK(certificate.at("verify_errors").as_array().empty());

    const json::object& protocol = stages.at("protocol").as_object();
    CHECK(str(protocol.at("status")) == "skipped");
    CHECK(protocol.at("code").is_null());
    CHECK(protocol.at("ms").is_null());

    REQUIRE(target.at("addresses").as_array().size() == 1);
    CHECK(target.at("shown_address").as_int64() == 0);
}

TEST_CASE("a DNS failure: cause object, later stages skipped with nulls and empty arrays") {
    json::object doc = parse(render_json(sample_report()));
    const json::object& target = doc.at("targets").at(1).as_object();
    CHECK(str(target.at("status")) == "failed");
    const json::object& cause = target.at("cause").as_object();
    CHECK(first_keys(cause, 4) == std::vector<std::string>{"code", "stage", "summary", "suspects"});
    CHECK(str(cause.at("code")) == "dns.nxdomain");
    CHECK(str(cause.at("stage")) == "dns");
    CHECK(str(cause.at("summary")) == "NXDOMAIN for vpc-schemaregistry");
    CHECK(cause.at("suspects").as_array().empty());
    CHECK(str(cause.at("explanation")) == explain(Cause::dns_nxdomain));

    const json::object& stages = target.at("stages").as_object();
    CHECK(str(stages.at("dns").at("status")) == "failed");
    CHECK(str(stages.at("dns").at("code")) == "dns.nxdomain");
    CHECK(stages.at("dns").at("addresses").as_array().empty());
    CHECK(stages.at("dns").at("ares_status_a").as_int64() == 4);
    for (const char* stage : {"tcp", "tls", "certificate", "protocol"}) {
        INFO(stage);
        const json::object& skipped = stages.at(stage).as_object();
        CHECK(str(skipped.at("status")) == "skipped");
        CHECK(skipped.at("code").is_null());
        CHECK(skipped.at("ms").is_null());
        CHECK(skipped.at("detail").is_null());
    }
    CHECK(stages.at("tcp").at("address").is_null());
    CHECK(stages.at("tls").at("version").is_null());
    CHECK(stages.at("tls").at("cipher").is_null());
    CHECK(stages.at("certificate").at("days_left").is_null());
    CHECK(stages.at("certificate").at("chain").as_array().empty());
    CHECK(target.at("addresses").as_array().empty());
    CHECK(target.at("shown_address").is_null());
}

TEST_CASE("a partial failure shows the failing address and keeps every address") {
    json::object doc = parse(render_json(sample_report()));
    const json::object& target = doc.at("targets").at(2).as_object();
    CHECK(str(target.at("status")) == "warning");
    CHECK(str(target.at("cause").at("code")) == "tcp.timeout");
    CHECK_THAT(str(target.at("cause").at("summary")), Catch::StartsWith("1 of 3 addresses of "));
    const json::object& tcp = target.at("stages").at("tcp").as_object();
    CHECK(str(tcp.at("status")) == "failed");
    CHECK(str(tcp.at("code")) == "tcp.timeout");
    CHECK(str(tcp.at("address")) == "10.0.0.8");
    CHECK(number(tcp.at("ms")) == Approx(3000.4));
    CHECK(tcp.at("errno").as_int64() == 110);
    CHECK(str(target.at("stages").at("tls").at("status")) == "skipped");
    CHECK(target.at("shown_address").as_int64() == 1);

    const json::array& addresses = target.at("addresses").as_array();
    REQUIRE(addresses.size() == 3);
    CHECK(str(addresses.at(0).at("address")) == "10.0.0.7");
    CHECK(str(addresses.at(0).at("tcp").at("status")) == "ok");
    CHECK(str(addresses.at(0).at("tls").at("version")) == "TLSv1.3");
    CHECK(str(addresses.at(1).at("tcp").at("code")) == "tcp.timeout");
    CHECK(str(addresses.at(2).at("certificate").at("status")) == "ok");
    CHECK(target.at("addresses_not_probed").as_int64() == 0);
}

TEST_CASE("ICMP evidence, verify errors and a non-catalog target are rendered") {
    AddressEvidence address = tcp_failed("10.0.0.5", 9092, Cause::tcp_prohibited);
    address.tcp.icmp = IcmpReport{2, 3, 13, "10.0.0.1", "admin-prohibited"};
    TargetEvidence rejected = evidence_of(make_target("kafka", "broker.example", 9092, ""),
                                          dns_ok({"10.0.0.5"}), {address});
    AddressEvidence bad_chain = healthy("10.0.0.6", 443);
    bad_chain.certificate.status = StageStatus::failed;
    bad_chain.certificate.cause = Cause::cert_untrusted;
    bad_chain.certificate.verify_errors = {{1, 19, "self-signed certificate in certificate chain"}};
    TargetEvidence untrusted = evidence_of(make_target("control-center", "cc.example", 443, "pub"),
                                           dns_ok({"10.0.0.6"}), {bad_chain});
    json::object doc = parse(render_json(diagnose({rejected, untrusted}, agent_info())));

    const json::object& first = doc.at("targets").at(0).as_object();
    CHECK(first.at("access").is_null());
    const json::object& icmp = first.at("stages").at("tcp").at("icmp").as_object();
    CHECK(icmp.at("type").as_int64() == 3);
    CHECK(icmp.at("code").as_int64() == 13);
    CHECK(str(icmp.at("offender")) == "10.0.0.1");
    CHECK(str(first.at("cause").at("code")) == "tcp.prohibited");

    const json::object& certificate =
        doc.at("targets").at(1).at("stages").at("certificate").as_object();
    CHECK(str(certificate.at("code")) == "cert.untrusted");
    const json::object& error = certificate.at("verify_errors").at(0).as_object();
    CHECK(error.at("depth").as_int64() == 1);
    CHECK(error.at("code").as_int64() == 19);
    CHECK(str(error.at("text")) == "self-signed certificate in certificate chain");
}

TEST_CASE("strings are escaped, and bytes that are not UTF-8 cannot break the document") {
    TargetEvidence evidence = evidence_of(make_target("kafka \"main\" \\ é 日本", kHost, 9095),
                                          dns_ok({"10.0.0.5"}), {tcp_failed("10.0.0.5", 9095)});
    evidence.addresses[0].tcp.detail =
        std::string("peer said \"hi\"\n\t\x01\x1b[2J then \xff\xfe bytes and \xe6\x97");
    const std::string text = render_json(diagnose({evidence}, agent_info()));

    CHECK(text.find('\xff') == std::string::npos);  // invalid bytes replaced ...
    CHECK(text.find('\x1b') == std::string::npos);  // ... and control characters escaped
    CHECK_THAT(text, Catch::Contains("\\u001b[2J"));

    json::object doc = parse(text);  // throws if the document is not valid JSON
    const json::object& target = doc.at("targets").at(0).as_object();
    CHECK(str(target.at("component")) == "kafka \"main\" \\ é 日本");
    CHECK(str(target.at("stages").at("tcp").at("detail")) ==
          "peer said \"hi\"\n\t\x01\x1b[2J then \xEF\xBF\xBD\xEF\xBF\xBD bytes and \xEF\xBF\xBD");
    CHECK(str(target.at("cause").at("summary")) == str(target.at("stages").at("tcp").at("detail")));
}

TEST_CASE("findings and suspects are rendered with every contract field") {
    Report report = sample_report();
    Suspect suspect{"security-group", "sg-0abc", "ingress", "",
                    "no ingress rule of sg-0abc allows tcp/8083 from 10.20.1.15"};
    report.targets[2].cause->suspects.push_back(suspect);
    report.findings.clear();  // only the hand-made finding below
    report.findings.push_back(Finding{"firewall.port_blocked",
                                      Severity::error,
                                      "tcp/8083 is dropped on 2 hosts",
                                      {"connect"},
                                      {"a.example:8083", "b.example:8083"},
                                      {suspect},
                                      "allow tcp/8083 from 10.20.1.15 in sg-0abc",
                                      "likely"});
    json::object doc = parse(render_json(report));

    const json::object& rendered =
        doc.at("targets").at(2).at("cause").at("suspects").at(0).as_object();
    CHECK(keys(rendered) == std::vector<std::string>{"kind", "id", "direction", "rule", "detail"});
    CHECK(str(rendered.at("kind")) == "security-group");
    CHECK(str(rendered.at("id")) == "sg-0abc");
    CHECK(str(rendered.at("direction")) == "ingress");
    CHECK(rendered.at("rule").is_null());

    const json::object& finding = doc.at("findings").at(0).as_object();
    CHECK(keys(finding) == std::vector<std::string>{"code", "severity", "summary", "components",
                                                    "targets", "suspects", "remedy", "confidence"});
    CHECK(str(finding.at("code")) == "firewall.port_blocked");
    CHECK(str(finding.at("confidence")) == "likely");
    CHECK(str(finding.at("severity")) == "error");
    CHECK(finding.at("components").as_array() == json::array{"connect"});
    CHECK(finding.at("targets").as_array() == json::array{"a.example:8083", "b.example:8083"});
    CHECK(str(finding.at("suspects").at(0).at("detail")) ==
          "no ingress rule of sg-0abc allows tcp/8083 from 10.20.1.15");
    CHECK(str(finding.at("remedy")) == "allow tcp/8083 from 10.20.1.15 in sg-0abc");
}

TEST_CASE("an empty report is still a complete document") {
    AgentInfo agent;  // nothing known: the version falls back to the build's
    json::object doc = parse(render_json(diagnose({}, agent)));
    CHECK(doc.at("targets").as_array().empty());
    CHECK(str(doc.at("tool").at("version")) == VPCPROBE_VERSION);
    CHECK(str(doc.at("agent").at("started_at")) == "1970-01-01T00:00:00Z");
    CHECK(doc.at("agent").at("command_line").is_null());
    CHECK(doc.at("summary").at("failed").as_int64() == 0);
}

TEST_CASE("valid_utf8 keeps good text and replaces each broken sequence") {
    const std::string r = "\xEF\xBF\xBD";
    CHECK(valid_utf8("plain ascii") == "plain ascii");
    CHECK(valid_utf8("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80") ==
          "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");
    CHECK(valid_utf8("a\xFF"
                     "b") == "a" + r + "b");
    CHECK(valid_utf8("\xC0\xAF") == r + r);                  // overlong '/'
    CHECK(valid_utf8("\xED\xA0\x80") == r + r + r);          // a UTF-16 surrogate
    CHECK(valid_utf8("\xF4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
    CHECK(valid_utf8("x\xE6\x97") == "x" + r);               // cut short at the end
    CHECK(valid_utf8("\xE6\x97"
                     "A") == r + "A");  // cut short before ASCII
    CHECK(valid_utf8(std::string("nul\0inside", 10)) == std::string("nul\0inside", 10));
}

TEST_CASE("protocol evidence: Kafka API ranges, advertised brokers and the broker targets") {
    const std::string bootstrap = kHost + ":9095";
    Report report = diagnose(
        {evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}),
                     {kafka_answered("10.0.0.5", 9095, kHost, {broker(1, "b1.internal", 9095)})}),
         evidence_of(advertised_target("b1.internal", 9095, bootstrap, 1),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {})},
        agent_info());
    const auto doc = parse(render_json(report));
    const auto& targets = doc.at("targets").as_array();
    REQUIRE(targets.size() == 2);
    const auto& protocol = targets[0].at("stages").at("protocol").as_object();
    CHECK(str(protocol.at("status")) == "ok");
    CHECK(str(protocol.at("name")) == "kafka");
    CHECK(protocol.at("http").is_null());
    const auto& kafka = protocol.at("kafka").as_object();
    CHECK(kafka.at("api_versions_version").as_int64() == 3);
    REQUIRE(kafka.at("apis").as_array().size() == 2);
    CHECK(kafka.at("apis").as_array()[0].at("api_key").as_int64() == 18);
    CHECK(kafka.at("apis").as_array()[0].at("max_version").as_int64() == 3);
    CHECK(kafka.at("metadata_checked").as_bool());
    CHECK(str(kafka.at("cluster_id")) == "lkc-abc123");
    CHECK(kafka.at("controller_id").as_int64() == 1);
    REQUIRE(kafka.at("brokers").as_array().size() == 1);
    CHECK(str(kafka.at("brokers").as_array()[0].at("host")) == "b1.internal");
    CHECK(kafka.at("brokers").as_array()[0].at("rack").is_null());
    CHECK(kafka.at("sasl_mechanism").is_null());

    CHECK(targets[0].at("advertised_by").is_null());
    CHECK(targets[0].at("node_id").is_null());
    CHECK(targets[0].at("tls").as_bool());
    CHECK(str(targets[1].at("origin")) == "advertised");
    CHECK(str(targets[1].at("advertised_by")) == bootstrap);
    CHECK(targets[1].at("node_id").as_int64() == 1);
    CHECK(str(targets[1].at("cause").at("code")) == "dns.nxdomain");
    CHECK(str(doc.at("findings").as_array()[0].at("code")) == "kafka.advertised_unreachable");
}

TEST_CASE("agent.concurrency: the bounds and peaks of a run, absent from a report made by hand") {
    Report report = sample_report();
    CHECK_FALSE(parse(render_json(report)).at("agent").as_object().contains("concurrency"));

    report.agent.concurrency = 5000;
    report.agent.socket_budget = 960;
    report.agent.descriptor_limit = 1024;
    report.agent.peak_targets = 5000;
    report.agent.peak_sockets = 960;
    report.agent.queued_for_socket = 8121;
    json::object doc = parse(render_json(report));
    const json::object& at_once = doc.at("agent").at("concurrency").as_object();
    CHECK(keys(at_once) == std::vector<std::string>{"targets", "sockets", "descriptor_limit",
                                                    "peak_targets", "peak_sockets",
                                                    "queued_for_socket"});
    CHECK(at_once.at("targets").as_int64() == 5000);
    CHECK(at_once.at("sockets").as_int64() == 960);
    CHECK(at_once.at("descriptor_limit").as_int64() == 1024);
    CHECK(at_once.at("peak_sockets").as_int64() == 960);
    CHECK(at_once.at("queued_for_socket").as_int64() == 8121);

    report.agent.descriptor_limit = 0;  // unlimited
    doc = parse(render_json(report));
    CHECK(doc.at("agent").at("concurrency").at("descriptor_limit").is_null());
}

TEST_CASE("canonical names: on the bootstrap's dns stage, and canonical_of on their targets") {
    const auto doc = parse(render_json(canonical_report()));
    const auto& targets = doc.at("targets").as_array();
    REQUIRE(targets.size() == 3);
    const auto& boot = targets[0].as_object();
    CHECK(str(boot.at("status")) == "ok");
    CHECK(boot.at("cause").is_null());
    CHECK(str(boot.at("origin")) == "bootstrap");
    CHECK(boot.at("canonical_of").is_null());
    const auto& dns = boot.at("stages").at("dns").as_object();
    const auto& names = dns.at("canonical_names").as_array();
    REQUIRE(names.size() == 2);
    CHECK(str(names[0].at("address")) == "10.0.0.5");
    CHECK(str(names[0].at("name")) == "b-1.internal");
    CHECK(str(names[0].at("reverse_name")) == "b-1.internal");
    CHECK(str(names[0].at("source")) == "dns");
    CHECK(names[0].at("code").is_null());
    CHECK(number(names[0].at("ms")) == Approx(1.3));
    CHECK(str(names[1].at("address")) == "10.0.0.7");
    CHECK(names[1].at("name").is_null());
    CHECK(names[1].at("reverse_name").is_null());
    CHECK(str(names[1].at("code")) == "dns.nxdomain");
    CHECK(names[1].at("ares_status").as_int64() == 4);
    CHECK(str(names[1].at("detail")).starts_with("10.0.0.7 has no PTR record"));
    const auto& tcp = boot.at("stages").at("tcp").as_object();
    CHECK(str(tcp.at("status")) == "skipped");
    CHECK(str(tcp.at("detail")) == kCanonicalSkip);

    CHECK(str(targets[1].at("origin")) == "canonical");
    CHECK(str(targets[1].at("canonical_of")) == "boot.example:9093");
    CHECK(targets[1].at("stages").at("dns").at("canonical_names").is_null());
    CHECK(str(targets[2].at("host")) == "10.0.0.7");
    CHECK(str(targets[2].at("cause").at("code")) == "cert.hostname_mismatch");
}

TEST_CASE("dns: local_answers listed, empty when none; a sinkhole keeps its answers") {
    DnsEvidence local = dns_ok({"127.0.93.7", "10.0.0.5"});
    local.local_answers = {"127.0.93.7"};
    DnsEvidence sinkhole =
        dns_failed(Cause::dns_sinkhole, "the resolver 10.20.0.2:53 answered 0.0.0.0 for x");
    sinkhole.addresses = {"0.0.0.0"};
    const Report report =
        diagnose({evidence_of(make_target("kafka", kHost, 9095), local,
                              {healthy("127.0.93.7", 9095), healthy("10.0.0.5", 9095)}),
                  evidence_of(make_target("kafka", "x", 9095), sinkhole, {}),
                  healthy_target("kafka", "y", 9095, "10.0.0.6")},
                 agent_info());
    const auto doc = parse(render_json(report));
    const auto& targets = doc.at("targets").as_array();
    CHECK(targets[0].at("stages").at("dns").at("local_answers").as_array() ==
          json::array{"127.0.93.7"});
    const auto& blocked = targets[1].as_object();
    CHECK(str(blocked.at("cause").at("code")) == "dns.sinkhole");
    CHECK(str(blocked.at("cause").at("stage")) == "dns");
    CHECK(blocked.at("stages").at("dns").at("addresses").as_array() == json::array{"0.0.0.0"});
    CHECK(blocked.at("stages").at("dns").at("local_answers").as_array().empty());
    CHECK(str(blocked.at("stages").at("tcp").at("status")) == "skipped");
    CHECK(blocked.at("addresses").as_array().empty());
    CHECK(targets[2].at("stages").at("dns").at("local_answers").as_array().empty());
}

TEST_CASE("the plan's notes are agent.plan_notes, an array empty without merges") {
    Report report = sample_report();
    CHECK(parse(render_json(report)).at("agent").at("plan_notes").as_array().empty());
    report.agent.plan_notes = {
        "127.0.0.1:9092 was given twice for kafka (TARGET and "
        "--bootstrap); probed once"};
    CHECK(parse(render_json(report)).at("agent").at("plan_notes").as_array() ==
          json::array{"127.0.0.1:9092 was given twice for kafka (TARGET and --bootstrap); probed "
                      "once"});
}

TEST_CASE("dns: tcp_fallback is null unless asked; its answer is rendered beside dns.timeout") {
    DnsEvidence blocked = dns_failed(Cause::dns_timeout, "no answer over UDP/53 from x");
    blocked.ares_status_a = 12;  // ARES_ETIMEOUT
    blocked.ares_status_aaaa = 12;
    blocked.tcp_fallback = vpcprobe::DnsTcpFallback{.answered = true,
                                                    .cause = Cause::none,
                                                    .ares_status_a = 0,
                                                    .ares_status_aaaa = 1,
                                                    .addresses = {"10.0.0.5"},
                                                    .ms = 12.34};
    DnsEvidence nxdomain = dns_failed(Cause::dns_timeout, "no answer over UDP/53 from y");
    nxdomain.tcp_fallback = vpcprobe::DnsTcpFallback{.answered = true,
                                                     .cause = Cause::dns_nxdomain,
                                                     .ares_status_a = 4,
                                                     .ares_status_aaaa = 4,
                                                     .addresses = {},
                                                     .ms = 3};
    const Report report = diagnose({evidence_of(make_target("kafka", "x", 9095), blocked, {}),
                                    evidence_of(make_target("kafka", "y", 9095), nxdomain, {}),
                                    healthy_target("kafka", "z", 9095, "10.0.0.6")},
                                   agent_info());
    const auto doc = parse(render_json(report));
    const auto& targets = doc.at("targets").as_array();
    const auto& first = targets[0].at("stages").at("dns").at("tcp_fallback");
    CHECK(first.at("answered").as_bool());
    CHECK(first.at("code").is_null());
    CHECK(first.at("ares_status_a").as_int64() == 0);
    CHECK(first.at("ares_status_aaaa").as_int64() == 1);
    CHECK(first.at("addresses").as_array() == json::array{"10.0.0.5"});
    CHECK(number(first.at("ms")) == Approx(12.3));
    CHECK(targets[0].at("stages").at("dns").at("addresses").as_array().empty());
    CHECK(str(targets[0].at("cause").at("code")) == "dns.timeout");
    const auto& second = targets[1].at("stages").at("dns").at("tcp_fallback");
    CHECK(str(second.at("code")) == "dns.nxdomain");
    CHECK(second.at("addresses").as_array().empty());
    CHECK(targets[2].at("stages").at("dns").at("tcp_fallback").is_null());
}

TEST_CASE("the JSON report names the agent and its labels") {
    Report report = sample_report();
    report.agent.name = "app-subnet-a";
    report.agent.labels = {{"subnet", "subnet-0a1b"}, {"vpc", "vpc-prod \"eu\""}};
    json::object doc = parse(render_json(report));
    const json::object& agent = doc.at("agent").as_object();
    CHECK(str(agent.at("hostname")) == "bastion-1");
    CHECK(str(agent.at("name")) == "app-subnet-a");
    CHECK(agent.at("labels").as_object() ==
          json::object{{"subnet", "subnet-0a1b"}, {"vpc", "vpc-prod \"eu\""}});
}
