// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/key_stores.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "core/bounded_file.h"
#include "core/text.h"
#include "probes/tls/certificate_info.h"
#include "probes/tls/error_map_tls.h"
#include "probes/tls/jks.h"
#include "probes/tls/pkcs12_store.h"

namespace vpcprobe {

namespace {

using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;

constexpr std::size_t kMaxStoreBytes = 8 * 1024 * 1024;

// Store bytes, wiped when done: a key store's file holds key material.
class StoreBytes {
  public:
    explicit StoreBytes(std::string bytes) : bytes_(std::move(bytes)) {}
    ~StoreBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
    StoreBytes(StoreBytes&&) = default;
    StoreBytes(const StoreBytes&) = delete;
    StoreBytes& operator=(const StoreBytes&) = delete;
    StoreBytes& operator=(StoreBytes&&) = delete;

    const std::string& text() const { return bytes_; }
    std::span<const unsigned char> bytes() const {
        return {reinterpret_cast<const unsigned char*>(bytes_.data()), bytes_.size()};
    }

  private:
    std::string bytes_;
};

// "client.properties: ssl.truststore.location /etc/kafka/ts.jks": what every Error starts with.
std::string where(const StoreSource& source) {
    if (source.path.empty()) return source.named_by;
    return source.named_by.empty() ? source.path : source.named_by + " " + source.path;
}

std::string_view format_name(StoreFormat format) {
    switch (format) {
        case StoreFormat::jks:
            return "JKS";
        case StoreFormat::pkcs12:
            return "PKCS12";
        case StoreFormat::pem:
            break;
    }
    return "PEM";
}

// "the JKS trust store /x.jks (client.properties: ssl.truststore.location)"
std::string describe(const StoreSource& source, StoreFormat content, std::string_view what) {
    std::string text = fmt::format("the {} {}", format_name(content), what);
    if (source.path.empty()) {
        text += " given inline";
    } else {
        text += " " + source.path;
    }
    if (!source.named_by.empty()) text += " (" + source.named_by + ")";
    return text;
}

Result<std::string> read_bounded(const std::string& path) {
    auto content = read_bounded_file(path, kMaxStoreBytes, "trust or key store");
    if (content && content->empty()) return Error("the file is empty");
    return content;
}

Result<StoreBytes> read_store(const StoreSource& source) {
    if (source.inline_pem) {
        if (source.inline_pem->empty()) return Error("the inline PEM text is empty");
        return StoreBytes(source.inline_pem->reveal());
    }
    if (source.path.empty()) return Error("no file and no inline text");
    auto content = read_bounded(source.path);
    if (!content) return std::move(content).error();
    return StoreBytes(std::move(*content));
}

// What the bytes are, whatever the settings call them.
enum class Content { pem, jks, jceks, pkcs12, other };

Content sniff(const StoreBytes& store) {
    if (starts_as_jks(store.bytes())) return Content::jks;
    if (starts_as_jceks(store.bytes())) return Content::jceks;
    if (store.text().find("-----BEGIN ") != std::string::npos) return Content::pem;
    if (looks_like_pkcs12(store.bytes())) return Content::pkcs12;
    return Content::other;
}

// The setting that would name the store's type: "ssl.truststore.type" for
// "client.properties: ssl.truststore.location"; "" when the name does not follow that pattern.
std::string type_setting(const StoreSource& source) {
    constexpr std::string_view suffix = ".location";
    const std::string& name = source.named_by;
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return "";
    }
    const std::size_t start = name.rfind(' ') == std::string::npos ? 0 : name.rfind(' ') + 1;
    return name.substr(start, name.size() - suffix.size() - start) + ".type";
}

Error wrong_type(const StoreSource& source, std::string_view looks_like, std::string_view type) {
    const std::string setting = type_setting(source);
    if (setting.empty())
        return Error(fmt::format("this looks like {}, not a {} store", looks_like,
                                 format_name(source.format)));
    return Error(fmt::format("this looks like {}; set {}={}", looks_like, setting, type));
}

// The format to read the bytes as, or why they cannot be read as the settings say. JKS and
// PKCS12 stand in for each other, as in Java's dual-format key stores.
Result<StoreFormat> content_format(const StoreSource& source, const StoreBytes& store) {
    const Content content = sniff(store);
    const bool binary = source.format != StoreFormat::pem;
    switch (content) {
        case Content::jks:
            if (binary) return StoreFormat::jks;
            return wrong_type(source, "a JKS store", "JKS");
        case Content::pkcs12:
            if (binary) return StoreFormat::pkcs12;
            return wrong_type(source, "a PKCS12 store", "PKCS12");
        case Content::jceks:
            return Error(
                "this is a JCEKS store, which is not read here; convert it with keytool "
                "-importkeystore -srcstoretype JCEKS -deststoretype PKCS12 and use the PKCS12 "
                "store");
        case Content::pem:
            if (!binary) return StoreFormat::pem;
            return wrong_type(source, "a PEM file", "PEM");
        case Content::other:
            break;
    }
    if (binary) {
        return Error(fmt::format("not a {} store (neither JKS nor PKCS12 data)",
                                 format_name(source.format)));
    }
    return Error("no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
}

std::optional<std::string> revealed(const std::optional<Secret>& secret) {
    if (!secret) return std::nullopt;
    return secret->reveal();
}

// ---------------------------------------------------------------------------------------------
// PEM

Result<std::vector<X509Ptr>> pem_certificates(const std::string& text) {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return Error("out of memory");
    ERR_clear_error();
    std::vector<X509Ptr> certs;
    while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        certs.push_back(std::move(cert));
    }
    const unsigned long last = ERR_peek_last_error();
    ERR_clear_error();
    // Running out of PEM blocks ends the loop; anything else is damage.
    if (last != 0 && !is_end_of_pem_blocks(last)) {
        return Error("malformed PEM certificate: " + openssl_error_text(last));
    }
    if (certs.empty())
        return Error("no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
    return certs;
}

struct PasswordUse {
    const std::string* password = nullptr;
    bool asked = false;
};

int give_password(char* buffer, int size, int /*writing*/, void* data) {
    auto* use = static_cast<PasswordUse*>(data);
    use->asked = true;
    if (use->password == nullptr || use->password->size() > static_cast<std::size_t>(size)) {
        return -1;
    }
    std::memcpy(buffer, use->password->data(), use->password->size());
    return static_cast<int>(use->password->size());
}

Result<EvpPkeyPtr> pem_private_key(const std::string& text, const ClientIdentity& identity) {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return Error("out of memory");
    const std::optional<std::string> password = revealed(identity.key_password);
    PasswordUse use{password ? &*password : nullptr};
    ERR_clear_error();
    EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &give_password, &use));
    ERR_clear_error();
    if (key) return key;
    if (use.asked && !password)
        return Error("the private key is encrypted and no key password is configured");
    if (use.asked) {
        std::string error = "wrong key password (the private key does not decrypt)";
        if (!identity.key_password_named_by.empty()) {
            error += "; the key password comes from " + identity.key_password_named_by;
        }
        return Error(error);
    }
    return Error("no PEM private key in it (expected -----BEGIN PRIVATE KEY-----)");
}

