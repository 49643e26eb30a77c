// SPDX-License-Identifier: Apache-2.0
// The Kafka client's own configuration (--client-config FILE) as a source of settings: a Java
// client.properties, a librdkafka / kcat -F file or a cluster link's JSON, read by
// agent/settings/client_config/ and applied key by key through the setting table's client keys
// (agent/settings/setting_table.h), between the TOML config file and the command line. What the
// file says is used as the client uses it: its bootstrap servers, security.protocol, SASL
// (sasl.jaas.config), trust store, key store, hostname verification and client.dns.lookup; what
// vpcprobe cannot honour is said in the report (ClientConfigInfo::notes).
// Pure apart from reading files; thread-safe.
#pragma once

#include <string>

#include "agent/settings/setting_table.h"
#include "agent/settings/settings.h"
#include "agent/settings/validate.h"
#include "core/result.h"

namespace vpcprobe::client_settings {

// Applies the client configuration at `path` over `into`; into.options.client_config says what
// was used. The Error names the file, the line (or JSON entry) and the key, never a value.
Result<void> apply_client_config_file(const std::string& path, Settings& into,
                                      const FileChecks& checks);

// Once every source is applied: security.protocol against SASL, the client's default mechanism,
// mechanisms vpcprobe does not speak, and the notes that say so. A no-op without a client
// configuration.
Result<void> finish_client_settings(CheckOptions& options);

// Rows of the setting table.
// --client-config / client_config: the file, applied by the command line's reader (cli.cpp).
Result<void> apply_client_config(const Value& value, Settings& into, const ApplyContext& context);
// security.protocol: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (any case).
Result<void> apply_security_protocol(const Value& value, Settings& into, const ApplyContext&);
// sasl.jaas.config: PlainLoginModule and ScramLoginModule give the username and password;
// other modules are recorded, to be named in the report as not spoken.
Result<void> apply_sasl_jaas_config(const Value& value, Settings& into, const ApplyContext&);
// client.dns.lookup: use_all_dns_ips or resolve_canonical_bootstrap_servers_only.
Result<void> apply_dns_lookup(const Value& value, Settings& into, const ApplyContext&);

// A client configuration's list value ("b1:9092, b2:9092") as a list of values, each with the
// value's origin.
Value split_list(const Value& value);

// Whether `mechanism` (upper case) is a SASL mechanism Kafka clients use: those vpcprobe speaks,
// and GSSAPI, OAUTHBEARER and AWS_MSK_IAM, which it names as not spoken.
Result<void> check_client_mechanism(const std::string& mechanism);

}  // namespace vpcprobe::client_settings
