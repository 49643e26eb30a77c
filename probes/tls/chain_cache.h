// SPDX-License-Identifier: Apache-2.0
// The certificate chains a run's peers presented, each described once
// (probes/tls/certificate_info.h) and then shared by every address that presented the same
// chain: 2,000 brokers behind one certificate cost one description and one copy in the evidence,
// not 2,000 (docs/performance.md, "The lightest probe"). A chain is the same when every
// certificate's DER is, compared by SHA-256; the description is a pure function of the DER, so
// a shared one is exactly what describing it again would give.
//
// Threading: one per TLS context, used only on the thread of the run that owns the context.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/evidence.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

class ChainCache {
  public:
    // Distinct chains kept; past this, a new chain is described but not kept (a run against
    // thousands of distinct certificates gains nothing from keeping them).
    static constexpr std::size_t kMaxChains = 1024;

    ChainCache();

    // The chain `ssl`'s peer presented, leaf first (the leaf alone when the stack is not
    // available); empty when it sent none.
    CertificateChain presented(SSL* ssl);

    std::size_t size() const { return chains_.size(); }

  private:
    std::unique_ptr<EVP_MD, FreeWith<EVP_MD_free>> sha256_;     // fetched once, not per digest
    std::unordered_map<std::string, CertificateChain> chains_;  // by the DER digests in order
};

}  // namespace vpcprobe
