// SPDX-License-Identifier: Apache-2.0
// find_patterns(): what the targets say together (docs/report.md, "Findings"). Each pattern is
// checked where it must fire and where a look-alike must not.
#include <openssl/x509_vfy.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "core/report.h"
#include "reports/diagnosis/findings.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

std::string host_of(const std::string& prefix, const std::string& service) {
    return prefix + "-" + service + "-abcdef1234.alikafka.aliyuncs.com";
}

TargetEvidence pub_target(const std::string& component, const std::string& service, DnsEvidence dns,
                          std::vector<AddressEvidence> addresses = {}) {
    const std::uint16_t port = component == "kafka" ? 9092 : 443;
    return evidence_of(make_target(component, host_of("pub", service), port, "pub"), std::move(dns),
                       std::move(addresses));
}

TargetEvidence nxdomain_target(const std::string& component, const std::string& host,
                               std::uint16_t port, const std::string& access = "vpc") {
    return evidence_of(make_target(component, host, port, access),
                       dns_failed(Cause::dns_nxdomain, host + ": NXDOMAIN from 10.20.0.2:53"), {});
}

// A target on `host:port` whose addresses were probed as given.
TargetEvidence probed(const std::string& component, const std::string& host, std::uint16_t port,
                      std::vector<AddressEvidence> addresses) {
    std::vector<std::string> names;
    for (const auto& address : addresses) names.push_back(address.address);
    return evidence_of(make_target(component, host, port), dns_ok(names), std::move(addresses));
}

// A chain that verification rejected with `cause`, ending at `top_issuer`.
AddressEvidence bad_chain(const std::string& address, std::uint16_t port, const std::string& host,
                          Cause cause, const std::string& top_issuer) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.certificate.status = StageStatus::failed;
    evidence.certificate.cause = cause;
    evidence.certificate.detail = "the chain of " + host + " failed verification";
    evidence.certificate.chain = {certificate("CN=" + host, top_issuer, {host}, 'c')};
    return evidence;
}

// A certificate that only becomes valid on 2027-03-01 (the agent's clock says 2026-11-22).
AddressEvidence future_chain(const std::string& address, std::uint16_t port,
                             const std::string& host) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.certificate.status = StageStatus::failed;
    evidence.certificate.cause = Cause::cert_not_yet_valid;
    evidence.certificate.chain.front().not_before = utc(2027, 3, 1);
    return evidence;
}

std::vector<Finding> findings_of(std::vector<TargetEvidence> evidence,
                                 AgentInfo agent = agent_info()) {
    Report report = diagnose(std::move(evidence), agent);
    // diagnose() must hand over exactly what find_patterns() says.
    std::vector<Finding> direct = find_patterns(report.targets, report.agent);
    REQUIRE(direct.size() == report.findings.size());
    for (std::size_t i = 0; i < direct.size(); ++i) {
        CHECK(direct[i].code == report.findings[i].code);
        CHECK(direct[i].summary == report.findings[i].summary);
    }
    return report.findings;
}

const Finding* with_code(const std::vector<Finding>& findings, const std::string& code) {
    auto it = std::find_if(findings.begin(), findings.end(),
                           [&](const Finding& finding) { return finding.code == code; });
    return it == findings.end() ? nullptr : &*it;
}

std::vector<std::string> codes_of(const std::vector<Finding>& findings) {
    std::vector<std::string> codes;
    for (const auto& finding : findings) codes.push_back(finding.code);
    return codes;
}

const std::string kKafka = host_of("vpc", "kafka");
const std::string kRegistry = host_of("vpc", "schemaregistry");
const std::string kConnect = host_of("vpc", "connect");

}  // namespace

TEST_CASE("no findings for healthy targets or no targets") {
    CHECK(findings_of({}).empty());
    CHECK(findings_of({healthy_target("kafka", kKafka, 9095, "10.0.0.5"),
                       healthy_target("schema-registry", kRegistry, 8081, "10.0.0.6")})
              .empty());
}

