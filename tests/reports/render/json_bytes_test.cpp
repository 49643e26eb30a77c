// SPDX-License-Identifier: Apache-2.0
// render_json() byte for byte: the files under tests/reports/render/golden/json/ were written
// by the renderer that built a Boost.JSON document per target and pretty-printed it, before
// the report was written straight into its buffer (reports/render/json_writer.h). A report
// with every member filled and strings that need escaping or repair shows that the JSON
// scripts read has not changed by a byte. VPCPROBE_UPDATE_GOLDEN=1 rewrites the files (review
// the diff before committing).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <boost/json.hpp>

#include "reports/render/json_report.h"
#include "tests/support/golden.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

using vpcprobe::test::read_file;

// Text a reader must get back whole: quotes, backslashes, every control character, DEL,
// slashes, non-ASCII (2, 3 and 4 bytes), and broken UTF-8 (a lone continuation byte, a
// truncated sequence, an overlong, a surrogate, a byte no UTF-8 has) that becomes U+FFFD.
std::string odd(const std::string& tag) {
    std::string out = tag + " \"quoted\" back\\slash /slash\x7f ";
    for (int c = 0; c < 0x20; ++c) out.push_back(static_cast<char>(c));
    out +=
        " caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \x80 \xE6\x97 \xC0\xAF "
        "\xED\xA0\x80 \xFF\xFE end";
    return out;
}

CertificateInfo odd_certificate(const std::string& tag, char fill) {
    CertificateInfo info = certificate("CN=" + odd(tag + " subject"), "CN=" + odd(tag + " issuer"),
                                       {"san.example", odd(tag + " san")}, fill);
    info.self_issued = fill == 'c';
    return info;
}

TraceEvidence rich_trace() {
    TraceEvidence trace;
    trace.hops = {
        TraceHop{1, "10.20.0.1", 0.0004, "time-exceeded", Cause::none},
        TraceHop{2, "", 0, "", Cause::none},
        TraceHop{3, "10.30.0.1", 12.3456789, odd("reply"), Cause::tcp_prohibited},
        TraceHop{4, "", 0, "", Cause::none},
    };
    trace.reached = false;
    trace.stopped = TraceStop::icmp;
    trace.source_address = "10.20.1.15";
    trace.source_port = 40123;
    trace.max_hops = 30;
    trace.detail = odd("trace");
    trace.ms = 1e300;
    return trace;
}

AddressEvidence rich_address() {
    AddressEvidence address = healthy("10.0.0.5", 9093, odd("host"));
    address.tcp.local_port = 51234;
    address.tcp.error_number = 113;
    address.tcp.icmp = IcmpReport{2, 3, 13, "10.30.0.1", odd("icmp")};
    address.tcp.trace = rich_trace();
    address.tcp.ms = 123456789012.34;
    address.tls.alert = odd("alert");
    address.tls.detail = odd("tls");
    address.tls.client_certificate_requested = true;
    address.tls.client_ca_names = {"CN=Client CA", odd("ca name")};
    address.tls.client_certificate = odd_certificate("presented", 'd');
    address.tls.ms = std::numeric_limits<double>::max();  // renders as null: not finite * 10
    address.certificate.status = StageStatus::failed;
    address.certificate.cause = Cause::cert_untrusted;
    address.certificate.chain = {odd_certificate("leaf", 'a'), odd_certificate("root", 'c')};
    address.certificate.verify_errors = {VerifyError{0, 20, odd("verify"), Cause::cert_untrusted},
                                         VerifyError{1, 19, "self-signed", Cause::cert_untrusted}};
    address.certificate.days_left = -3;
    address.certificate.ms = 0.05;
    address.certificate.detail = odd("certificate");
    ProtocolEvidence& protocol = address.protocol;
    protocol.status = StageStatus::failed;
    protocol.cause = Cause::protocol_kafka_error;
    protocol.name = "kafka";
    protocol.ms = 0.04;
    protocol.detail = odd("protocol");
    protocol.note = odd("note");
    KafkaEvidence kafka;
    kafka.api_versions_version = 3;
    kafka.apis = {{18, 0, 3}, {3, 0, 12}, {-1, -32768, 32767}};
    kafka.sasl_mechanism = "SCRAM-SHA-512";
    kafka.sasl_mechanisms_offered = {"PLAIN", odd("mechanism")};
    kafka.authenticated = true;
    kafka.metadata_checked = true;
    kafka.metadata_version = 12;
    kafka.cluster_id = odd("cluster");
    kafka.controller_id = 2147483647;
    kafka.brokers = {KafkaBroker{1, "b1.example", 9093, std::nullopt},
                     KafkaBroker{-2147483647 - 1, odd("broker"), 65535, odd("rack")}};
    kafka.error_code = -1;
    protocol.kafka = kafka;
    protocol.http = HttpEvidence{"POST",        odd("path"),     503,     odd("reason"),
                                 odd("server"), "Kafka Connect", "7.6.1", true};
    MtuEvidence mtu;
    mtu.stalled_stage = "tls";
    mtu.attempts = {MssAttempt{536, false, Cause::tls_timeout, odd("mss"), 3000.04},
                    MssAttempt{1200, true, Cause::none, "", 1.25}};
    mtu.kernel_path_mtu = 1500;
    address.mtu = mtu;
    return address;
}

