// SPDX-License-Identifier: Apache-2.0
// network.mtu_blackhole_suspected and the remedy of a stalled target (docs/report.md, "MTU black
// holes"): the finding fires only where a clamped MSS completed what full-size packets stalled,
// names the MSS and the packet size it implies (IPv4 and IPv6), the kernel's path MTU when
// known; the target keeps tls.timeout / protocol.timeout and its remedy points at the finding,
// not the server; a stall no clamp helped says nothing new. The text, Markdown and JSON reports
// carry the retry.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/report.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/diagnosis/mtu_blackhole.h"
#include "reports/render/json_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/text_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {

const std::string kHost = "vpc-kafka-abcdef1234.alikafka.aliyuncs.com";
constexpr std::uint16_t kPort = 9095;
const std::string kFinding = "network.mtu_blackhole_suspected";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

MssAttempt attempt(int mss, bool completed) {
    MssAttempt tried;
    tried.mss = mss;
    tried.completed = completed;
    tried.ms = completed ? 12.5 : 3000.2;
    if (!completed) {
        tried.cause = Cause::tls_timeout;
        tried.detail = "no TLS answer in 3s";
    } else {
        tried.detail = "the TLS handshake completed";
    }
    return tried;
}

// An address whose TCP connected and whose TLS handshake then stalled, retried as given.
AddressEvidence tls_stalled(const std::string& address, std::vector<MssAttempt> attempts,
                            int kernel_path_mtu = 1500) {
    AddressEvidence evidence = healthy(address, kPort, kHost);
    evidence.tls = {};
    evidence.tls.status = StageStatus::failed;
    evidence.tls.cause = Cause::tls_timeout;
    evidence.tls.ms = 3000.4;
    evidence.tls.detail = "no TLS answer from " + address + ":9095 in 3s";
    evidence.certificate = {};
    MtuEvidence mtu;
    mtu.stalled_stage = "tls";
    mtu.kernel_path_mtu = kernel_path_mtu;
    mtu.attempts = std::move(attempts);
    evidence.mtu = std::move(mtu);
    return evidence;
}

// A plaintext broker whose ApiVersions answer never came, retried as given.
AddressEvidence protocol_stalled(const std::string& address, std::vector<MssAttempt> attempts) {
    AddressEvidence evidence = tls_stalled(address, std::move(attempts));
    evidence.tls = {};
    evidence.protocol.status = StageStatus::failed;
    evidence.protocol.cause = Cause::protocol_timeout;
    evidence.protocol.detail = "no answer to ApiVersions from " + address + ":9095 in 3s";
    evidence.mtu->stalled_stage = "protocol";
    return evidence;
}

TargetEvidence target_at(const std::string& host, const std::string& address,
                         AddressEvidence evidence) {
    return evidence_of(make_target("kafka", host, kPort), dns_ok({address}), {std::move(evidence)});
}

Report report_of(std::vector<TargetEvidence> targets) {
    return diagnose(std::move(targets), agent_info());
}

