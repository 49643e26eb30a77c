// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/lazy_bundle.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bounded_file.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

// As large as any CA bundle a system ships (a few hundred certificates are well under 1 MiB).
constexpr std::size_t kMaxBundleBytes = 8 * 1024 * 1024;

struct BundleEntry {
    unsigned long subject_hash = 0;
    std::string der;
    bool trusted_form = false;  // "TRUSTED CERTIFICATE": the certificate and its trust settings
    bool added = false;         // parsed and in the store already
};

struct Bundle {
    std::vector<BundleEntry> entries;
};

// Steps over one DER element at `p`, or returns false when it is not one within `end`.
bool skip_element(const unsigned char*& p, const unsigned char* end) {
    long length = 0;
    int tag = 0;
    int klass = 0;
    const unsigned char* content = p;
    if ((ASN1_get_object(&content, &length, &tag, &klass, end - p) & 0x80) != 0) return false;
    if (length < 0 || length > end - content) return false;
    p = content + length;
    return true;
}

// Enters the SEQUENCE at `p`: `p` at its first element, `end` at its end.
bool enter_sequence(const unsigned char*& p, const unsigned char*& end) {
    long length = 0;
    int tag = 0;
    int klass = 0;
    if ((ASN1_get_object(&p, &length, &tag, &klass, end - p) & 0x80) != 0) return false;
    if (tag != V_ASN1_SEQUENCE || length < 0 || length > end - p) return false;
    end = p + length;
    return true;
}

// The subject's hash (as `openssl x509 -subject_hash` and the hashed directory name it) of a
// DER certificate, decoding the subject name only: Certificate ::= SEQUENCE { tbsCertificate
// SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, ... } }.
std::optional<unsigned long> subject_hash(std::string_view der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* end = p + der.size();
    if (!enter_sequence(p, end) || !enter_sequence(p, end)) return std::nullopt;
    const unsigned char* peek = p;
    long length = 0;
    int tag = 0;
    int klass = 0;
    if ((ASN1_get_object(&peek, &length, &tag, &klass, end - p) & 0x80) != 0) return std::nullopt;
    if (klass == V_ASN1_CONTEXT_SPECIFIC && tag == 0 && !skip_element(p, end)) return std::nullopt;
    for (int field = 0; field < 4; ++field) {  // serialNumber, signature, issuer, validity
        if (!skip_element(p, end)) return std::nullopt;
    }
    std::unique_ptr<X509_NAME, FreeWith<X509_NAME_free>> subject(
        d2i_X509_NAME(nullptr, &p, end - p));
    if (!subject) return std::nullopt;
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(subject.get(), nullptr, nullptr, &ok);
    if (ok == 0) return std::nullopt;
    return hash;
}

// Every certificate of the PEM text with its subject hash; a block that is not a certificate
// (a key, a CRL) or that does not decode is left out, as OpenSSL's file lookup leaves it.
Bundle index_bundle(const std::string& text) {
    Bundle bundle;
    std::unique_ptr<BIO, FreeWith<BIO_free>> bio(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    while (bio) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long length = 0;
        if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) break;
        const std::string_view kind = name;
        BundleEntry entry;
        entry.der.assign(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
        entry.trusted_form = kind == PEM_STRING_X509_TRUSTED;
        const bool certificate = kind == PEM_STRING_X509 || kind == PEM_STRING_X509_OLD ||
                                 kind == PEM_STRING_X509_TRUSTED;
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!certificate) continue;
        if (const auto hash = subject_hash(entry.der)) {
            entry.subject_hash = *hash;
            bundle.entries.push_back(std::move(entry));
        }
    }
    ERR_clear_error();  // the end of the PEM blocks is reported as an error
    return bundle;
}

// Parses and adds to `store` every certificate of `bundle` whose subject hash is `hash`.
void add_with_hash(Bundle& bundle, unsigned long hash, X509_STORE* store) {
    for (BundleEntry& entry : bundle.entries) {
        if (entry.subject_hash != hash || entry.added) continue;
        entry.added = true;
        const auto* p = reinterpret_cast<const unsigned char*>(entry.der.data());
        const long length = static_cast<long>(entry.der.size());
        std::unique_ptr<X509, FreeWith<X509_free>> cert(
            entry.trusted_form ? d2i_X509_AUX(nullptr, &p, length) : d2i_X509(nullptr, &p, length));
        if (cert) X509_STORE_add_cert(store, cert.get());
    }
    ERR_clear_error();
}

int lookup_by_subject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                      X509_OBJECT* answer) {
    auto* bundle = static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup));
    X509_STORE* store = X509_LOOKUP_get_store(lookup);
    if (type != X509_LU_X509 || bundle == nullptr || store == nullptr) return 0;
    int ok = 0;
    const unsigned long hash = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
    if (ok == 0) return 0;
    add_with_hash(*bundle, hash, store);
    // Answered from the store, which now holds every anchor of that name.
    if (X509_STORE_lock(store) != 1) return 0;
    X509_OBJECT* found = X509_OBJECT_retrieve_by_subject(
        X509_STORE_get0_objects(store), X509_LU_X509, const_cast<X509_NAME*>(name));
    int answered = 0;
    if (found != nullptr) {
        X509* cert = X509_OBJECT_get0_X509(found);
        answered = X509_OBJECT_set1_X509(answer, cert);
        // The answer borrows the store's reference, as OpenSSL's own lookups answer:
        // X509_STORE_CTX_get_by_subject takes its own reference of what it is given and never
        // releases `answer`, so the one set1 took is given back (the store still holds one).
        if (answered == 1) X509_free(cert);
    }
    X509_STORE_unlock(store);
    return answered;
}

void free_bundle(X509_LOOKUP* lookup) {
    delete static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup));
    X509_LOOKUP_set_method_data(lookup, nullptr);
}

// One method for the process: OpenSSL keeps a pointer to it in every lookup made from it.
X509_LOOKUP_METHOD* lazy_bundle_method() {
    static X509_LOOKUP_METHOD* const method = [] {
        X509_LOOKUP_METHOD* made = X509_LOOKUP_meth_new("vpcprobe lazy PEM bundle");
        if (made != nullptr) {
            X509_LOOKUP_meth_set_get_by_subject(made, lookup_by_subject);
            X509_LOOKUP_meth_set_free(made, free_bundle);
        }
        return made;
    }();
    return method;
}

}  // namespace

std::vector<unsigned long> bundle_subject_hashes(const std::string& pem_text) {
    std::vector<unsigned long> hashes;
    for (const BundleEntry& entry : index_bundle(pem_text).entries) {
        hashes.push_back(entry.subject_hash);
    }
    return hashes;
}

Result<void> add_lazy_bundle(X509_STORE* store, const std::string& path) {
    auto text = read_bounded_file(path, kMaxBundleBytes, "PEM bundle of certificates");
    if (!text) return std::move(text).error();
    auto bundle = std::make_unique<Bundle>(index_bundle(*text));
    if (bundle->entries.empty()) {
        return Error("no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
    }
    X509_LOOKUP_METHOD* method = lazy_bundle_method();
    if (method == nullptr) return Error("out of memory");
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, method);
    if (lookup == nullptr) return Error("out of memory");
    // A second bundle for the same store joins the first one's index.
    if (auto* existing = static_cast<Bundle*>(X509_LOOKUP_get_method_data(lookup))) {
        for (BundleEntry& entry : bundle->entries) existing->entries.push_back(std::move(entry));
        return {};
    }
    X509_LOOKUP_set_method_data(lookup, bundle.release());
    return {};
}

}  // namespace vpcprobe
