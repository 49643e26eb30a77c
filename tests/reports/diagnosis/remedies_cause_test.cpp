// SPDX-License-Identifier: Apache-2.0
// reports/diagnosis/remedies.h for every cause code: a target failing (or warning) with each
// cause gets a remedy written from its own evidence, naming its address, port and component;
// the examples word for word (a dropped SYN with and without a suspect group, the ICMP
// sender, the missing intermediate, a pub name the console has not enabled, ...); remedies
// never repeat a finding's; add_remedies() is idempotent.
#include <catch2/catch.hpp>

#include <set>

#include <boost/json.hpp>

#include "core/cause.h"
#include "core/report.h"
#include "core/text.h"
#include "reports/diagnosis/attribution.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/diagnosis/remedies.h"
#include "reports/diagnosis/remedies_facts.h"
#include "reports/diagnosis/rules_eval.h"
#include "reports/render/json_report.h"
#include "reports/render/junit_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/text_report.h"
#include "tests/support/report_fixtures.h"
#include "tests/support/rules_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const std::string kHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";
const std::string kAddress = "10.88.0.11";
constexpr std::uint16_t kPort = 9095;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The address's stage for `stage`, as a StageResult.
StageResult& stage_of_address(AddressEvidence& address, Stage stage) {
    switch (stage) {
        case Stage::tcp:
            return address.tcp;
        case Stage::tls:
            return address.tls;
        case Stage::certificate:
            return address.certificate;
        default:
            return address.protocol;
    }
}

// Evidence of kHost:kPort (vpc kafka) failing with `cause` at its own stage (run.deadline at
// tcp), the later stages skipped; with the facts each remedy reads.
TargetEvidence failing_with(Cause cause) {
    const Stage stage = cause == Cause::run_deadline ? Stage::tcp : stage_of(cause);
    if (stage == Stage::dns) {
        DnsEvidence dns = dns_failed(cause, "the lookup of " + kHost + " failed");
        if (cause == Cause::dns_sinkhole) dns.addresses = {"0.0.0.0"};
        return evidence_of(make_target("kafka", kHost, kPort), dns, {});
    }
    AddressEvidence address = healthy(kAddress, kPort, kHost);
    address.protocol.status = StageStatus::ok;
    address.protocol.name = "kafka";
    address.certificate.chain = {
        certificate("CN=" + kHost, "CN=Example Intermediate CA", {kHost}, 'a')};
    StageResult& failed = stage_of_address(address, stage);
    failed.status = cause == Cause::cert_expiring_soon || cause == Cause::protocol_unrecognized
                        ? StageStatus::warning
                        : StageStatus::failed;
    failed.cause = cause;
    failed.detail = std::string(code(cause)) + " observed at " + kAddress;
    bool after = false;
    for (StageResult* each :
         {static_cast<StageResult*>(&address.tcp), static_cast<StageResult*>(&address.tls),
          static_cast<StageResult*>(&address.certificate),
          static_cast<StageResult*>(&address.protocol)}) {
        if (after && failed.status == StageStatus::failed) each->status = StageStatus::skipped;
        if (each == &failed) after = true;
    }
    if (cause == Cause::cert_expiring_soon) address.certificate.days_left = 12;
    return evidence_of(make_target("kafka", kHost, kPort), dns_ok({kAddress}), {address});
}

TargetReport judged(TargetEvidence evidence, AgentInfo agent = agent_info()) {
    Report report = diagnose({std::move(evidence)}, std::move(agent));
    REQUIRE(report.targets.size() == 1);
    REQUIRE(report.targets[0].cause);
    return report.targets[0];
}

