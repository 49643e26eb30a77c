// SPDX-License-Identifier: Apache-2.0
// The TLS settings of a check as each source names them, and how they become
// ProbeSettings::tls: the client certificate (--client-cert, --client-key,
// --client-key-password-file, or a Kafka client configuration's key store), the client's own
// trust store (which replaces the system store, as it does for the client), and whether the
// client verifies the certificate and the hostname. The apply functions are rows of the setting
// table (agent/settings/setting_table.cpp); finish_tls_settings runs once every source has been
// applied, and asks the TLS layer (FileChecks::tls_material) to load what is named, so a wrong
// store password is a usage error now, not a failed handshake later.
// Pure apart from reading files; thread-safe.
#pragma once

#include "agent/settings/setting_table.h"
#include "agent/settings/settings.h"
#include "agent/settings/validate.h"
#include "core/result.h"

namespace vpcprobe::tls_keys {

// --client-cert / client_cert, --client-key / client_key and --client-key-password-file /
// client_key_password_file; with a client configuration's ssl.certificate.location and
// ssl.key.location as client keys of the first two.
Result<void> apply_client_cert(const Value& value, Settings& into, const ApplyContext& context);
Result<void> apply_client_key(const Value& value, Settings& into, const ApplyContext& context);
Result<void> apply_client_key_password_file(const Value& value, Settings& into,
                                            const ApplyContext& context);

// A client configuration's trust store: ssl.truststore.location / .type / .password /
// .certificates, librdkafka's ssl.ca.location and ssl.ca.pem.
Result<void> apply_truststore_location(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_truststore_type(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_truststore_password(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_truststore_certificates(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_ca_location(const Value& value, Settings& into, const ApplyContext&);

// A client configuration's key store: ssl.keystore.location / .type / .password /
// .certificate.chain / .key, ssl.key.password, librdkafka's ssl.certificate.pem and
// ssl.key.pem.
Result<void> apply_keystore_location(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_keystore_type(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_keystore_password(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_keystore_chain(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_keystore_key(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_key_password(const Value& value, Settings& into, const ApplyContext&);

// ssl.endpoint.identification.algorithm ("https", or empty / "none": no hostname check) and
// librdkafka's enable.ssl.certificate.verification.
Result<void> apply_endpoint_identification(const Value& value, Settings& into, const ApplyContext&);
Result<void> apply_certificate_verification(const Value& value, Settings& into,
                                            const ApplyContext&);

// Turns options.tls into options.probe.tls and loads it through checks.tls_material (when
// set). The Error names the setting at fault ("client.properties:7: ssl.truststore.password:
// wrong password ..."), never a secret.
Result<void> finish_tls_settings(CheckOptions& options, const FileChecks& checks);

}  // namespace vpcprobe::tls_keys
