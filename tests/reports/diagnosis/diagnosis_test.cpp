// SPDX-License-Identifier: Apache-2.0
// diagnose(): evidence -> verdict per target, summary counts and exit codes
// (docs/report.md, "Verdicts" and "Exit codes").
#include <catch2/catch.hpp>

#include "core/report.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {
const std::string kHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";

Report diagnose_one(TargetEvidence evidence) {
    return diagnose({std::move(evidence)}, agent_info());
}
}  // namespace

TEST_CASE("a healthy target is ok, with no cause, and exits 0") {
    Report report = diagnose_one(healthy_target("kafka", kHost, 9095, "10.0.0.5"));
    REQUIRE(report.targets.size() == 1);
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::ok);
    CHECK_FALSE(target.cause.has_value());
    CHECK(target.shown_address == 0);
    REQUIRE(target.shown() != nullptr);
    CHECK(target.shown()->address == "10.0.0.5");
    CHECK(report.summary == Summary{1, 0, 0});
    CHECK(report.schema_version == 1);
    CHECK(report.agent.hostname == "bastion-1");
    CHECK(report.findings.empty());
    CHECK(exit_code(report) == 0);
}

TEST_CASE("a DNS failure fails the target with the DNS cause and exits 2") {
    Report report = diagnose_one(evidence_of(
        make_target("schema-registry", "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com", 8081),
        dns_failed(
            Cause::dns_nxdomain,
            "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com: NXDOMAIN from 10.20.0.2:53"),
        {}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::failed);
    REQUIRE(target.cause.has_value());
    CHECK(target.cause->code == Cause::dns_nxdomain);
    CHECK(target.cause->stage == Stage::dns);
    CHECK(target.cause->summary ==
          "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com: NXDOMAIN from 10.20.0.2:53");
    CHECK(target.cause->suspects.empty());
    CHECK(target.shown() == nullptr);
    CHECK(report.summary == Summary{0, 0, 1});
    CHECK(exit_code(report) == 2);
}

TEST_CASE("a single address failing at TCP fails the target with the stage's sentence") {
    Report report = diagnose_one(evidence_of(make_target("kafka", kHost, 9095),
                                             dns_ok({"10.0.0.5"}), {tcp_failed("10.0.0.5", 9095)}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::failed);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::tcp_timeout);
    CHECK(target.cause->stage == Stage::tcp);
    CHECK(target.cause->summary == "SYN to 10.0.0.5:9095 got no answer in 3s: silently dropped");
    CHECK(exit_code(report) == 2);
}

TEST_CASE("an address fails at its first failed stage") {
    AddressEvidence address = healthy("10.0.0.5", 9095);
    address.certificate.status = StageStatus::failed;
    address.certificate.cause = Cause::cert_hostname_mismatch;
    address.certificate.detail = "the certificate covers *.example.com, not " + kHost;
    address.protocol.status = StageStatus::failed;  // a later failure must not win
    address.protocol.cause = Cause::protocol_not_kafka;
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {address}));
    REQUIRE(report.targets[0].cause);
    CHECK(report.targets[0].status == StageStatus::failed);
    CHECK(report.targets[0].cause->code == Cause::cert_hostname_mismatch);
    CHECK(report.targets[0].cause->stage == Stage::certificate);
    CHECK(report.targets[0].cause->summary == address.certificate.detail);
}

TEST_CASE("some addresses failing is a warning naming the first failing address") {
    Report report = diagnose_one(evidence_of(
        make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6", "10.0.0.7"}),
        {healthy("10.0.0.5", 9095), tcp_failed("10.0.0.6", 9095), tcp_failed("10.0.0.7", 9095)}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::warning);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::tcp_timeout);
    CHECK(target.cause->stage == Stage::tcp);
    CHECK(target.cause->summary ==
          "2 of 3 addresses of " + kHost +
              ":9095 failed: SYN to 10.0.0.6:9095 got no answer in 3s: silently dropped");
    CHECK(target.shown_address == 1);
    CHECK(target.shown()->address == "10.0.0.6");
    CHECK(report.summary == Summary{0, 1, 0});
    CHECK(exit_code(report) == 1);
}

