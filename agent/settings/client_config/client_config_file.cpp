// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/client_config/client_config_file.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "agent/settings/client_config/java_properties.h"
#include "core/bounded_file.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

// ---- Reading ------------------------------------------------------------------------------

Result<std::string> read_bounded(const std::string& path) {
    return read_bounded_file(path, kMaxClientConfigBytes, "client configuration");
}

// ---- Config providers ---------------------------------------------------------------------

struct Reference {
    std::string_view written;  // "${provider:path:key}"
    std::string_view provider;
    std::optional<std::string_view> path;
    std::string_view key;
};

// The next "${provider:[path:]key}" at or after `from` (Kafka's ConfigTransformer pattern:
// the provider ends at the first ':', the path, if any, at the next one; no '}' inside).
std::optional<Reference> next_reference(std::string_view value, std::size_t& from) {
    for (;;) {
        const std::size_t open = value.find("${", from);
        if (open == std::string_view::npos) return std::nullopt;
        const std::size_t close = value.find('}', open + 2);
        if (close == std::string_view::npos) return std::nullopt;
        const std::string_view inside = value.substr(open + 2, close - open - 2);
        const std::size_t colon = inside.find(':');
        if (colon == std::string_view::npos) {
            from = open + 2;
            continue;
        }
        Reference reference{.written = value.substr(open, close + 1 - open),
                            .provider = inside.substr(0, colon),
                            .path = std::nullopt,
                            .key = inside.substr(colon + 1)};
        if (const std::size_t second = reference.key.find(':'); second != std::string_view::npos) {
            reference.path = reference.key.substr(0, second);
            reference.key = reference.key.substr(second + 1);
        }
        from = open;
        return reference;
    }
}

class ProviderResolver {
  public:
    // `value` with every reference replaced; Error messages name the reference, never a value.
    Result<std::string> resolve(std::string_view value, std::string& provider) {
        std::string out;
        std::size_t done = 0;
        std::size_t from = 0;
        while (auto reference = next_reference(value, from)) {
            out.append(value.substr(done, from - done));
            auto replacement = lookup(*reference);
            if (!replacement) return std::move(replacement).error();
            out += *replacement;
            if (!provider.empty()) provider += ' ';
            provider += reference->written;
            from += reference->written.size();
            done = from;
        }
        out.append(value.substr(done));
        return out;
    }

  private:
    Result<std::string> lookup(const Reference& reference) {
        if (reference.provider == "env") return from_environment(reference);
        if (reference.provider == "file") return from_file(reference);
        return Error(fmt::format(
            "config provider {} is not supported; use ${{env:NAME}} or ${{file:PATH:KEY}}",
            quote(reference.provider)));
    }

    static Result<std::string> from_environment(const Reference& reference) {
        if (reference.path && !reference.path->empty()) {
            return Error(fmt::format("{}: the env provider takes no path; write ${{env:NAME}}",
                                     reference.written));
        }
        const std::string name(reference.key);
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
            return Error(fmt::format("environment variable {} is not set", quote(name)));
        }
        return std::string(value);
    }

    Result<std::string> from_file(const Reference& reference) {
        if (!reference.path || reference.path->empty()) {
            return Error(
                fmt::format("{}: the file provider needs a path and a key: "
                            "${{file:PATH:KEY}}",
                            reference.written));
        }
        const std::string path(*reference.path);
        auto entries = file_entries(path);
        if (!entries) return std::move(entries).error().context(reference.written);
        const std::vector<PropertyLine>& lines = **entries;
        // Properties keeps the last of duplicate keys.
        for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
            if (line->key == reference.key) return line->value;
        }
        return Error(
            fmt::format("{}: no key {} in {}", reference.written, quote(reference.key), path));
    }

    Result<const std::vector<PropertyLine>*> file_entries(const std::string& path) {
        if (auto known = files_.find(path); known != files_.end()) return &known->second;
        auto text = read_bounded(path);
        if (!text) return std::move(text).error().context(path);
        auto lines = parse_java_properties(*text);
        if (!lines) return std::move(lines).error().context(path);
        return &files_.emplace(path, std::move(*lines)).first->second;
    }

    std::map<std::string, std::vector<PropertyLine>> files_;
};

