// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/setting_table.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "agent/settings/catalog.h"
#include "agent/settings/client_settings.h"
#include "agent/settings/credentials.h"
#include "agent/settings/target_spec.h"
#include "agent/settings/tls_keys.h"
#include "core/rules_argument.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

// At most one DNS name's length: a name that fits in a hostname fits in every report.
constexpr std::size_t kMaxAgentName = 253;

// ---- Readers shared by several settings ----------------------------------------------------

// A list of text values, each checked by `check` (whose Error is prefixed with the item's
// origin); the texts in order.
template <typename Check>
Result<std::vector<std::string>> read_checked_list(const Value& value, Check check) {
    auto items = read_text_list(value);
    if (!items) return std::move(items).error();
    std::vector<std::string> out;
    for (const Value& item : *items) {
        auto checked = check(item);
        if (!checked) return std::move(checked).error();
        out.push_back(std::move(*checked));
    }
    return out;
}

// A path to a file that must be readable now, resolved against the config's directory.
Result<std::string> read_readable_path(const Value& value) {
    auto text = read_text(value);
    if (!text) return text;
    std::string path = resolve_path(value, *text);
    if (auto readable = check_readable_file(path); !readable) {
        return problem_with(value, readable.error().message());
    }
    return path;
}

Result<std::string> read_ip_literal(const Value& value) {
    auto text = read_text(value);
    if (!text) return text;
    if (!is_ip_literal(*text)) {
        return problem_with(value, quote(*text) + " is not a numeric IP address");
    }
    return text;
}

Result<std::string> read_target_spec(const Value& value, const TargetSpecRules& rules) {
    auto text = read_text(value);
    if (!text) return text;
    if (auto parsed = parse_target_spec(*text, rules); !parsed) {
        return problem_with(value, parsed.error().message());
    }
    return text;
}

// The name of an environment variable that holds a credential.
Result<std::string> read_variable_name(const Value& value) {
    auto text = read_text(value);
    if (text && text->empty()) {
        return problem_with(value, "the name of an environment variable is needed");
    }
    return text;
}

SaslOptions& sasl_of(Settings& into) {
    if (!into.options.sasl) into.options.sasl.emplace();
    return *into.options.sasl;
}

// Sets `field` from a reader's result.
template <typename T, typename U>
Result<void> assign(Result<T> read, U& field) {
    if (!read) return std::move(read).error();
    field = static_cast<U>(std::move(*read));  // integers: the reader checked the range
    return {};
}

// ---- Targets -------------------------------------------------------------------------------

std::string target_origin(const Value& value) {
    return value.origin.source == Source::command_line ? "argument" : "config";
}

// Where a value was named, for messages about what it names: its complaint prefix without the
// final ": " ("FILE:3:11: targets", "--bootstrap"); positional targets are "TARGET".
std::string named_by(const Value& value, std::string_view fallback) {
    std::string_view prefix = value.origin.prefix;
    if (value.origin.source == Source::command_line && prefix == "target ") return "TARGET";
    if (prefix.ends_with(": ")) prefix.remove_suffix(2);
    return prefix.empty() ? std::string(fallback) : std::string(prefix);
}

Result<void> apply_targets(const Value& value, Settings& into, const ApplyContext&) {
    auto specs = read_checked_list(
        value, [](const Value& item) { return read_target_spec(item, TargetSpecRules{}); });
    if (!specs) return std::move(specs).error();
    // Targets on the command line replace the config file's, [[target]] tables included.
    if (value.origin.source == Source::command_line) into.options.targets.clear();
    for (std::string& spec : *specs) {
        into.options.targets.push_back(
            {std::move(spec), target_origin(value), named_by(value, "targets")});
    }
    return {};
}

// The fields of one [[target]] table, as read.
struct TargetTable {
    std::optional<std::string> host;
    std::optional<long long> port;
    std::optional<std::string> component;
    bool tls = true;
};

Result<TargetTable> read_target_table(const Value& table) {
    static const std::vector<std::string> kKeys = {"host", "port", "component", "tls"};
    if (table.type != Value::Type::table) {
        return problem_with(table,
                            "expected [[target]] tables with host, port and component, got " +
                                std::string(type_name(table.type)));
    }
    TargetTable read;
    for (const auto& [key, field] : table.fields) {
        Result<void> field_read;
        if (key == "host") {
            field_read = assign(read_text(field), read.host);
        } else if (key == "port") {
            field_read = assign(read_integer(field, 1, 65535), read.port);
        } else if (key == "component") {
            field_read = assign(read_text(field), read.component);
        } else if (key == "tls") {
            field_read = assign(read_boolean(field), read.tls);
        } else {
            return Error(field.origin.key_position + "target: unknown key " + quote(key) +
                         " in [[target]]" + did_you_mean(key, kKeys) +
                         "; use host, port, component, tls");
        }
        if (!field_read) return std::move(field_read).error();
    }
    if (!read.host || !read.port) return problem_with(table, "[[target]] needs both host and port");
    return read;
}

