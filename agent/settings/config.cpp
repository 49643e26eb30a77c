// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/config.h"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "agent/settings/catalog.h"
#include "agent/settings/credentials.h"
#include "agent/settings/target_spec.h"
#include "agent/settings/validate.h"
#include "core/duration.h"

namespace vpcprobe {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 27> known_keys{
    "instance",    "access",        "bootstrap",         "targets",         "target",
    "dns_servers", "ca_files",      "hosts_file",        "timeout",         "deadline",
    "bind",        "rules",         "warn_days",         "format",          "output",
    "concurrency", "max_addresses", "no_color",          "tcp_only",        "interval",
    "listen",      "sasl",          "follow_advertised", "protocol_checks", "state_dir",
    "keep",        "config"};
// "config" is listed only so the message can say why it is refused.

constexpr std::array<std::string_view, 4> target_table_keys{"host", "port", "component", "tls"};

constexpr std::array<std::string_view, 6> sasl_keys{
    "mechanism", "username", "username_env", "username_file", "password_env", "password_file"};

// A failure with the place it happened; turned into ConfigError at the top.
struct Failure {
    std::string message;
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

template <std::size_t N>
std::string suggestion(std::string_view key, const std::array<std::string_view, N>& candidates) {
    std::string_view best;
    std::size_t best_distance = 3;  // only close misses are worth suggesting
    for (std::string_view candidate : candidates) {
        if (candidate == "config") continue;
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    // Dashes for underscores is the most likely slip: "warn-days".
    std::string underscored(key);
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    for (std::string_view candidate : candidates) {
        if (candidate == underscored && candidate != "config") best = candidate;
    }
    if (best.empty()) return "";
    return " (did you mean '" + std::string(best) + "'?)";
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        default:
            return "a date/time";
    }
}

class Loader {
  public:
    Loader(std::string path, fs::path directory)
        : path_(std::move(path)), directory_(std::move(directory)) {}

    // "FILE:LINE:COLUMN: " for a node (or a key), "FILE: " when it has no position.
    std::string at(const toml::source_region& where) const {
        if (where.begin.line == 0) return path_ + ": ";
        return path_ + ":" + std::to_string(where.begin.line) + ":" +
               std::to_string(where.begin.column) + ": ";
    }

    [[noreturn]] void fail(const toml::source_region& where, std::string_view key,
                           const std::string& what) const {
        throw Failure{at(where) + std::string(key) + ": " + what};
    }

    const std::string& string_value(const toml::node& node, std::string_view key) const {
        if (const auto* value = node.as_string()) return value->get();
        fail(node.source(), key, "expected a string, got " + type_name(node));
    }

    // A string or an array of strings; each element with its position for messages.
    std::vector<std::pair<std::string, toml::source_region>> strings(const toml::node& node,
                                                                     std::string_view key) const {
        std::vector<std::pair<std::string, toml::source_region>> out;
        if (const auto* value = node.as_string()) {
            out.emplace_back(value->get(), node.source());
            return out;
        }
        const auto* array = node.as_array();
        if (array == nullptr) {
            fail(node.source(), key,
                 "expected a string or an array of strings, got " + type_name(node));
        }
        for (const toml::node& element : *array) {
            out.emplace_back(string_value(element, key), element.source());
        }
        return out;
    }

    long long integer_value(const toml::node& node, std::string_view key, long long min,
                            long long max) const {
        const auto* value = node.as_integer();
        if (value == nullptr) {
            fail(node.source(), key, "expected an integer, got " + type_name(node));
        }
        const std::int64_t number = value->get();
        if (number < min || number > max) {
            fail(node.source(), key,
                 std::to_string(number) + " is not in " + std::to_string(min) + ".." +
                     std::to_string(max));
        }
        return number;
    }