TEST_CASE("every address failing fails the target, and other causes are not hidden") {
    Report report = diagnose_one(evidence_of(
        make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6"}),
        {tcp_failed("10.0.0.5", 9095), tcp_failed("10.0.0.6", 9095, Cause::tcp_refused)}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::failed);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::tcp_timeout);
    CHECK(target.cause->summary ==
          "2 of 2 addresses of " + kHost +
              ":9095 failed: SYN to 10.0.0.5:9095 got no answer in 3s: silently dropped; also "
              "tcp.refused on 10.0.0.6");
    CHECK(target.shown_address == 0);
    CHECK(exit_code(report) == 2);
}

TEST_CASE("addresses left unprobed are mentioned in the summary") {
    TargetEvidence evidence =
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6", "10.0.0.7"}),
                    {tcp_failed("10.0.0.5", 9095), healthy("10.0.0.6", 9095)});
    evidence.addresses_not_probed = 1;
    Report report = diagnose_one(evidence);
    REQUIRE(report.targets[0].cause);
    CHECK(report.targets[0].status == StageStatus::warning);
    CHECK_THAT(report.targets[0].cause->summary,
               Catch::StartsWith("1 of 2 addresses of " + kHost + ":9095 failed: ") &&
                   Catch::EndsWith(" (1 more address not probed)"));
}

TEST_CASE("a certificate about to expire on an otherwise healthy target is a warning") {
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6"}),
                    {healthy("10.0.0.5", 9095), expiring("10.0.0.6", 9095, 12)}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::warning);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::cert_expiring_soon);
    CHECK(target.cause->stage == Stage::certificate);
    CHECK(target.cause->summary == "the leaf certificate expires in 12 days (2026-12-04)");
    CHECK(target.shown_address == 1);
    CHECK(exit_code(report) == 1);
}

TEST_CASE("a failing address outranks a warning one") {
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6"}),
                    {expiring("10.0.0.5", 9095, 12), tcp_failed("10.0.0.6", 9095)}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::warning);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::tcp_timeout);
    CHECK(target.shown_address == 1);
}

TEST_CASE("the run's deadline fails the target at the stage it cut short") {
    AddressEvidence address = healthy("10.0.0.5", 9095);
    address.tls = TlsEvidence{};
    address.tls.status = StageStatus::skipped;  // the engine left it skipped ...
    address.tls.cause = Cause::run_deadline;    // ... because the deadline passed
    address.certificate = CertificateEvidence{};
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {address}));
    const TargetReport& target = report.targets[0];
    CHECK(target.status == StageStatus::failed);
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::run_deadline);
    CHECK(target.cause->stage == Stage::tls);  // where it happened, not stage_of()'s default
    CHECK_THAT(target.cause->summary, Catch::Contains("deadline"));
    // The evidence the renderers show agrees with the verdict.
    CHECK(target.evidence.addresses[0].tls.status == StageStatus::failed);
    CHECK(exit_code(report) == 2);
}

TEST_CASE("a failure without a cause still gets a contract code and a sentence") {
    AddressEvidence address = healthy("10.0.0.5", 9095);
    address.tcp.status = StageStatus::failed;
    address.tcp.detail.clear();
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {address}));
    const TargetReport& target = report.targets[0];
    REQUIRE(target.cause);
    CHECK(target.cause->code == Cause::tcp_error);
    CHECK(target.evidence.addresses[0].tcp.cause == Cause::tcp_error);
    CHECK(target.cause->summary == "tcp 10.0.0.5:9095: " + std::string(explain(Cause::tcp_error)));
}

TEST_CASE("IPv6 addresses are bracketed in fallback sentences") {
    AddressEvidence address = tcp_failed("fd00::5", 9095, Cause::tcp_refused);
    address.tcp.detail.clear();
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"fd00::5"}), {address}));
    REQUIRE(report.targets[0].cause);
    CHECK_THAT(report.targets[0].cause->summary, Catch::StartsWith("tcp [fd00::5]:9095: "));
}