// One [[target]] table written back as a spec, so tables and strings obey the same rules.
Result<std::string> target_table_spec(const Value& table) {
    auto read = read_target_table(table);
    if (!read) return std::move(read).error();
    const std::string& host = *read->host;
    if (host.find('@') != std::string::npos) {  // user:password@host: never echoed
        return Error(table.origin.position +
                     "target.host: credentials do not belong in a host name; use the [sasl] table");
    }
    if (host.find('=') != std::string::npos) {
        return Error(table.origin.position + "target.host: " + quote(host) + " is not a host name");
    }
    Target target;
    target.host = host;
    target.port = static_cast<std::uint16_t>(*read->port);
    std::string spec = target.endpoint();
    if (host.find(':') != std::string::npos && host.front() == '[') {
        spec = host + ":" + std::to_string(target.port);  // already bracketed
    }
    if (read->component) spec += "=" + *read->component;
    if (!read->tls) spec = "plaintext://" + spec;
    if (auto parsed = parse_target_spec(spec, {}); !parsed) {
        return problem_with(table, parsed.error().message());
    }
    return spec;
}

Result<void> apply_target_tables(const Value& value, Settings& into, const ApplyContext&) {
    if (value.type != Value::Type::list) {
        return problem_with(value,
                            "expected [[target]] tables with host, port and component, got " +
                                std::string(type_name(value.type)));
    }
    for (const Value& table : value.items) {
        auto spec = target_table_spec(table);
        if (!spec) return std::move(spec).error();
        into.options.targets.push_back(
            {std::move(*spec), target_origin(value), table.origin.position + "[[target]]"});
    }
    return {};
}

// ---- What to check -------------------------------------------------------------------------

Result<void> apply_instance(const Value& value, Settings& into, const ApplyContext&) {
    auto id = read_text(value);
    if (!id) return std::move(id).error();
    if (auto part = part_instance_id(*id); !part) {
        return problem_with(value, part.error().message());
    }
    into.options.instance = std::move(*id);
    return {};
}

Result<void> apply_access(const Value& value, Settings& into, const ApplyContext&) {
    auto access = read_text(value);
    if (!access) return std::move(access).error();
    if (auto valid = check_access(*access); !valid) {
        return problem_with(value, valid.error().message());
    }
    into.options.access = std::move(*access);
    return {};
}

Result<void> apply_bootstrap(const Value& value, Settings& into, const ApplyContext&) {
    // A client configuration lists its servers in one value: "b1:9092,b2:9092".
    const Value list =
        value.origin.source == Source::client_config ? client_settings::split_list(value) : value;
    into.options.bootstrap_named_by = named_by(value, "--bootstrap");
    return assign(
        read_checked_list(list,
                          [](const Value& item) {
                              return read_target_spec(item, TargetSpecRules{"kafka", false});
                          }),
        into.options.bootstrap);
}

Result<void> apply_config(const Value& value, Settings&, const ApplyContext&) {
    // On the command line the file is loaded before any other flag (agent/settings/cli.cpp).
    if (value.origin.source == Source::command_line) return {};
    return Error(value.origin.key_position +
                 "config: a config file cannot name another config file");
}

// ---- How the probes run --------------------------------------------------------------------

Result<void> apply_dns_servers(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_checked_list(value,
                                    [](const Value& item) -> Result<std::string> {
                                        if (auto valid = check_dns_server(item.text); !valid) {
                                            return problem_with(item, valid.error().message());
                                        }
                                        return item.text;
                                    }),
                  into.options.probe.dns_servers);
}

Result<void> apply_ca_files(const Value& value, Settings& into, const ApplyContext& context) {
    return assign(read_checked_list(value,
                                    [&](const Value& item) -> Result<std::string> {
                                        std::string path = resolve_path(item, item.text);
                                        if (auto valid = check_ca_file(path, context.checks);
                                            !valid) {
                                            return problem_with(item, valid.error().message());
                                        }
                                        return path;
                                    }),
                  into.options.probe.ca_files);
}

Result<void> apply_hosts_file(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    std::string path = resolve_path(value, *text);
    if (auto valid = check_hosts_file(path); !valid) {
        return problem_with(value, valid.error().message());
    }
    into.options.probe.hosts_file = std::move(path);
    return {};
}

Result<void> apply_timeout(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_duration(value), into.options.probe.timeout);
}

Result<void> apply_deadline(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_duration(value), into.options.probe.deadline);
}

Result<void> apply_bind(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_ip_literal(value), into.options.probe.bind);
}