    // A duration string ("3s") or a positive number of seconds (3, 0.5).
    std::chrono::milliseconds duration_value(const toml::node& node, std::string_view key) const {
        const std::string bad = " is not a duration (try 3s, 250ms or 1m)";
        if (const auto* text = node.as_string()) {
            if (auto parsed = parse_duration(text->get())) return *parsed;
            fail(node.source(), key, "'" + text->get() + "'" + bad);
        }
        double seconds = 0;
        if (const auto* integer = node.as_integer()) {
            seconds = static_cast<double>(integer->get());
        } else if (const auto* floating = node.as_floating_point()) {
            seconds = floating->get();
        } else {
            fail(node.source(), key,
                 "expected a duration like \"3s\" or a number of seconds, got " + type_name(node));
        }
        const double ms = std::round(seconds * 1000.0);
        if (!(ms >= 1.0) || ms > static_cast<double>(max_duration.count())) {
            std::ostringstream shown;
            shown << seconds;
            fail(node.source(), key, shown.str() + bad);
        }
        return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    }

    std::string resolve_path(const std::string& value) const {
        const fs::path path(value);
        if (path.is_absolute()) return value;
        return (directory_ / path).lexically_normal().string();
    }

    std::string readable_path(const toml::source_region& where, const std::string& value,
                              std::string_view key) const {
        const std::string resolved = resolve_path(value);
        const std::string problem =
            key == "ca_files" ? ca_file_problem(resolved) : readable_file_problem(resolved);
        if (!problem.empty()) {
            fail(where, key, problem);
        }
        return resolved;
    }

    void target_table(const toml::node& node, CheckOptions& options) const {
        const auto* table = node.as_table();
        if (table == nullptr) {
            fail(
                node.source(), "target",
                "expected [[target]] tables with host, port and component, got " + type_name(node));
        }
        Target target;
        std::optional<std::string> component;
        bool has_host = false;
        bool has_port = false;
        bool tls = true;
        for (auto&& [key, value] : *table) {
            const std::string_view name = key.str();
            if (name == "host") {
                target.host = string_value(value, "target.host");
                has_host = true;
            } else if (name == "port") {
                target.port =
                    static_cast<std::uint16_t>(integer_value(value, "target.port", 1, 65535));
                has_port = true;
            } else if (name == "component") {
                component = string_value(value, "target.component");
            } else if (name == "tls") {
                tls = bool_value(value, "target.tls");
            } else {
                fail(key.source(), "target",
                     "unknown key '" + std::string(name) + "' in [[target]]" +
                         suggestion(name, target_table_keys) + "; use host, port, component, tls");
            }
        }
        if (!has_host || !has_port) {
            fail(node.source(), "target", "[[target]] needs both host and port");
        }
        if (target.host.find('@') != std::string::npos) {  // user:password@host: never echoed
            fail(node.source(), "target.host",
                 "credentials do not belong in a host name; use the [sasl] table");
        }
        if (target.host.find('=') != std::string::npos) {
            fail(node.source(), "target.host", "'" + target.host + "' is not a host name");
        }
        // Reuse the spec parser so tables and strings obey the same rules.
        std::string spec = target.endpoint();
        if (target.host.find(':') != std::string::npos && target.host.front() == '[') {
            spec = target.host + ":" + std::to_string(target.port);  // already bracketed
        }
        if (component) spec += "=" + *component;
        if (!tls) spec = "plaintext://" + spec;
        std::string error;
        if (!parse_target_spec(spec, {}, error)) fail(node.source(), "target", error);
        options.config_targets.push_back(spec);
    }

    bool bool_value(const toml::node& node, std::string_view name) const {
        const auto* flag = node.as_boolean();
        if (flag == nullptr) {
            fail(node.source(), name, "expected true or false, got " + type_name(node));
        }
        return flag->get();
    }