const Finding* mtu_finding(const Report& report) {
    for (const auto& finding : report.findings) {
        if (finding.code == kFinding) return &finding;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("MSS 1200 completes what full-size packets stalled: the finding says so") {
    const Report report =
        report_of({target_at(kHost, "10.0.0.5", tls_stalled("10.0.0.5", {attempt(1200, true)}))});
    const Finding* finding = mtu_finding(report);
    REQUIRE(finding != nullptr);
    CHECK(finding->severity == Severity::error);
    CHECK(finding->targets == std::vector<std::string>{kHost + ":9095"});
    CHECK(finding->components == std::vector<std::string>{"kafka"});
    INFO(finding->summary);
    CHECK(contains(finding->summary,
                   "TCP connects but full-size packets never arrive, while a "
                   "clamped MSS gets through: a path MTU black hole (ICMP "
                   "fragmentation-needed filtered)"));
    CHECK(contains(finding->summary,
                   "the TLS handshake to 10.0.0.5:9095 stalled, and a retry "
                   "with MSS 1200 completed it: packets of up to 1240 bytes get "
                   "through, full-size ones do not"));
    CHECK(contains(finding->summary,
                   "the kernel still holds a path MTU of 1500 to 10.0.0.5: no "
                   "ICMP fragmentation-needed came back"));
    INFO(finding->remedy);
    CHECK(contains(finding->remedy, "ICMP fragmentation-needed (IPv4 type 3 code 4)"));
    CHECK(contains(finding->remedy, "packet-too-big (ICMPv6 type 2)"));
    CHECK(contains(finding->remedy, "--clamp-mss-to-pmtu"));
    CHECK(contains(finding->remedy, "to 1200 or less"));
    CHECK(contains(finding->remedy, "8500"));
    REQUIRE(finding->suspects.size() == 1);
    CHECK(finding->suspects[0].kind == "route");
    CHECK(finding->suspects[0].id == "10.0.0.5");

    SECTION("the target keeps the cause a client sees, and its remedy points at the path") {
        const TargetReport& target = report.targets.at(0);
        REQUIRE(target.cause.has_value());
        CHECK(target.cause->code == Cause::tls_timeout);
        INFO(target.cause->remedy);
        CHECK(contains(target.cause->remedy, "answers once segments are clamped to MSS 1200"));
        CHECK(contains(target.cause->remedy, "not the Kafka broker"));
        CHECK(contains(target.cause->remedy, "finding network.mtu_blackhole_suspected"));
        CHECK(contains(target.cause->remedy, "clamp the MSS to 1200 or less"));
        CHECK_FALSE(contains(target.cause->remedy, "if the listener is plaintext"));
    }
}

TEST_CASE("1200 stalled too, 536 completed: the packet size is 576; IPv6 adds 60") {
    SECTION("IPv4") {
        const Report report = report_of(
            {target_at(kHost, "10.0.0.5",
                       tls_stalled("10.0.0.5", {attempt(1200, false), attempt(536, true)}))});
        const Finding* finding = mtu_finding(report);
        REQUIRE(finding != nullptr);
        CHECK(contains(finding->summary, "MSS 536 completed it: packets of up to 576 bytes"));
        CHECK(contains(finding->remedy, "to 536 or less"));
    }
    SECTION("IPv6") {
        const Report report = report_of(
            {target_at(kHost, "fd89::5", tls_stalled("fd89::5", {attempt(1200, true)}, 0))});
        const Finding* finding = mtu_finding(report);
        REQUIRE(finding != nullptr);
        CHECK(contains(finding->summary, "packets of up to 1260 bytes"));
        // No path MTU known: nothing said about it.
        CHECK_FALSE(contains(finding->summary, "kernel"));
    }
}

TEST_CASE("several stalled targets: one finding, each named, the smallest MSS in the remedy") {
    const std::string other = "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com";
    const Report report =
        report_of({target_at(kHost, "10.0.0.5", tls_stalled("10.0.0.5", {attempt(1200, true)})),
                   target_at(other, "10.0.0.6",
                             tls_stalled("10.0.0.6", {attempt(1200, false), attempt(536, true)})),
                   healthy_target("kafka", "vpc-kafka-2-abcdef1234.alikafka.aliyuncs.com", kPort,
                                  "10.0.0.7")});
    std::size_t count = 0;
    for (const auto& finding : report.findings) count += finding.code == kFinding;
    CHECK(count == 1);
    const Finding* finding = mtu_finding(report);
    REQUIRE(finding != nullptr);
    CHECK(finding->targets == std::vector<std::string>{kHost + ":9095", other + ":9095"});
    CHECK(contains(finding->summary, "10.0.0.5:9095"));
    CHECK(contains(finding->summary, "10.0.0.6:9095"));
    CHECK(contains(finding->remedy, "to 536 or less"));
    CHECK(finding->suspects.size() == 2);
}

TEST_CASE("a protocol stall a clamp got through is the same finding") {
    const Report report = report_of(
        {target_at(kHost, "10.0.0.5", protocol_stalled("10.0.0.5", {attempt(1200, true)}))});
    const Finding* finding = mtu_finding(report);
    REQUIRE(finding != nullptr);
    CHECK(contains(finding->summary, "the protocol exchange to 10.0.0.5:9095 stalled"));
    const TargetReport& target = report.targets.at(0);
    REQUIRE(target.cause.has_value());
    CHECK(target.cause->code == Cause::protocol_timeout);
    CHECK(contains(target.cause->remedy, "finding network.mtu_blackhole_suspected"));
}

TEST_CASE("no clamp helped, or nothing was retried: nothing new is said") {
    SECTION("both clamps stalled too") {
        const Report report = report_of(
            {target_at(kHost, "10.0.0.5",
                       tls_stalled("10.0.0.5", {attempt(1200, false), attempt(536, false)}))});
        CHECK(mtu_finding(report) == nullptr);
        const TargetReport& target = report.targets.at(0);
        REQUIRE(target.cause.has_value());
        CHECK(target.cause->code == Cause::tls_timeout);
        CHECK_FALSE(contains(target.cause->remedy, "MTU"));
        CHECK(contains(target.cause->remedy, "accepted TCP but sent no TLS answer"));
        CHECK_FALSE(contains(render_text(report, false), "MTU"));
    }
    SECTION("not retried (mtu null)") {
        AddressEvidence address = tls_stalled("10.0.0.5", {});
        address.mtu.reset();
        const Report report = report_of({target_at(kHost, "10.0.0.5", address)});
        CHECK(mtu_finding(report) == nullptr);
    }
    SECTION("a clamp completed, but the address is no longer a stall") {
        AddressEvidence address = tls_stalled("10.0.0.5", {attempt(1200, true)});
        address.tls.cause = Cause::tls_handshake_failed;
        CHECK_FALSE(mtu_blackhole_suspected(address));
    }
}

TEST_CASE("the text and Markdown reports say which retry completed, under the cause") {
    const Report one =
        report_of({target_at(kHost, "10.0.0.5", tls_stalled("10.0.0.5", {attempt(1200, true)}))});
    const std::string text = render_text(one, false);
    INFO(text);
    CHECK(contains(text,
                   "    a retry with MSS 1200 completed the TLS handshake: path MTU black "
                   "hole suspected (finding network.mtu_blackhole_suspected)\n"));
    CHECK(contains(text, kFinding));  // the finding itself is listed too
    const std::string markdown = render_markdown(one);
    INFO(markdown);
    CHECK(contains(markdown, "- **Retried:** a retry with MSS 1200 completed the TLS handshake"));

    const Report two = report_of({target_at(
        kHost, "10.0.0.5", tls_stalled("10.0.0.5", {attempt(1200, false), attempt(536, true)}))});
    CHECK(contains(render_text(two, false),
                   "a retry with MSS 1200 stalled too, then one with MSS 536 completed the TLS "
                   "handshake"));
}

TEST_CASE("addresses[].mtu in the JSON report: null when not retried, the attempts when it was") {
    const Report report =
        report_of({target_at(kHost, "10.0.0.5",
                             tls_stalled("10.0.0.5", {attempt(1200, false), attempt(536, true)})),
                   healthy_target("kafka", "vpc-kafka-2-abcdef1234.alikafka.aliyuncs.com", kPort,
                                  "10.0.0.7")});
    const json::object doc = json::parse(render_json(report)).as_object();
    const json::array& targets = doc.at("targets").as_array();
    const json::value& mtu = targets.at(0).at("addresses").at(0).at("mtu");
    REQUIRE(mtu.is_object());
    CHECK(mtu.at("stalled_stage").as_string() == "tls");
    CHECK(mtu.at("working_mss").as_int64() == 536);
    CHECK(mtu.at("kernel_path_mtu").as_int64() == 1500);
    const json::array& attempts = mtu.at("attempts").as_array();
    REQUIRE(attempts.size() == 2);
    CHECK(attempts.at(0).at("mss").as_int64() == 1200);
    CHECK_FALSE(attempts.at(0).at("completed").as_bool());
    CHECK(attempts.at(0).at("code").as_string() == "tls.timeout");
    CHECK(attempts.at(0).at("ms").to_number<double>() == Approx(3000.2));
    CHECK(attempts.at(1).at("completed").as_bool());
    CHECK(attempts.at(1).at("code").is_null());
    CHECK(targets.at(1).at("addresses").at(0).at("mtu").is_null());

    SECTION("no clamp completed, no path MTU known: nulls, the attempts kept") {
        const Report stalled = report_of(
            {target_at(kHost, "10.0.0.5",
                       tls_stalled("10.0.0.5", {attempt(1200, false), attempt(536, false)}, 0))});
        const json::object again = json::parse(render_json(stalled)).as_object();
        const json::value& kept = again.at("targets").at(0).at("addresses").at(0).at("mtu");
        CHECK(kept.at("working_mss").is_null());
        CHECK(kept.at("kernel_path_mtu").is_null());
        CHECK(kept.at("attempts").as_array().size() == 2);
    }
}