// An address whose every optional part is absent or at its edge value.
AddressEvidence bare_address() {
    AddressEvidence address = tcp_failed("fe80::1", 9093, Cause::tcp_refused);
    address.tcp.address.clear();  // the address the stage belongs to is said instead
    MtuEvidence mtu;
    mtu.stalled_stage = "protocol";
    mtu.attempts = {MssAttempt{536, false, Cause::protocol_timeout, "", 0}};
    address.mtu = mtu;
    TraceEvidence trace;
    trace.stopped = TraceStop::error;
    trace.detail = "no raw socket";
    address.tcp.trace = trace;
    address.protocol.name = "http";
    address.protocol.http = HttpEvidence{};
    address.protocol.kafka = KafkaEvidence{};
    return address;
}

DnsEvidence rich_dns() {
    DnsEvidence dns = dns_ok({"10.0.0.5", "fe80::1", odd("address")}, 1e-7);
    dns.status = StageStatus::warning;
    dns.cause = Cause::dns_sinkhole;
    dns.detail = odd("dns");
    dns.ares_status_a = 0;
    dns.ares_status_aaaa = 12;
    dns.canonical_names = {
        CanonicalName{"10.0.0.5", "b-1.example", "b-1.example", "dns", 0, Cause::none, "", 0.25},
        CanonicalName{"fe80::1", "", odd("reverse"), "hosts-file", 4, Cause::dns_nxdomain,
                      odd("canonical"), 1e15}};
    dns.local_answers = {"127.0.0.1", odd("local")};
    dns.tcp_fallback = DnsTcpFallback{true, Cause::none, 0, 1, {"10.0.0.9", odd("tcp")}, 2.55};
    return dns;
}

TargetReport rich_target() {
    TargetReport target;
    target.target = Target{odd("component"), "pub", odd("host"), 9093, "advertised"};
    target.target.advertised_by = odd("bootstrap");
    target.target.node_id = 7;
    target.target.canonical_of = odd("canonical of");
    target.status = StageStatus::failed;
    target.cause =
        TargetCause{Cause::protocol_kafka_error,
                    Stage::protocol,
                    odd("summary"),
                    {Suspect{"security-group", "sg-0abc", "egress", odd("rule"), odd("suspect")},
                     Suspect{odd("kind"), "", "", "", ""}},
                    odd("remedy")};
    target.evidence.target = target.target;
    target.evidence.dns = rich_dns();
    target.evidence.addresses = {bare_address(), rich_address()};
    target.evidence.addresses_not_probed = 3;
    target.shown_address = 1;
    return target;
}

// A target with no address probed at all, plaintext, from the catalog.
TargetReport unprobed_target() {
    TargetReport target;
    target.target = Target{"connect", "", "connect.example", 8083, ""};
    target.target.tls = false;
    target.status = StageStatus::failed;
    target.cause = TargetCause{Cause::none, Stage::dns, "", {}, ""};
    target.evidence.target = target.target;
    target.evidence.dns = dns_failed(Cause::dns_timeout, "");
    target.evidence.dns.tcp_fallback = DnsTcpFallback{};
    return target;
}