Result<void> apply_warn_days(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 0, 3650), into.options.probe.warn_days);
}

Result<void> apply_concurrency(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 1, 10000), into.options.probe.concurrency);
}

Result<void> apply_max_addresses(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 1, 64), into.options.probe.max_addresses);
}

Result<void> apply_tcp_only(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_boolean(value), into.options.probe.tcp_only);
}

Result<void> apply_trace(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (*text == "auto") {
        into.options.probe.trace = TraceMode::automatic;
    } else if (*text == "always") {
        into.options.probe.trace = TraceMode::always;
    } else if (*text == "never") {
        into.options.probe.trace = TraceMode::never;
    } else {
        return problem_with(value, quote(*text) + " is not one of auto, always, never");
    }
    return {};
}

Result<void> apply_trace_max_hops(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 1, 64), into.options.probe.trace_max_hops);
}

Result<void> apply_follow_advertised(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_boolean(value), into.options.probe.follow_advertised);
}

Result<void> apply_protocol_checks(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_boolean(value), into.options.probe.protocol_checks);
}

// ---- Rules and the report ------------------------------------------------------------------

// A rules export: FILE, or pl-ID=FILE for the entries of an AWS prefix list
// (core/rules_argument.h); the file must be readable either way.
Result<std::string> read_rules_argument(const Value& value) {
    auto text = read_text(value);
    if (!text) return text;
    const auto [prefix_list_id, file] = split_rules_argument(*text);
    std::string path = resolve_path(value, file);
    if (auto readable = check_readable_file(path); !readable) {
        return problem_with(value, readable.error().message());
    }
    return prefix_list_id.empty() ? path : prefix_list_id + "=" + path;
}

Result<void> apply_rules(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_checked_list(value, read_rules_argument), into.options.rules_files);
}

Result<void> apply_public_source(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_ip_literal(value), into.options.public_source);
}

Result<void> apply_format(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    const auto format = parse_report_format(*text);
    if (!format) {
        return problem_with(
            value, quote(*text) + " is not one of text, json, markdown, prometheus, junit");
    }
    into.options.format = *format;
    return {};
}

Result<void> apply_output(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    std::string path = resolve_path(value, *text);
    if (auto valid = check_writable_destination(path); !valid) {
        return problem_with(value, valid.error().message());
    }
    into.options.output = std::move(path);
    return {};
}

// ---- The agent's name and labels -----------------------------------------------------------

// Any text people would name a host by; control characters would break every report's lines.
Result<void> apply_agent_name(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (text->empty()) return problem_with(value, "a name is needed");
    if (text->size() > kMaxAgentName) {
        return problem_with(value, fmt::format("longer than {} characters", kMaxAgentName));
    }
    const bool control = std::any_of(text->begin(), text->end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == '\x7f';
    });
    if (control) return problem_with(value, quote(*text) + " holds a control character");
    into.options.agent_name = std::move(*text);
    return {};
}

// Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*, "__" reserved), so that the labels can be
// exposed as they are; the values are any text.
Result<void> check_label_name(std::string_view name) {
    const auto word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    const bool valid = !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0 &&
                       std::all_of(name.begin(), name.end(), word);
    if (!valid) {
        return Error(quote(name) +
                     " is not a label name (letters, digits and underscores, not starting with a "
                     "digit)");
    }
    if (name.starts_with("__")) {
        return Error(quote(name) + " starts with \"__\", which Prometheus reserves");
    }
    // vpcprobe_agent_info carries the name as `agent`, and Prometheus sets `instance` and
    // `job` on every series it scrapes: a label of the same name would clash with them.
    if (name == "agent" || name == "instance" || name == "job") {
        return Error(quote(name) +
                     " is taken: vpcprobe_agent_info names the agent as \"agent\" and "
                     "Prometheus sets \"instance\" and \"job\"; use another name");
    }
    return {};
}

Result<void> apply_agent_labels(const Value& value, Settings& into, const ApplyContext&) {
    if (value.type != Value::Type::table) {
        return problem_with(value, "expected a table of labels ({ vpc = \"...\" }), got " +
                                       std::string(type_name(value.type)));
    }
    std::vector<AgentLabel> labels;
    for (const ValueField& field : value.fields) {
        if (auto valid = check_label_name(field.key); !valid) {
            return problem_with(field.value, valid.error().message());
        }
        auto text = read_text(field.value);
        if (!text) return std::move(text).error();
        labels.push_back({field.key, std::move(*text)});
    }
    std::sort(labels.begin(), labels.end(),
              [](const AgentLabel& a, const AgentLabel& b) { return a.name < b.name; });
    into.options.agent_labels = std::move(labels);
    return {};
}

