// SPDX-License-Identifier: Apache-2.0
// X509_V_ERR_* -> cert.* mapping, the priority certificate_cause applies when a handshake saw
// several verification errors, and the certificate stage's verdict built from them.
#include <openssl/x509_vfy.h>

#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/tls/error_map_x509.h"

using vpcprobe::Cause;
using vpcprobe::CertificateEvidence;
using vpcprobe::CertificateInfo;
using vpcprobe::StageStatus;
using vpcprobe::SystemTime;
using vpcprobe::VerifyError;
using vpcprobe::VerifyErrorSubject;
using namespace std::chrono_literals;

namespace {
VerifyError error_at(int code, int depth) {
    return VerifyError{depth, code, ""};
}
}  // namespace

TEST_CASE("x509 errors map to certificate causes", "[x509]") {
    using vpcprobe::cause_from_x509;
    CHECK(cause_from_x509(X509_V_OK, 0) == Cause::none);
    CHECK(cause_from_x509(X509_V_ERR_CERT_HAS_EXPIRED, 0) == Cause::cert_expired);
    CHECK(cause_from_x509(X509_V_ERR_CERT_HAS_EXPIRED, 1) == Cause::cert_expired);
    CHECK(cause_from_x509(X509_V_ERR_CERT_NOT_YET_VALID, 0) == Cause::cert_not_yet_valid);
    CHECK(cause_from_x509(X509_V_ERR_HOSTNAME_MISMATCH, 0) == Cause::cert_hostname_mismatch);
    CHECK(cause_from_x509(X509_V_ERR_IP_ADDRESS_MISMATCH, 0) == Cause::cert_hostname_mismatch);
    CHECK(cause_from_x509(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0) == Cause::cert_self_signed);
    CHECK(cause_from_x509(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1) == Cause::cert_untrusted);
    CHECK(cause_from_x509(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2) == Cause::cert_untrusted);
    CHECK(cause_from_x509(X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0) ==
          Cause::cert_incomplete_chain);
    CHECK(cause_from_x509(X509_V_ERR_CERT_SIGNATURE_FAILURE, 0) == Cause::cert_invalid);
    CHECK(cause_from_x509(X509_V_ERR_CERT_REVOKED, 0) == Cause::cert_invalid);
    CHECK(cause_from_x509(X509_V_ERR_INVALID_CA, 1) == Cause::cert_invalid);
}

TEST_CASE("a missing issuer is a missing intermediate at the leaf, an untrusted CA above",
          "[x509]") {
    using vpcprobe::cause_from_x509;
    for (const int code :
         {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT}) {
        CAPTURE(code);
        CHECK(cause_from_x509(code, 0) == Cause::cert_incomplete_chain);
        CHECK(cause_from_x509(code, 1) == Cause::cert_untrusted);
        CHECK(cause_from_x509(code, 3) == Cause::cert_untrusted);
    }
}

TEST_CASE("every mapped cause is a certificate-stage cause", "[x509]") {
    for (int code = 0; code <= 100; ++code) {
        for (const int depth : {0, 1, 2}) {
            const Cause cause = vpcprobe::cause_from_x509(code, depth);
            if (cause == Cause::none) continue;
            CAPTURE(code, depth);
            CHECK(vpcprobe::stage_of(cause) == vpcprobe::Stage::certificate);
            CHECK(cause != Cause::cert_expiring_soon);  // a warning, never a verify error
        }
    }
}

TEST_CASE("certificate_cause: no errors, no cause", "[x509]") {
    CHECK(vpcprobe::certificate_cause({}) == Cause::none);
    CHECK(vpcprobe::certificate_cause({error_at(X509_V_OK, 0)}) == Cause::none);
}

