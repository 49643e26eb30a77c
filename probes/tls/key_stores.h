// SPDX-License-Identifier: Apache-2.0
// Loads what a Kafka client's TLS settings name (core/tls_settings.h) the way the client does:
// a trust store (PEM file or text, JKS, PKCS12) as trust anchors, and a client identity (PEM
// certificate and key, or a JKS / PKCS12 key store with one private key entry) as a chain and
// its key. Mirrors Java where Java decides: a JKS or PKCS12 trust store trusts its trusted
// certificate entries plus the first certificate of each private key entry; a store named JKS
// that holds PKCS12 (or the reverse) loads, as Java's dual-format key stores do; a key entry's
// password is the key password, or else the store's.
//
// Every Error is one line that starts with what named the store and its path
// ("client.properties: ssl.truststore.location /etc/kafka/ts.jks: wrong password ..."), then
// what is wrong; it never holds a password or key material. Files are read up to 8 MiB.
// Pure functions: safe from any thread.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/tls_settings.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

using X509Ptr = std::unique_ptr<X509, FreeWith<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, FreeWith<EVP_PKEY_free>>;

struct LoadedTrust {
    std::vector<X509Ptr> anchors;
    // "the JKS trust store /etc/kafka/ts.jks (client.properties: ssl.truststore.location)"
    std::string description;
    std::vector<std::string> subjects;  // of the anchors, RFC 2253, in store order
};

Result<LoadedTrust> load_trust_store(const StoreSource& source);

struct LoadedIdentity {
    std::vector<X509Ptr> chain;  // leaf first
    EvpPkeyPtr key;              // matches chain.front()
    // "the JKS key store /etc/kafka/ks.jks (client.properties: ssl.keystore.location)"
    std::string description;
    // Where the certificate came from, as the report says it: "--client-cert a.pem".
    std::string source;
};

Result<LoadedIdentity> load_client_identity(const ClientIdentity& identity);

// Makes `loaded` what `native` presents in its handshakes: the certificate, the rest of its
// chain and the key (checked to match). The Error is `refusal` ("cannot present the client
// certificate") with OpenSSL's reason, in the context of where the certificate came from.
Result<void> present_identity(SSL_CTX* native, const LoadedIdentity& loaded,
                              std::string_view refusal);

}  // namespace vpcprobe
