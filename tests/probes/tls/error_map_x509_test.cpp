// SPDX-License-Identifier: Apache-2.0
// X509_V_ERR_* -> cert.* mapping and the priority certificate_cause applies when a handshake
// saw several verification errors.
#include <openssl/x509_vfy.h>

#include <catch2/catch.hpp>

#include "probes/error_map.h"

using vpcprobe::Cause;
using vpcprobe::VerifyError;

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
