// SPDX-License-Identifier: Apache-2.0
// X509_V_ERR_* -> cert.* causes and the certificate stage's verdict (probes/tls/error_map_x509.h).
#include "probes/tls/error_map_x509.h"

#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {

namespace {

const CertificateInfo& earliest_expiring(const CertificateChain& chain) {
    return *std::min_element(chain.begin(), chain.end(),
                             [](const CertificateInfo& a, const CertificateInfo& b) {
                                 return a.not_after < b.not_after;
                             });
}

// The first verify error that produced `cause`: the one the detail describes.
std::size_t first_error_with(Cause cause, const std::vector<VerifyError>& errors) {
    std::size_t index = 0;
    for (; index < errors.size(); ++index) {
        if (cause_from_x509(errors[index].code, errors[index].depth) == cause) break;
    }
    return index;
}

// The facts a failure's detail names.
struct FailureFacts {
    const VerifyError& error;
    const VerifyErrorSubject& about;  // the certificate the error was about
    const std::string& subject;       // its subject, or the leaf's when unknown
    const CertificateInfo& leaf;
    const std::string& target;
    std::size_t chain_size;
};

std::string untrusted_detail(const FailureFacts& facts) {
    return fmt::format(
        "the chain for {} ends at {}, a CA this host does not trust (add it with --ca-file?)",
        facts.target,
        facts.error.code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ? facts.subject
                                                                 : facts.about.issuer);
}

std::string invalid_detail(const FailureFacts& facts) {
    if (facts.error.code == X509_V_ERR_CERT_CHAIN_TOO_LONG) {
        return fmt::format(
            "the chain for {} is too long: verification stops at depth {} ({} certificates sent)",
            facts.target, facts.error.depth, facts.chain_size);
    }
    return fmt::format("certificate for {} failed verification: {} at depth {} ({})", facts.target,
                       facts.error.text, facts.error.depth, facts.subject);
}

std::string failure_detail(Cause cause, const FailureFacts& facts) {
    const std::string& target = facts.target;
    switch (cause) {
        case Cause::cert_expired:
            return facts.error.depth == 0
                       ? fmt::format("certificate for {} expired on {} ({})", target,
                                     utc_date(facts.about.not_after), facts.subject)
                       : fmt::format("CA certificate {} in the chain for {} expired on {}",
                                     facts.subject, target, utc_date(facts.about.not_after));
        case Cause::cert_not_yet_valid:
            return fmt::format(
                "certificate {} for {} is not valid before {} (or this host's clock is wrong)",
                facts.subject, target, utc_date(facts.about.not_before));
        case Cause::cert_hostname_mismatch: {
            const std::string names = join(facts.leaf.sans, ", ");
            return fmt::format("certificate does not cover {}: it is for {} ({})", target,
                               names.empty() ? std::string("no names") : names, facts.leaf.subject);
        }
        case Cause::cert_self_signed:
            return fmt::format("certificate for {} is self-signed and not trusted ({})", target,
                               facts.subject);
        case Cause::cert_incomplete_chain:
            return fmt::format(
                "the server sent {} certificate{} and the issuer of {} ({}) was neither sent nor "
                "trusted: a missing intermediate",
                facts.chain_size, facts.chain_size == 1 ? "" : "s", facts.subject,
                facts.about.issuer);
        case Cause::cert_untrusted:
            return untrusted_detail(facts);
        default:
            return invalid_detail(facts);
    }
}

bool only_hostname_errors(const std::vector<VerifyError>& errors) {
    return std::all_of(errors.begin(), errors.end(), [](const VerifyError& error) {
        return cause_from_x509(error.code, error.depth) == Cause::cert_hostname_mismatch;
    });
}

// A failure the client being checked does not look for is a warning: it connects anyway.
void tolerate_unverified(CertificateVerdict& verdict, const CertificateEvidence& presented,
                         const CertificateCheck& check) {
    if (!check.verify_hostname && only_hostname_errors(presented.verify_errors)) {
        const std::string names = join(presented.chain.front().sans, ", ");
        verdict.status = StageStatus::warning;
        verdict.detail = fmt::format(
            "the certificate does not cover {} (it is for {}); this client connects because it "
            "does not verify the hostname (ssl.endpoint.identification.algorithm is empty)",
            check.target, names.empty() ? std::string("no names") : names);
    } else if (!check.verify_certificate) {
        verdict.status = StageStatus::warning;
        verdict.detail +=
            "; this client connects anyway because it does not verify certificates "
            "(enable.ssl.certificate.verification=false)";
    }
}

}  // namespace

bool proved_its_identity(const CertificateEvidence& certificate, bool verify_hostname) {
    if (certificate.chain.empty()) return false;
    for (const VerifyError& error : certificate.verify_errors) {
        const bool hostname =
            cause_from_x509(error.code, error.depth) == Cause::cert_hostname_mismatch;
        if (!hostname || verify_hostname) return false;
    }
    return true;
}

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

CertificateVerdict certificate_verdict(const CertificateEvidence& presented,
                                       const std::vector<VerifyErrorSubject>& subjects,
                                       const CertificateCheck& check) {
    CertificateVerdict verdict;
    const CertificateInfo& leaf = presented.chain.front();
    const CertificateInfo& earliest = earliest_expiring(presented.chain);
    verdict.days_left = static_cast<int>(
        std::chrono::floor<std::chrono::days>(earliest.not_after - check.now).count());

    verdict.cause = certificate_cause(presented.verify_errors);
    if (verdict.cause != Cause::none) {
        const std::size_t index = first_error_with(verdict.cause, presented.verify_errors);
        const VerifyErrorSubject& about = subjects[index];
        const FailureFacts facts{presented.verify_errors[index],
                                 about,
                                 about.subject.empty() ? leaf.subject : about.subject,
                                 leaf,
                                 check.target,
                                 presented.chain.size()};
        verdict.status = StageStatus::failed;
        verdict.detail = failure_detail(verdict.cause, facts);
        tolerate_unverified(verdict, presented, check);
    } else if (verdict.days_left < check.warn_days) {
        verdict.status = StageStatus::warning;
        verdict.cause = Cause::cert_expiring_soon;
        verdict.detail = fmt::format(
            "certificate {} expires on {}, in {} days (warning at {} days)", earliest.subject,
            utc_date(earliest.not_after), verdict.days_left, check.warn_days);
    } else {
        verdict.status = StageStatus::ok;
        verdict.detail =
            fmt::format("certificate for {} verified, valid until {} ({} days), issued by {}",
                        check.target, utc_date(earliest.not_after), verdict.days_left, leaf.issuer);
    }
    return verdict;
}

}  // namespace vpcprobe
