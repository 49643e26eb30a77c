// SPDX-License-Identifier: Apache-2.0
// probes/tls/verify_cache.h on real chains of the test PKI verified by OpenSSL: what the key
// tells apart (the presented certificates, the name checked) and how long an outcome is kept
// (to the verified chain's next validity boundary, at most kLifetime). The replayed evidence
// itself is compared with a fresh verification in tls_probe_test.
#include "probes/tls/verify_cache.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/tls/openssl_handle.h"
#include "tests/support/pki.h"
#include "tests/support/stores.h"

namespace {

using namespace std::chrono_literals;
using vpcprobe::FreeWith;
using vpcprobe::RecordedVerification;
using vpcprobe::SystemTime;
using vpcprobe::VerifyCache;
using vpcprobe::test::LeafVariant;
using vpcprobe::test::scratch_pki;

using CertPtr = std::unique_ptr<X509, FreeWith<X509_free>>;

// sk_X509_free is a macro, so FreeWith cannot name it; the stack only borrows its certificates.
struct FreeStack {
    void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};

std::vector<CertPtr> certificates_in(const std::string& path) {
    std::vector<CertPtr> certificates;
    std::unique_ptr<BIO, FreeWith<BIO_free>> bio(BIO_new_file(path.c_str(), "r"));
    REQUIRE(bio);
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        certificates.emplace_back(cert);
    }
    REQUIRE_FALSE(certificates.empty());
    return certificates;
}

SystemTime moment(const ASN1_TIME* time) {
    std::tm parts{};
    REQUIRE(ASN1_TIME_to_tm(time, &parts) == 1);
    return std::chrono::system_clock::from_time_t(timegm(&parts));
}

// A chain of `variant` as its server presents it, verified against the test root for `host`.
class Verification {
  public:
    Verification(LeafVariant variant, const char* host)
        : presented_(certificates_in(scratch_pki().credentials(variant).chain_file)),
          store_(X509_STORE_new()),
          untrusted_(sk_X509_new_null()),
          context_(X509_STORE_CTX_new()) {
        REQUIRE(X509_STORE_load_file(store_.get(), scratch_pki().ca_file().c_str()) == 1);
        for (std::size_t i = 1; i < presented_.size(); ++i) {
            sk_X509_push(untrusted_.get(), presented_[i].get());
        }
        REQUIRE(X509_STORE_CTX_init(context_.get(), store_.get(), presented_[0].get(),
                                    untrusted_.get()) == 1);
        X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(context_.get()), host, 0);
        result_ = X509_verify_cert(context_.get());
    }
    X509_STORE_CTX* get() { return context_.get(); }
    X509* leaf() { return presented_[0].get(); }
    RecordedVerification outcome() {
        return RecordedVerification{{}, {}, result_, X509_STORE_CTX_get_error(context_.get())};
    }

  private:
    std::vector<CertPtr> presented_;
    std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>> store_;
    std::unique_ptr<STACK_OF(X509), FreeStack> untrusted_;
    std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>> context_;
    int result_ = 0;
};

}  // namespace

TEST_CASE("the key tells chains and names apart", "[verify_cache]") {
    VerifyCache cache;
    Verification good(LeafVariant::good, "localhost"), again(LeafVariant::good, "localhost");
    Verification other_name(LeafVariant::good, "127.0.0.1");
    Verification other_chain(LeafVariant::expiring_soon, "localhost");
    const std::string key = cache.key(good.get());
    CHECK_FALSE(key.empty());
    CHECK(cache.key(again.get()) == key);
    CHECK(cache.key(other_name.get()) != key);
    CHECK(cache.key(other_chain.get()) != key);
}

TEST_CASE("an outcome is kept at most kLifetime", "[verify_cache]") {
    VerifyCache cache;
    Verification good(LeafVariant::good, "localhost");
    const SystemTime now = std::chrono::system_clock::now();
    const std::string key = cache.key(good.get());
    cache.remember(key, good.outcome(), good.get(), now);
    REQUIRE(cache.size() == 1);
    const RecordedVerification* kept = cache.find(key, now + VerifyCache::kLifetime - 1s);
    REQUIRE(kept != nullptr);
    CHECK(kept->result == 1);
    CHECK(kept->error == X509_V_OK);
    CHECK(cache.find(key, now + VerifyCache::kLifetime) == nullptr);
    CHECK(cache.size() == 0);  // an outcome past its time is dropped
    CHECK(cache.hits() == 1);
}

TEST_CASE("an outcome is not kept past a certificate's expiry", "[verify_cache]") {
    VerifyCache cache;
    Verification soon(LeafVariant::expiring_soon, "localhost");
    const SystemTime expiry = moment(X509_get0_notAfter(soon.leaf()));
    // Remembered a minute before the leaf expires: kept until then, not for kLifetime.
    const SystemTime now = expiry - 1min;
    const std::string key = cache.key(soon.get());
    cache.remember(key, soon.outcome(), soon.get(), now);
    CHECK(cache.find(key, expiry - 1s) != nullptr);
    CHECK(cache.find(key, expiry) == nullptr);
}

TEST_CASE("an outcome is not kept past a certificate's start of validity", "[verify_cache]") {
    VerifyCache cache;
    Verification early(LeafVariant::not_yet_valid, "localhost");
    CHECK(early.outcome().error == X509_V_ERR_CERT_NOT_YET_VALID);
    const SystemTime start = moment(X509_get0_notBefore(early.leaf()));
    const SystemTime now = start - 2min;
    const std::string key = cache.key(early.get());
    cache.remember(key, early.outcome(), early.get(), now);
    CHECK(cache.find(key, start - 1s) != nullptr);
    CHECK(cache.find(key, start) == nullptr);  // from then on it would verify differently
}
