// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/cli.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <optional>
#include <vector>

#include "agent/settings/client_settings.h"
#include "agent/settings/config.h"
#include "agent/settings/plan.h"
#include "agent/settings/setting_table.h"
#include "agent/settings/setting_value.h"
#include "agent/settings/tls_keys.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

struct Subcommand {
    const char* name;
    CommandKind kind;
    CommandSet set;
    const char* description;
    const char* footer;
};

constexpr const char* kSettingsFooter =
    "Durations: 250ms, 1.5s, 2s, 1m; a bare number is seconds. Settings of the config file (keys "
    "like the long flags, dashes as underscores) are overridden by the Kafka client "
    "configuration (--client-config), and both by the flags given. Targets are "
    "[SCHEME://]HOST:PORT[=COMPONENT], COMPONENT one of kafka, mds, schema-registry, rest-proxy, "
    "connect, ksqldb, control-center or endpoint (no protocol check); one host:port named twice "
    "is probed once.\n";

// Each command's footer: the settings it shares with the others, then its own exit codes.
constexpr const char* kCheckFooter =
    "Exit codes: 0 all healthy, 1 warnings only, 2 a target failed, 3 usage or config error "
    "(one line on stderr, starting \"vpcprobe: \").";
constexpr const char* kEndpointsFooter =
    "Sends no traffic. Exit codes: 0 the plan was printed, 3 usage or config error (one line "
    "on stderr, starting \"vpcprobe: \").";
constexpr const char* kServeFooter =
    "Exit codes: 0 stopped by SIGTERM or SIGINT (SIGHUP reloads), 3 usage or config error, or "
    "the --listen address or --state-dir cannot be used (one line on stderr, starting "
    "\"vpcprobe: \"). Failed targets do not end serve: /metrics and the report say them.";
constexpr const char* kExplainFooter =
    "Sends no traffic. Exit codes: 0 the flow is allowed, 1 the exports cannot tell, 2 the flow "
    "is blocked, 3 usage error or an unreadable rules file (one line on stderr, starting "
    "\"vpcprobe: \").";
constexpr const char* kHistoryFooter =
    "Reads STATE_DIR/changes.jsonl (written by serve --state-dir). Exit codes: 0 the changes "
    "were printed, 3 usage error or a missing or unreadable state directory (one line on "
    "stderr, starting \"vpcprobe: \").";
constexpr const char* kMergeFooter =
    "Merges the JSON reports of several agents (check --format json, or serve's /report.json) "
    "into one matrix of agents x targets, matched by host and port, with the findings across "
    "agents. Exit codes: as check's, over the merged matrix: 0 all healthy, 1 warnings only, 2 a "
    "target failed from some agent, 3 usage error or a report that cannot be merged: "
    "unreadable, not a vpcprobe report, another schema_version, or an agent name already "
    "given by another report (one line on stderr, starting \"vpcprobe: \", naming the file).";

const std::string kProbingCheckFooter = std::string(kSettingsFooter) + kCheckFooter;
const std::string kProbingEndpointsFooter = std::string(kSettingsFooter) + kEndpointsFooter;
const std::string kProbingServeFooter = std::string(kSettingsFooter) + kServeFooter;

const Subcommand kSubcommands[] = {
    {"check", CommandKind::check, kCheck, "probe now, print a report, exit with a status",
     kProbingCheckFooter.c_str()},
    {"endpoints", CommandKind::endpoints, kEndpoints,
     "list the targets a check would probe, without probing", kProbingEndpointsFooter.c_str()},
    {"explain", CommandKind::explain, kExplain,
     "evaluate security-group / ACL exports offline, no traffic", kExplainFooter},
    {"serve", CommandKind::serve, kServe, "scheduled checks, Prometheus /metrics, latest report",
     kProbingServeFooter.c_str()},
    {"history", CommandKind::history, kHistory,
     "changes of target status recorded by serve, oldest first", kHistoryFooter},
    {"merge", CommandKind::merge, kMerge,
     "one report from the reports of several agents: a matrix of agents x targets", kMergeFooter},
};