// Text as the JUnit report encodes it inside an element.
std::string xml_text(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

// The causes whose remedy is about the component's port, service or endpoint.
bool names_component(Cause cause) {
    static const std::set<Cause> kAboutTheComponent = {
        Cause::tcp_timeout,          Cause::tcp_refused,
        Cause::tcp_unreachable,      Cause::tls_not_tls,
        Cause::tls_handshake_failed, Cause::protocol_timeout,
        Cause::protocol_not_kafka,   Cause::protocol_http_error,
        Cause::protocol_not_http,    Cause::protocol_wrong_service,
        Cause::protocol_closed,      Cause::protocol_too_large,
        Cause::protocol_error,       Cause::protocol_unrecognized};
    return kAboutTheComponent.count(cause) > 0;
}

bool mutual_tls(Cause cause) {
    return cause == Cause::tls_client_cert_required || cause == Cause::tls_client_cert_rejected;
}

}  // namespace

TEST_CASE("every cause code has a remedy that names this target's address, port or name") {
    std::set<std::string> remedies;
    for (const Cause cause : kAllCauses) {
        INFO(code(cause));
        const TargetReport target = judged(failing_with(cause));
        REQUIRE(target.cause->code == cause);
        const std::string& remedy = target.cause->remedy;
        CHECK_FALSE(remedy.empty());
        // Written for this cause: no two causes share one.
        CHECK(remedies.insert(remedy).second);
        const Stage stage = cause == Cause::run_deadline ? Stage::tcp : stage_of(cause);
        if (stage == Stage::dns) {
            CHECK(contains(remedy, kHost));
            CHECK(contains(remedy, "10.20.0.2:53"));  // the resolver asked
        } else if (!mutual_tls(cause)) {
            // Mutual TLS remedies are written from the CA names and our certificate instead.
            CHECK(contains(remedy, kAddress));
        }
        if (names_component(cause)) CHECK(contains(remedy, "Kafka broker"));
        if (stage == Stage::tcp && cause != Cause::tcp_unreachable) {
            CHECK(contains(remedy, "9095"));
        }
    }
}

TEST_CASE("every cause's remedy reaches every format") {
    for (const Cause cause : kAllCauses) {
        INFO(code(cause));
        const Report report = diagnose({failing_with(cause)}, agent_info());
        const std::string& remedy = report.targets[0].cause->remedy;
        REQUIRE_FALSE(remedy.empty());
        CHECK(contains(render_text(report, false), "    what to do: " + remedy + "\n"));
        const auto json = boost::json::parse(render_json(report));
        CHECK(boost::json::value_to<std::string>(
                  json.at("targets").at(0).at("cause").at("remedy")) == remedy);
        // Markdown escapes its punctuation: compare up to the first character it would escape.
        const std::string plain = remedy.substr(0, remedy.find_first_of("<>&*_[]|`\\~"));
        REQUIRE(plain.size() > 20);
        CHECK(contains(render_markdown(report), "- **What to do:** " + plain));
        CHECK(contains(render_junit(report), "what to do: " + xml_text(remedy) + "\n"));
    }
}

TEST_CASE("a dropped SYN: allow the port from this host's address to the endpoint's") {
    const TargetReport target = judged(failing_with(Cause::tcp_timeout));
    CHECK(target.cause->remedy ==
          "allow tcp/9095 from 10.20.1.15 (or its subnet) to 10.88.0.11 in the security group "
          "and network ACL of the Kafka broker endpoint, and in this host's egress rules");
}

TEST_CASE("a dropped SYN with a suspect group: the remedy names the group, once per pass") {
    Report report = diagnose({failing_with(Cause::tcp_timeout)}, agent_info());
    report.targets[0].cause->suspects.push_back(
        Suspect{"security-group", "sg-0abc", "ingress", "", "no rule allows tcp/9095"});
    add_remedies(report);
    const std::string first = report.targets[0].cause->remedy;
    CHECK(first ==
          "allow tcp/9095 from 10.20.1.15 to 10.88.0.11 in sg-0abc (ingress) and in this "
          "host's egress rules");
    add_remedies(report);
    CHECK(report.targets[0].cause->remedy == first);
    CHECK(report.targets[0].cause->suspects.size() == 1);
}

