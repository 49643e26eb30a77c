// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/verify_cache.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <ctime>
#include <optional>

#include "probes/tls/certificate_info.h"

namespace vpcprobe {

namespace {

// The moment an ASN.1 time names, or nullopt when it does not read as one.
std::optional<SystemTime> moment(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&parts));
}

}  // namespace

VerifyCache::VerifyCache() : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {}

std::string VerifyCache::key(X509_STORE_CTX* store) const {
    std::string key;
    if (!append_der_sha256(key, X509_STORE_CTX_get0_cert(store), sha256_.get())) return "";
    if (STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(store)) {
        for (int i = 0; i < sk_X509_num(untrusted); ++i) {
            if (!append_der_sha256(key, sk_X509_value(untrusted, i), sha256_.get())) return "";
        }
    }
    // The name checked: host names (and their flags) or an address, whichever the probe set.
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(store);
    key += '\0';
    if (const char* host = X509_VERIFY_PARAM_get0_host(param, 0)) key += host;
    key += '\0';
    key += std::to_string(X509_VERIFY_PARAM_get_hostflags(param));
    key += '\0';
    if (char* address = X509_VERIFY_PARAM_get1_ip_asc(param)) {
        key += address;
        OPENSSL_free(address);
    }
    return key;
}

const RecordedVerification* VerifyCache::find(const std::string& key, SystemTime now) {
    const auto found = entries_.find(key);
    if (found == entries_.end()) return nullptr;
    if (now >= found->second.until) {
        entries_.erase(found);
        return nullptr;
    }
    ++hits_;
    return &found->second.outcome;
}

void VerifyCache::remember(std::string key, RecordedVerification outcome, X509_STORE_CTX* store,
                           SystemTime now) {
    if (key.empty() || entries_.size() >= kMaxEntries) return;
    SystemTime until = now + kLifetime;
    // Every certificate of the chain as verified (anchor included) and as presented.
    std::vector<X509*> certificates;
    if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(store)) {
        for (int i = 0; i < sk_X509_num(chain); ++i)
            certificates.push_back(sk_X509_value(chain, i));
    }
    if (STACK_OF(X509)* untrusted = X509_STORE_CTX_get0_untrusted(store)) {
        for (int i = 0; i < sk_X509_num(untrusted); ++i) {
            certificates.push_back(sk_X509_value(untrusted, i));
        }
    }
    certificates.push_back(X509_STORE_CTX_get0_cert(store));
    for (X509* cert : certificates) {
        for (const ASN1_TIME* boundary : {X509_get0_notBefore(cert), X509_get0_notAfter(cert)}) {
            const auto at = moment(boundary);
            if (!at) return;  // a time it cannot read: not kept
            if (*at > now) until = std::min(until, *at);
        }
    }
    entries_[std::move(key)] = Entry{std::move(outcome), until};
}

}  // namespace vpcprobe