// What CLI11 collected for one setting on the selected subcommand.
struct RawFlag {
    CLI::Option* option = nullptr;  // null when the subcommand does not take the setting
    std::string value;              // Arity::one
    std::vector<std::string> values;
};

// The command line as CLI11 sees it: the app, its subcommands, and one RawFlag per setting per
// subcommand (only one subcommand is parsed per run).
class CommandLine {
  public:
    CommandLine()
        : app_(
              "vpcprobe: can this host reach every endpoint of our Kafka cluster, and if not, "
              "what is in the way?",
              "vpcprobe") {
        app_.allow_extras();
        app_.footer(
            "Exit codes: 0 all healthy, 1 warnings only, 2 a target failed, 3 usage or config "
            "error, or no command given (one line on stderr, starting \"vpcprobe: \"); each "
            "command's --help says which of them it uses.\nRun 'vpcprobe COMMAND --help' for "
            "the options of a command.");
        app_.add_flag("--version", version_, "print the version and exit");
        for (const Subcommand& sub : kSubcommands) {
            CLI::App* app = app_.add_subcommand(sub.name, sub.description);
            app->allow_extras();
            app->footer(sub.footer);
            auto& raw = raw_.emplace_back(setting_table().size());
            for (std::size_t i = 0; i < setting_table().size(); ++i) {
                const SettingDef& def = setting_table()[i];
                if ((def.commands & sub.set) != 0 && !def.flags.empty()) {
                    raw[i].option = add(*app, def, raw[i]);
                }
            }
            apps_.push_back(app);
        }
    }

    CLI::App& app() { return app_; }
    bool version() const { return version_; }

    // The subcommand given, or nullopt.
    std::optional<std::size_t> selected() const {
        for (std::size_t i = 0; i < apps_.size(); ++i) {
            if (apps_[i]->parsed()) return i;
        }
        return std::nullopt;
    }
    const CLI::App& sub_app(std::size_t index) const { return *apps_[index]; }
    const std::vector<RawFlag>& raw(std::size_t index) const { return raw_[index]; }

  private:
    static CLI::Option* add(CLI::App& app, const SettingDef& def, RawFlag& raw) {
        const std::string names(def.flags);
        const std::string help(def.help);
        CLI::Option* option = nullptr;
        switch (def.arity) {
            case Arity::flag:
                option = app.add_flag(names, help);
                break;
            case Arity::one:
                option = app.add_option(names, raw.value, help)
                             ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
                break;
            case Arity::each:
                // One value per occurrence: otherwise "--dns-server A host:9092" would swallow
                // the target.
                option = app.add_option(names, raw.values, help)->allow_extra_args(false);
                break;
            case Arity::many:
            case Arity::positional:
                option = app.add_option(names, raw.values, help);
                break;
        }
        if (!def.value_name.empty()) option->type_name(std::string(def.value_name));
        if (def.hidden) option->group("");
        return option;
    }

    CLI::App app_;
    bool version_ = false;
    std::vector<CLI::App*> apps_;
    std::vector<std::vector<RawFlag>> raw_;
};

// The value a flag given on the command line stands for.
Value command_line_value(const SettingDef& def, const RawFlag& raw) {
    // A positional argument quotes itself next: "target 'h!:1': ...", "report 'a.json': ...".
    const std::string prefix = def.arity == Arity::positional
                                   ? fmt::format("{} ", lower(def.value_name))
                                   : std::string(long_flag(def)) + ": ";
    switch (def.arity) {
        case Arity::flag: {
            Value flag = Value::command_line_flag(prefix);
            flag.boolean = !def.flag_sets_false;
            return flag;
        }
        case Arity::one:
            return Value::command_line_text(raw.value, prefix);
        case Arity::each:
        case Arity::many:
        case Arity::positional:
            break;
    }
    Value list;
    list.type = Value::Type::list;
    list.origin.source = Source::command_line;
    list.origin.prefix = prefix;
    for (const std::string& text : raw.values) {
        list.items.push_back(Value::command_line_text(text, prefix));
    }
    return list;
}

