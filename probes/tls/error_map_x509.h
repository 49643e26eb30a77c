// SPDX-License-Identifier: Apache-2.0
// The one place certificate verification errors (X509_V_ERR_*) are interpreted: what they mean
// as a cert.* cause, which one a handshake reports when it saw several, and the certificate
// stage's verdict and detail built from them. The raw codes and depths stay in
// CertificateEvidence::verify_errors beside the cause.
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "core/cause.h"
#include "core/evidence.h"

namespace vpcprobe {

// One X509_V_ERR_* at a chain depth -> cert.* cause.
Cause cause_from_x509(int x509_error, int depth);

// All verify errors of a handshake -> the one cause to report (cert.* or none). Priority, most
// fundamental first: trust (incomplete chain, self-signed, untrusted), then validity (expired,
// not yet valid), then hostname; anything else is cert.invalid.
Cause certificate_cause(const std::vector<VerifyError>& errors);

// The certificate a verify error was about, as the verify callback saw it.
struct VerifyErrorSubject {
    std::string subject;
    std::string issuer;
    SystemTime not_before{};
    SystemTime not_after{};
};

// What the certificate stage is judged against.
struct CertificateCheck {
    std::string target;  // the name verified (or the peer's address when none was given)
    int warn_days = 30;  // cert.expiring_soon when the earliest expiry is nearer
    SystemTime now{};
};

// The certificate stage's outcome: failed (a verify error), warning (expiring soon) or ok.
struct CertificateVerdict {
    StageStatus status = StageStatus::ok;
    Cause cause = Cause::none;
    std::string detail;
    int days_left = 0;  // until the chain's earliest not_after
};

// The verdict on what the peer presented: `presented.chain` (leaf first, not empty) and
// `presented.verify_errors`, with `subjects` parallel to the verify errors.
CertificateVerdict certificate_verdict(const CertificateEvidence& presented,
                                       const std::vector<VerifyErrorSubject>& subjects,
                                       const CertificateCheck& check);

}  // namespace vpcprobe
