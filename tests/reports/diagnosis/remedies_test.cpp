// SPDX-License-Identifier: Apache-2.0
// reports/diagnosis/remedies.h through diagnose(): the remedies of the mutual TLS causes (built
// from the CA names the server listed, our certificate and the server's alert) and of the
// certificate warnings of a client that does not verify, and the JSON report carrying them with
// the tls stage's mutual TLS facts.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/report.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/render/json_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/text_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const std::string kClientCa = "CN=Client CA,O=Example";
const std::string kOtherCa = "CN=Other CA,O=Example";

// An address whose TLS stage failed with `cause` after a CertificateRequest naming kClientCa.
AddressEvidence refused(Cause cause, const std::string& alert, bool presented) {
    AddressEvidence address = healthy("10.0.0.5", 9093, kKafkaHost);
    address.tls.status = StageStatus::failed;
    address.tls.cause = cause;
    address.tls.alert = alert;
    address.tls.detail = "the server at 10.0.0.5:9093 refused";
    address.tls.client_certificate_requested = true;
    address.tls.client_ca_names = {kClientCa};
    if (presented) {
        address.tls.client_certificate = certificate("CN=client", kOtherCa, {}, 'c');
    }
    address.protocol.status = StageStatus::skipped;
    return address;
}

TargetReport judged(AddressEvidence address, AgentInfo agent = agent_info()) {
    Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9093), dns_ok({"10.0.0.5"}), {address})},
        std::move(agent));
    REQUIRE(report.targets.size() == 1);
    REQUIRE(report.targets[0].cause);
    return report.targets[0];
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("client certificate required: configure one, from the CAs the server accepts") {
    const auto target =
        judged(refused(Cause::tls_client_cert_required, "certificate required", false));
    CHECK(target.status == StageStatus::failed);
    CHECK(target.cause->code == Cause::tls_client_cert_required);
    CHECK(target.cause->remedy ==
          "configure the client certificate this listener expects (--client-cert/--client-key, "
          "or ssl.keystore.* in --client-config); the server accepts certificates issued by " +
              kClientCa);
    REQUIRE(target.cause->suspects.size() == 1);
    CHECK(target.cause->suspects[0].kind == "certificate");
}

TEST_CASE("client certificate rejected: the remedy follows the server's alert") {
    SECTION("unknown CA: have our issuer trusted, or use one of the CAs it names") {
        const auto target = judged(refused(Cause::tls_client_cert_rejected, "unknown CA", true));
        CHECK(target.cause->remedy ==
              "the server does not trust " + kOtherCa + "; have " + kOtherCa +
                  " added to the listener's client trust store or use a certificate from one "
                  "of: " +
                  kClientCa);
        REQUIRE(target.cause->suspects.size() == 1);
        CHECK(target.cause->suspects[0].kind == "certificate");
        CHECK(target.cause->suspects[0].id == "CN=client");
        CHECK(contains(target.cause->suspects[0].detail, "alert unknown CA"));
    }
    SECTION("certificate expired: renew it, naming when it expired") {
        const auto target =
            judged(refused(Cause::tls_client_cert_rejected, "certificate expired", true));
        CHECK(target.cause->remedy ==
              "our client certificate CN=client expired on 2027-06-10: renew it with its CA " +
                  kOtherCa + " and configure the new one");
    }
    SECTION("decrypt error: the key does not match the certificate") {
        const auto target = judged(refused(Cause::tls_client_cert_rejected, "decrypt error", true));
        CHECK(contains(target.cause->remedy, "does not match the client certificate CN=client"));
    }
    SECTION("our certificate comes from the run when the address did not record it") {
        AgentInfo agent = agent_info();
        agent.tls = TlsMaterialInfo{};
        agent.tls->client_certificate = certificate("CN=from-run", kOtherCa, {}, 'd');
        const auto target =
            judged(refused(Cause::tls_client_cert_rejected, "unknown CA", false), agent);
        CHECK(target.cause->suspects.at(0).id == "CN=from-run");
    }
}

TEST_CASE(
    "certificate warnings of a client that does not verify keep their own cause and say "
    "what to do") {
    AddressEvidence address = healthy("10.0.0.5", 9093, kKafkaHost);
    address.certificate.status = StageStatus::warning;
    address.certificate.cause = Cause::cert_hostname_mismatch;
    address.certificate.detail = "the certificate does not cover the name";
    const auto target = judged(address);
    CHECK(target.status == StageStatus::warning);
    CHECK(target.cause->code == Cause::cert_hostname_mismatch);
    CHECK(contains(target.cause->remedy, "does not verify hostnames"));

    // A warning left without a cause takes the verify error's, not cert.expiring_soon.
    address.certificate.cause = Cause::none;
    address.certificate.verify_errors = {
        VerifyError{0, 62, "hostname mismatch", Cause::cert_hostname_mismatch}};
    CHECK(judged(address).cause->code == Cause::cert_hostname_mismatch);
}

TEST_CASE("the JSON report carries the remedy and the tls stage's mutual TLS facts") {
    Report report =
        diagnose({evidence_of(make_target("kafka", kKafkaHost, 9093), dns_ok({"10.0.0.5"}),
                              {refused(Cause::tls_client_cert_rejected, "unknown CA", true)})},
                 agent_info());
    const auto document = boost::json::parse(render_json(report));
    const auto& target = document.at("targets").at(0);
    CHECK(boost::json::value_to<std::string>(target.at("cause").at("remedy")) ==
          report.targets[0].cause->remedy);
    const auto& tls = target.at("stages").at("tls");
    CHECK(tls.at("client_certificate_requested").as_bool());
    CHECK(tls.at("client_ca_names").as_array().size() == 1);
    CHECK(boost::json::value_to<std::string>(tls.at("client_ca_names").at(0)) == kClientCa);
    CHECK(boost::json::value_to<std::string>(tls.at("client_certificate").at("subject")) ==
          "CN=client");
}

TEST_CASE("the text and Markdown reports print the remedy and the CAs the server accepts") {
    Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9093), dns_ok({"10.0.0.5"}),
                     {refused(Cause::tls_client_cert_required, "certificate required", false)})},
        agent_info());
    const std::string& remedy = report.targets[0].cause->remedy;
    CHECK(contains(render_text(report, false), "    what to do: " + remedy + "\n"));
    const std::string markdown = render_markdown(report);
    CHECK(contains(markdown, "- **What to do:** "));
    CHECK(contains(render_evidence_text(report.targets[0]),
                   "client certificate requested; CAs it accepts: " + kClientCa));
}