TEST_CASE("certificate_cause: trust first, then validity, then hostname, then the rest", "[x509]") {
    using vpcprobe::certificate_cause;
    const auto expired = error_at(X509_V_ERR_CERT_HAS_EXPIRED, 0);
    const auto not_yet = error_at(X509_V_ERR_CERT_NOT_YET_VALID, 0);
    const auto hostname = error_at(X509_V_ERR_HOSTNAME_MISMATCH, 0);
    const auto missing_intermediate = error_at(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0);
    const auto unknown_root = error_at(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1);
    const auto self_signed = error_at(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0);
    const auto bad_signature = error_at(X509_V_ERR_CERT_SIGNATURE_FAILURE, 0);

    // Order within the list must not matter.
    CHECK(certificate_cause({hostname, expired}) == Cause::cert_expired);
    CHECK(certificate_cause({expired, hostname}) == Cause::cert_expired);
    CHECK(certificate_cause({hostname, not_yet}) == Cause::cert_not_yet_valid);
    CHECK(certificate_cause({expired, unknown_root}) == Cause::cert_untrusted);
    CHECK(certificate_cause({hostname, expired, missing_intermediate}) ==
          Cause::cert_incomplete_chain);
    CHECK(certificate_cause({expired, self_signed, hostname}) == Cause::cert_self_signed);
    CHECK(certificate_cause({self_signed, missing_intermediate}) == Cause::cert_incomplete_chain);
    CHECK(certificate_cause({unknown_root, self_signed}) == Cause::cert_self_signed);
    CHECK(certificate_cause({bad_signature, hostname}) == Cause::cert_hostname_mismatch);
    CHECK(certificate_cause({bad_signature, expired}) == Cause::cert_expired);
    CHECK(certificate_cause({bad_signature}) == Cause::cert_invalid);
    CHECK(certificate_cause({hostname}) == Cause::cert_hostname_mismatch);
    // The same code means different things at different depths.
    CHECK(certificate_cause({unknown_root}) == Cause::cert_untrusted);
    CHECK(certificate_cause({missing_intermediate}) == Cause::cert_incomplete_chain);
}

TEST_CASE("certificate_cause: a chain cut at the depth limit is too long, not untrusted",
          "[x509]") {
    using vpcprobe::certificate_cause;
    // What OpenSSL reports for 151 certificates under a trusted root: the cut at depth 100,
    // then the cut end as unanchored.
    const auto too_long = error_at(X509_V_ERR_CERT_CHAIN_TOO_LONG, 100);
    const auto cut_end = error_at(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 100);
    CHECK(certificate_cause({too_long, cut_end}) == Cause::cert_invalid);
    CHECK(certificate_cause({cut_end, too_long}) == Cause::cert_invalid);
    // Anything else still counts: an expired leaf outranks the length.
    CHECK(certificate_cause({too_long, cut_end, error_at(X509_V_ERR_CERT_HAS_EXPIRED, 0)}) ==
          Cause::cert_expired);
    // A missing issuer below the cut is its own problem.
    CHECK(certificate_cause({too_long, error_at(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                                                0)}) == Cause::cert_incomplete_chain);
    // Without the cut, the same error is what it always was.
    CHECK(certificate_cause({cut_end}) == Cause::cert_untrusted);
}

namespace {

// 2026-11-22T10:00:00Z.
const SystemTime kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h;

CertificateInfo certificate(std::string subject, std::string issuer, SystemTime not_after) {
    CertificateInfo info;
    info.subject = std::move(subject);
    info.issuer = std::move(issuer);
    info.not_before = kNow - std::chrono::days{300};
    info.not_after = not_after;
    return info;
}

// A leaf for kafka.example under an intermediate, as a server would present them.
CertificateEvidence presented(std::vector<VerifyError> errors = {}) {
    CertificateEvidence evidence;
    CertificateInfo leaf = certificate("CN=kafka.example", "CN=Intermediate", kNow + 90 * 24h);
    leaf.sans = {"kafka.example", "*.kafka.example"};
    evidence.chain = {leaf, certificate("CN=Intermediate", "CN=Root", kNow + 20 * 24h + 1h)};
    evidence.verify_errors = std::move(errors);
    return evidence;
}

vpcprobe::CertificateVerdict verdict(const CertificateEvidence& evidence,
                                     std::vector<VerifyErrorSubject> subjects = {}) {
    subjects.resize(evidence.verify_errors.size());
    return vpcprobe::certificate_verdict(evidence, subjects, {"kafka.example", 14, kNow});
}

}  // namespace