TEST_CASE("access.internet_not_enabled: pub names missing while Control Center's resolves") {
    SECTION("fires, naming the components to enable") {
        auto findings =
            findings_of({pub_target("control-center", "controlcenter", dns_ok({"47.88.1.2"}),
                                    {healthy("47.88.1.2", 443, host_of("pub", "controlcenter"))}),
                         pub_target("kafka", "kafka", dns_failed(Cause::dns_nxdomain, "NXDOMAIN")),
                         pub_target("schema-registry", "schemaregistry",
                                    dns_failed(Cause::dns_nodata, "no A/AAAA")),
                         healthy_target("kafka", kKafka, 9095, "10.0.0.5")});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"access.internet_not_enabled"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::error);
        CHECK(finding.components == std::vector<std::string>{"kafka", "schema-registry"});
        CHECK(finding.targets ==
              std::vector<std::string>{host_of("pub", "kafka") + ":9092",
                                       host_of("pub", "schemaregistry") + ":443"});
        CHECK_THAT(finding.summary, Catch::Contains("pub-controlcenter-abcdef1234") &&
                                        Catch::Contains("47.88.1.2") &&
                                        Catch::Contains("pub-kafka-abcdef1234"));
        CHECK(finding.remedy ==
              "In the ApsaraMQ for Confluent console, open the instance's Access Links and "
              "Interfaces page and enable Internet access for: kafka, schema-registry");
        REQUIRE(finding.suspects.size() == 2);
        CHECK(finding.suspects[0].kind == "dns");
        CHECK(finding.suspects[0].id == host_of("pub", "kafka"));
    }
    SECTION("does not fire when Control Center's pub name fails too") {
        auto findings = findings_of(
            {pub_target("control-center", "controlcenter",
                        dns_failed(Cause::dns_nxdomain, "NXDOMAIN")),
             pub_target("kafka", "kafka", dns_failed(Cause::dns_nxdomain, "NXDOMAIN"))});
        CHECK(with_code(findings, "access.internet_not_enabled") == nullptr);
        // ... which is the instance as a whole not resolving instead.
        CHECK(with_code(findings, "dns.instance_unresolvable") != nullptr);
    }
    SECTION("does not fire for a resolver failure (the name may exist)") {
        auto findings = findings_of(
            {pub_target("control-center", "controlcenter", dns_ok({"47.88.1.2"}),
                        {healthy("47.88.1.2", 443, host_of("pub", "controlcenter"))}),
             pub_target("kafka", "kafka", dns_failed(Cause::dns_timeout, "no answer"))});
        CHECK(findings.empty());
    }
    SECTION("does not fire for vpc names or when there is no pub Control Center target") {
        CHECK(findings_of({pub_target("control-center", "controlcenter", dns_ok({"47.88.1.2"}),
                                      {healthy("47.88.1.2", 443, host_of("pub", "controlcenter"))}),
                           healthy_target("connect", kConnect, 8083, "10.0.0.7"),
                           nxdomain_target("kafka", kKafka, 9095)})
                  .empty());
        auto findings = findings_of(
            {healthy_target("kafka", kKafka, 9095, "10.0.0.5"),
             pub_target("kafka", "kafka", dns_failed(Cause::dns_nxdomain, "NXDOMAIN"))});
        CHECK(findings.empty());
    }
}

