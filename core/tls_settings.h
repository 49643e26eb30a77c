// SPDX-License-Identifier: Apache-2.0
// What a check's TLS connections trust and present, as the settings give it: the trust anchors
// (the system store plus --ca-file, or a Kafka client's own trust store, which replaces the
// system store as it does for the client), the client certificate for mutual TLS (--client-cert
// and --client-key, or the client's key store) and whether the certificate and the hostname are
// verified the way the client verifies them. The settings (agent/settings) fill it in; the TLS
// probes (probes/tls/tls_context.h) load the stores it names.
// Plain values: copy freely, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/secret.h"

namespace vpcprobe {

enum class StoreFormat { pem, jks, pkcs12 };

// Certificates (and, for a key store, private keys) from a file or from text given inline.
struct StoreSource {
    std::string path;                  // the file; "" when the store is given inline
    std::optional<Secret> inline_pem;  // PEM text of ssl.truststore.certificates, ssl.ca.pem, ...
    StoreFormat format = StoreFormat::pem;
    std::optional<Secret> password;  // a JKS / PKCS12 store's password; unset = none
    // Which setting named it, as errors and the report say it: "--client-cert",
    // "client.properties: ssl.truststore.location". Never a value.
    std::string named_by;
    friend bool operator==(const StoreSource&, const StoreSource&) = default;
};

// The certificate a check presents when a server asks for one.
struct ClientIdentity {
    // The chain, leaf first: a PEM file or text (then `key` holds the key, unless the PEM holds
    // both), or a JKS / PKCS12 key store holding exactly one private-key entry with its chain.
    StoreSource certificate;
    std::optional<StoreSource> key;      // a separate PEM private key (--client-key, ...)
    std::optional<Secret> key_password;  // for an encrypted key; JKS/PKCS12 fall back to the
                                         // store's password, as keytool does
    // Which setting named the key password, for errors ("client.properties: ssl.key.password").
    std::string key_password_named_by;
    friend bool operator==(const ClientIdentity&, const ClientIdentity&) = default;
};

struct TlsSettings {
    // The client's own trust store: when set, these are the anchors instead of the system
    // store (--ca-file files are still added to it).
    std::optional<StoreSource> trust_store;
    std::optional<ClientIdentity> identity;  // presented on every TLS connection of the check
    // false: the client does not verify the hostname (Java's empty
    // ssl.endpoint.identification.algorithm, librdkafka's "none"): a mismatch is a warning.
    bool verify_hostname = true;
    // false: the client does not verify the certificate at all (librdkafka's
    // enable.ssl.certificate.verification=false): verification failures are warnings.
    bool verify_certificate = true;
    friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

}  // namespace vpcprobe
