// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "probes/tls/error_map_tls.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using CertPtr = std::unique_ptr<X509, FreeWith<X509_free>>;

// The whole of a PEM file, or what keeps it from being read.
Result<std::string> read_pem_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return Error(std::strerror(errno));
    if (S_ISDIR(info.st_mode)) return Error("is a directory, not a PEM file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(std::strerror(errno != 0 ? errno : EACCES));
    std::ostringstream content;
    content << in.rdbuf();
    std::string text = content.str();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Error("the file is empty");
    return text;
}

// Adds every certificate of one PEM file to the store.
Result<void> add_ca_file(X509_STORE* store, const std::string& path) {
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

Result<std::shared_ptr<TlsContext>> TlsContext::create(const std::vector<std::string>& ca_files) {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // Every probe must see the full handshake and chain: never resume a session.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    // Verification must fail closed for any other user of this context; probe_tls installs
    // its recording callback per connection.
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    // A host without a system store still works with --ca-file; nothing to report here.
    SSL_CTX_set_default_verify_paths(native);
    ERR_clear_error();
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& path : ca_files) {
        if (auto added = add_ca_file(store, path); !added) {
            return std::move(added).error().context("--ca-file " + path);
        }
    }
    return std::make_shared<TlsContext>(std::move(context));
}

}  // namespace vpcprobe
