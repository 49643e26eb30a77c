// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <utility>

#include "probes/tls/error_map_tls.h"
#include "probes/tls/key_stores.h"

namespace vpcprobe {

namespace {

int protocol_version(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls10:
            return TLS1_VERSION;
        case TlsVersion::tls11:
            return TLS1_1_VERSION;
        case TlsVersion::tls12:
            return TLS1_2_VERSION;
        case TlsVersion::tls13:
            break;
    }
    return TLS1_3_VERSION;
}

// RequestClientCert and RequireAnyClientCert take whatever certificate is sent, verified or
// not, as Go does: OpenSSL verifies every certificate it asks for, so the verdict is ignored.
int accept_any_certificate(int, X509_STORE_CTX*) {
    return 1;
}

void set_client_auth(SSL_CTX* native, ClientAuth policy) {
    switch (policy) {
        case ClientAuth::no_client_cert:
            SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
            return;
        case ClientAuth::request_client_cert:
            SSL_CTX_set_verify(native, SSL_VERIFY_PEER, accept_any_certificate);
            return;
        case ClientAuth::require_any_client_cert:
            SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                               accept_any_certificate);
            return;
        case ClientAuth::verify_client_cert_if_given:
            SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
            return;
        case ClientAuth::require_and_verify_client_cert:
            SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
            return;
    }
}

Result<void> install_certificate(SSL_CTX* native, const TlsServerSettings& settings) {
    ClientIdentity identity;
    identity.certificate.path = settings.cert_file;
    identity.certificate.named_by = "tls_server_config.cert_file";
    StoreSource key;
    key.path = settings.key_file;
    key.named_by = "tls_server_config.key_file";
    identity.key = std::move(key);
    auto loaded = load_client_identity(identity);
    if (!loaded) return std::move(loaded).error();
    return present_identity(native, *loaded, "cannot serve this certificate");
}

Result<void> install_client_cas(SSL_CTX* native, const std::string& client_ca_file) {
    StoreSource source;
    source.path = client_ca_file;
    source.named_by = "tls_server_config.client_ca_file";
    auto trust = load_trust_store(source);
    if (!trust) return std::move(trust).error();
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    bool ok = names != nullptr;
    for (const auto& anchor : trust->anchors) {
        ok = ok && X509_STORE_add_cert(store, anchor.get()) == 1;
        X509_NAME* name = ok ? X509_NAME_dup(X509_get_subject_name(anchor.get())) : nullptr;
        ok = ok && name != nullptr && sk_X509_NAME_push(names, name) > 0;
    }
    if (!ok) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        const std::string reason = openssl_error_text(ERR_get_error());
        ERR_clear_error();
        return Error("cannot use these CAs: " + reason)
            .context("tls_server_config.client_ca_file " + client_ca_file);
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes the list
    return {};
}

}  // namespace

Result<std::shared_ptr<TlsServerContext>> TlsServerContext::create(
    const TlsServerSettings& settings) {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_server);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // Needed by OpenSSL to resume sessions when client certificates are verified.
    static constexpr unsigned char kSessionContext[] = "vpcprobe-serve";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_min_proto_version(native, protocol_version(settings.min_version));
    SSL_CTX_set_max_proto_version(
        native, settings.max_version ? protocol_version(*settings.max_version) : 0);
    if (auto done = install_certificate(native, settings); !done) return std::move(done).error();
    if (!settings.client_ca_file.empty()) {
        if (auto done = install_client_cas(native, settings.client_ca_file); !done) {
            return std::move(done).error();
        }
    }
    set_client_auth(native, settings.client_auth);
    return std::make_shared<TlsServerContext>(std::move(context));
}

}  // namespace vpcprobe
