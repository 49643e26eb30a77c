// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/tls_context.h"

#include <dirent.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "core/bounded_file.h"
#include "core/text.h"
#include "probes/tls/certificate_info.h"
#include "probes/tls/error_map_tls.h"
#include "probes/tls/key_stores.h"
#include "probes/tls/lazy_bundle.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using CertPtr = std::unique_ptr<X509, FreeWith<X509_free>>;

// A CA bundle of a few hundred certificates is well under a MiB.
constexpr std::size_t kMaxPemFileBytes = 8 * 1024 * 1024;

// The whole of a PEM file, or what keeps it from being read.
Result<std::string> read_pem_file(const std::string& path) {
    auto text = read_bounded_file(path, kMaxPemFileBytes, "PEM file of certificates");
    if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        return Error("the file is empty");
    }
    return text;
}

// Adds every certificate of one PEM file to the store, and their subjects to `subjects`.
Result<void> add_ca_file(X509_STORE* store, const std::string& path,
                         std::vector<std::string>* subjects = nullptr) {
    const auto text = read_pem_file(path);
    if (!text) return text.error();
    BioPtr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
    if (!bio) return Error("out of memory");
    ERR_clear_error();
    int added = 0;
    while (true) {
        CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        if (X509_STORE_add_cert(store, cert.get()) != 1) {
            const std::string reason = openssl_error_text(ERR_get_error());
            ERR_clear_error();
            return Error("cannot add a certificate to the trust store: " + reason);
        }
        if (subjects != nullptr) subjects->push_back(subject_text(cert.get()));
        ++added;
    }
    const unsigned long last = ERR_peek_last_error();
    ERR_clear_error();
    // Running out of PEM blocks ends the loop; anything else is damage.
    if (last != 0 && !is_end_of_pem_blocks(last)) {
        return Error("malformed PEM certificate: " + openssl_error_text(last));
    }
    if (added == 0) return Error("no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
    return {};
}

}  // namespace

Result<void> check_trust_anchor_file(const std::string& path) {
    std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>> store(X509_STORE_new());
    if (!store) return Error("out of memory");
    return add_ca_file(store.get(), path);
}

namespace {

boost::asio::ssl::context client_context() {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // Every probe must see the full handshake and chain: never resume a session.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    // Verification must fail closed for any other user of this context; probe_tls installs
    // its recording callback per connection.
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    return context;
}

// Whether `directory` holds at least one certificate under its subject hash ("9d66eef0.0", as
// `openssl rehash` / update-ca-certificates name them), so a lookup by hash can find anchors
// there. Stops at the first such entry.
bool has_hashed_certificates(const std::string& directory) {
    std::unique_ptr<DIR, FreeWith<closedir>> dir(opendir(directory.c_str()));
    if (!dir) return false;
    while (const dirent* entry = readdir(dir.get())) {
        const std::string_view name = entry->d_name;
        if (name.size() >= 10 && name[8] == '.' &&
            name.substr(0, 8).find_first_not_of("0123456789abcdef") == std::string_view::npos) {
            return true;
        }
    }
    return false;
}

// The system's trust anchors, loaded only as a chain asks for them. OpenSSL's default
// (SSL_CTX_set_default_verify_paths) parses the whole CA bundle file up front: 144 certificates,
// 30-50 ms with OpenSSL 3.0, before the first probe, even for a run that verifies no chain or
// only chains of a --ca-file. The hashed certificate directory holds the same anchors and is
// read one issuer at a time (each one found is kept in the store); a bundle file is indexed by
// subject and parsed the same way (probes/tls/lazy_bundle.h). SSL_CERT_FILE and SSL_CERT_DIR
// keep their meaning: the bundle SSL_CERT_FILE names is used, a directory list in SSL_CERT_DIR
// is looked up; without them, the default directory when it is hashed, else the default
// bundle file (a system that ships only the bundle).
void install_system_trust(X509_STORE* store) {
    const char* file_from_env = std::getenv(X509_get_default_cert_file_env());
    const char* dir_from_env = std::getenv(X509_get_default_cert_dir_env());
    if (file_from_env != nullptr) (void)add_lazy_bundle(store, file_from_env);
    const std::string directory =
        dir_from_env != nullptr ? dir_from_env : X509_get_default_cert_dir();
    if (dir_from_env != nullptr || has_hashed_certificates(directory)) {
        if (X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir())) {
            X509_LOOKUP_add_dir(lookup, directory.c_str(), X509_FILETYPE_PEM);
        }
    } else if (file_from_env == nullptr) {
        (void)add_lazy_bundle(store, X509_get_default_cert_file());
    }
}

// The anchors: the client's own trust store replaces the system store, as for the client.
Result<void> install_trust(SSL_CTX* native, const ProbeSettings& settings,
                           TlsMaterialInfo& material) {
    if (settings.tls.trust_store) {
        auto trust = load_trust_store(*settings.tls.trust_store);
        if (!trust) return std::move(trust).error();
        std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>> store(X509_STORE_new());
        if (!store) return Error("out of memory");
        for (const auto& anchor : trust->anchors) {
            if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
                const std::string reason = openssl_error_text(ERR_get_error());
                ERR_clear_error();
                return Error("cannot add a certificate to the trust store: " + reason)
                    .context(trust->description);
            }
        }
        SSL_CTX_set_cert_store(native, store.release());
        material.trust = trust->description;
        material.trust_subjects = trust->subjects;
    } else {
        // A host without a system store still works with --ca-file; nothing to report here.
        install_system_trust(SSL_CTX_get_cert_store(native));
        ERR_clear_error();
        material.trust = "the system store";
    }
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& path : settings.ca_files) {
        if (auto added = add_ca_file(store, path, &material.trust_subjects); !added) {
            return std::move(added).error().context("--ca-file " + path);
        }
    }
    if (!settings.ca_files.empty())
        material.trust += " and --ca-file " + join(settings.ca_files, ", ");
    return {};
}

Result<void> install_identity(SSL_CTX* native, const ClientIdentity& identity,
                              TlsMaterialInfo& material) {
    auto loaded = load_client_identity(identity);
    if (!loaded) return std::move(loaded).error();
    if (auto presented = present_identity(native, *loaded, "cannot present the client certificate");
        !presented) {
        return presented;
    }
    X509* leaf = loaded->chain.front().get();
    material.client_certificate = certificate_info(leaf);
    material.client_certificate_source = loaded->source;
    return {};
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::create(const ProbeSettings& settings) {
    boost::asio::ssl::context context = client_context();
    TlsMaterialInfo material;
    if (auto trust = install_trust(context.native_handle(), settings, material); !trust) {
        return std::move(trust).error();
    }
    if (settings.tls.identity) {
        auto identity = install_identity(context.native_handle(), *settings.tls.identity, material);
        if (!identity) return std::move(identity).error();
    }
    return std::make_shared<TlsContext>(std::move(context), std::move(material));
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const std::vector<std::string>& ca_files) {
    ProbeSettings settings;
    settings.ca_files = ca_files;
    return create(settings);
}

Result<TlsMaterialInfo> check_tls_material(const ProbeSettings& settings) {
    auto context = TlsContext::create(settings);
    if (!context) return std::move(context).error();
    return (*context)->material();
}

}  // namespace vpcprobe