TEST_CASE("dns.instance_unresolvable: no catalog name resolves") {
    SECTION("fires, naming the resolvers and the partInstanceId") {
        AgentInfo agent = agent_info();
        agent.resolvers = {"10.20.0.2:53", "10.20.0.3:53"};
        auto findings = findings_of(
            {nxdomain_target("kafka", kKafka, 9095), nxdomain_target("mds", kKafka, 8090),
             evidence_of(make_target("schema-registry", kRegistry, 8081),
                         dns_failed(Cause::dns_servfail, "SERVFAIL"), {})},
            agent);
        REQUIRE(codes_of(findings) == std::vector<std::string>{"dns.instance_unresolvable"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::error);
        CHECK(finding.components == std::vector<std::string>{"kafka", "mds", "schema-registry"});
        CHECK(finding.targets.size() == 3);
        CHECK_THAT(finding.summary, Catch::Contains("2 endpoint names of instance abcdef1234") &&
                                        Catch::Contains("dns.nxdomain, dns.servfail") &&
                                        Catch::Contains("10.20.0.2:53, 10.20.0.3:53"));
        CHECK_THAT(finding.remedy, Catch::Contains("partInstanceId abcdef1234") &&
                                       Catch::Contains("100.100.2.136") &&
                                       Catch::Contains("/etc/resolv.conf"));
        REQUIRE(finding.suspects.size() == 2);
        CHECK(finding.suspects[1].kind == "dns");
        CHECK(finding.suspects[1].id == "10.20.0.3:53");
    }
    SECTION("without configured resolvers it says the system's") {
        AgentInfo agent = agent_info();
        agent.resolvers.clear();
        auto findings = findings_of({nxdomain_target("kafka", kKafka, 9095)}, agent);
        REQUIRE(findings.size() == 1);
        CHECK_THAT(findings[0].summary, Catch::Contains("the system's default resolvers"));
    }
    SECTION("does not fire when one catalog name resolves") {
        CHECK(findings_of({nxdomain_target("kafka", kKafka, 9095),
                           healthy_target("schema-registry", kRegistry, 8081, "10.0.0.6")})
                  .empty());
    }
    SECTION("does not fire for targets that are not from the catalog") {
        CHECK(findings_of({nxdomain_target("kafka", "broker.example.internal", 9092, "")}).empty());
    }
}

TEST_CASE("firewall.port_blocked: one port dropped on hosts that answer on other ports") {
    SECTION("fires for the dropped port only") {
        auto findings = findings_of(
            {probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
             probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
             probed("connect", kConnect, 8083, {tcp_failed("10.0.0.7", 8083, Cause::tcp_refused)}),
             probed("schema-registry", kConnect, 8081, {tcp_failed("10.0.0.7", 8081)})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"firewall.port_blocked"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::error);
        CHECK(finding.confidence == "certain");
        CHECK_THAT(finding.summary, Catch::Contains("certain: every one of them answers"));
        CHECK(finding.targets == std::vector<std::string>{kKafka + ":8081", kConnect + ":8081"});
        CHECK(finding.components == std::vector<std::string>{"kafka", "schema-registry"});
        CHECK_THAT(finding.summary, Catch::Contains("tcp/8081") &&
                                        Catch::Contains("2 addresses (10.0.0.5, 10.0.0.7)") &&
                                        Catch::Contains("tcp/8083, tcp/9095") &&
                                        Catch::Contains("a rule on port 8081, not the hosts"));
        REQUIRE(finding.suspects.size() == 1);
        CHECK(finding.suspects[0].kind == "firewall");
        CHECK(finding.suspects[0].id == "tcp/8081");
        CHECK_THAT(finding.remedy,
                   Catch::StartsWith("Allow tcp/8081 from 10.20.1.15 to 10.0.0.5, 10.0.0.7"));
    }
    SECTION("does not fire when the whole hosts are down") {
        auto findings =
            findings_of({probed("kafka", kKafka, 9095, {tcp_failed("10.0.0.5", 9095)}),
                         probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
                         probed("connect", kConnect, 8083, {tcp_failed("10.0.0.7", 8083)}),
                         probed("connect", kConnect, 8081, {tcp_failed("10.0.0.7", 8081)})});
        CHECK(with_code(findings, "firewall.port_blocked") == nullptr);
    }
    SECTION("does not fire for a single address") {
        auto findings =
            findings_of({probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
                         probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)})});
        CHECK(findings.empty());
    }
    SECTION("partial evidence: one host proves alive, another was probed on no other port") {
        auto findings = findings_of(
            {probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
             probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
             probed("schema-registry", kConnect, 8081, {tcp_failed("10.0.0.7", 8081)})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"firewall.port_blocked"});
        const Finding& finding = findings[0];
        CHECK(finding.confidence == "likely");
        CHECK(finding.targets == std::vector<std::string>{kKafka + ":8081", kConnect + ":8081"});
        CHECK_THAT(finding.summary, Catch::Contains("2 addresses (10.0.0.5, 10.0.0.7)") &&
                                        Catch::Contains("10.0.0.5 answers on tcp/9095") &&
                                        Catch::Contains("most likely a rule on port 8081") &&
                                        Catch::Contains("10.0.0.7 was probed on no other port"));
    }
    SECTION("a host that drops every port it was probed on says nothing about the port") {
        auto findings =
            findings_of({probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
                         probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
                         probed("connect", kConnect, 8083, {tcp_failed("10.0.0.7", 8083)}),
                         probed("connect", kConnect, 8081, {tcp_failed("10.0.0.7", 8081)})});
        CHECK(with_code(findings, "firewall.port_blocked") == nullptr);
    }
    SECTION("no host proves alive: no finding, however many drop the port") {
        auto findings =
            findings_of({probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
                         probed("connect", kConnect, 8081, {tcp_failed("10.0.0.7", 8081)}),
                         probed("ksqldb", kKafka, 8081, {tcp_failed("10.0.0.8", 8081)})});
        CHECK(with_code(findings, "firewall.port_blocked") == nullptr);
    }
    SECTION("does not fire when the port is refused rather than dropped") {
        auto findings = findings_of(
            {probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
             probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081, Cause::tcp_refused)}),
             probed("connect", kConnect, 8083, {healthy("10.0.0.7", 8083)}),
             probed("connect", kConnect, 8081,
                    {tcp_failed("10.0.0.7", 8081, Cause::tcp_refused)})});
        CHECK(findings.empty());
    }
}