// ---------------------------------------------------------------------------------------------
// JKS and PKCS12

Result<X509Ptr> certificate_from_der(const std::vector<unsigned char>& der,
                                     std::string_view alias) {
    const unsigned char* cursor = der.data();
    X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    ERR_clear_error();
    if (!cert)
        return Error("the certificate of entry " + quote(printable(alias)) + " does not parse");
    return cert;
}

Result<std::vector<X509Ptr>> jks_anchors(const StoreBytes& store, const StoreSource& source) {
    auto entries = parse_jks(store.bytes(), revealed(source.password));
    if (!entries) return std::move(entries).error();
    std::vector<X509Ptr> anchors;
    // Java trusts every trusted certificate entry and the first certificate of each key entry.
    for (const JksEntry& entry : *entries) {
        if (entry.certificates.empty()) continue;
        auto cert = certificate_from_der(entry.certificates.front(), entry.alias);
        if (!cert) return std::move(cert).error();
        anchors.push_back(std::move(*cert));
    }
    if (anchors.empty()) return Error("the JKS store holds no certificate");
    return anchors;
}

Result<std::vector<X509Ptr>> pkcs12_anchors(const StoreBytes& store, const StoreSource& source) {
    auto contents = read_pkcs12(store.bytes(), revealed(source.password), std::nullopt);
    if (!contents) return std::move(contents).error();
    std::vector<X509Ptr> anchors;
    std::size_t unmarked = 0;
    for (Pkcs12Certificate& cert : contents->certificates) {
        const bool key_leaf =
            !cert.local_key_id.empty() &&
            std::any_of(contents->keys.begin(), contents->keys.end(), [&](const Pkcs12Key& key) {
                return key.local_key_id == cert.local_key_id;
            });
        if (cert.java_trusted || key_leaf) {
            anchors.push_back(std::move(cert.cert));
        } else {
            ++unmarked;
        }
    }
    if (!anchors.empty()) return anchors;
    if (unmarked > 0) {
        return Error(fmt::format(
            "none of its {} certificates is a trusted certificate entry, so Java trusts none of "
            "them (a store made by openssl pkcs12 -export has none); import the CA certificates "
            "with keytool -importcert -storetype PKCS12",
            unmarked));
    }
    return Error("the PKCS12 store holds no certificate");
}