// no_color = false in a file does not turn colours on against NO_COLOR or a pipe.
Result<void> apply_no_color(const Value& value, Settings& into, const ApplyContext&) {
    auto off = read_boolean(value);
    if (!off) return std::move(off).error();
    if (*off) into.options.color = false;
    return {};
}

// ---- SASL ----------------------------------------------------------------------------------

Result<void> apply_sasl_mechanism(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    std::string mechanism = upper(*text);
    // A client configuration may name a mechanism vpcprobe does not speak: the check still
    // runs, and says what it could not do (agent/settings/client_settings.h).
    if (value.origin.source == Source::client_config) {
        if (auto known = client_settings::check_client_mechanism(mechanism); !known) {
            return problem_with(value, known.error().message());
        }
    } else if (auto valid = check_sasl_mechanism(mechanism); !valid) {
        return problem_with(value, valid.error().message());
    }
    sasl_of(into).mechanism = std::move(mechanism);
    return {};
}

Result<void> apply_sasl_username(const Value& value, Settings& into, const ApplyContext&) {
    SaslOptions& sasl = sasl_of(into);
    if (value.origin.source == Source::client_config) {  // it replaces the config file's sources
        sasl.username_env.reset();
        sasl.username_file.reset();
    }
    return assign(read_text(value), sasl.username);
}

Result<void> apply_sasl_username_env(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_variable_name(value), sasl_of(into).username_env);
}

Result<void> apply_sasl_username_file(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_readable_path(value), sasl_of(into).username_file);
}

Result<void> apply_sasl_password_env(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_variable_name(value), sasl_of(into).password_env);
}

Result<void> apply_sasl_password_file(const Value& value, Settings& into, const ApplyContext&) {
    auto path = read_readable_path(value);
    if (!path) return std::move(path).error();
    SaslOptions& sasl = sasl_of(into);
    sasl.password_file = std::move(*path);
    // The command line's password file replaces the other sources' password, not joins it.
    if (value.origin.source == Source::command_line) {
        sasl.password_env.reset();
        sasl.password.reset();
    }
    return {};
}

// Accepted only to be refused, in words that never repeat the value; but a Kafka client
// configuration (librdkafka's sasl.password) holds the password itself, as the client needs it.
Result<void> refuse_password(const Value& value, Settings& into, const ApplyContext&) {
    if (value.origin.source == Source::client_config) {
        SaslOptions& sasl = sasl_of(into);
        sasl.password = Secret(value.text);
        sasl.password_env.reset();
        sasl.password_file.reset();
        return {};
    }
    if (value.origin.source == Source::command_line) {
        return problem_with(value,
                            "secrets are never taken from the command line (they show in ps and "
                            "shell history); use --sasl-password-file FILE, "
                            "VPCPROBE_SASL_PASSWORD, or password_file / password_env in the "
                            "config's [sasl]");
    }
    return Error(value.origin.key_position +
                 "sasl.password: a password is never written into the config file; use "
                 "password_file or password_env");
}

// ---- serve and history ---------------------------------------------------------------------

Result<void> apply_interval(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_duration(value), into.serve.interval);
}

Result<void> apply_listen(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (auto endpoint = parse_ip_endpoint(*text); !endpoint) {
        return problem_with(value, endpoint.error().message());
    }
    into.serve.listen = std::move(*text);
    return {};
}

// One directory for both commands: serve writes it, history reads it.
Result<void> apply_state_dir(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (text->empty()) return problem_with(value, "a directory is needed");
    into.serve.state_dir = into.history.state_dir = resolve_path(value, *text);
    return {};
}

Result<void> apply_keep(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 1, 100000), into.serve.keep);
}

// Read (and its files loaded) by serve at start and on each reload, where a bad file is exit 3
// or a rejected reload naming its line and key (agent/web_config.h).
Result<void> apply_web_config_file(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (text->empty()) return problem_with(value, "a file is needed");
    into.serve.web_config_file = resolve_path(value, *text);
    return {};
}

Result<void> apply_history_format(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (*text != "text" && *text != "json") {
        return problem_with(value, quote(*text) + " is not one of text, json");
    }
    into.history.format = *text == "json" ? ReportFormat::json : ReportFormat::text;
    return {};
}

Result<void> apply_history_limit(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_integer(value, 0, 1000000), into.history.limit);
}

// ---- explain -------------------------------------------------------------------------------

Result<void> apply_explain_from(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_ip_literal(value), into.explain.from);
}

Result<void> apply_explain_to(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    auto endpoint = parse_ip_endpoint(*text);
    if (!endpoint) return problem_with(value, endpoint.error().message());
    into.explain.to_host = endpoint->address;
    into.explain.to_port = endpoint->port;
    return {};
}

// ---- merge ---------------------------------------------------------------------------------