// Resolves every entry's providers in place. Errors: POSITION KEY: what is wrong.
Result<void> resolve_providers(std::vector<ClientConfigEntry>& entries) {
    ProviderResolver resolver;
    for (ClientConfigEntry& entry : entries) {
        auto resolved = resolver.resolve(entry.value, entry.provider);
        if (!resolved) {
            return Error(entry.position + entry.key + ": " + resolved.error().message());
        }
        entry.value = std::move(*resolved);
    }
    return {};
}

// ---- Properties ---------------------------------------------------------------------------

bool librdkafka_only(const std::string& key) {
    static constexpr std::string_view kKeys[] = {"metadata.broker.list",
                                                 "sasl.username",
                                                 "sasl.password",
                                                 "sasl.mechanisms",
                                                 "ssl.ca.location",
                                                 "ssl.ca.pem",
                                                 "ssl.certificate.location",
                                                 "ssl.certificate.pem",
                                                 "ssl.key.location",
                                                 "ssl.key.pem",
                                                 "enable.ssl.certificate.verification"};
    for (const std::string_view known : kKeys) {
        if (key == known) return true;
    }
    return false;
}

bool java_only(const std::string& key) {
    return key == "sasl.jaas.config" || key.starts_with("ssl.truststore.") ||
           key == "ssl.keystore.type" || key == "ssl.keystore.certificate.chain" ||
           key == "ssl.keystore.key";
}

bool looks_librdkafka(const std::vector<PropertyLine>& lines) {
    bool librdkafka = false;
    for (const PropertyLine& line : lines) {
        if (java_only(line.key)) return false;
        librdkafka = librdkafka || librdkafka_only(line.key);
    }
    return librdkafka;
}

std::vector<ClientConfigEntry> entries_of(std::vector<PropertyLine> lines,
                                          const std::string& path) {
    std::vector<ClientConfigEntry> entries;
    entries.reserve(lines.size());
    for (PropertyLine& line : lines) {
        entries.push_back(ClientConfigEntry{.key = std::move(line.key),
                                            .value = std::move(line.value),
                                            .position = fmt::format("{}:{}: ", path, line.line),
                                            .provider = {}});
    }
    return entries;
}

Result<ClientConfigFile> parse_properties(std::string_view text, const std::string& path) {
    auto java = parse_java_properties(text);
    if (!java) {
        // A librdkafka file has no escapes: what Java refuses (a stray "\u") may be fine there.
        auto librdkafka = parse_librdkafka_config(text);
        if (!librdkafka || !looks_librdkafka(*librdkafka)) {
            return std::move(java).error().context(path);
        }
        return ClientConfigFile{.path = path,
                                .format = ClientConfigFormat::librdkafka,
                                .entries = entries_of(std::move(*librdkafka), path)};
    }
    if (looks_librdkafka(*java)) {
        auto librdkafka = parse_librdkafka_config(text);
        if (!librdkafka) return std::move(librdkafka).error().context(path);
        return ClientConfigFile{.path = path,
                                .format = ClientConfigFormat::librdkafka,
                                .entries = entries_of(std::move(*librdkafka), path)};
    }
    ClientConfigFile file{.path = path,
                          .format = ClientConfigFormat::java_properties,
                          .entries = entries_of(std::move(*java), path)};
    if (auto resolved = resolve_providers(file.entries); !resolved) {
        return std::move(resolved).error();
    }
    return file;
}

// ---- JSON ---------------------------------------------------------------------------------

Error json_syntax_error(std::string_view text, std::size_t offset,
                        const boost::system::error_code& code) {
    int line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return Error(fmt::format("line {}, column {}: not valid JSON ({})", line,
                             offset - line_start + 1, code.message()));
}

Result<boost::json::value> parse_json(std::string_view text) {
    boost::json::stream_parser parser;
    boost::system::error_code code;
    const std::size_t consumed = parser.write(text.data(), text.size(), code);
    if (code) return json_syntax_error(text, consumed, code);
    parser.finish(code);
    if (code) return json_syntax_error(text, text.size(), code);
    return parser.release();
}