    // [sasl]: the mechanism and where the credentials are; a literal password is refused,
    // because config files get pasted into tickets.
    SaslOptions sasl_table(const toml::node& node) const {
        const auto* table = node.as_table();
        if (table == nullptr) {
            fail(node.source(), "sasl", "expected a [sasl] table, got " + type_name(node));
        }
        SaslOptions sasl;
        for (auto&& [key, value] : *table) {
            const std::string_view name = key.str();
            const std::string full = "sasl." + std::string(name);
            if (name == "mechanism") {
                sasl.mechanism = string_value(value, full);
                for (char& c : sasl.mechanism)
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                if (std::string problem = sasl_mechanism_problem(sasl.mechanism);
                    !problem.empty()) {
                    fail(value.source(), full, problem);
                }
            } else if (name == "username") {
                sasl.username = string_value(value, full);
            } else if (name == "username_env") {
                sasl.username_env = string_value(value, full);
                if (sasl.username_env->empty()) {
                    fail(value.source(), full, "the name of an environment variable is needed");
                }
            } else if (name == "username_file") {
                sasl.username_file = readable_path(value.source(), string_value(value, full), full);
            } else if (name == "password_env") {
                sasl.password_env = string_value(value, full);
                if (sasl.password_env->empty()) {
                    fail(value.source(), full, "the name of an environment variable is needed");
                }
            } else if (name == "password_file") {
                sasl.password_file = readable_path(value.source(), string_value(value, full), full);
            } else if (name == "password") {
                fail(key.source(), full,
                     "a password is never written into the config file; use password_file or "
                     "password_env");
            } else {
                fail(key.source(), "sasl",
                     "unknown key '" + std::string(name) + "' in [sasl]" +
                         suggestion(name, sasl_keys) +
                         "; use mechanism, username, username_env, username_file, password_env, "
                         "password_file");
            }
        }
        if (sasl.mechanism.empty()) {
            fail(node.source(), "sasl",
                 "[sasl] needs a mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)");
        }
        return sasl;
    }