bool given(const RawFlag& raw) {
    return raw.option != nullptr && raw.option->count() > 0;
}

bool secret_flag(std::string_view flag_name);

std::string shown_option(const std::string& arg) {
    const std::size_t equals = arg.find('=');
    if (equals == std::string::npos || !secret_flag(std::string_view(arg).substr(0, equals)))
        return quote(arg);
    return quote(arg.substr(0, equals + 1) + "***");
}

Result<void> reject_leftovers(const CLI::App& app, const CLI::App* selected) {
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
            return Error(selected->get_name() + ": unknown option " + shown_option(first));
        }
        return Error(selected->get_name() + ": unexpected argument " + quote(first));
    }
    const std::vector<std::string> leftovers = without_separator(app.remaining());
    if (!leftovers.empty()) {
        const std::string& first = leftovers.front();
        if (!first.empty() && first.front() == '-' && first != "-") {
            return Error("unknown option " + shown_option(first) + " (try vpcprobe --help)");
        }
        if (selected == nullptr) {
            return Error("unknown command " + quote(first) +
                         " (try check, endpoints, explain, serve, history, merge or --help)");
        }
        return Error(selected->get_name() + ": unexpected argument " + quote(first));
    }
    return {};
}

// explain needs all three of its arguments; said before any of them is judged.
Result<void> require_explain_arguments(const std::vector<RawFlag>& raw) {
    constexpr std::pair<std::string_view, std::string_view> kRequired[] = {
        {"--rules", "--rules FILE"}, {"--from", "--from IP"}, {"--to", "--to IP:PORT"}};
    const auto table = setting_table();
    for (const auto& [flag, usage] : kRequired) {
        for (std::size_t i = 0; i < table.size(); ++i) {
            if ((table[i].commands & kExplain) != 0 && table[i].flags == flag && !given(raw[i])) {
                return Error("explain: " + std::string(usage) + " is required");
            }
        }
    }
    return {};
}

// The RawFlag of the setting a config key names.
const RawFlag& raw_of(const std::vector<RawFlag>& raw, std::string_view key) {
    const auto table = setting_table();
    return raw[static_cast<std::size_t>(setting_for_key(key) - table.data())];
}

// The Kafka client configuration, named on the command line or else in the config file.
Result<void> apply_client_config(const std::vector<RawFlag>& raw, Command& command,
                                 const FileChecks& checks) {
    const RawFlag& flag = raw_of(raw, "client_config");
    std::optional<std::string> path = command.options.client_config_file;
    if (given(flag)) {
        if (auto readable = check_readable_file(flag.value); !readable) {
            return std::move(readable).error().context("--client-config");
        }
        path = flag.value;
    }
    if (!path) return {};
    command.options.client_config_file = path;
    return client_settings::apply_client_config_file(*path, command, checks);
}

// Sources in order: the config file, the Kafka client configuration, the flags given, NO_COLOR.
Result<void> apply_sources(const std::vector<RawFlag>& raw, Command& command,
                           const FileChecks& checks) {
    const auto table = setting_table();
    const RawFlag& config = raw_of(raw, "config");
    if (given(config)) {
        const std::string& path = config.value;
        if (auto readable = check_readable_file(path); !readable) {
            return std::move(readable).error().context("--config");
        }
        if (auto applied = apply_config_file(path, command, checks); !applied) return applied;
    }
    if (auto applied = apply_client_config(raw, command, checks); !applied) return applied;
    const ApplyContext context{checks};
    for (std::size_t i = 0; i < table.size(); ++i) {
        if (!given(raw[i])) continue;
        if (auto applied = table[i].apply(command_line_value(table[i], raw[i]), command, context);
            !applied) {
            return applied;
        }
    }
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') {
        Value value = Value::command_line_flag("NO_COLOR: ");
        value.origin.source = Source::environment;
        if (auto applied = setting_for_key("no_color")->apply(value, command, context); !applied) {
            return applied;
        }
    }
    return {};
}