TEST_CASE("rules attribution writes the remedy again with the ACL entry it found") {
    const std::string& dir = vpcprobe::test::kRulesFixtures;
    auto rules = rules::load_rules({dir + "aws_security_groups.json", dir + "aws_network_acls.json",
                                    dir + "aws_network_interfaces.json"});
    REQUIRE(rules.ok());
    Report report = diagnose({evidence_of(make_target("kafka", "vpc-kafka-x.example", 9095),
                                          dns_ok({"10.0.0.5"}), {tcp_failed("10.0.0.5", 9095)})},
                             agent_info());
    attribute_to_rules(report, *rules);
    CHECK(report.targets[0].cause->remedy ==
          "allow tcp/9095 from 10.20.1.15 to 10.0.0.5 in acl-0f1e2d3c4b5a69788 entry 100 "
          "(ingress) and in this host's egress rules");
}

TEST_CASE("an ICMP reject: the remedy names the firewall that sent it") {
    TargetEvidence evidence = failing_with(Cause::tcp_prohibited);
    TcpEvidence& tcp = evidence.addresses[0].tcp;
    tcp.icmp = IcmpReport{2, 3, 13, "10.50.2.2", "admin-prohibited"};
    tcp.detail = "10.50.2.2 answered ICMP admin-prohibited for 10.88.0.11:9095";
    const std::string remedy = judged(evidence).cause->remedy;
    CHECK(remedy ==
          "the firewall at 10.50.2.2, not the destination, rejected it (ICMP admin-prohibited): "
          "allow tcp/9095 from 10.20.1.15 to 10.88.0.11 in its rules (a router, transit router, "
          "VPN gateway or network firewall on the path, not the endpoint's security group; or "
          "have its operators do so)");

    tcp.icmp->offender = kAddress;  // the host itself rejects
    CHECK(contains(judged(evidence).cause->remedy, "the host 10.88.0.11 itself rejected it"));
}

TEST_CASE("a missing intermediate: the server must send it, named by the leaf's issuer") {
    TargetEvidence evidence = failing_with(Cause::cert_incomplete_chain);
    evidence.addresses[0].certificate.chain = {
        certificate("CN=" + kHost, "CN=Example Issuing CA 2", {kHost}, 'a')};
    CHECK(judged(evidence).cause->remedy ==
          "the server at 10.88.0.11:9095 must send its intermediate certificate (CN=Example "
          "Issuing CA 2, the leaf's issuer) with its leaf; until then clients that do not "
          "already hold it fail (as a stopgap, add CN=Example Issuing CA 2 to --ca-file or "
          "ssl.truststore.location)");
}

TEST_CASE("a pub name the console has not enabled: the component and the console page") {
    const std::string cc_host = "pub-controlcenter-abcdef1234.alikafka.aliyuncs.com";
    const std::string sr_host = "pub-schemaregistry-abcdef1234.alikafka.aliyuncs.com";
    Report report =
        diagnose({evidence_of(make_target("control-center", cc_host, 443, "pub"),
                              dns_ok({"47.1.2.3"}), {healthy("47.1.2.3", 443, cc_host)}),
                  evidence_of(make_target("schema-registry", sr_host, 443, "pub"),
                              dns_failed(Cause::dns_nxdomain, "NXDOMAIN from 10.20.0.2:53"), {})},
                 agent_info());
    REQUIRE(report.findings.size() >= 1);
    const Finding* finding = nullptr;
    for (const auto& each : report.findings) {
        if (each.code == "access.internet_not_enabled") finding = &each;
    }
    REQUIRE(finding != nullptr);
    const std::string& remedy = report.targets[1].cause->remedy;
    CHECK(contains(remedy, "enable Internet access for Schema Registry"));
    CHECK(contains(remedy, "Access Links and Interfaces"));
    CHECK(contains(remedy, sr_host));
    CHECK(remedy != finding->remedy);
}

