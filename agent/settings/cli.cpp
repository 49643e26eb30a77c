// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <optional>

#include "agent/settings/catalog.h"
#include "agent/settings/config.h"
#include "agent/settings/credentials.h"
#include "agent/settings/target_spec.h"
#include "agent/settings/validate.h"
#include "core/duration.h"

namespace vpcprobe {
namespace {

constexpr std::string_view duration_hint = " is not a duration (try 3s, 250ms or 1m)";

// Raw values of every flag, bound to CLI11. Strings, not numbers, so the messages about bad
// values are ours. Only one subcommand is parsed per run, so they can share one instance.
struct FlagValues {
    std::vector<std::string> targets;
    std::string instance;
    std::string access;
    std::vector<std::string> bootstrap;
    std::string config;
    std::vector<std::string> dns_servers;
    std::vector<std::string> ca_files;
    std::string hosts_file;
    std::string timeout;
    std::string deadline;
    std::string bind;
    std::vector<std::string> rules;
    std::string warn_days;
    std::string format;
    std::string output;
    std::string concurrency;
    std::string max_addresses;
    bool no_color = false;
    bool tcp_only = false;
    std::string sasl_mechanism;
    std::string sasl_password_file;
    std::string secret_on_command_line;  // only to refuse it with a useful message
    bool no_advertised = false;
    bool no_protocol = false;
    std::string interval;
    std::string listen;
    std::string state_dir;
    std::string keep;
    std::string limit;
    std::string from;
    std::string to;
    bool version = false;
};

struct Failure {
    std::string message;
};

[[noreturn]] void fail(std::string message) {
    throw Failure{std::move(message)};
}

std::string quote(std::string_view text) {
    return "'" + std::string(text) + "'";
}

CLI::Option* single(CLI::App& app, const std::string& name, std::string& value,
                    const std::string& help, const std::string& type) {
    return app.add_option(name, value, help)
        ->type_name(type)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// One value per occurrence, repeatable: "--dns-server A --dns-server B". (CLI11 would
// otherwise let "--dns-server A host:9092" swallow the target.)
CLI::Option* repeatable(CLI::App& app, const std::string& name, std::vector<std::string>& values,
                        const std::string& help, const std::string& type) {
    return app.add_option(name, values, help)->type_name(type)->allow_extra_args(false);
}

void add_check_options(CLI::App& app, FlagValues& flags) {
    app.add_option("TARGET", flags.targets,
                   "[SCHEME://]HOST:PORT[=COMPONENT]; IPv6 as [ADDR]:PORT; PLAINTEXT:// for no TLS")
        ->type_name("TARGET");
    single(app, "--instance", flags.instance,
           "ApsaraMQ for Confluent instance ID (alikafka_confluent-cn-...) or partInstanceId",
           "ID");
    single(app, "--access", flags.access, "catalog endpoint set: vpc, pub or all (default vpc)",
           "vpc|pub|all");
    repeatable(app, "--bootstrap", flags.bootstrap, "a Kafka bootstrap server (repeatable)",
               "[SCHEME://]HOST:PORT");
    single(app, "-c,--config", flags.config, "config file (TOML)", "FILE");
    repeatable(app, "--dns-server", flags.dns_servers,
               "resolver to use instead of the system's (repeatable)", "ADDR[:PORT]");
    repeatable(app, "--ca-file", flags.ca_files, "extra trust anchors, PEM (repeatable)", "FILE");
    single(app, "--hosts-file", flags.hosts_file,
           "hosts file consulted before DNS (default /etc/hosts)", "FILE");
    single(app, "--timeout", flags.timeout, "per-stage timeout (default 3s)", "DURATION");
    single(app, "--deadline", flags.deadline, "bound on the whole run", "DURATION");
    single(app, "--bind", flags.bind, "source address to probe from", "ADDR");
    repeatable(app, "--rules", flags.rules,
               "security-group / network-ACL / interface export, JSON (repeatable)", "FILE");
    single(app, "--warn-days", flags.warn_days,
           "certificate expiry warning threshold in days (default 30)", "N");
    single(app, "--format", flags.format,
           "report format: text, json, markdown, prometheus, junit (default text)", "FORMAT");
    single(app, "-o,--output", flags.output, "write the report to FILE, atomically", "FILE");
    single(app, "--concurrency", flags.concurrency, "targets probed at once, 1..10000 (default 64)",
           "N");
    single(app, "--max-addresses", flags.max_addresses,
           "addresses probed per name, 1..64 (default 16)", "N");
    app.add_flag("--no-color", flags.no_color, "no colors (also when NO_COLOR is set)");
    app.add_flag("--tcp-only", flags.tcp_only,
                 "port reachability only: stop after the TCP connect (no TLS, no certificate)");
    single(app, "--sasl-mechanism", flags.sasl_mechanism,
           "authenticate to Kafka: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (credentials from "
           "the config's [sasl], VPCPROBE_SASL_USERNAME / VPCPROBE_SASL_PASSWORD or "
           "--sasl-password-file)",
           "MECH");
    single(app, "--sasl-password-file", flags.sasl_password_file,
           "file holding the SASL password (one line)", "FILE");
    // Accepted only to be refused: a secret on the command line is visible in `ps` and
    // shell history. Hidden from --help. Given twice it still ends in our refusal (CLI11's
    // own "At Most 1" error would not even name a hidden option).
    app.add_option("--sasl-password,--password", flags.secret_on_command_line)
        ->group("")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_flag("--no-protocol", flags.no_protocol,
                 "stop after TLS and the certificate: no Kafka or HTTP request is sent");
    app.add_flag("--no-advertised", flags.no_advertised,
                 "do not ask a bootstrap for its advertised brokers (no Metadata, no per-broker "
                 "probes)");
}

std::chrono::milliseconds duration_flag(std::string_view flag, const std::string& value) {
    if (auto parsed = parse_duration(value)) return *parsed;
    fail(std::string(flag) + ": " + quote(value) + std::string(duration_hint));
}

int integer_flag(std::string_view flag, const std::string& value, long long min, long long max) {
    if (auto parsed = parse_integer(value, min, max)) return static_cast<int>(*parsed);
    fail(std::string(flag) + ": " + quote(value) + " is not a whole number in " +
         std::to_string(min) + ".." + std::to_string(max));
}

std::string readable_flag(std::string_view flag, const std::string& path) {
    if (std::string problem = readable_file_problem(path); !problem.empty()) {
        fail(std::string(flag) + ": " + problem);
    }
    return path;
}

bool given(const CLI::App& app, const std::string& name) {
    return app.get_option(name)->count() > 0;
}

// Command-line values over the config file's, field by field: only flags actually given
// override, and a repeatable flag given replaces the config's whole list.
void apply_check_flags(const CLI::App& app, const FlagValues& flags, CheckOptions& options) {
    if (given(app, "TARGET")) {
        for (const std::string& spec : flags.targets) {
            std::string error;
            if (!parse_target_spec(spec, {}, error)) fail("target " + error);
        }
        options.targets = flags.targets;
        options.config_targets.clear();
    }
    if (given(app, "--instance")) {
        std::string error;
        if (!part_instance_id(flags.instance, error)) fail("--instance: " + error);
        options.instance = flags.instance;
    }
    if (given(app, "--access")) {
        if (std::string problem = access_problem(flags.access); !problem.empty()) {
            fail("--access: " + problem);
        }
        options.access = flags.access;
    }
    if (given(app, "--bootstrap")) {
        for (const std::string& spec : flags.bootstrap) {
            std::string error;
            if (!parse_target_spec(spec, {"kafka", false}, error)) fail("--bootstrap: " + error);
        }
        options.bootstrap = flags.bootstrap;
    }
    if (given(app, "--dns-server")) {
        for (const std::string& server : flags.dns_servers) {
            if (std::string problem = dns_server_problem(server); !problem.empty()) {
                fail("--dns-server: " + problem);
            }
        }
        options.dns_servers = flags.dns_servers;
    }
    if (given(app, "--ca-file")) {
        options.ca_files.clear();
        for (const std::string& file : flags.ca_files) {
            if (std::string problem = ca_file_problem(file); !problem.empty()) {
                fail("--ca-file: " + problem);
            }
            options.ca_files.push_back(file);
        }
    }
    if (given(app, "--hosts-file")) {
        if (std::string problem = hosts_file_problem(flags.hosts_file); !problem.empty()) {
            fail("--hosts-file: " + problem);
        }
        options.hosts_file = flags.hosts_file;
    }
    if (given(app, "--rules")) {
        options.rules_files.clear();
        for (const std::string& file : flags.rules) {
            options.rules_files.push_back(readable_flag("--rules", file));
        }
    }
    if (given(app, "--timeout")) options.timeout = duration_flag("--timeout", flags.timeout);
    if (given(app, "--deadline")) options.deadline = duration_flag("--deadline", flags.deadline);
    if (given(app, "--bind")) {
        if (!is_ip_literal(flags.bind)) {
            fail("--bind: " + quote(flags.bind) + " is not a numeric IP address");
        }
        options.bind = flags.bind;
    }
    if (given(app, "--warn-days")) {
        options.warn_days = integer_flag("--warn-days", flags.warn_days, 0, 3650);
    }
    if (given(app, "--format")) {
        const auto format = parse_report_format(flags.format);
        if (!format) {
            fail("--format: " + quote(flags.format) +
                 " is not one of text, json, markdown, prometheus, junit");
        }
        options.format = *format;
    }
    if (given(app, "--output")) {
        if (std::string problem = writable_destination_problem(flags.output); !problem.empty()) {
            fail("--output: " + problem);
        }
        options.output = flags.output;
    }
    if (given(app, "--concurrency")) {
        options.concurrency = integer_flag("--concurrency", flags.concurrency, 1, 10000);
    }
    if (given(app, "--max-addresses")) {
        options.max_addresses = integer_flag("--max-addresses", flags.max_addresses, 1, 64);
    }
    if (flags.no_color) options.color = false;
    if (flags.tcp_only) options.tcp_only = true;
    if (flags.no_advertised) options.follow_advertised = false;
    if (flags.no_protocol) options.protocol_checks = false;
    if (given(app, "--sasl-password")) {
        fail(
            "--sasl-password: secrets are never taken from the command line (they show in ps "
            "and shell history); use --sasl-password-file FILE, VPCPROBE_SASL_PASSWORD, or "
            "password_file / password_env in the config's [sasl]");
    }
    if (given(app, "--sasl-mechanism")) {
        std::string mechanism = flags.sasl_mechanism;
        for (char& c : mechanism)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (std::string problem = sasl_mechanism_problem(mechanism); !problem.empty()) {
            fail("--sasl-mechanism: " + problem);
        }
        if (!options.sasl) options.sasl = SaslOptions{};
        options.sasl->mechanism = mechanism;
    }
    if (given(app, "--sasl-password-file")) {
        if (!options.sasl) {
            fail("--sasl-password-file: give --sasl-mechanism (or a [sasl] table) as well");
        }
        options.sasl->password_file =
            readable_flag("--sasl-password-file", flags.sasl_password_file);
        options.sasl->password_env.reset();
    }
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') options.color = false;
}

// Options of check / endpoints / serve: config file first, then the flags over it.
CheckOptions check_options(const CLI::App& app, const FlagValues& flags,
                           std::optional<ConfigFile>& config) {
    CheckOptions options;
    if (given(app, "--config")) {
        if (std::string problem = readable_file_problem(flags.config); !problem.empty()) {
            fail("--config: " + problem);
        }
        auto loaded = load_config(flags.config);
        if (auto* error = std::get_if<ConfigError>(&loaded)) fail(error->message);
        config = std::move(std::get<ConfigFile>(loaded));
        options = config->options;
    }
    apply_check_flags(app, flags, options);
    if (!options.instance && options.bootstrap.empty() && options.targets.empty() &&
        options.config_targets.empty()) {
        fail(std::string(nothing_to_check));
    }
    return options;
}

void add_serve_options(CLI::App& app, FlagValues& flags) {
    single(app, "--interval", flags.interval, "time between checks (default 60s)", "DURATION");
    single(app, "--listen", flags.listen,
           "address for /metrics and /report (default 127.0.0.1:9464)", "IP:PORT");
    single(app, "--state-dir", flags.state_dir,
           "keep reports and the changes between runs here (default: no history)", "DIR");
    single(app, "--keep", flags.keep, "reports kept in --state-dir, 1..100000 (default 100)", "N");
}

std::string state_dir_flag(const std::string& value) {
    if (value.empty()) fail("--state-dir: a directory is needed");
    return value;
}

ServeSettings serve_settings(const CLI::App& app, const FlagValues& flags,
                             const std::optional<ConfigFile>& config) {
    ServeSettings settings;
    if (config && config->interval) settings.interval = *config->interval;
    if (config && config->listen) settings.listen = *config->listen;
    if (given(app, "--interval")) settings.interval = duration_flag("--interval", flags.interval);
    if (given(app, "--listen")) {
        std::string error;
        if (!parse_ip_endpoint(flags.listen, error)) fail("--listen: " + error);
        settings.listen = flags.listen;
    }
    if (config && config->state_dir) settings.state_dir = *config->state_dir;
    if (config && config->keep) settings.keep = *config->keep;
    if (given(app, "--state-dir")) settings.state_dir = state_dir_flag(flags.state_dir);
    if (given(app, "--keep")) {
        settings.keep = static_cast<std::size_t>(integer_flag("--keep", flags.keep, 1, 100000));
    }
    return settings;
}

void add_history_options(CLI::App& app, FlagValues& flags) {
    single(app, "-c,--config", flags.config, "config file (TOML): its state_dir is used", "FILE");
    single(app, "--state-dir", flags.state_dir,
           "state directory of vpcprobe serve (default /var/lib/vpcprobe)", "DIR");
    single(app, "--format", flags.format, "text or json (default text)", "FORMAT");
    single(app, "--limit", flags.limit, "the newest N changes, 0 for all kept (default 100)", "N");
}

// `history` reads only state_dir from a config file (the file is still validated whole).
Command history_command(const CLI::App& app, const FlagValues& flags) {
    Command command;
    command.kind = CommandKind::history;
    HistorySettings& settings = command.history;
    if (given(app, "--config")) {
        if (std::string problem = readable_file_problem(flags.config); !problem.empty()) {
            fail("--config: " + problem);
        }
        auto loaded = load_config(flags.config);
        if (auto* error = std::get_if<ConfigError>(&loaded)) fail(error->message);
        const ConfigFile& config = std::get<ConfigFile>(loaded);
        if (config.state_dir) settings.state_dir = *config.state_dir;
    }
    if (given(app, "--state-dir")) settings.state_dir = state_dir_flag(flags.state_dir);
    if (given(app, "--format")) {
        if (flags.format == "text") {
            settings.format = ReportFormat::text;
        } else if (flags.format == "json") {
            settings.format = ReportFormat::json;
        } else {
            fail("--format: " + quote(flags.format) + " is not one of text, json");
        }
    }
    if (given(app, "--limit")) {
        settings.limit = static_cast<std::size_t>(integer_flag("--limit", flags.limit, 0, 1000000));
    }
    return command;
}

void add_explain_options(CLI::App& app, FlagValues& flags) {
    // Several files may follow one --rules here: explain takes no positional arguments.
    app.add_option("--rules", flags.rules, "security-group / ACL / interface exports, JSON")
        ->type_name("FILE...");
    single(app, "--from", flags.from, "source IP address", "IP");
    single(app, "--to", flags.to, "destination IP:PORT", "IP:PORT");
}

Command explain_command(const CLI::App& app, const FlagValues& flags) {
    Command command;
    command.kind = CommandKind::explain;
    if (!given(app, "--rules")) fail("explain: --rules FILE is required");
    if (!given(app, "--from")) fail("explain: --from IP is required");
    if (!given(app, "--to")) fail("explain: --to IP:PORT is required");
    for (const std::string& file : flags.rules) {
        command.options.rules_files.push_back(readable_flag("--rules", file));
    }
    if (!is_ip_literal(flags.from)) {
        fail("--from: " + quote(flags.from) + " is not a numeric IP address");
    }
    command.explain.from = flags.from;
    std::string error;
    const auto to = parse_ip_endpoint(flags.to, error);
    if (!to) fail("--to: " + error);
    command.explain.to_host = to->address;
    command.explain.to_port = to->port;
    return command;
}

// Arguments CLI11 could not place (we allow extras so the message is ours).
bool secret_flag(std::string_view flag_name);

// An unknown option as an error message may show it: "--sasl-pasword=***", never the value
// of anything that looks like a secret.
std::string shown_option(const std::string& arg) {
    const std::size_t equals = arg.find('=');
    if (equals == std::string::npos || !secret_flag(std::string_view(arg).substr(0, equals)))
        return quote(arg);
    return quote(arg.substr(0, equals + 1) + "***");
}

void reject_leftovers(const CLI::App& app, const CLI::App* selected) {
    // remaining() returns a copy: keep it alive while we look at it. A "--" separator says
    // nothing by itself; what follows it is what we complain about.
    auto without_separator = [](std::vector<std::string> args) {
        args.erase(std::remove(args.begin(), args.end(), "--"), args.end());
        return args;
    };
    const std::vector<std::string> sub_leftovers =
        without_separator(selected != nullptr ? selected->remaining() : std::vector<std::string>{});
    if (!sub_leftovers.empty()) {
        const std::string& first = sub_leftovers.front();
        if (first.size() > 1 && first.front() == '-') {
            fail(selected->get_name() + ": unknown option " + shown_option(first));
        }
        fail(selected->get_name() + ": unexpected argument " + quote(first));
    }
    const std::vector<std::string> leftovers = without_separator(app.remaining());
    if (!leftovers.empty()) {
        const std::string& first = leftovers.front();
        if (!first.empty() && first.front() == '-' && first != "-") {
            fail("unknown option " + shown_option(first) + " (try vpcprobe --help)");
        }
        if (selected == nullptr) {
            fail("unknown command " + quote(first) +
                 " (try check, endpoints, explain, serve, history or --help)");
        }
        fail(selected->get_name() + ": unexpected argument " + quote(first));
    }
}

std::variant<Command, UsageError> parse(int argc, const char* const* argv) {
    FlagValues flags;
    CLI::App app(
        "vpcprobe: can this host reach every endpoint of our Kafka cluster, and if "
        "not, what is in the way?",
        "vpcprobe");
    app.allow_extras();
    app.footer(
        "Exit codes: 0 all healthy, 1 warnings only, 2 a target failed, 3 usage or config "
        "error.\nRun 'vpcprobe COMMAND --help' for the options of a command.");
    app.add_flag("--version", flags.version, "print the version and exit");

    CLI::App* check = app.add_subcommand("check", "probe now, print a report, exit with a status");
    CLI::App* endpoints =
        app.add_subcommand("endpoints", "list the targets a check would probe, without probing");
    CLI::App* explain =
        app.add_subcommand("explain", "evaluate security-group / ACL exports offline, no traffic");
    CLI::App* serve =
        app.add_subcommand("serve", "scheduled checks, Prometheus /metrics, latest report");
    CLI::App* history =
        app.add_subcommand("history", "changes of target status recorded by serve, oldest first");
    for (CLI::App* sub : {check, endpoints, serve}) add_check_options(*sub, flags);
    add_serve_options(*serve, flags);
    add_explain_options(*explain, flags);
    add_history_options(*history, flags);
    for (CLI::App* sub : {check, endpoints, explain, serve, history}) sub->allow_extras();
    for (CLI::App* sub : {check, endpoints, serve}) {
        sub->footer(
            "Durations: 250ms, 1.5s, 2s, 1m; a bare number is seconds. Settings of the config "
            "file (keys like the long flags, dashes as underscores) are overridden by the flags "
            "given.\nExit codes: 0 all healthy, 1 warnings only, 2 a target failed, 3 usage or "
            "config error.");
    }
    explain->footer("Sends no traffic. Exit code 3 for a usage error or an unreadable rules file.");
    history->footer(
        "Reads STATE_DIR/changes.jsonl (written by serve --state-dir). Exit code 3 for a usage "
        "error or a missing or unreadable state directory.");

    try {
        // CLI11 wants argv[0] first; it only reads the array.
        app.parse(argc, const_cast<char**>(argv));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    } catch (const CLI::CallForHelp&) {
        return Command{CommandKind::help, {}, app.help(), {}, {}, {}};
    } catch (const CLI::CallForAllHelp&) {
        return Command{CommandKind::help, {}, app.help("", CLI::AppFormatMode::All), {}, {}, {}};
    } catch (const CLI::ParseError& error) {
        return UsageError{error.what()};
    }

    const std::vector<CLI::App*> selected_list = app.get_subcommands();
    const CLI::App* selected = selected_list.empty() ? nullptr : selected_list.front();
    if (flags.version) {
        Command version;
        version.kind = CommandKind::version;
        version.text = std::string("vpcprobe ") + VPCPROBE_VERSION + "\n";
        return version;
    }
    reject_leftovers(app, selected);
    if (selected == nullptr) return Command{CommandKind::help, {}, app.help(), {}, {}, {}};

    if (selected == explain) return explain_command(*explain, flags);
    if (selected == history) return history_command(*history, flags);

    Command command;
    std::optional<ConfigFile> config;
    command.options = check_options(*selected, flags, config);
    if (selected == check) {
        command.kind = CommandKind::check;
    } else if (selected == endpoints) {
        command.kind = CommandKind::endpoints;
    } else {
        command.kind = CommandKind::serve;
        command.serve = serve_settings(*serve, flags, config);
    }
    return command;
}

bool shell_safe(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("@%+=:,./-_").find(c) != std::string_view::npos;
}

std::string shell_quote(std::string_view word) {
    if (!word.empty() && std::all_of(word.begin(), word.end(), shell_safe)) {
        return std::string(word);
    }
    std::string out = "'";
    for (char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

bool secret_flag(std::string_view flag_name) {
    std::string lower(flag_name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // --sasl-password-file names where the secret is, which is worth keeping in a report.
    if (lower.ends_with("-file")) return false;
    // Broad on purpose (typos like "--sasl-pasword" included): hiding a harmless value costs
    // little, showing a secret costs a rotation.
    for (std::string_view word : {"pass", "pasw", "pwd", "secret", "token", "key", "cred"}) {
        if (lower.find(word) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

std::variant<Command, UsageError> parse_command_line(int argc, const char* const* argv) {
    try {
        return parse(argc, argv);
    } catch (const Failure& failure) {
        return UsageError{failure.message};
    } catch (const std::exception& error) {
        return UsageError{std::string("internal error while reading the command line: ") +
                          error.what()};
    } catch (...) {
        return UsageError{"internal error while reading the command line"};
    }
}

std::string redacted_command_line(int argc, const char* const* argv) {
    std::string out;
    bool redact_next = false;
    for (int i = 0; i < argc; ++i) {
        const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
        std::string word;
        if (redact_next && arg.substr(0, 2) != "--") {
            // The value of a secret flag; a following "--flag" is a flag, not a value.
            word = "***";
            redact_next = false;
        } else {
            redact_next = false;
            const bool is_flag = i > 0 && arg.size() > 1 && arg.front() == '-' && arg != "--";
            const std::size_t equals = arg.find('=');
            if (is_flag && secret_flag(arg.substr(0, equals))) {
                if (equals != std::string_view::npos) {
                    word = shell_quote(arg.substr(0, equals + 1)) + "***";
                } else {
                    word = shell_quote(arg);
                    redact_next = true;
                }
            } else {
                word = shell_quote(arg);
            }
        }
        if (!out.empty()) out += ' ';
        out += word;
    }
    return out;
}

}  // namespace vpcprobe