Result<void> apply_merge_reports(const Value& value, Settings& into, const ApplyContext&) {
    auto items = read_text_list(value);
    if (!items) return std::move(items).error();
    std::vector<std::string> reports;
    for (const Value& item : *items) {
        if (item.text == "-" && std::find(reports.begin(), reports.end(), "-") != reports.end()) {
            return problem_with(item, "'-' (standard input) is named twice");
        }
        // Files are read, and refused with their reason, by the command itself.
        reports.push_back(item.text);
    }
    into.merge.reports = std::move(reports);
    return {};
}

Result<void> apply_merge_format(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    const auto format = parse_report_format(*text);
    if (!format || *format == ReportFormat::prometheus || *format == ReportFormat::junit) {
        return problem_with(value, quote(*text) + " is not one of text, json, markdown");
    }
    into.merge.format = *format;
    return {};
}

Result<void> apply_merge_output(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    if (auto valid = check_writable_destination(*text); !valid) {
        return problem_with(value, valid.error().message());
    }
    into.merge.output = std::move(*text);
    return {};
}

Result<void> apply_merge_rules(const Value& value, Settings& into, const ApplyContext&) {
    return assign(read_checked_list(value, read_readable_path), into.merge.rules_files);
}

// ---- The table -----------------------------------------------------------------------------

