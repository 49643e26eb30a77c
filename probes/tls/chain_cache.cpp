// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/chain_cache.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <vector>

#include "probes/tls/certificate_info.h"

namespace vpcprobe {

namespace {

// The certificates as presented, leaf first. A client's SSL_get_peer_cert_chain includes the
// leaf; the leaf alone covers a stack that is not there.
std::vector<X509*> presented_certificates(SSL* ssl) {
    std::vector<X509*> certificates;
    if (STACK_OF(X509)* presented = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(presented); ++i) {
            certificates.push_back(sk_X509_value(presented, i));
        }
    }
    if (certificates.empty()) {
        if (X509* leaf = SSL_get0_peer_certificate(ssl)) certificates.push_back(leaf);
    }
    return certificates;
}

CertificateChain described(const std::vector<X509*>& certificates) {
    std::vector<CertificateInfo> chain;
    chain.reserve(certificates.size());
    for (X509* cert : certificates) chain.push_back(certificate_info(cert));
    return CertificateChain(std::move(chain));
}

}  // namespace

ChainCache::ChainCache() : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}

CertificateChain ChainCache::presented(SSL* ssl) {
    const std::vector<X509*> certificates = presented_certificates(ssl);
    if (certificates.empty()) return {};
    std::string key;
    key.reserve(certificates.size() * EVP_MAX_MD_SIZE);
    for (X509* cert : certificates) {
        // Without a digest there is no key: describe it afresh rather than guess.
        if (!append_der_sha256(key, cert, sha256_.get())) return described(certificates);
    }
    if (const auto found = chains_.find(key); found != chains_.end()) return found->second;
    CertificateChain chain = described(certificates);
    if (chains_.size() < kMaxChains) chains_.emplace(std::move(key), chain);
    return chain;
}

}  // namespace vpcprobe