TEST_CASE("no target's remedy repeats the remedy of a finding that covers it") {
    Report report = mixed_report();
    for (const auto& target : report.targets) {
        if (!target.cause) continue;
        for (const auto& finding : report.findings) {
            CHECK(lower(finding.remedy) != lower(target.cause->remedy));
        }
    }
}

TEST_CASE("a vpc name that does not exist: the instance ID and the resolvers asked") {
    const std::string remedy = judged(failing_with(Cause::dns_nxdomain)).cause->remedy;
    CHECK(contains(remedy, "partInstanceId abcdef1234"));
    CHECK(contains(remedy, "resolver 10.20.0.2:53"));
    CHECK(contains(remedy, "100.100.2.136"));
}

TEST_CASE("an expired certificate: which one and when") {
    TargetEvidence evidence = failing_with(Cause::cert_expired);
    auto& certificate = evidence.addresses[0].certificate;
    certificate.chain.push_back(
        test::certificate("CN=Example Intermediate CA", "CN=Example Root", {}, 'b'));
    certificate.chain[1].not_after = utc(2026, 10, 1);
    certificate.verify_errors = {
        VerifyError{1, 10, "certificate has expired", Cause::cert_expired}};
    const std::string remedy = judged(evidence).cause->remedy;
    CHECK(contains(remedy, "the intermediate certificate CN=Example Intermediate CA"));
    CHECK(contains(remedy, "expired on 2026-10-01"));
}

TEST_CASE("a hostname mismatch lists what the certificate covers and the name asked") {
    TargetEvidence evidence = failing_with(Cause::cert_hostname_mismatch);
    evidence.addresses[0].certificate.chain[0].sans = {"*.other.example", "other.example"};
    const std::string remedy = judged(evidence).cause->remedy;
    CHECK(contains(remedy, "covers only *.other.example, other.example, not " + kHost));
}

TEST_CASE("an untrusted chain names its root and how to trust it") {
    TargetEvidence evidence = failing_with(Cause::cert_untrusted);
    auto root = certificate("CN=Corp Proxy Root", "CN=Corp Proxy Root", {}, 'r');
    root.self_issued = true;
    evidence.addresses[0].certificate.chain.push_back(root);
    const std::string remedy = judged(evidence).cause->remedy;
    CHECK(contains(remedy, "ends at CN=Corp Proxy Root"));
    CHECK(contains(remedy, "--ca-file"));
    CHECK(contains(remedy, "ssl.truststore"));
}

TEST_CASE("a refused port: nothing listens there, and the catalog's port when it differs") {
    CHECK(judged(failing_with(Cause::tcp_refused)).cause->remedy ==
          "nothing listens on port 9095 at 10.88.0.11, the Kafka broker's port for vpc access: the "
          "Kafka broker service there is down or restarting; check the component's state in the "
          "console");
    TargetEvidence evidence = failing_with(Cause::tcp_refused);
    evidence.target.port = 9092;
    CHECK(judged(evidence).cause->remedy ==
          "nothing listens on port 9092 at 10.88.0.11: 9092 is not the Kafka broker's port for vpc "
          "access; use 9095");
}

TEST_CASE("refused credentials: the mechanism used and those the broker offers") {
    TargetEvidence evidence = failing_with(Cause::protocol_auth_failed);
    KafkaEvidence kafka;
    kafka.sasl_mechanism = "SCRAM-SHA-256";
    kafka.sasl_mechanisms_offered = {"PLAIN", "SCRAM-SHA-256"};
    evidence.addresses[0].protocol.kafka = kafka;
    std::string remedy = judged(evidence).cause->remedy;
    CHECK(contains(remedy, "refused the SCRAM-SHA-256 credentials"));
    CHECK(contains(remedy, "the broker offers PLAIN, SCRAM-SHA-256"));

    evidence.addresses[0].protocol.kafka->sasl_mechanisms_offered = {"PLAIN"};
    remedy = judged(evidence).cause->remedy;
    CHECK(contains(remedy, "does not offer SCRAM-SHA-256; the broker offers PLAIN"));
}