TEST_CASE("a target with no probed address fails") {
    SECTION("DNS answered with no address") {
        Report report =
            diagnose_one(evidence_of(make_target("kafka", kHost, 9095), dns_ok({}), {}));
        REQUIRE(report.targets[0].cause);
        CHECK(report.targets[0].status == StageStatus::failed);
        CHECK(report.targets[0].cause->code == Cause::dns_nodata);
        CHECK(report.targets[0].cause->summary == kHost + " resolved to no address");
    }
    SECTION("addresses resolved but none probed") {
        Report report =
            diagnose_one(evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {}));
        REQUIRE(report.targets[0].cause);
        CHECK(report.targets[0].status == StageStatus::failed);
        CHECK(report.targets[0].cause->code == Cause::tcp_error);
        CHECK(report.targets[0].cause->stage == Stage::tcp);
        CHECK_THAT(report.targets[0].cause->summary, Catch::Contains("10.0.0.5"));
    }
    SECTION("DNS never ran") {
        Report report =
            diagnose_one(evidence_of(make_target("kafka", kHost, 9095), DnsEvidence{}, {}));
        REQUIRE(report.targets[0].cause);
        CHECK(report.targets[0].status == StageStatus::failed);
        CHECK(report.targets[0].cause->code == Cause::dns_error);
    }
}

TEST_CASE("summary counts and the exit code follow the worst target") {
    auto ok = healthy_target("kafka", kHost, 9095, "10.0.0.5");
    auto warn = evidence_of(make_target("mds", kHost, 8090), dns_ok({"10.0.0.5"}),
                            {expiring("10.0.0.5", 8090, 3)});
    auto fail =
        evidence_of(make_target("connect", "vpc-connect-abcdef1234.alikafka.aliyuncs.com", 8083),
                    dns_failed(Cause::dns_timeout, "no resolver answered in 3s"), {});

    CHECK(exit_code(diagnose({}, agent_info())) == 0);
    CHECK(exit_code(diagnose({ok, ok}, agent_info())) == 0);

    Report warned = diagnose({ok, warn}, agent_info());
    CHECK(warned.summary == Summary{1, 1, 0});
    CHECK(exit_code(warned) == 1);

    Report failed = diagnose({warn, ok, fail}, agent_info());
    CHECK(failed.summary == Summary{1, 1, 1});
    CHECK(exit_code(failed) == 2);
    // Verdicts keep the input's order.
    CHECK(failed.targets[0].target.component == "mds");
    CHECK(failed.targets[1].target.component == "kafka");
    CHECK(failed.targets[2].target.component == "connect");
}

TEST_CASE("a protocol failure fails the target") {
    AddressEvidence address = healthy("10.0.0.5", 9095);
    address.protocol.status = StageStatus::failed;
    address.protocol.name = "kafka";
    address.protocol.cause = Cause::protocol_not_kafka;
    address.protocol.detail = "10.0.0.5:9095 answered ApiVersions with HTTP/1.1 400";
    Report report = diagnose_one(
        evidence_of(make_target("kafka", kHost, 9095), dns_ok({"10.0.0.5"}), {address}));
    REQUIRE(report.targets[0].cause);
    CHECK(report.targets[0].cause->code == Cause::protocol_not_kafka);
    CHECK(report.targets[0].cause->stage == Stage::protocol);
    CHECK(exit_code(report) == 2);
}

TEST_CASE("rfc3339 renders UTC with whole seconds or milliseconds") {
    CHECK(rfc3339(utc(2026, 11, 22, 10, 0, 0, 999)) == "2026-11-22T10:00:00Z");
    CHECK(rfc3339_ms(utc(2026, 11, 22, 10, 0, 0, 7)) == "2026-11-22T10:00:00.007Z");
    CHECK(rfc3339(SystemTime{}) == "1970-01-01T00:00:00Z");
    CHECK(rfc3339_ms(SystemTime{} - std::chrono::milliseconds(1)) == "1969-12-31T23:59:59.999Z");
    CHECK(rfc3339(utc(2038, 1, 19, 3, 14, 8)) == "2038-01-19T03:14:08Z");  // past 32-bit time_t
}

TEST_CASE("round_ms keeps 0.1 ms and never goes negative") {
    CHECK(round_ms(1.26) == Approx(1.3));
    CHECK(round_ms(3000.44) == Approx(3000.4));
    CHECK(round_ms(0.04) == 0);
    CHECK(round_ms(-5) == 0);
    CHECK(round_ms(std::numeric_limits<double>::quiet_NaN()) == 0);
}