    ConfigFile load(const toml::table& root) const {
        ConfigFile config;
        CheckOptions& options = config.options;
        options.config_file = path_;
        std::vector<const toml::node*> target_tables;

        for (auto&& [key, node] : root) {
            const std::string_view name = key.str();
            if (name == "instance") {
                const std::string& id = string_value(node, name);
                std::string error;
                if (!part_instance_id(id, error)) fail(node.source(), name, error);
                options.instance = id;
            } else if (name == "access") {
                const std::string& access = string_value(node, name);
                if (std::string problem = access_problem(access); !problem.empty()) {
                    fail(node.source(), name, problem);
                }
                options.access = access;
            } else if (name == "bootstrap") {
                for (const auto& [spec, where] : strings(node, name)) {
                    std::string error;
                    if (!parse_target_spec(spec, {"kafka", false}, error)) {
                        fail(where, name, error);
                    }
                    options.bootstrap.push_back(spec);
                }
            } else if (name == "targets") {
                for (const auto& [spec, where] : strings(node, name)) {
                    std::string error;
                    if (!parse_target_spec(spec, {}, error)) fail(where, name, error);
                    options.config_targets.push_back(spec);
                }
            } else if (name == "target") {
                const auto* array = node.as_array();
                if (array == nullptr) {
                    fail(node.source(), name,
                         "expected [[target]] tables with host, port and component, got " +
                             type_name(node));
                }
                for (const toml::node& element : *array) target_tables.push_back(&element);
            } else if (name == "dns_servers") {
                for (const auto& [server, where] : strings(node, name)) {
                    if (std::string problem = dns_server_problem(server); !problem.empty()) {
                        fail(where, name, problem);
                    }
                    options.dns_servers.push_back(server);
                }
            } else if (name == "ca_files") {
                for (const auto& [file, where] : strings(node, name)) {
                    options.ca_files.push_back(readable_path(where, file, name));
                }
            } else if (name == "hosts_file") {
                const std::string resolved = resolve_path(string_value(node, name));
                if (std::string problem = hosts_file_problem(resolved); !problem.empty()) {
                    fail(node.source(), name, problem);
                }
                options.hosts_file = resolved;
            } else if (name == "rules") {
                for (const auto& [file, where] : strings(node, name)) {
                    options.rules_files.push_back(readable_path(where, file, name));
                }
            } else if (name == "timeout") {
                options.timeout = duration_value(node, name);
            } else if (name == "deadline") {
                options.deadline = duration_value(node, name);
            } else if (name == "interval") {
                config.interval = duration_value(node, name);
            } else if (name == "bind") {
                const std::string& bind = string_value(node, name);
                if (!is_ip_literal(bind)) {
                    fail(node.source(), name, "'" + bind + "' is not a numeric IP address");
                }
                options.bind = bind;
            } else if (name == "listen") {
                const std::string& listen = string_value(node, name);
                std::string error;
                if (!parse_ip_endpoint(listen, error)) fail(node.source(), name, error);
                config.listen = listen;
            } else if (name == "state_dir") {
                const std::string& dir = string_value(node, name);
                if (dir.empty()) fail(node.source(), name, "a directory is needed");
                config.state_dir = resolve_path(dir);
            } else if (name == "keep") {
                config.keep = static_cast<std::size_t>(integer_value(node, name, 1, 100000));
            } else if (name == "warn_days") {
                options.warn_days = static_cast<int>(integer_value(node, name, 0, 3650));
            } else if (name == "format") {
                const std::string& text = string_value(node, name);
                const auto format = parse_report_format(text);
                if (!format) {
                    fail(node.source(), name,
                         "'" + text + "' is not one of text, json, markdown, prometheus, junit");
                }
                options.format = *format;
            } else if (name == "output") {
                const std::string resolved = resolve_path(string_value(node, name));
                if (std::string problem = writable_destination_problem(resolved);
                    !problem.empty()) {
                    fail(node.source(), name, problem);
                }
                options.output = resolved;
            } else if (name == "concurrency") {
                options.concurrency = static_cast<int>(integer_value(node, name, 1, 10000));
            } else if (name == "max_addresses") {
                options.max_addresses = static_cast<int>(integer_value(node, name, 1, 64));
            } else if (name == "no_color") {
                const auto* flag = node.as_boolean();
                if (flag == nullptr) {
                    fail(node.source(), name, "expected true or false, got " + type_name(node));
                }
                if (flag->get()) options.color = false;
            } else if (name == "tcp_only") {
                const auto* flag = node.as_boolean();
                if (flag == nullptr) {
                    fail(node.source(), name, "expected true or false, got " + type_name(node));
                }
                options.tcp_only = flag->get();
            } else if (name == "sasl") {
                options.sasl = sasl_table(node);
            } else if (name == "follow_advertised") {
                options.follow_advertised = bool_value(node, name);
            } else if (name == "protocol_checks") {
                options.protocol_checks = bool_value(node, name);
            } else if (name == "config") {
                fail(key.source(), name, "a config file cannot name another config file");
            } else {
                throw Failure{at(key.source()) + "unknown key '" + std::string(name) + "'" +
                              suggestion(name, known_keys)};
            }
        }
        // After the loop so `targets` come first whatever the order in the file.
        for (const toml::node* table : target_tables) target_table(*table, options);
        return config;
    }

  private:
    std::string path_;
    fs::path directory_;
};

}  // namespace

std::variant<ConfigFile, ConfigError> load_config(const std::string& path) {
    if (std::string problem = readable_file_problem(path); !problem.empty()) {
        return ConfigError{"config file " + problem};
    }
    std::ifstream stream(path, std::ios::binary);
    std::ostringstream content;
    content << stream.rdbuf();
    if (!stream.good() && !stream.eof()) {
        return ConfigError{"config file '" + path + "': read error"};
    }

    std::error_code ec;
    fs::path directory = fs::absolute(fs::path(path), ec).parent_path();
    if (ec) directory = fs::path(path).parent_path();
    const Loader loader(path, directory);
    try {
        const toml::table root = toml::parse(content.str(), path);
        return loader.load(root);
    } catch (const toml::parse_error& error) {
        return ConfigError{loader.at(error.source()) +
                           "invalid TOML: " + std::string(error.description())};
    } catch (const Failure& failure) {
        return ConfigError{failure.message};
    }
}

}  // namespace vpcprobe