AgentInfo rich_agent(std::size_t descriptor_limit) {
    AgentInfo agent = agent_info();
    agent.hostname = odd("hostname");
    agent.name = odd("name");
    // A label's name is checked where it is configured; a report read back may hold any.
    agent.labels = {{"subnet", odd("label")}, {odd("label name"), "x"}};
    agent.version.clear();  // the build's own version is said instead
    agent.source_addresses = {"10.20.1.15", odd("source")};
    agent.resolvers = {};
    agent.duration_ms = 0.0;
    agent.command_line = odd("command line");
    agent.sasl_mechanism = "PLAIN";
    agent.follow_advertised = false;
    agent.advertised_not_probed = 2;
    agent.concurrency = 64;
    agent.socket_budget = 960;
    agent.descriptor_limit = descriptor_limit;
    agent.peak_targets = 3;
    agent.peak_sockets = 4;
    agent.queued_for_socket = 18446744073709551615ULL;
    agent.client_config = ClientConfigInfo{
        odd("file"), "Java properties", {"bootstrap.servers", odd("key")}, {}, {odd("note")}};
    TlsMaterialInfo tls;
    tls.trust = odd("trust");
    tls.trust_subjects = {"CN=Root", odd("anchor")};
    tls.client_certificate = odd_certificate("client", 'e');
    tls.client_certificate_source = odd("--client-cert");
    agent.tls = tls;
    agent.plan_notes = {odd("plan")};
    return agent;
}

Report rich_report() {
    Report report;
    report.agent = rich_agent(1024);
    report.targets = {rich_target(), unprobed_target()};
    report.findings = {Finding{odd("finding"),
                               Severity::warning,
                               odd("finding summary"),
                               {"kafka", odd("component")},
                               {},
                               {Suspect{"nacl", "acl-12/100", "ingress", "deny all", ""}},
                               odd("finding remedy"),
                               ""},
                       Finding{"dns.slow", Severity::info, "", {}, {"a:1"}, {}, "", "high"}};
    report.summary = Summary{1, -2, 2147483647};
    return report;
}

// The agent's parts that may be absent, absent; no targets, no findings.
Report bare_report() {
    Report report;
    report.schema_version = 1;
    report.agent = agent_info();
    report.agent.socket_budget = 8;  // the concurrency object, with an unlimited descriptor limit
    report.agent.tls = TlsMaterialInfo{"the system store", {}, std::nullopt, ""};
    return report;
}

std::string golden_path(const std::string& name) {
    return std::string(VPCPROBE_SOURCE_DIR) + "/tests/reports/render/golden/json/" + name;
}

// Compares the JSON of `report` with the golden file, or rewrites it when
// VPCPROBE_UPDATE_GOLDEN is set; the pieces given to a sink add up to the same bytes.
void check_golden(const std::string& name, const Report& report) {
    const std::string actual = render_json(report);
    const std::string path = golden_path(name);
    vpcprobe::test::check_golden_file(path, actual);
    const std::string expected = read_file(path);
    std::string pieces;
    render_json(report, [&pieces](std::string_view piece) { pieces += piece; });
    CHECK(pieces == expected);
    CHECK_NOTHROW(boost::json::parse(actual));
}

}  // namespace

TEST_CASE("json bytes: every member filled, strings escaped and repaired") {
    check_golden("rich.json", rich_report());
}

TEST_CASE("json bytes: the optional members absent, no targets") {
    check_golden("bare.json", bare_report());
}

TEST_CASE("json bytes: the fixtures' reports") {
    check_golden("mixed.json", mixed_report());
    check_golden("canonical.json", canonical_report());
    check_golden("path_trace.json", path_report());
}

TEST_CASE("json bytes: a report of many targets, written in several pieces") {
    Report report = mixed_report();
    const std::vector<TargetReport> four = report.targets;
    for (int i = 0; i < 60; ++i) {
        report.targets.insert(report.targets.end(), four.begin(), four.end());
    }
    report.targets.push_back(rich_target());
    std::size_t pieces = 0;
    std::string whole;
    render_json(report, [&](std::string_view piece) {
        ++pieces;
        whole += piece;
    });
    CHECK(pieces > 1);
    CHECK(whole == render_json(report));
    // Each target's bytes are those of the same target in a report of its own.
    const std::string rich = render_json(Report{1, report.agent, {rich_target()}, {}, {}});
    const std::string rich_members = rich.substr(rich.find("\n    {"));
    CHECK(whole.find(rich_members.substr(0, rich_members.find("\n  ]"))) != std::string::npos);
}