TEST_CASE("dns.vpc_name_public_address: a name answered from the wrong side of the horizon") {
    SECTION("a vpc- name with a public address, a pub- name with a private one") {
        auto findings = findings_of(
            {healthy_target("kafka", kKafka, 9095, "47.88.1.2"),
             healthy_target("schema-registry", kRegistry, 8081, "172.32.0.1"),  // just past /12
             pub_target("control-center", "controlcenter", dns_ok({"10.0.0.9"}),
                        {healthy("10.0.0.9", 443, host_of("pub", "controlcenter"))})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"dns.vpc_name_public_address"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::warning);
        CHECK(finding.components ==
              std::vector<std::string>{"kafka", "schema-registry", "control-center"});
        CHECK_THAT(finding.summary,
                   Catch::Contains(kKafka + " resolved to public 47.88.1.2") &&
                       Catch::Contains("pub-controlcenter-abcdef1234.alikafka.aliyuncs.com "
                                       "resolved to private 10.0.0.9") &&
                       Catch::Contains("split-horizon DNS or the wrong resolver"));
        CHECK(finding.suspects.size() == 3);
        CHECK_THAT(finding.remedy, Catch::Contains("100.100.2.136"));
    }
    SECTION("private, CGNAT, ULA and link-local answers for vpc- names are fine") {
        for (const char* address :
             {"10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.100.2.136",
              "100.64.0.1", "127.0.0.1", "169.254.1.1", "fd00::5", "fe80::1", "::1"}) {
            CAPTURE(address);
            CHECK(findings_of({healthy_target("kafka", kKafka, 9095, address)}).empty());
        }
    }
    SECTION("public answers for pub- names and names outside the catalog are fine") {
        CHECK(findings_of({pub_target("kafka", "kafka", dns_ok({"47.88.1.2", "2001:db8::5"}),
                                      {healthy("47.88.1.2", 9092, host_of("pub", "kafka"))})})
                  .empty());
        CHECK(findings_of({evidence_of(make_target("kafka", "vpc-broker.example.com", 9092, ""),
                                       dns_ok({"47.88.1.2"}), {healthy("47.88.1.2", 9092)})})
                  .empty());
    }
    SECTION("a DNS filter's 0.0.0.0 or :: (dns.sinkhole) is no side of any horizon") {
        CHECK(findings_of({pub_target("kafka", "kafka", dns_ok({"0.0.0.0", "47.88.1.2"}),
                                      {healthy("47.88.1.2", 9092, host_of("pub", "kafka"))})})
                  .empty());
        CHECK(findings_of({pub_target("kafka", "kafka", dns_ok({"::", "2001:db8::5"}),
                                      {healthy("2001:db8::5", 9092, host_of("pub", "kafka"))})})
                  .empty());
    }
}

TEST_CASE("tls.interception_suspected: one unknown CA behind several hostnames") {
    const std::string proxy_ca = "CN=Corp SSL Inspection CA";
    SECTION("fires for the same untrusted top issuer on two hostnames") {
        auto findings = findings_of(
            {probed("kafka", kKafka, 9095,
                    {bad_chain("10.0.0.5", 9095, kKafka, Cause::cert_untrusted, proxy_ca)}),
             probed(
                 "schema-registry", kRegistry, 8081,
                 {bad_chain("10.0.0.6", 8081, kRegistry, Cause::cert_incomplete_chain, proxy_ca)}),
             healthy_target("connect", kConnect, 8083, "10.0.0.7")});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"tls.interception_suspected"});
        const Finding& finding = findings[0];
        CHECK(finding.components == std::vector<std::string>{"kafka", "schema-registry"});
        CHECK_THAT(finding.summary, Catch::Contains(proxy_ca) &&
                                        Catch::Contains("TLS-inspecting middlebox or proxy"));
        REQUIRE(finding.suspects.size() == 1);
        CHECK(finding.suspects[0].kind == "certificate");
        CHECK(finding.suspects[0].id == proxy_ca);
        CHECK_THAT(finding.remedy, Catch::Contains("--ca-file"));
    }
    SECTION("does not fire for one hostname on two ports") {
        CHECK(findings_of(
                  {probed("kafka", kKafka, 9095,
                          {bad_chain("10.0.0.5", 9095, kKafka, Cause::cert_untrusted, proxy_ca)}),
                   probed("mds", kKafka, 8090,
                          {bad_chain("10.0.0.5", 8090, kKafka, Cause::cert_untrusted, proxy_ca)})})
                  .empty());
    }
    SECTION("does not fire for different issuers or for other certificate errors") {
        CHECK(findings_of({probed("kafka", kKafka, 9095,
                                  {bad_chain("10.0.0.5", 9095, kKafka, Cause::cert_self_signed,
                                             "CN=" + kKafka)}),
                           probed("schema-registry", kRegistry, 8081,
                                  {bad_chain("10.0.0.6", 8081, kRegistry, Cause::cert_self_signed,
                                             "CN=" + kRegistry)})})
                  .empty());
        CHECK(findings_of({probed("kafka", kKafka, 9095,
                                  {bad_chain("10.0.0.5", 9095, kKafka,
                                             Cause::cert_hostname_mismatch, proxy_ca)}),
                           probed("schema-registry", kRegistry, 8081,
                                  {bad_chain("10.0.0.6", 8081, kRegistry,
                                             Cause::cert_hostname_mismatch, proxy_ca)})})
                  .empty());
    }
}