// A scalar as text; nullopt for null; Error for an object or array.
Result<std::optional<std::string>> scalar_text(const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            return std::optional<std::string>();
        case boost::json::kind::bool_:
            return std::optional<std::string>(value.get_bool() ? "true" : "false");
        case boost::json::kind::int64:
            return std::optional<std::string>(fmt::format("{}", value.get_int64()));
        case boost::json::kind::uint64:
            return std::optional<std::string>(fmt::format("{}", value.get_uint64()));
        case boost::json::kind::double_:
            return std::optional<std::string>(fmt::format("{}", value.get_double()));
        case boost::json::kind::string: {
            const boost::json::string& text = value.get_string();
            if (text.find('\0') != boost::json::string::npos) {
                return Error("the value holds a NUL character");
            }
            return std::optional<std::string>(std::string(text));
        }
        default:
            return Error("the value is not a string, number, true, false or null");
    }
}

Result<void> add_json_entry(std::vector<ClientConfigEntry>& entries, std::string_view key,
                            const boost::json::value& value, const std::string& position) {
    if (key.find('\0') != std::string_view::npos) {
        return Error(position + "a name holds a NUL character");
    }
    auto text = scalar_text(value);
    if (!text) return Error(position + std::string(key) + ": " + text.error().message());
    if (!*text) return {};
    entries.push_back(ClientConfigEntry{
        .key = std::string(key), .value = std::move(**text), .position = position, .provider = {}});
    return {};
}

Result<std::vector<ClientConfigEntry>> cluster_link_entries(const boost::json::array& configs,
                                                            const std::string& path) {
    std::vector<ClientConfigEntry> entries;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const std::string position = fmt::format("{}: configs[{}]: ", path, i);
        const boost::json::object* element = configs[i].if_object();
        const boost::json::value* name = element ? element->if_contains("name") : nullptr;
        const boost::json::value* value = element ? element->if_contains("value") : nullptr;
        if (!name || !name->is_string() || !value) {
            return Error(position + "expected {\"name\": string, \"value\": ...}");
        }
        if (auto added = add_json_entry(entries, name->get_string(), *value, position); !added) {
            return std::move(added).error();
        }
    }
    return entries;
}

Result<ClientConfigFile> parse_json_config(std::string_view text, const std::string& path) {
    auto parsed = parse_json(text);
    if (!parsed) return std::move(parsed).error().context(path);
    const boost::json::object* root = parsed->if_object();
    if (!root) return Error(path + ": the JSON is not an object");
    ClientConfigFile file{.path = path, .format = ClientConfigFormat::json_object, .entries = {}};
    const boost::json::value* configs = root->if_contains("configs");
    if (configs && configs->is_array()) {
        file.format = ClientConfigFormat::cluster_link_json;
        auto entries = cluster_link_entries(configs->get_array(), path);
        if (!entries) return std::move(entries).error();
        file.entries = std::move(*entries);
    } else {
        for (const auto& member : *root) {
            auto added = add_json_entry(file.entries, member.key(), member.value(), path + ": ");
            if (!added) return std::move(added).error();
        }
    }
    if (auto resolved = resolve_providers(file.entries); !resolved) {
        return std::move(resolved).error();
    }
    return file;
}

}  // namespace

std::string_view format_name(ClientConfigFormat format) {
    switch (format) {
        case ClientConfigFormat::java_properties:
            return "Java properties";
        case ClientConfigFormat::librdkafka:
            return "librdkafka";
        case ClientConfigFormat::cluster_link_json:
            return "cluster link JSON";
        case ClientConfigFormat::json_object:
            return "JSON";
    }
    return "unknown";
}

Result<ClientConfigFile> read_client_config(const std::string& path) {
    auto text = read_bounded(path);
    if (!text) return std::move(text).error().context(path);
    return parse_client_config(*text, path);
}

Result<ClientConfigFile> parse_client_config(std::string_view text, const std::string& path) {
    const std::size_t first = text.find_first_not_of(" \t\r\n\f\v");
    if (first != std::string_view::npos && text[first] == '{') {
        return parse_json_config(text, path);
    }
    return parse_properties(text, path);
}

}  // namespace vpcprobe