// clang-format off
constexpr std::array<SettingDef, 68> kSettings{{
    {.key = "targets", .flags = "TARGET", .value_name = "TARGET",
     .help = "[SCHEME://]HOST:PORT[=COMPONENT]; IPv6 as [ADDR]:PORT; PLAINTEXT:// for no TLS",
     .arity = Arity::positional, .commands = kProbing, .apply = apply_targets},
    {.key = "instance", .flags = "--instance", .value_name = "ID",
     .help = "ApsaraMQ for Confluent instance ID (alikafka_confluent-cn-...) or partInstanceId",
     .commands = kProbing, .apply = apply_instance},
    {.key = "access", .flags = "--access", .value_name = "vpc|pub|all",
     .help = "catalog endpoint set: vpc, pub or all (default vpc)",
     .commands = kProbing, .apply = apply_access},
    {.key = "bootstrap", .flags = "--bootstrap", .value_name = "[SCHEME://]HOST:PORT",
     .help = "a Kafka bootstrap server (repeatable)",
     .arity = Arity::each, .commands = kProbing, .apply = apply_bootstrap,
     .client_keys = "bootstrap.servers,metadata.broker.list"},
    {.key = "config", .flags = "-c,--config", .value_name = "FILE",
     .help = "config file (TOML); history reads its state_dir",
     .commands = kProbing | kHistory, .apply = apply_config},
    {.key = "dns_servers", .flags = "--dns-server", .value_name = "ADDR[:PORT]",
     .help = "resolver to use instead of the system's (repeatable)",
     .arity = Arity::each, .commands = kProbing, .apply = apply_dns_servers},
    {.key = "ca_files", .flags = "--ca-file", .value_name = "FILE",
     .help = "extra trust anchors, PEM (repeatable)",
     .arity = Arity::each, .commands = kProbing, .apply = apply_ca_files},
    {.key = "hosts_file", .flags = "--hosts-file", .value_name = "FILE",
     .help = "hosts file consulted before DNS (default /etc/hosts)",
     .commands = kProbing, .apply = apply_hosts_file},
    {.key = "timeout", .flags = "--timeout", .value_name = "DURATION",
     .help = "per-stage timeout (default 3s)", .commands = kProbing, .apply = apply_timeout},
    {.key = "deadline", .flags = "--deadline", .value_name = "DURATION",
     .help = "bound on the whole run", .commands = kProbing, .apply = apply_deadline},
    {.key = "bind", .flags = "--bind", .value_name = "ADDR",
     .help = "source address to probe from", .commands = kProbing, .apply = apply_bind},
    {.key = "rules", .flags = "--rules", .value_name = "FILE",
     .help = "security-group / network-ACL / interface export, JSON (repeatable)",
     .arity = Arity::each, .commands = kProbing, .apply = apply_rules},
    {.key = "public_source", .flags = "--public-source", .value_name = "ADDR",
     .help = "the public address this host egresses from (else the SNAT exports' address): the "
             "source Cloud Firewall Internet-border policies see",
     .commands = kProbing | kExplain, .apply = apply_public_source},
    {.key = "warn_days", .flags = "--warn-days", .value_name = "N",
     .help = "certificate expiry warning threshold in days (default 30)",
     .commands = kProbing, .apply = apply_warn_days},
    {.key = "format", .flags = "--format", .value_name = "FORMAT",
     .help = "report format: text, json, markdown, prometheus, junit (default text)",
     .commands = kProbing, .apply = apply_format},
    {.key = "output", .flags = "-o,--output", .value_name = "FILE",
     .help = "write the report to FILE, atomically", .commands = kProbing, .apply = apply_output},
    {.key = "agent.name", .flags = "--agent-name", .value_name = "NAME",
     .help = "how reports name this agent; merge keys its matrix on it (default: the hostname)",
     .commands = kProbing, .apply = apply_agent_name},
    {.key = "agent.labels",
     .help = "labels of this agent, { vpc = \"...\", subnet = \"...\" }: Prometheus label names, "
             "any values",
     .apply = apply_agent_labels},
    {.key = "concurrency", .flags = "--concurrency", .value_name = "N",
     .help = "targets probed at once, 1..10000 (default 64)",
     .commands = kProbing, .apply = apply_concurrency},
    {.key = "max_addresses", .flags = "--max-addresses", .value_name = "N",
     .help = "addresses probed per name, 1..64 (default 16)",
     .commands = kProbing, .apply = apply_max_addresses},
    {.key = "no_color", .flags = "--no-color",
     .help = "no colors (also when NO_COLOR is set)",
     .arity = Arity::flag, .commands = kProbing, .apply = apply_no_color},
    {.key = "tcp_only", .flags = "--tcp-only",
     .help = "port reachability only: stop after the TCP connect (no TLS, no certificate)",
     .arity = Arity::flag, .commands = kProbing, .apply = apply_tcp_only},
    {.key = "trace", .flags = "--trace", .value_name = "auto|always|never",
     .help = "TCP path trace: auto (default) traces an address whose SYN went unanswered or "
             "that a router rejected; always traces every address",
     .commands = kProbing, .apply = apply_trace},
    {.key = "trace_max_hops", .flags = "--trace-max-hops", .value_name = "N",
     .help = "the highest TTL a path trace tries, 1..64 (default 30)",
     .commands = kProbing, .apply = apply_trace_max_hops},
    {.key = "sasl.mechanism", .flags = "--sasl-mechanism", .value_name = "MECH",
     .help = "authenticate to Kafka: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (credentials from the "
             "config's [sasl], VPCPROBE_SASL_USERNAME / VPCPROBE_SASL_PASSWORD or "
             "--sasl-password-file)",
     .commands = kProbing, .apply = apply_sasl_mechanism,
     .client_keys = "sasl.mechanism,sasl.mechanisms"},
    {.key = "sasl.username", .help = "the SASL username itself (it is not a secret)",
     .apply = apply_sasl_username, .client_keys = "sasl.username"},
    {.key = "sasl.username_env", .help = "the environment variable holding the SASL username",
     .apply = apply_sasl_username_env},
    {.key = "sasl.username_file", .help = "a file holding the SASL username (one line)",
     .apply = apply_sasl_username_file},
    {.key = "sasl.password_env", .help = "the environment variable holding the SASL password",
     .apply = apply_sasl_password_env},
    {.key = "sasl.password_file", .flags = "--sasl-password-file", .value_name = "FILE",
     .help = "file holding the SASL password (one line)",
     .commands = kProbing, .apply = apply_sasl_password_file},
    // A secret on the command line is visible in `ps` and shell history, one in a config file
    // gets pasted into tickets: both are refused. Given twice on the command line it still
    // ends in this refusal (CLI11's own "At Most 1" error would not even name a hidden option).
    {.key = "sasl.password", .flags = "--sasl-password,--password", .value_name = "",
     .help = "", .commands = kProbing, .apply = refuse_password, .client_keys = "sasl.password",
     .hidden = true},
    {.key = "follow_advertised", .flags = "--no-advertised",
     .help = "do not ask a bootstrap for its advertised brokers (no Metadata, no per-broker "
             "probes)",
     .arity = Arity::flag, .commands = kProbing, .apply = apply_follow_advertised,
     .flag_sets_false = true},
    {.key = "protocol_checks", .flags = "--no-protocol",
     .help = "stop after TLS and the certificate: no Kafka or HTTP request is sent",
     .arity = Arity::flag, .commands = kProbing, .apply = apply_protocol_checks,
     .flag_sets_false = true},
    // ---- The Kafka client's own configuration, and mutual TLS ----
    {.key = "client_config", .flags = "--client-config", .value_name = "FILE",
     .help = "the Kafka client's own configuration (Java .properties, librdkafka / kcat -F, "
             "cluster link JSON): check the connection as that client makes it",
     .commands = kProbing, .apply = client_settings::apply_client_config},
    {.key = "client_cert", .flags = "--client-cert", .value_name = "FILE",
     .help = "client certificate chain (PEM) for listeners that require mutual TLS",
     .commands = kProbing, .apply = tls_keys::apply_client_cert,
     .client_keys = "ssl.certificate.location"},
    {.key = "client_key", .flags = "--client-key", .value_name = "FILE",
     .help = "the client certificate's private key (PEM)",
     .commands = kProbing, .apply = tls_keys::apply_client_key,
     .client_keys = "ssl.key.location"},
    {.key = "client_key_password_file", .flags = "--client-key-password-file",
     .value_name = "FILE", .help = "file holding the password of an encrypted --client-key",
     .commands = kProbing, .apply = tls_keys::apply_client_key_password_file},
    {.help = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL: TLS and SASL for bootstrap servers "
             "given without a scheme",
     .apply = client_settings::apply_security_protocol, .client_keys = "security.protocol"},
    {.help = "JAAS login module and options: PlainLoginModule / ScramLoginModule give the SASL "
             "username and password",
     .apply = client_settings::apply_sasl_jaas_config, .client_keys = "sasl.jaas.config"},
    {.help = "the trust store (JKS, PKCS12 or PEM file): its anchors replace the system store",
     .apply = tls_keys::apply_truststore_location, .client_keys = "ssl.truststore.location"},
    {.help = "the trust store's type: JKS (default), PKCS12 or PEM",
     .apply = tls_keys::apply_truststore_type, .client_keys = "ssl.truststore.type"},
    {.help = "the trust store's password (its integrity check)",
     .apply = tls_keys::apply_truststore_password, .client_keys = "ssl.truststore.password"},
    {.help = "trust anchors as PEM text: they replace the system store",
     .apply = tls_keys::apply_truststore_certificates,
     .client_keys = "ssl.truststore.certificates,ssl.ca.pem"},
    {.help = "trust anchors as a PEM file: they replace the system store",
     .apply = tls_keys::apply_ca_location, .client_keys = "ssl.ca.location"},
    {.help = "the key store holding the client certificate and its key (JKS, PKCS12 or PEM)",
     .apply = tls_keys::apply_keystore_location, .client_keys = "ssl.keystore.location"},
    {.help = "the key store's type: JKS (default), PKCS12 or PEM",
     .apply = tls_keys::apply_keystore_type, .client_keys = "ssl.keystore.type"},
    {.help = "the key store's password",
     .apply = tls_keys::apply_keystore_password, .client_keys = "ssl.keystore.password"},
    {.help = "the client certificate chain as PEM text",
     .apply = tls_keys::apply_keystore_chain,
     .client_keys = "ssl.keystore.certificate.chain,ssl.certificate.pem"},
    {.help = "the client certificate's private key as PEM text",
     .apply = tls_keys::apply_keystore_key, .client_keys = "ssl.keystore.key,ssl.key.pem"},
    {.help = "the private key's password (a key store's key, or an encrypted PEM key)",
     .apply = tls_keys::apply_key_password, .client_keys = "ssl.key.password"},
    {.help = "https verifies the hostname; empty (Java) or none (librdkafka) does not: a "
             "mismatch is then a warning",
     .apply = tls_keys::apply_endpoint_identification,
     .client_keys = "ssl.endpoint.identification.algorithm"},
    {.help = "false: the client does not verify the certificate; failures are then warnings",
     .apply = tls_keys::apply_certificate_verification,
     .client_keys = "enable.ssl.certificate.verification"},
    {.help = "use_all_dns_ips (every address) or resolve_canonical_bootstrap_servers_only "
             "(the canonical names of the bootstrap addresses)",
     .apply = client_settings::apply_dns_lookup, .client_keys = "client.dns.lookup"},
    {.key = "target", .help = "[[target]] tables with host, port, component, tls",
     .apply = apply_target_tables},
    {.key = "interval", .flags = "--interval", .value_name = "DURATION",
     .help = "time between checks (default 60s)", .commands = kServe, .apply = apply_interval},
    {.key = "listen", .flags = "--listen", .value_name = "IP:PORT",
     .help = "address for /metrics and /report (default 127.0.0.1:9464)",
     .commands = kServe, .apply = apply_listen},
    {.key = "state_dir", .flags = "--state-dir", .value_name = "DIR",
     .help = "serve keeps reports and the changes between runs here (default: none); history "
             "reads them (default /var/lib/vpcprobe)",
     .commands = kServe | kHistory, .apply = apply_state_dir},
    {.key = "keep", .flags = "--keep", .value_name = "N",
     .help = "reports kept in --state-dir, 1..100000 (default 100)",
     .commands = kServe, .apply = apply_keep},
    {.key = "web_config_file", .flags = "--web.config.file", .value_name = "FILE",
     .help = "TLS and basic authentication for the listener: a Prometheus exporter-toolkit "
             "web configuration file (YAML)",
     .commands = kServe, .apply = apply_web_config_file},
    {.key = "", .flags = "--format", .value_name = "FORMAT", .help = "text or json (default text)",
     .commands = kHistory, .apply = apply_history_format},
    {.key = "", .flags = "--limit", .value_name = "N",
     .help = "the newest N changes, 0 for all kept (default 100)",
     .commands = kHistory, .apply = apply_history_limit},
    // Several files may follow one --rules here: explain takes no positional arguments.
    {.key = "", .flags = "--rules", .value_name = "FILE...",
     .help = "security-group / ACL / interface exports, JSON",
     .arity = Arity::many, .commands = kExplain, .apply = apply_rules},
    {.key = "", .flags = "--from", .value_name = "IP", .help = "source IP address",
     .commands = kExplain, .apply = apply_explain_from},
    {.key = "", .flags = "--to", .value_name = "IP:PORT", .help = "destination IP:PORT",
     .commands = kExplain, .apply = apply_explain_to},
    {.key = "", .flags = "REPORT", .value_name = "REPORT",
     .help = "a JSON report of check (--format json) or of serve's /report.json; - for standard "
             "input",
     .arity = Arity::positional, .commands = kMerge, .apply = apply_merge_reports},
    {.key = "", .flags = "--format", .value_name = "FORMAT",
     .help = "text, json or markdown (default text)",
     .commands = kMerge, .apply = apply_merge_format},
    {.key = "", .flags = "-o,--output", .value_name = "FILE",
     .help = "write the merged report to FILE, atomically (temp file + rename)",
     .commands = kMerge, .apply = apply_merge_output},
    {.key = "", .flags = "--rules", .value_name = "FILE",
     .help = "interface / security-group exports naming the agents' source addresses "
             "(repeatable): their subnets and groups",
     .arity = Arity::each, .commands = kMerge, .apply = apply_merge_rules},
}};
// clang-format on