TEST_CASE("clock.skew_suspected: several hostnames' certificates not valid yet") {
    SECTION("fires for two hostnames, with the dates") {
        auto findings =
            findings_of({probed("kafka", kKafka, 9095, {future_chain("10.0.0.5", 9095, kKafka)}),
                         probed("schema-registry", kRegistry, 8081,
                                {future_chain("10.0.0.6", 8081, kRegistry)})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"clock.skew_suspected"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::error);
        CHECK_THAT(finding.summary, Catch::Contains("(valid from 2027-03-01T00:00:00Z) while this "
                                                    "host's clock said 2026-11-22T10:00:00Z"));
        CHECK_THAT(finding.remedy, Catch::Contains("timedatectl"));
    }
    SECTION("counts a not-yet-valid error hidden behind another cause") {
        AddressEvidence untrusted =
            bad_chain("10.0.0.6", 8081, kRegistry, Cause::cert_untrusted, "CN=Other CA");
        untrusted.certificate.verify_errors = {
            {0, X509_V_ERR_CERT_NOT_YET_VALID, "certificate is not yet valid",
             Cause::cert_not_yet_valid},
            {0, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "unable to get local issuer",
             Cause::cert_incomplete_chain}};
        auto findings =
            findings_of({probed("kafka", kKafka, 9095, {future_chain("10.0.0.5", 9095, kKafka)}),
                         probed("schema-registry", kRegistry, 8081, {untrusted})});
        CHECK(codes_of(findings) == std::vector<std::string>{"clock.skew_suspected"});
    }
    SECTION("does not fire for a single hostname") {
        CHECK(findings_of({probed("kafka", kKafka, 9095, {future_chain("10.0.0.5", 9095, kKafka)}),
                           probed("mds", kKafka, 8090, {future_chain("10.0.0.5", 8090, kKafka)}),
                           healthy_target("schema-registry", kRegistry, 8081, "10.0.0.6")})
                  .empty());
    }
}

TEST_CASE("network.partial_reachability: some addresses of a name connect, others do not") {
    SECTION("fires once per host, listing the failing addresses") {
        auto findings =
            findings_of({probed("kafka", kKafka, 9095,
                                {healthy("10.0.0.5", 9095), tcp_failed("10.0.1.5", 9095),
                                 tcp_failed("10.0.2.5", 9095, Cause::tcp_unreachable)}),
                         probed("mds", kKafka, 8090,
                                {healthy("10.0.0.5", 8090), tcp_failed("10.0.1.5", 8090),
                                 healthy("10.0.2.5", 8090)})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"network.partial_reachability"});
        const Finding& finding = findings[0];
        CHECK(finding.severity == Severity::warning);
        CHECK(finding.targets == std::vector<std::string>{kKafka + ":9095", kKafka + ":8090"});
        CHECK_THAT(finding.summary,
                   Catch::StartsWith("2 addresses of " + kKafka +
                                     " fail at TCP (10.0.1.5 (tcp.timeout), 10.0.2.5 "
                                     "(tcp.unreachable)) while 10.0.0.5 connects"));
        REQUIRE(finding.suspects.size() == 2);
        CHECK(finding.suspects[0].kind == "firewall");
        CHECK(finding.suspects[0].id == "10.0.1.5");
        CHECK(finding.suspects[1].kind == "route");
        CHECK(finding.suspects[1].id == "10.0.2.5");
        CHECK_THAT(finding.remedy, Catch::Contains("subnets of 10.0.1.5, 10.0.2.5"));
    }
    SECTION("one finding per host, in the order the hosts first appear among the targets") {
        // kConnect appears first with a single address (not a case itself); kKafka's case comes
        // before kConnect's in the list, and kConnect's two split targets make one finding.
        auto findings =
            findings_of({probed("connect", kConnect, 8084, {healthy("10.0.0.7", 8084)}),
                         probed("kafka", kKafka, 9095,
                                {healthy("10.0.0.5", 9095), tcp_failed("10.0.1.5", 9095)}),
                         probed("connect", kConnect, 8083,
                                {healthy("10.0.0.7", 8083), tcp_failed("10.0.1.7", 8083)}),
                         probed("kafka", kKafka, 9096, {healthy("10.0.0.5", 9096)}),
                         probed("connect", kConnect, 8085,
                                {tcp_failed("10.0.2.7", 8085), healthy("10.0.0.7", 8085)})});
        REQUIRE(codes_of(findings) == std::vector<std::string>{"network.partial_reachability",
                                                               "network.partial_reachability"});
        CHECK_THAT(findings[0].summary, Catch::StartsWith("2 addresses of " + kConnect));
        CHECK(findings[0].targets ==
              std::vector<std::string>{kConnect + ":8083", kConnect + ":8085"});
        CHECK_THAT(findings[0].summary, Catch::Contains("10.0.1.7 (tcp.timeout), 10.0.2.7"));
        CHECK(findings[1].targets == std::vector<std::string>{kKafka + ":9095"});
    }
    SECTION("does not fire when every address fails, or for one address") {
        CHECK(findings_of({probed("kafka", kKafka, 9095,
                                  {tcp_failed("10.0.0.5", 9095), tcp_failed("10.0.1.5", 9095)}),
                           probed("connect", kConnect, 8083, {tcp_failed("10.0.0.7", 8083)})})
                  .empty());
    }
    SECTION("does not fire when the addresses connect and fail later (TLS, certificate)") {
        CHECK(findings_of({probed("kafka", kKafka, 9095,
                                  {healthy("10.0.0.5", 9095), expiring("10.0.1.5", 9095, 3)})})
                  .empty());
    }
}

TEST_CASE("findings come errors first, then by code, the same every time") {
    std::vector<TargetEvidence> evidence = {
        // partial reachability (warning) and a public address for a vpc name (warning)
        probed("connect", kConnect, 8083,
               {healthy("47.88.1.7", 8083), tcp_failed("10.0.1.7", 8083)}),
        // port 8081 dropped on two addresses that answer elsewhere (error)
        probed("kafka", kKafka, 9095, {healthy("10.0.0.5", 9095)}),
        probed("kafka", kKafka, 8081, {tcp_failed("10.0.0.5", 8081)}),
        probed("schema-registry", kRegistry, 8082, {healthy("10.0.0.6", 8082)}),
        probed("schema-registry", kRegistry, 8081, {tcp_failed("10.0.0.6", 8081)})};
    const auto first = findings_of(evidence);
    CHECK(codes_of(first) == std::vector<std::string>{"firewall.port_blocked",
                                                      "dns.vpc_name_public_address",
                                                      "network.partial_reachability"});
    const auto second = findings_of(evidence);
    REQUIRE(second.size() == first.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(second[i].summary == first[i].summary);
        CHECK(second[i].targets == first[i].targets);
    }
}

TEST_CASE("kafka.advertised_unreachable: the bootstrap answers, advertised brokers do not") {
    const std::string bootstrap = kKafka + ":9095";
    const std::string b1 = "b1-" + kKafka, b2 = "b2-" + kKafka, b3 = "b3-" + kKafka;
    auto bootstrap_target = [&](const std::string& address) {
        return evidence_of(
            make_target("kafka", kKafka, 9095), dns_ok({address}),
            {kafka_answered(address, 9095, kKafka,
                            {broker(1, b1, 9095), broker(2, b2, 9095), broker(3, b3, 9095)})});
    };
    auto broker_ok = evidence_of(advertised_target(b1, 9095, bootstrap, 1), dns_ok({"10.0.0.11"}),
                                 {healthy("10.0.0.11", 9095, b1)});

    SECTION("a name that does not resolve and a dropped port are each named with their reason") {
        auto findings =
            findings_of({bootstrap_target("10.0.0.5"), broker_ok,
                         evidence_of(advertised_target(b2, 9095, bootstrap, 2),
                                     dns_failed(Cause::dns_nxdomain, b2 + ": NXDOMAIN"), {}),
                         evidence_of(advertised_target(b3, 9095, bootstrap, 3),
                                     dns_ok({"10.0.0.13"}), {tcp_failed("10.0.0.13", 9095)})});
        const Finding* finding = with_code(findings, "kafka.advertised_unreachable");
        REQUIRE(finding != nullptr);
        CHECK(finding->severity == Severity::error);
        CHECK(finding->targets == std::vector<std::string>{b2 + ":9095", b3 + ":9095"});
        CHECK_THAT(finding->summary, Catch::Contains("bootstrap " + bootstrap + " answers"));
        CHECK_THAT(finding->summary, Catch::Contains("2 of the 3 brokers"));
        CHECK_THAT(finding->summary, Catch::Contains("does not resolve from this host"));
        CHECK_THAT(finding->summary, Catch::Contains("port 9095 is silently dropped at 10.0.0.13"));
        REQUIRE(finding->suspects.size() == 2);
        CHECK(finding->suspects[0].kind == "dns");
        CHECK(finding->suspects[0].id == b2);
        CHECK(finding->suspects[1].kind == "firewall");
        CHECK(finding->suspects[1].id == "tcp/9095");
        CHECK_THAT(finding->remedy, Catch::Contains("advertised.listeners"));
    }
    SECTION(
        "a private address advertised behind a public bootstrap is called an internal listener") {
        auto findings =
            findings_of({bootstrap_target("47.98.1.5"),
                         evidence_of(advertised_target(b1, 9095, bootstrap, 1),
                                     dns_ok({"172.16.3.4"}), {tcp_failed("172.16.3.4", 9095)})});
        const Finding* finding = with_code(findings, "kafka.advertised_unreachable");
        REQUIRE(finding != nullptr);
        CHECK_THAT(finding->summary, Catch::Contains("a private address, 172.16.3.4"));
        REQUIRE(finding->suspects.size() == 1);
        CHECK(finding->suspects[0].kind == "route");
        CHECK(finding->suspects[0].id == "172.16.3.4");
    }
    SECTION("every advertised broker reachable: no finding") {
        auto findings = findings_of({bootstrap_target("10.0.0.5"), broker_ok});
        CHECK(with_code(findings, "kafka.advertised_unreachable") == nullptr);
    }
    SECTION("brokers advertised by another bootstrap are not counted against this one") {
        auto other = evidence_of(advertised_target(b2, 9095, "other:9092", 2),
                                 dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {});
        auto findings = findings_of({bootstrap_target("10.0.0.5"), broker_ok, other});
        // Only bootstraps of this run get the finding; this one's own brokers are fine.
        CHECK(with_code(findings, "kafka.advertised_unreachable") == nullptr);
    }
}

TEST_CASE("kafka.advertised_not_checked: Metadata not read, said as info with how to enable it") {
    AddressEvidence address = kafka_answered("10.0.0.5", 9095, kKafka, {});
    address.protocol.kafka->metadata_checked = false;
    address.protocol.kafka->metadata_not_checked =
        "the listener requires SASL authentication and no credentials are configured";
    auto target = evidence_of(make_target("kafka", kKafka, 9095), dns_ok({"10.0.0.5"}), {address});

    SECTION("fires, as info, naming the bootstrap and the way to enable it") {
        Report report = diagnose({target}, agent_info());
        const Finding* finding = with_code(report.findings, "kafka.advertised_not_checked");
        REQUIRE(finding != nullptr);
        CHECK(finding->severity == Severity::info);
        CHECK(finding->targets == std::vector<std::string>{kKafka + ":9095"});
        CHECK_THAT(finding->summary, Catch::Contains("requires SASL"));
        CHECK_THAT(finding->remedy, Catch::Contains("[sasl]"));
        CHECK_THAT(finding->remedy, Catch::Contains("VPCPROBE_SASL_PASSWORD"));
        CHECK(exit_code(report) == 0);  // information, not a failure
    }
    SECTION("not with --no-advertised, which asked for exactly this") {
        AgentInfo agent = agent_info();
        agent.follow_advertised = false;
        CHECK(with_code(findings_of({target}, agent), "kafka.advertised_not_checked") == nullptr);
    }
    SECTION("not when Metadata was read") {
        auto read = evidence_of(make_target("kafka", kKafka, 9095), dns_ok({"10.0.0.5"}),
                                {kafka_answered("10.0.0.5", 9095, kKafka, {})});
        CHECK(with_code(findings_of({read}), "kafka.advertised_not_checked") == nullptr);
    }
}