// ---------------------------------------------------------------------------------------------
// Identity

Result<void> check_key_matches(const LoadedIdentity& identity) {
    if (X509_check_private_key(identity.chain.front().get(), identity.key.get()) == 1) {
        ERR_clear_error();
        return {};
    }
    ERR_clear_error();
    return Error("the private key does not match the certificate " +
                 subject_text(identity.chain.front().get()));
}

std::optional<std::string> key_password_for_store(const ClientIdentity& identity) {
    if (identity.key_password) return identity.key_password->reveal();
    return revealed(identity.certificate.password);
}

Result<LoadedIdentity> jks_identity(const StoreBytes& store, const ClientIdentity& identity) {
    auto entries = parse_jks(store.bytes(), revealed(identity.certificate.password));
    if (!entries) return std::move(entries).error();
    std::vector<const JksEntry*> keys;
    for (const JksEntry& entry : *entries) {
        if (entry.is_private_key) keys.push_back(&entry);
    }
    if (keys.empty()) return Error("the JKS store holds no private key entry");
    if (keys.size() > 1) {
        std::vector<std::string> aliases;
        for (const JksEntry* entry : keys) aliases.push_back(quote(printable(entry->alias)));
        return Error("the JKS store holds several private key entries (" + join(aliases, ", ") +
                     "); keep only the one the client presents");
    }
    const JksEntry& entry = *keys.front();
    if (entry.certificates.empty()) {
        return Error("private key entry " + quote(printable(entry.alias)) + " has no certificate");
    }
    auto pkcs8 = recover_jks_key(entry, key_password_for_store(identity).value_or(""));
    if (!pkcs8) return std::move(pkcs8).error();
    const unsigned char* cursor = pkcs8->data();
    LoadedIdentity loaded;
    loaded.key.reset(d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(pkcs8->size())));
    OPENSSL_cleanse(pkcs8->data(), pkcs8->size());
    ERR_clear_error();
    if (!loaded.key) {
        return Error("the private key of entry " + quote(printable(entry.alias)) +
                     " does not parse");
    }
    for (const auto& der : entry.certificates) {
        auto cert = certificate_from_der(der, entry.alias);
        if (!cert) return std::move(cert).error();
        loaded.chain.push_back(std::move(*cert));
    }
    return loaded;
}

// The certificates that follow `leaf` up its issuers, as Java builds a key entry's chain.
std::vector<X509Ptr> chain_from(X509Ptr leaf, std::vector<Pkcs12Certificate>& others) {
    std::vector<X509Ptr> chain;
    chain.push_back(std::move(leaf));
    while (chain.size() <= others.size()) {
        X509* last = chain.back().get();
        if (X509_check_issued(last, last) == X509_V_OK) break;  // a root ends the chain
        auto issuer = std::find_if(others.begin(), others.end(), [&](const Pkcs12Certificate& c) {
            return c.cert && X509_check_issued(c.cert.get(), last) == X509_V_OK;
        });
        if (issuer == others.end()) break;
        chain.push_back(std::move(issuer->cert));
    }
    return chain;
}

Result<LoadedIdentity> pkcs12_identity(const StoreBytes& store, const ClientIdentity& identity) {
    auto contents = read_pkcs12(store.bytes(), revealed(identity.certificate.password),
                                key_password_for_store(identity).value_or(""));
    if (!contents) return std::move(contents).error();
    if (contents->keys.empty()) return Error("the PKCS12 store holds no private key");
    if (contents->keys.size() > 1) {
        return Error(
            fmt::format("the PKCS12 store holds {} private keys; keep only the one the "
                        "client presents",
                        contents->keys.size()));
    }
    LoadedIdentity loaded;
    loaded.key = std::move(contents->keys.front().key);
    auto& certs = contents->certificates;
    const std::string& id = contents->keys.front().local_key_id;
    auto leaf = std::find_if(certs.begin(), certs.end(), [&](const Pkcs12Certificate& c) {
        return !id.empty() && c.local_key_id == id;
    });
    if (leaf == certs.end()) {
        leaf = std::find_if(certs.begin(), certs.end(), [&](const Pkcs12Certificate& c) {
            return X509_check_private_key(c.cert.get(), loaded.key.get()) == 1;
        });
        ERR_clear_error();
    }
    if (leaf == certs.end())
        return Error("the PKCS12 store holds no certificate for its private key");
    X509Ptr leaf_cert = std::move(leaf->cert);
    loaded.chain = chain_from(std::move(leaf_cert), certs);
    return loaded;
}

