// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/tls_keys.h"

#include <algorithm>

#include "agent/settings/credentials.h"
#include "core/text.h"

namespace vpcprobe::tls_keys {
namespace {

// What names a value in errors and the report: its origin's prefix without the ": " that
// introduces a complaint ("--client-cert", "client.properties:4: ssl.truststore.location").
std::string named_by(const Value& value) {
    std::string name = value.origin.prefix;
    while (!name.empty() && (name.back() == ' ' || name.back() == ':')) name.pop_back();
    return name;
}

// A path that must name a readable file now (relative paths: the config file's directory for
// TOML, the working directory for a client configuration, as for the client itself).
Result<std::string> read_file_path(const Value& value) {
    auto text = read_text(value);
    if (!text) return text;
    if (text->empty()) return problem_with(value, "a file is needed");
    std::string path = resolve_path(value, *text);
    if (auto readable = check_readable_file(path); !readable) {
        return problem_with(value, readable.error().message());
    }
    return path;
}

// A secret's text: the value itself is never repeated, whatever is wrong with it.
Result<Secret> read_secret(const Value& value) {
    if (value.type != Value::Type::text) {
        return problem_with(value, "expected a string, got " + std::string(type_name(value.type)));
    }
    return Secret(value.text);
}

// PEM text given inline (ssl.truststore.certificates, ssl.keystore.key, ...): Java users write
// it on one line with the line breaks as "\n" escapes or as spaces; both reach us here.
Result<Secret> read_inline_pem(const Value& value) {
    auto secret = read_secret(value);
    if (!secret) return secret;
    if (secret->reveal().find("-----BEGIN ") == std::string::npos) {
        return problem_with(value, "expected PEM text (-----BEGIN ...-----)");
    }
    return secret;
}

// JKS, PKCS12 or PEM, as Java names store types (any case).
Result<std::string> read_store_type(const Value& value) {
    auto text = read_text(value);
    if (!text) return text;
    std::string type = upper(*text);
    if (type != "JKS" && type != "PKCS12" && type != "PEM") {
        return problem_with(value, quote(*text) +
                                       " is not a store type vpcprobe reads (JKS, "
                                       "PKCS12, PEM); convert it with keytool "
                                       "-importkeystore -deststoretype PKCS12");
    }
    return type;
}

// The identity keys of the value's source, created on first use.
IdentityKeys& identity_of(Settings& into, const Value& value) {
    auto& identities = into.options.tls.identities;
    for (IdentityKeys& identity : identities) {
        if (identity.source == value.origin.source) return identity;
    }
    IdentityKeys& created = identities.emplace_back();
    created.source = value.origin.source;
    return created;
}

bool names_certificate(const IdentityKeys& identity) {
    return identity.certificate.location || identity.certificate.inline_pem;
}

StoreFormat store_format(const std::optional<std::string>& type, StoreFormat otherwise) {
    if (!type) return otherwise;
    if (*type == "JKS") return StoreFormat::jks;
    if (*type == "PKCS12") return StoreFormat::pkcs12;
    return StoreFormat::pem;
}

// The trust store the keys name, if any. Java refuses a password for a PEM trust store and a
// store given both as a file and inline; so do we, naming the keys.
Result<std::optional<StoreSource>> trust_store_of(const StoreKeys& keys) {
    // A password or type without a store changes nothing for the client either: it trusts the
    // platform's default anchors.
    if (!keys.location && !keys.inline_pem) return std::optional<StoreSource>();
    if (keys.location && keys.inline_pem) {
        return Error(keys.inline_named_by +
                     ": give the trust store either as a file (ssl.truststore.location) or "
                     "inline, not both");
    }
    StoreSource store;
    if (keys.location) {
        store.path = *keys.location;
        store.named_by = keys.location_named_by;
        // Java's default store type is JKS; librdkafka's ssl.ca.location set PEM already.
        store.format = store_format(keys.type, StoreFormat::jks);
    } else {
        store.inline_pem = keys.inline_pem;
        store.named_by = keys.inline_named_by;
        if (keys.type && *keys.type != "PEM") {
            return Error(keys.inline_named_by +
                         ": inline certificates need ssl.truststore.type=PEM, not " + *keys.type);
        }
    }
    if (store.format == StoreFormat::pem && keys.password) {
        return Error(store.named_by +
                     ": a PEM trust store has no password; remove ssl.truststore.password");
    }
    store.password = keys.password;
    return std::optional<StoreSource>(std::move(store));
}

// The client certificate: the last source naming one, with a key or key password from a later
// source that names no certificate of its own.
Result<std::optional<ClientIdentity>> identity_of(const std::vector<IdentityKeys>& identities) {
    auto chosen = std::find_if(identities.rbegin(), identities.rend(), names_certificate);
    if (chosen == identities.rend()) {
        for (const IdentityKeys& keys : identities) {
            if (keys.key_location || keys.inline_key) {
                return Error(keys.key_named_by +
                             ": a private key without its certificate (give "
                             "--client-cert, ssl.keystore.location or "
                             "ssl.certificate.location too)");
            }
        }
        return std::optional<ClientIdentity>();
    }
    IdentityKeys keys = *chosen;
    for (auto later = chosen.base(); later != identities.end(); ++later) {
        if (later->key_location || later->inline_key) {
            keys.key_location = later->key_location;
            keys.inline_key = later->inline_key;
            keys.key_named_by = later->key_named_by;
        }
        if (later->key_password) {
            keys.key_password = later->key_password;
            keys.key_password_named_by = later->key_password_named_by;
        }
    }
    ClientIdentity identity;
    const StoreKeys& certificate = keys.certificate;
    identity.certificate.named_by =
        certificate.location ? certificate.location_named_by : certificate.inline_named_by;
    if (certificate.location) {
        identity.certificate.path = *certificate.location;
        // Java's default key store type is JKS (a PKCS12 file loads as well, as in Java).
        identity.certificate.format =
            store_format(certificate.type, keys.key_store ? StoreFormat::jks : StoreFormat::pem);
    } else {
        identity.certificate.inline_pem = certificate.inline_pem;
    }
    identity.certificate.password = certificate.password;
    if (keys.key_location || keys.inline_key) {
        if (identity.certificate.format != StoreFormat::pem) {
            return Error(keys.key_named_by +
                         ": a separate private key goes with a PEM certificate, not a key store");
        }
        StoreSource key;
        key.named_by = keys.key_named_by;
        if (keys.key_location) key.path = *keys.key_location;
        key.inline_pem = keys.inline_key;
        identity.key = std::move(key);
    }
    identity.key_password = keys.key_password;
    identity.key_password_named_by = keys.key_password_named_by;
    return std::optional<ClientIdentity>(std::move(identity));
}

}  // namespace

// ---- The client certificate ----------------------------------------------------------------

Result<void> apply_client_cert(const Value& value, Settings& into, const ApplyContext&) {
    auto path = read_file_path(value);
    if (!path) return std::move(path).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.certificate.location = std::move(*path);
    identity.certificate.inline_pem.reset();
    identity.certificate.location_named_by = named_by(value);
    identity.key_store = false;
    return {};
}

Result<void> apply_client_key(const Value& value, Settings& into, const ApplyContext&) {
    auto path = read_file_path(value);
    if (!path) return std::move(path).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.key_location = std::move(*path);
    identity.inline_key.reset();
    identity.key_named_by = named_by(value);
    return {};
}

Result<void> apply_client_key_password_file(const Value& value, Settings& into,
                                            const ApplyContext&) {
    auto path = read_file_path(value);
    if (!path) return std::move(path).error();
    auto password = read_secret_file(*path, "key password");
    if (!password) return problem_with(value, password.error().message());
    IdentityKeys& identity = identity_of(into, value);
    identity.key_password = Secret(std::move(*password));
    identity.key_password_named_by = named_by(value);
    return {};
}

// ---- A client configuration's trust store --------------------------------------------------

Result<void> apply_truststore_location(const Value& value, Settings& into, const ApplyContext&) {
    auto path = read_file_path(value);
    if (!path) return std::move(path).error();
    into.options.tls.trust.location = std::move(*path);
    into.options.tls.trust.location_named_by = named_by(value);
    return {};
}

Result<void> apply_truststore_type(const Value& value, Settings& into, const ApplyContext&) {
    auto type = read_store_type(value);
    if (!type) return std::move(type).error();
    into.options.tls.trust.type = std::move(*type);
    return {};
}

Result<void> apply_truststore_password(const Value& value, Settings& into, const ApplyContext&) {
    auto password = read_secret(value);
    if (!password) return std::move(password).error();
    into.options.tls.trust.password = std::move(*password);
    return {};
}

Result<void> apply_truststore_certificates(const Value& value, Settings& into,
                                           const ApplyContext&) {
    auto pem = read_inline_pem(value);
    if (!pem) return std::move(pem).error();
    into.options.tls.trust.inline_pem = std::move(*pem);
    into.options.tls.trust.inline_named_by = named_by(value);
    // librdkafka's ssl.ca.pem is PEM by definition; Java's needs ssl.truststore.type=PEM,
    // which trust_store_of checks.
    return {};
}

Result<void> apply_ca_location(const Value& value, Settings& into, const ApplyContext& context) {
    if (auto applied = apply_truststore_location(value, into, context); !applied) return applied;
    into.options.tls.trust.type = "PEM";
    return {};
}

// ---- A client configuration's key store ----------------------------------------------------

Result<void> apply_keystore_location(const Value& value, Settings& into, const ApplyContext&) {
    auto path = read_file_path(value);
    if (!path) return std::move(path).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.certificate.location = std::move(*path);
    identity.certificate.location_named_by = named_by(value);
    identity.key_store = true;
    return {};
}

Result<void> apply_keystore_type(const Value& value, Settings& into, const ApplyContext&) {
    auto type = read_store_type(value);
    if (!type) return std::move(type).error();
    identity_of(into, value).certificate.type = std::move(*type);
    return {};
}

Result<void> apply_keystore_password(const Value& value, Settings& into, const ApplyContext&) {
    auto password = read_secret(value);
    if (!password) return std::move(password).error();
    identity_of(into, value).certificate.password = std::move(*password);
    return {};
}

Result<void> apply_keystore_chain(const Value& value, Settings& into, const ApplyContext&) {
    auto pem = read_inline_pem(value);
    if (!pem) return std::move(pem).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.certificate.inline_pem = std::move(*pem);
    identity.certificate.inline_named_by = named_by(value);
    return {};
}

Result<void> apply_keystore_key(const Value& value, Settings& into, const ApplyContext&) {
    auto pem = read_inline_pem(value);
    if (!pem) return std::move(pem).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.inline_key = std::move(*pem);
    identity.key_named_by = named_by(value);
    return {};
}

Result<void> apply_key_password(const Value& value, Settings& into, const ApplyContext&) {
    auto password = read_secret(value);
    if (!password) return std::move(password).error();
    IdentityKeys& identity = identity_of(into, value);
    identity.key_password = std::move(*password);
    identity.key_password_named_by = named_by(value);
    return {};
}

// ---- What the client verifies --------------------------------------------------------------

Result<void> apply_endpoint_identification(const Value& value, Settings& into,
                                           const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    const std::string algorithm = lower(*text);
    if (algorithm.empty() || algorithm == "none") {
        into.options.probe.tls.verify_hostname = false;
    } else if (algorithm == "https") {
        into.options.probe.tls.verify_hostname = true;
    } else {
        return problem_with(value, quote(*text) +
                                       " is not one of https, or empty (Java) / none "
                                       "(librdkafka) for no hostname verification");
    }
    return {};
}

Result<void> apply_certificate_verification(const Value& value, Settings& into,
                                            const ApplyContext&) {
    auto verify = read_boolean(value);
    if (!verify) return std::move(verify).error();
    into.options.probe.tls.verify_certificate = *verify;
    return {};
}

// ---- Once every source is applied ----------------------------------------------------------

Result<void> finish_tls_settings(CheckOptions& options, const FileChecks& checks) {
    auto trust = trust_store_of(options.tls.trust);
    if (!trust) return std::move(trust).error();
    auto identity = identity_of(options.tls.identities);
    if (!identity) return std::move(identity).error();
    options.probe.tls.trust_store = std::move(*trust);
    options.probe.tls.identity = std::move(*identity);
    const bool anything_to_load = options.probe.tls.trust_store || options.probe.tls.identity;
    if (anything_to_load && checks.tls_material) {
        if (auto loaded = checks.tls_material(options.probe); !loaded) {
            return std::move(loaded).error();
        }
    }
    return {};
}

}  // namespace vpcprobe::tls_keys
