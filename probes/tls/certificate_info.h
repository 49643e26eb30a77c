// SPDX-License-Identifier: Apache-2.0
// A certificate's facts as the evidence holds them (CertificateInfo in core/evidence.h): subject
// and issuer as one-line RFC 2253 text, DNS and IP SANs, validity and the SHA-256 of the DER, for
// every place of the TLS layer that reports a certificate (the peer's chain, the client
// certificate we present, the anchors we trust).
// Pure functions: safe from any thread (the certificate is only read).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "core/evidence.h"

namespace vpcprobe {

CertificateInfo certificate_info(X509* cert);

// Appends the SHA-256 of `cert`'s DER (32 raw bytes) to `key`, with `sha256` fetched once by the
// caller (EVP_MD_fetch) so that a digest per certificate costs no algorithm lookup; false when
// it cannot be computed. The chain and verification caches key on it.
bool append_der_sha256(std::string& key, X509* cert, const EVP_MD* sha256);

// A distinguished name as one-line RFC 2253 text, as subjects and issuers are given; "" when
// OpenSSL cannot print it.
std::string name_text(const X509_NAME* name);

// The subject as one-line RFC 2253 text ("CN=Test Root,O=vpcprobe").
std::string subject_text(const X509* cert);

}  // namespace vpcprobe
