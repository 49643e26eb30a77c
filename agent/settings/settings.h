// SPDX-License-Identifier: Apache-2.0
// The settings of every command, after every source has been applied and validated: the
// defaults, then the TOML config file (-c), then the command line, then the environment
// (NO_COLOR). Where each value lands is said once, in the setting table
// (agent/settings/setting_table.h); nothing else writes these structs. Plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/probe_settings.h"

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
    friend bool operator==(const SaslOptions&, const SaslOptions&) = default;
};

// An explicit target as written ("[SCHEME://]HOST:PORT[=COMPONENT]"), validated, with the
// origin the plan gives it: "argument" (the command line) or "config" (the config file's
// `targets` and `[[target]]` tables).
struct TargetSpec {
    std::string text;
    std::string origin;
    friend bool operator==(const TargetSpec&, const TargetSpec&) = default;
};

// What `check`, `endpoints` and `serve` check, how, and how they report it.
struct CheckOptions {
    std::optional<std::string> config_file;  // -c, as given
    std::optional<std::string> instance;     // --instance, as given (full ID or partInstanceId)
    std::string access = "vpc";              // --access vpc|pub|all
    std::vector<std::string> bootstrap;      // --bootstrap HOST:PORT, as given
    // Explicit targets: the command line's replace the config file's (`targets` first, then
    // the `[[target]]` tables).
    std::vector<TargetSpec> targets;
    ProbeSettings probe;                   // how the probes run (the engine reads it as is)
    std::vector<std::string> rules_files;  // --rules: exports that name the rule in the way
    ReportFormat format = ReportFormat::text;
    std::optional<std::string> output;  // -o FILE
    bool color = true;                  // false with --no-color or NO_COLOR
    std::optional<SaslOptions> sasl;    // [sasl] / --sasl-mechanism: Kafka authentication
    friend bool operator==(const CheckOptions&, const CheckOptions&) = default;
};

// `vpcprobe serve` beyond the check options.
struct ServeSettings {
    std::chrono::milliseconds interval{std::chrono::seconds(60)};  // --interval, between runs
    std::string listen = "127.0.0.1:9464";  // --listen IP:PORT for /metrics and the report
    std::string state_dir;   // --state-dir DIR: history of runs (agent/history.h); "" = none
    std::size_t keep = 100;  // --keep N: reports kept in state_dir/reports, 1..100000
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

// Everything the command line and the config file can say.
struct Settings {
    CheckOptions options;  // check, endpoints, serve; rules_files for explain
    ServeSettings serve;
    HistorySettings history;
    ExplainSettings explain;
    friend bool operator==(const Settings&, const Settings&) = default;
};

}  // namespace vpcprobe