constexpr std::array<SettingGroup, 2> kGroups{{
    {.name = "agent",
     .begin = [](Settings&) {},
     .check_complete = [](const Settings&) -> Result<void> { return {}; }},
    {.name = "sasl",
     .begin = [](Settings& into) { into.options.sasl.emplace(); },
     .check_complete = [](const Settings& settings) -> Result<void> {
         if (settings.options.sasl && settings.options.sasl->mechanism.empty()) {
             return Error("[sasl] needs a mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
         }
         return {};
     }},
}};

// Whether `key` is one of the comma-separated names in `keys`.
bool listed(std::string_view keys, std::string_view key) {
    while (!keys.empty()) {
        const std::size_t comma = keys.find(',');
        if (keys.substr(0, comma) == key) return true;
        keys = comma == std::string_view::npos ? std::string_view{} : keys.substr(comma + 1);
    }
    return false;
}

bool suggestible(std::string_view key) {
    return key != "config" && key != "sasl.password" && !key.empty();
}

}  // namespace

std::span<const SettingDef> setting_table() {
    return kSettings;
}

const SettingDef* setting_for_key(std::string_view key) {
    for (const SettingDef& def : setting_table()) {
        if (!key.empty() && def.key == key) return &def;
    }
    return nullptr;
}

const SettingDef* setting_for_client_key(std::string_view client_key) {
    for (const SettingDef& def : setting_table()) {
        if (!client_key.empty() && listed(def.client_keys, client_key)) return &def;
    }
    return nullptr;
}