TEST_CASE("a verified chain is ok, counting days to its earliest expiry", "[x509]") {
    const auto ok = verdict(presented());
    CHECK(ok.status == StageStatus::ok);
    CHECK(ok.cause == Cause::none);
    CHECK(ok.days_left == 20);
    CHECK(ok.detail ==
          "certificate for kafka.example verified, valid until 2026-12-12 (20 days), issued by "
          "CN=Intermediate");
}

TEST_CASE("a chain expiring within the warning days is a warning", "[x509]") {
    auto soon = presented();
    soon.chain[1].not_after = kNow + 9 * 24h + 1h;
    const auto warned = verdict(soon);
    CHECK(warned.status == StageStatus::warning);
    CHECK(warned.cause == Cause::cert_expiring_soon);
    CHECK(warned.days_left == 9);
    CHECK(warned.detail ==
          "certificate CN=Intermediate expires on 2026-12-01, in 9 days (warning at 14 days)");
}

TEST_CASE("a verify error fails the stage, described by the certificate it was about", "[x509]") {
    const VerifyErrorSubject intermediate{"CN=Intermediate", "CN=Root", kNow - 400 * 24h,
                                          kNow - 2 * 24h};
    SECTION("an expired CA") {
        const auto expired =
            verdict(presented({error_at(X509_V_ERR_CERT_HAS_EXPIRED, 1)}), {intermediate});
        CHECK(expired.status == StageStatus::failed);
        CHECK(expired.cause == Cause::cert_expired);
        CHECK(expired.detail ==
              "CA certificate CN=Intermediate in the chain for kafka.example expired on "
              "2026-11-20");
    }
    SECTION("a name the leaf does not cover, listing the names it does") {
        const auto mismatch = verdict(presented({error_at(X509_V_ERR_HOSTNAME_MISMATCH, 0)}));
        CHECK(mismatch.cause == Cause::cert_hostname_mismatch);
        CHECK(mismatch.detail ==
              "certificate does not cover kafka.example: it is for kafka.example, "
              "*.kafka.example (CN=kafka.example)");
    }
    SECTION("a missing intermediate") {
        const VerifyErrorSubject leaf{"CN=kafka.example", "CN=Intermediate", {}, {}};
        const auto incomplete =
            verdict(presented({error_at(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0)}), {leaf});
        CHECK(incomplete.cause == Cause::cert_incomplete_chain);
        CHECK(incomplete.detail ==
              "the server sent 2 certificates and the issuer of CN=kafka.example "
              "(CN=Intermediate) was neither sent nor trusted: a missing intermediate");
    }
    SECTION("an untrusted root names the CA the chain ends at") {
        const auto untrusted =
            verdict(presented({error_at(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1)}),
                    {VerifyErrorSubject{"CN=Private Root", "CN=Private Root", {}, {}}});
        CHECK(untrusted.cause == Cause::cert_untrusted);
        CHECK(untrusted.detail ==
              "the chain for kafka.example ends at CN=Private Root, a CA this host does not trust "
              "(add it with --ca-file?)");
    }
    SECTION("a chain cut at the depth limit") {
        const auto too_long = verdict(presented({error_at(X509_V_ERR_CERT_CHAIN_TOO_LONG, 100)}));
        CHECK(too_long.cause == Cause::cert_invalid);
        CHECK(too_long.detail ==
              "the chain for kafka.example is too long: verification stops at depth 100 (2 "
              "certificates sent)");
    }
    SECTION("the first error with the reported cause is the one described") {
        auto errors = presented(
            {error_at(X509_V_ERR_HOSTNAME_MISMATCH, 0), error_at(X509_V_ERR_CERT_HAS_EXPIRED, 0)});
        const auto expired = verdict(errors, {{}, intermediate});
        CHECK(expired.cause == Cause::cert_expired);
        CHECK(expired.detail ==
              "certificate for kafka.example expired on 2026-11-20 (CN=Intermediate)");
    }
}
