// SPDX-License-Identifier: Apache-2.0
// X509_V_ERR_* -> cert.* causes: the one place certificate verification errors are mapped
// (probes/error_map.h). The raw code and depth stay in CertificateEvidence::verify_errors.
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>

#include "probes/error_map.h"

namespace vpcprobe {

Cause cause_from_x509(int x509_error, int depth) {
    switch (x509_error) {
        case X509_V_OK:
            return Cause::none;
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return Cause::cert_expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return Cause::cert_not_yet_valid;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return Cause::cert_hostname_mismatch;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return Cause::cert_self_signed;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            // At the leaf, the issuer the server should have sent (an intermediate) is missing;
            // higher up, the chain the server sent stops at a CA nobody here trusts.
            return depth == 0 ? Cause::cert_incomplete_chain : Cause::cert_untrusted;
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            // OpenSSL follows a missing leaf issuer with this one (the chain is just the leaf):
            // the same missing intermediate, seen from the signature check.
            return Cause::cert_incomplete_chain;
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            return Cause::cert_untrusted;
        default:
            return Cause::cert_invalid;
    }
}

Cause certificate_cause(const std::vector<VerifyError>& errors) {
    // Most fundamental first: a chain nobody trusts makes its dates and names moot.
    constexpr std::array kPriority = {
        Cause::cert_incomplete_chain, Cause::cert_self_signed,   Cause::cert_untrusted,
        Cause::cert_expired,          Cause::cert_not_yet_valid, Cause::cert_hostname_mismatch,
        Cause::cert_invalid,
    };
    // A chain longer than the verifier's depth limit (OpenSSL's default: 100) is cut there,
    // and OpenSSL then also reports the cut end as unanchored ("unable to get local issuer
    // certificate") though the chain may well reach a trusted root: that follow-on error would
    // read "untrusted CA, add it with --ca-file". The length is the finding (cert.invalid).
    const auto too_long = std::find_if(errors.begin(), errors.end(), [](const VerifyError& e) {
        return e.code == X509_V_ERR_CERT_CHAIN_TOO_LONG;
    });
    std::size_t best = kPriority.size();
    for (const auto& error : errors) {
        const bool issuer_missing = error.code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                                    error.code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
        if (too_long != errors.end() && issuer_missing && error.depth >= too_long->depth) continue;
        const Cause cause = cause_from_x509(error.code, error.depth);
        for (std::size_t rank = 0; rank < best; ++rank) {
            if (kPriority[rank] == cause) {
                best = rank;
                break;
            }
        }
    }
    return best < kPriority.size() ? kPriority[best] : Cause::none;
}

}  // namespace vpcprobe
