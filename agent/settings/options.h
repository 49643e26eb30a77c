// SPDX-License-Identifier: Apache-2.0
// Options of a check: everything the command line and the TOML config file can say, after
// parsing and validation (agent/cli.h, agent/config.h), before the plan is built. A plain
// value; the command line wins over the config file field by field.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

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
};

struct CheckOptions {
    std::vector<std::string> targets;  // positional HOST:PORT[=COMPONENT], unparsed
    // The config file's `targets` and `[[target]]` tables, as HOST:PORT[=COMPONENT] specs (plan
    // origin "config"). Positional targets on the command line replace them.
    std::vector<std::string> config_targets;
    std::optional<std::string> instance;  // --instance, as given (full ID or partInstanceId)
    std::string access = "vpc";           // --access vpc|pub|all
    std::vector<std::string> bootstrap;   // --bootstrap HOST:PORT (repeatable)
    std::optional<std::string> config_file;
    std::vector<std::string> dns_servers;   // --dns-server ADDR[:PORT]
    std::vector<std::string> ca_files;      // --ca-file
    std::string hosts_file = "/etc/hosts";  // --hosts-file: consulted before DNS
    std::chrono::milliseconds timeout{3000};
    std::optional<std::chrono::milliseconds> deadline;
    std::optional<std::string> bind;       // --bind ADDR
    std::vector<std::string> rules_files;  // --rules (used by diagnosis, issue 3)
    int warn_days = 30;
    ReportFormat format = ReportFormat::text;
    std::optional<std::string> output;  // -o FILE
    int concurrency = 64;               // targets probed at once (--concurrency)
    int max_addresses = 16;             // addresses probed per name (--max-addresses)
    bool color = true;                  // false with --no-color or NO_COLOR
    bool tcp_only = false;              // --tcp-only: stop after the TCP connect
    std::optional<SaslOptions> sasl;    // [sasl] / --sasl-mechanism: Kafka authentication
    bool follow_advertised = true;      // false with --no-advertised
    bool protocol_checks = true;        // false with --no-protocol: stop after the certificate
};

}  // namespace vpcprobe
