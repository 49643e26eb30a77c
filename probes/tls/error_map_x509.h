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
    // How the client being checked verifies: false makes the failure a warning (see
    // certificate_verdict).
    bool verify_hostname = true;
    bool verify_certificate = true;
};

// The certificate stage's outcome: failed (a verify error), warning (expiring soon, or a
// verify error the client does not check for) or ok.
struct CertificateVerdict {
    StageStatus status = StageStatus::ok;
    Cause cause = Cause::none;
    std::string detail;
    int days_left = 0;  // until the chain's earliest not_after
};

// The verdict on what the peer presented: `presented.chain` (leaf first, not empty) and
// `presented.verify_errors`, with `subjects` parallel to the verify errors. With
// check.verify_hostname false a hostname mismatch alone is a cert.hostname_mismatch warning
// (the other errors still fail); with check.verify_certificate false every verify error is a
// warning with its cause; the detail says the client connects anyway.
CertificateVerdict certificate_verdict(const CertificateEvidence& presented,
                                       const std::vector<VerifyErrorSubject>& subjects,
                                       const CertificateCheck& check);

// Whether the peer proved who it is, so that credentials may go to it: a chain was presented
// and verified (whether or not the client being checked verifies chains), and it covers the
// name, unless the client does not verify names (verify_hostname false: it sends its own
// credentials there anyway).
bool proved_its_identity(const CertificateEvidence& certificate, bool verify_hostname);

}  // namespace vpcprobe