// The chain of a PEM certificate, with the key from the same PEM unless a key file is named
// (that key is load_client_identity's to read, so its errors name the key's setting).
Result<LoadedIdentity> pem_identity(const StoreBytes& store, const ClientIdentity& identity) {
    auto chain = pem_certificates(store.text());
    if (!chain) return std::move(chain).error();
    LoadedIdentity loaded;
    loaded.chain = std::move(*chain);
    if (identity.key) return loaded;
    if (store.text().find("PRIVATE KEY-----") == std::string::npos) {
        return Error("no PEM private key in it, and no key file is named");
    }
    auto key = pem_private_key(store.text(), identity);
    if (!key) return std::move(key).error();
    loaded.key = std::move(*key);
    return loaded;
}

Result<EvpPkeyPtr> separate_key(const ClientIdentity& identity) {
    const std::string at = where(*identity.key);
    auto key_bytes = read_store(*identity.key);
    if (!key_bytes) return std::move(key_bytes).error().context(at);
    return pem_private_key(key_bytes->text(), identity).context(at);
}

Result<LoadedIdentity> load_identity_from(const StoreBytes& store, StoreFormat format,
                                          const ClientIdentity& identity) {
    switch (format) {
        case StoreFormat::jks:
            return jks_identity(store, identity);
        case StoreFormat::pkcs12:
            return pkcs12_identity(store, identity);
        case StoreFormat::pem:
            break;
    }
    return pem_identity(store, identity);
}

}  // namespace

Result<LoadedTrust> load_trust_store(const StoreSource& source) {
    const std::string at = where(source);
    auto store = read_store(source);
    if (!store) return std::move(store).error().context(at);
    auto format = content_format(source, *store);
    if (!format) return std::move(format).error().context(at);
    Result<std::vector<X509Ptr>> anchors = *format == StoreFormat::jks ? jks_anchors(*store, source)
                                           : *format == StoreFormat::pkcs12
                                               ? pkcs12_anchors(*store, source)
                                               : pem_certificates(store->text());
    if (!anchors) return std::move(anchors).error().context(at);
    LoadedTrust trust;
    trust.description = describe(source, *format, "trust store");
    for (auto& cert : *anchors) {
        trust.subjects.push_back(subject_text(cert.get()));
        trust.anchors.push_back(std::move(cert));
    }
    return trust;
}

Result<LoadedIdentity> load_client_identity(const ClientIdentity& identity) {
    const StoreSource& source = identity.certificate;
    const std::string at = where(source);
    auto store = read_store(source);
    if (!store) return std::move(store).error().context(at);
    auto format = content_format(source, *store);
    if (!format) return std::move(format).error().context(at);
    auto loaded = load_identity_from(*store, *format, identity);
    if (!loaded) return std::move(loaded).error().context(at);
    if (!loaded->key) {
        auto key = separate_key(identity);
        if (!key) return std::move(key).error();
        loaded->key = std::move(*key);
    }
    if (auto matches = check_key_matches(*loaded); !matches) {
        return std::move(matches).error().context(at);
    }
    const bool key_store = *format != StoreFormat::pem;
    loaded->description = describe(source, *format, key_store ? "key store" : "certificate");
    loaded->source = at;
    return loaded;
}

Result<void> present_identity(SSL_CTX* native, const LoadedIdentity& loaded,
                              std::string_view refusal) {
    bool ok = SSL_CTX_use_certificate(native, loaded.chain.front().get()) == 1;
    for (std::size_t i = 1; ok && i < loaded.chain.size(); ++i) {
        ok = SSL_CTX_add1_chain_cert(native, loaded.chain[i].get()) == 1;
    }
    ok = ok && SSL_CTX_use_PrivateKey(native, loaded.key.get()) == 1 &&
         SSL_CTX_check_private_key(native) == 1;
    if (!ok) {
        const std::string reason = openssl_error_text(ERR_get_error());
        ERR_clear_error();
        return Error(fmt::format("{}: {}", refusal, reason)).context(loaded.source);
    }
    return {};
}

}  // namespace vpcprobe