TEST_CASE("a sinkholed name: the filter at the resolver, an allow for the name") {
    const std::string remedy = judged(failing_with(Cause::dns_sinkhole)).cause->remedy;
    CHECK(contains(remedy, "a DNS firewall or filter rule at resolver 10.20.0.2:53 blocked " +
                               kHost + " (it answered 0.0.0.0)"));
    CHECK(contains(remedy, "allow " + kHost));
}

TEST_CASE("a name that resolved to this host: the summary and the remedy say so after the cause") {
    TargetEvidence evidence = evidence_of(make_target("kafka", kHost, kPort), dns_ok({"127.0.0.1"}),
                                          {tcp_failed("127.0.0.1", kPort, Cause::tcp_refused)});
    evidence.dns.local_answers = {"127.0.0.1"};
    evidence.dns.source = "hosts-file";
    const TargetReport target = judged(evidence);
    CHECK(target.cause->summary.ends_with(" (" + kHost +
                                          " resolved to 127.0.0.1, a loopback address)"));
    CHECK(target.cause->remedy.starts_with("nothing listens on port 9095 at 127.0.0.1"));
    CHECK(contains(target.cause->remedy,
                   "; and " + kHost +
                       " resolved to 127.0.0.1, this host (from the hosts file): unless a tunnel "
                       "here is meant to serve it, correct that hosts-file entry"));

    evidence.dns.local_answers = {"169.254.10.1"};
    CHECK(contains(judged(evidence).cause->summary, "a link-local address"));
    evidence.dns.local_answers.clear();
    CHECK_FALSE(contains(judged(evidence).cause->summary, "loopback"));
}

TEST_CASE("plaintext asked of a TLS listener: the TLS scheme for this target") {
    CHECK(contains(judged(failing_with(Cause::protocol_tls_required)).cause->remedy,
                   "use SSL:// (SASL_SSL:// with SASL) for " + kHost + ":9095"));
}

TEST_CASE("a service that is not the component: the catalog's port, or the routing of the name") {
    TargetEvidence evidence = failing_with(Cause::protocol_not_kafka);
    CHECK(contains(judged(evidence).cause->remedy,
                   "9095 is the Kafka broker's port for vpc access, so check that " + kHost +
                       " leads to it and not to another service"));
    evidence.target.port = 9092;
    CHECK(contains(judged(evidence).cause->remedy,
                   "use port 9095, where the Kafka broker listens for vpc access"));
}

TEST_CASE("the run's deadline: which stage of which endpoint it cut") {
    CHECK(contains(judged(failing_with(Cause::run_deadline)).cause->remedy,
                   "during the tcp stage of 10.88.0.11:9095"));
}

TEST_CASE("a resolver silent over UDP: what its TCP answer says to do") {
    TargetEvidence evidence = failing_with(Cause::dns_timeout);
    SECTION("TCP/53 answers: open UDP/53, since clients here never retry over TCP") {
        evidence.dns.tcp_fallback = DnsTcpFallback{true, Cause::none, 0, 0, {"10.0.0.5"}, 2.0};
        const std::string remedy = judged(evidence).cause->remedy;
        CHECK(contains(remedy,
                       "10.20.0.2:53 answers over TCP/53 but not over UDP/53 (it gives "
                       "10.0.0.5): allow udp/53 from"));
        CHECK(contains(remedy, "do not retry over TCP"));
    }
    SECTION("neither answers: reach the resolver at all, or use another") {
        evidence.dns.tcp_fallback = DnsTcpFallback{false, Cause::dns_timeout, 0, 0, {}, 3000.0};
        CHECK(contains(judged(evidence).cause->remedy,
                       "answers neither over UDP/53 nor over TCP/53"));
    }
    SECTION("no TCP retry recorded: both ports to check") {
        CHECK(contains(judged(evidence).cause->remedy, "on udp/53 and tcp/53"));
    }
}
