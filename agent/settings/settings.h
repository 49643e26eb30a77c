// SPDX-License-Identifier: Apache-2.0
// The settings of every command, after every source has been applied and validated: the
// defaults, then the TOML config file (-c), then the Kafka client's configuration
// (--client-config), then the command line, then the environment (NO_COLOR). Where each value lands
// is said once, in the setting table (agent/settings/setting_table.h); nothing else writes these
// structs. Plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/settings/setting_value.h"
#include "core/probe_settings.h"
#include "core/report.h"
#include "core/secret.h"

namespace vpcprobe {

enum class ReportFormat { text, json, markdown, prometheus, junit };

// Where SASL credentials come from: never the command line itself (it shows in `ps` and
// shell history) and never a report. Each of username and password is taken from the first
// source set: a file (its content, one trailing newline removed), an environment variable,
// or, for the username only, the config file's literal `username`. Unset sources fall back
// to the environment variables VPCPROBE_SASL_USERNAME and VPCPROBE_SASL_PASSWORD.
struct SaslOptions {
    std::string mechanism;  // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (upper case)
    std::optional<std::string> username;
    std::optional<std::string> username_env;
    std::optional<std::string> username_file;
    std::optional<std::string> password_env;
    std::optional<std::string> password_file;
    // Only a Kafka client configuration sets these: its sasl.jaas.config (or librdkafka's
    // sasl.password) holds the password itself, and the login module names the mechanism's
    // family ("PlainLoginModule").
    std::optional<Secret> password;
    std::string login_module;
    friend bool operator==(const SaslOptions&, const SaslOptions&) = default;
};

// Where a value was named, for messages about it ("TARGET", "--bootstrap",
// "FILE:3:11: targets"). Not part of what a setting is: settings that differ only in where they
// were named compare equal (the same target from a flag or from the config file).
struct NamedBy {
    std::string text;
    NamedBy() = default;
    // Implicit, so that a spec is still written {text, origin, "TARGET"}.
    NamedBy(std::string named) : text(std::move(named)) {}  // NOLINT(google-explicit-constructor)
    NamedBy(const char* named) : text(named) {}             // NOLINT(google-explicit-constructor)
    friend bool operator==(const NamedBy&, const NamedBy&) { return true; }
};

// An explicit target as written ("[SCHEME://]HOST:PORT[=COMPONENT]"), validated, with the
// origin the plan gives it: "argument" (the command line) or "config" (the config file's
// `targets` and `[[target]]` tables).
struct TargetSpec {
    std::string text;
    std::string origin;
    // "TARGET", "FILE:3:11: targets", "FILE:7:1: [[target]]"; "" = as `origin` says.
    NamedBy named_by{};
    friend bool operator==(const TargetSpec&, const TargetSpec&) = default;
};

// One of a Kafka client's stores as its keys name it (ssl.truststore.* or ssl.keystore.*),
// before the settings turn it into ProbeSettings::tls (agent/settings/tls_keys.h).
struct StoreKeys {
    std::optional<std::string> location;  // a file
    std::optional<std::string> type;      // "JKS", "PKCS12", "PEM", as written
    std::optional<Secret> password;       // the store's password
    std::optional<Secret> inline_pem;     // ssl.truststore.certificates, ...chain, ssl.ca.pem
    std::string location_named_by;        // "client.properties:4: ssl.truststore.location"
    std::string inline_named_by;          // "client.properties:9: ssl.truststore.certificates"
    friend bool operator==(const StoreKeys&, const StoreKeys&) = default;
};

// The client certificate as one source names it: --client-cert / --client-key (command line or
// TOML) or a Kafka client configuration's key store.
struct IdentityKeys {
    Source source = Source::config_file;  // which source named it
    StoreKeys certificate;                // a PEM chain file or text, or a JKS / PKCS12 store
    bool key_store = false;  // named as a key store (ssl.keystore.location): JKS unless typed
    std::optional<std::string> key_location;  // a separate PEM key file
    std::optional<Secret> inline_key;         // a separate PEM key given inline
    std::string key_named_by;
    std::optional<Secret>
        key_password;  // ssl.key.password, or --client-key-password-file's content
    std::string key_password_named_by;
    friend bool operator==(const IdentityKeys&, const IdentityKeys&) = default;
};

// What a check's TLS settings are made of, as the sources gave them; agent/settings/tls_keys.h
// turns them into ProbeSettings::tls once every source is applied.
struct TlsKeys {
    StoreKeys trust;  // the client's trust store; unset = the system store
    // The client certificate as each source named it, in the order applied: the last source
    // that names a certificate wins, and later sources may add only its key or key password
    // (--client-key-password-file for the config file's --client-key).
    std::vector<IdentityKeys> identities;
    friend bool operator==(const TlsKeys&, const TlsKeys&) = default;
};

// What `check`, `endpoints` and `serve` check, how, and how they report it.
struct CheckOptions {
    std::optional<std::string> config_file;  // -c, as given
    std::optional<std::string> instance;     // --instance, as given (full ID or partInstanceId)
    std::string access = "vpc";              // --access vpc|pub|all
    std::vector<std::string> bootstrap;      // --bootstrap HOST:PORT, as given
    // Where the bootstrap servers were named, for messages: "--bootstrap",
    // "FILE:3:13: bootstrap", "client.properties:4: bootstrap.servers".
    NamedBy bootstrap_named_by{"--bootstrap"};
    // Explicit targets: the command line's replace the config file's (`targets` first, then
    // the `[[target]]` tables).
    std::vector<TargetSpec> targets;
    ProbeSettings probe;                   // how the probes run (the engine reads it as is)
    std::vector<std::string> rules_files;  // --rules: exports that name the rule in the way
    // --public-source: the address this host reaches the Internet as (else SNAT exports say).
    std::string public_source;
    ReportFormat format = ReportFormat::text;
    std::optional<std::string> output;  // -o FILE
    bool color = true;                  // false with --no-color or NO_COLOR
    std::optional<SaslOptions> sasl;    // [sasl] / --sasl-mechanism: Kafka authentication
    // The client configuration named by --client-config / client_config, once applied.
    std::optional<std::string> client_config_file;
    std::optional<ClientConfigInfo> client_config;
    // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (a client configuration's security.protocol):
    // how bootstrap servers given without a scheme are spoken to, and whether SASL is used.
    std::optional<std::string> security_protocol;
    TlsKeys tls;  // becomes probe.tls (agent/settings/tls_keys.h)
    // How reports name this agent ([agent] name, --agent-name); "" = the hostname.
    std::string agent_name;
    std::vector<AgentLabel> agent_labels;  // [agent] labels, sorted by name
    friend bool operator==(const CheckOptions&, const CheckOptions&) = default;
};

// `vpcprobe serve` beyond the check options.
struct ServeSettings {
    std::chrono::milliseconds interval{std::chrono::seconds(60)};  // --interval, between runs
    std::string listen = "127.0.0.1:9464";  // --listen IP:PORT for /metrics and the report
    std::string state_dir;   // --state-dir DIR: history of runs (agent/history.h); "" = none
    std::size_t keep = 100;  // --keep N: reports kept in state_dir/reports, 1..100000
    // --web.config.file FILE: TLS and basic authentication of the listener, the exporter
    // toolkit's format (agent/web_config.h); "" = plain HTTP, no authentication
    std::string web_config_file;
    friend bool operator==(const ServeSettings&, const ServeSettings&) = default;
};

// `vpcprobe history [--state-dir DIR] [--format text|json] [--limit N]`.
struct HistorySettings {
    std::string state_dir = "/var/lib/vpcprobe";
    ReportFormat format = ReportFormat::text;  // text or json only
    std::size_t limit = 100;                   // the newest N changes; 0 = all that are kept
    friend bool operator==(const HistorySettings&, const HistorySettings&) = default;
};

// `vpcprobe explain --rules FILE... --from IP --to IP:PORT`; the rules files are in
// CheckOptions::rules_files.
struct ExplainSettings {
    std::string from;     // source IP literal
    std::string to_host;  // destination IP literal, without brackets
    std::uint16_t to_port = 0;
    friend bool operator==(const ExplainSettings&, const ExplainSettings&) = default;
};

// `vpcprobe merge REPORT... [--format text|json|markdown] [-o FILE] [--rules FILE]...`.
struct MergeSettings {
    std::vector<std::string> reports;          // files, "-" for standard input, in the order given
    ReportFormat format = ReportFormat::text;  // text, json or markdown
    std::optional<std::string> output;         // -o FILE
    std::vector<std::string> rules_files;      // interface exports naming the agents' addresses
    friend bool operator==(const MergeSettings&, const MergeSettings&) = default;
};

// Everything the command line and the config file can say.
struct Settings {
    CheckOptions options;  // check, endpoints, serve; rules_files for explain
    ServeSettings serve;
    HistorySettings history;
    ExplainSettings explain;
    MergeSettings merge;
    friend bool operator==(const Settings&, const Settings&) = default;
};

}  // namespace vpcprobe