std::vector<std::string> client_keys() {
    std::vector<std::string> keys;
    for (const SettingDef& def : setting_table()) {
        std::string_view names = def.client_keys;
        while (!names.empty()) {
            const std::size_t comma = names.find(',');
            keys.emplace_back(names.substr(0, comma));
            names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
        }
    }
    return keys;
}

const SettingGroup* setting_group(std::string_view name) {
    for (const SettingGroup& group : kGroups) {
        if (group.name == name) return &group;
    }
    return nullptr;
}

std::vector<std::string> top_level_keys() {
    std::vector<std::string> keys;
    for (const SettingDef& def : setting_table()) {
        if (!suggestible(def.key)) continue;
        std::string top(def.key.substr(0, def.key.find('.')));
        if (std::find(keys.begin(), keys.end(), top) == keys.end()) keys.push_back(top);
    }
    return keys;
}

std::vector<std::string> group_keys(std::string_view group) {
    std::vector<std::string> keys;
    const std::string prefix = std::string(group) + ".";
    for (const SettingDef& def : setting_table()) {
        if (suggestible(def.key) && def.key.starts_with(prefix)) {
            keys.emplace_back(def.key.substr(prefix.size()));
        }
    }
    return keys;
}

std::string_view long_flag(const SettingDef& def) {
    std::string_view names = def.flags;
    while (!names.empty()) {
        const std::size_t comma = names.find(',');
        const std::string_view name = names.substr(0, comma);
        if (name.starts_with("--")) return name;
        names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
    }
    return def.flags;
}

}  // namespace vpcprobe
