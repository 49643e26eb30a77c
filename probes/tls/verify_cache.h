// SPDX-License-Identifier: Apache-2.0
// The chain verifications a TLS context has done, kept so that a probe presented the same chain
// for the same name is given the outcome already established instead of verifying it again:
// 2,000 brokers behind one certificate chain cost one chain verification per name, not one per
// connection (docs/performance.md, "The lightest probe"). The outcome of OpenSSL's
// X509_verify_cert is a function of the presented certificates, the name or address checked,
// the trust store and the time; the key holds the first two (the SHA-256 of each certificate's
// DER, in order, and the name), the store is the context's own (a new context, a new cache),
// and an outcome is kept only until the first moment any certificate of the verified chain
// becomes valid or expires, and at most kLifetime. What is kept is everything the probe took
// from the verification: every error with its depth and the certificate it was about, in order,
// and the result; replaying it gives the evidence a fresh verification would have.
// The server's proof that it holds the leaf's key (CertificateVerify) is not a chain
// verification and is checked on every handshake by OpenSSL as always.
//
// Threading: one per TLS context, used only on the thread of the run that owns the context.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/evidence.h"
#include "probes/tls/error_map_x509.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

// One verification as the probe recorded it.
struct RecordedVerification {
    std::vector<VerifyError> errors;
    std::vector<VerifyErrorSubject> subjects;  // parallel to errors
    int result = 0;                            // what X509_verify_cert returned
    int error = X509_V_OK;                     // the store context's error after it
};

class VerifyCache {
  public:
    // An outcome is kept at most this long: a long-running serve generation re-verifies.
    static constexpr std::chrono::seconds kLifetime{300};
    // Outcomes kept; past this, new ones are not kept.
    static constexpr std::size_t kMaxEntries = 4096;

    // The key of the verification `store` is about to do (presented chain and name), or ""
    // when it cannot be keyed (then it is verified and not kept).
    std::string key(X509_STORE_CTX* store) const;

    // The outcome kept under `key` that still holds at `now`, or null.
    const RecordedVerification* find(const std::string& key, SystemTime now);

    // Keeps `outcome` of the verification `store` has just done, until the first validity
    // boundary of its verified chain after `now` (or kLifetime).
    void remember(std::string key, RecordedVerification outcome, X509_STORE_CTX* store,
                  SystemTime now);

    bool installed = false;  // whether the context's verify callback points here
    std::size_t size() const { return entries_.size(); }
    std::size_t hits() const { return hits_; }  // outcomes given instead of a verification

    VerifyCache();

  private:
    struct Entry {
        RecordedVerification outcome;
        SystemTime until;
    };
    std::unique_ptr<EVP_MD, FreeWith<EVP_MD_free>> sha256_;  // fetched once, not per digest
    std::unordered_map<std::string, Entry> entries_;
    std::size_t hits_ = 0;
};

}  // namespace vpcprobe