// What no single setting can say: the client configuration's settings together, the TLS
// settings loaded, a plan needs something to check, and a password file needs a mechanism to
// use it with.
Result<void> check_probing_command(Command& command, const FileChecks& checks) {
    if (auto settled = client_settings::finish_client_settings(command.options); !settled) {
        return settled;
    }
    if (auto loaded = tls_keys::finish_tls_settings(command.options, checks); !loaded) {
        return loaded;
    }
    const CheckOptions& options = command.options;
    if (options.sasl && options.sasl->mechanism.empty()) {
        return Error("--sasl-password-file: give --sasl-mechanism (or a [sasl] table) as well");
    }
    if (!options.instance && options.bootstrap.empty() && options.targets.empty()) {
        return Error(std::string(nothing_to_check));
    }
    // Two specs of one host:port that contradict each other are a usage error before any
    // command runs (serve included), not at its first check.
    if (auto plan = build_plan(options); !plan) return std::move(plan).error();
    return {};
}

// What no single flag of the command can say.
Result<void> check_whole_command(const Subcommand& sub, Command& command,
                                 const FileChecks& checks) {
    if (sub.kind == CommandKind::merge && command.merge.reports.empty()) {
        return Error(
            "merge: give at least one REPORT (a JSON report of vpcprobe check, or - for "
            "standard input)");
    }
    if ((sub.set & kProbing) != 0) return check_probing_command(command, checks);
    return {};
}

Result<Command> parse(int argc, const char* const* argv, const FileChecks& checks) {
    CommandLine line;
    CLI::App& app = line.app();
    try {
        // CLI11 wants argv[0] first; it only reads the array.
        app.parse(argc, const_cast<char**>(argv));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    } catch (const CLI::CallForHelp&) {
        Command help;
        help.text = app.help();
        return help;
    } catch (const CLI::CallForAllHelp&) {
        Command help;
        help.text = app.help("", CLI::AppFormatMode::All);
        return help;
    } catch (const CLI::ParseError& error) {
        return Error(error.what());
    }
    if (line.version()) {
        Command version;
        version.kind = CommandKind::version;
        version.text = std::string("vpcprobe ") + VPCPROBE_VERSION + "\n";
        return version;
    }
    const std::optional<std::size_t> selected = line.selected();
    if (auto clean = reject_leftovers(app, selected ? &line.sub_app(*selected) : nullptr); !clean) {
        return std::move(clean).error();
    }
    if (!selected) {
        // Nothing asked is not a success: a script that lost its arguments should notice.
        Command usage;
        usage.kind = CommandKind::usage;
        usage.text =
            "vpcprobe: no command given (use check, endpoints, explain, serve, history or "
            "merge)\n" +
            app.help();
        return usage;
    }
    const Subcommand& sub = kSubcommands[*selected];
    const std::vector<RawFlag>& raw = line.raw(*selected);
    Command command;
    command.kind = sub.kind;
    if (sub.kind == CommandKind::explain) {
        if (auto required = require_explain_arguments(raw); !required) {
            return std::move(required).error();
        }
    }
    if (auto applied = apply_sources(raw, command, checks); !applied) {
        return std::move(applied).error();
    }
    if (auto complete = check_whole_command(sub, command, checks); !complete) {
        return std::move(complete).error();
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

Result<Command> parse_command_line(int argc, const char* const* argv, const FileChecks& checks) {
    try {
        return parse(argc, argv, checks);
    } catch (const std::exception& error) {
        return Error(std::string("internal error while reading the command line: ") + error.what());
    } catch (...) {
        return Error("internal error while reading the command line");
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
