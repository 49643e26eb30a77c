// SPDX-License-Identifier: Apache-2.0
#include "agent/web_config.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/bounded_file.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

// ---- the YAML subset: nested maps of scalars ---------------------------------------------------

// One `key: value` or `key:` line, and what is nested under it.
struct Node {
    std::string key;
    std::size_t line = 0;
    std::optional<std::string> scalar;  // unset: a map (maybe empty: `key:` and nothing under)
    std::vector<Node> children;
};

struct Line {
    std::size_t number = 0;
    std::size_t indent = 0;
    std::string_view text;  // after the indentation
};

class Reader {
  public:
    Reader(std::string_view text, std::string_view source) : source_(source) { split(text); }

    Result<std::vector<Node>> document() {
        if (!error_.empty()) return Error(error_);
        std::size_t at = 0;
        if (lines_.empty()) return std::vector<Node>{};
        if (lines_.front().indent != 0) return fail(lines_.front(), "", "unexpected indentation");
        auto nodes = map(at, 0, "");
        if (!nodes) return nodes;
        if (at != lines_.size()) return fail(lines_[at], "", "unexpected indentation");
        return nodes;
    }

  private:
    Error fail(const Line& line, std::string_view key, std::string_view what) const {
        return Error(std::string(what))
            .context(key)
            .context(fmt::format("{}:{}", source_, line.number));
    }

    void split(std::string_view text) {
        std::size_t number = 0;
        while (!text.empty() && error_.empty()) {
            const auto end = text.find('\n');
            std::string_view raw = text.substr(0, end);
            text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
            ++number;
            if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
            const auto content = raw.find_first_not_of(' ');
            if (content == std::string_view::npos || raw[content] == '#') continue;
            if (raw[content] == '\t') {
                error_ = fmt::format("{}:{}: a tab in the indentation (YAML indents with spaces)",
                                     source_, number);
                return;
            }
            const std::string_view body = raw.substr(content);
            if (content == 0 && (body == "---" || body.starts_with("--- "))) {
                if (!lines_.empty() || seen_document_) {
                    error_ = fmt::format("{}:{}: a second YAML document (one is expected)", source_,
                                         number);
                }
                seen_document_ = true;
                continue;
            }
            lines_.push_back(Line{number, content, body});
        }
    }

    // The entries at `indent` from lines_[at] on, and their children.
    Result<std::vector<Node>> map(std::size_t& at, std::size_t indent, const std::string& path) {
        std::vector<Node> nodes;
        while (at < lines_.size() && lines_[at].indent >= indent) {
            const Line& line = lines_[at];
            if (line.indent > indent) return fail(line, path, "unexpected indentation");
            auto node = entry(line, path);
            if (!node) return std::move(node).error();
            ++at;
            const std::string child_path = path.empty() ? node->key : path + "." + node->key;
            if (std::any_of(nodes.begin(), nodes.end(),
                            [&](const Node& n) { return n.key == node->key; })) {
                return fail(line, child_path, "given twice");
            }
            if (!node->scalar && at < lines_.size() && lines_[at].indent > indent) {
                auto children = map(at, lines_[at].indent, child_path);
                if (!children) return children;
                node->children = std::move(*children);
            }
            nodes.push_back(std::move(*node));
        }
        return nodes;
    }

    Result<Node> entry(const Line& line, const std::string& path) const {
        std::string_view rest = line.text;
        if (rest.starts_with("- ") || rest == "-") {
            return fail(line, path, "a list; this file has none (maps of single values only)");
        }
        auto key = scalar_until_colon(rest);
        if (!key) return fail(line, path, key.error().message());
        const std::string key_path = path.empty() ? *key : path + "." + *key;
        if (key->empty()) return fail(line, path, "an empty key");
        rest = rest.substr(rest.find_first_not_of(' ') == std::string_view::npos
                               ? rest.size()
                               : rest.find_first_not_of(' '));
        Node node{*key, line.number, std::nullopt, {}};
        if (rest.empty() || rest.front() == '#') return node;
        auto value = value_scalar(rest);
        if (!value) return fail(line, key_path, value.error().message());
        node.scalar = std::move(*value);
        return node;
    }

    // The key before ": " (or a ':' ending the line), plain or quoted; `rest` is left after the
    // colon.
    static Result<std::string> scalar_until_colon(std::string_view& rest) {
        std::string key;
        if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
            auto quoted = quoted_scalar(rest);
            if (!quoted) return quoted;
            key = std::move(*quoted);
        } else {
            std::size_t colon = 0;
            while ((colon = rest.find(':', colon)) != std::string_view::npos &&
                   colon + 1 < rest.size() && rest[colon + 1] != ' ') {
                ++colon;
            }
            if (colon == std::string_view::npos) {
                return Error("not a \"key: value\" line");
            }
            key = std::string(rest.substr(0, colon));
            while (!key.empty() && key.back() == ' ') key.pop_back();
            rest.remove_prefix(colon);
        }
        if (rest.empty() || rest.front() != ':') return Error("not a \"key: value\" line");
        rest.remove_prefix(1);
        return key;
    }

    // A value: quoted, or plain up to a comment; the YAML forms this reader does not take
    // (flow collections, block scalars, anchors, aliases, tags) are refused by name.
    static Result<std::string> value_scalar(std::string_view rest) {
        if (rest.front() == '"' || rest.front() == '\'') {
            auto quoted = quoted_scalar(rest);
            if (!quoted) return quoted;
            const auto after = rest.find_first_not_of(' ');
            if (after != std::string_view::npos && rest[after] != '#') {
                return Error("text after the closing quote");
            }
            return quoted;
        }
        static constexpr std::string_view kUnsupported = "[{|>&*!%@`";
        if (kUnsupported.find(rest.front()) != std::string_view::npos) {
            return Error(
                fmt::format("a YAML form this file does not use (starts with {}); "
                            "write a single value, quoted if need be",
                            quote(rest.substr(0, 1))));
        }
        const auto comment = rest.find(" #");
        std::string_view plain = rest.substr(0, comment);
        while (!plain.empty() && plain.back() == ' ') plain.remove_suffix(1);
        if (plain.find(": ") != std::string_view::npos || plain.ends_with(":")) {
            return Error("a value holding \": \" must be quoted");
        }
        return std::string(plain);
    }

    // A quoted scalar at the start of `rest`; `rest` is left after its closing quote.
    static Result<std::string> quoted_scalar(std::string_view& rest) {
        const char quote_char = rest.front();
        std::string out;
        std::size_t i = 1;
        for (; i < rest.size(); ++i) {
            const char c = rest[i];
            if (quote_char == '\'' && c == '\'') {
                if (i + 1 < rest.size() && rest[i + 1] == '\'') {
                    out += '\'';
                    ++i;
                    continue;
                }
                break;
            }
            if (quote_char == '"' && c == '"') break;
            if (quote_char == '"' && c == '\\') {
                if (++i == rest.size()) break;
                static constexpr std::array<std::pair<char, char>, 5> kEscapes = {
                    {{'\\', '\\'}, {'"', '"'}, {'n', '\n'}, {'t', '\t'}, {'/', '/'}}};
                const auto* escape =
                    std::find_if(kEscapes.begin(), kEscapes.end(),
                                 [&](const auto& e) { return e.first == rest[i]; });
                if (escape == kEscapes.end()) {
                    return Error(
                        fmt::format("the escape \\{} is not supported", std::string(1, rest[i])));
                }
                out += escape->second;
                continue;
            }
            out += c;
        }
        if (i >= rest.size()) return Error("a quoted value without its closing quote");
        rest.remove_prefix(i + 1);
        return out;
    }

    std::string_view source_;
    std::vector<Line> lines_;
    std::string error_;
    bool seen_document_ = false;
};

// ---- the web configuration -----------------------------------------------------------------

class Interpreter {
  public:
    Interpreter(std::string_view source, std::string directory)
        : source_(source), directory_(std::move(directory)) {}

    Result<WebConfig> read(const std::vector<Node>& document) {
        WebConfig config;
        for (const Node& node : document) {
            Result<void> done;
            if (node.key == "tls_server_config") {
                done = tls(node, config);
            } else if (node.key == "basic_auth_users") {
                done = users(node, config);
            } else if (node.key == "http_server_config") {
                done = http(node, config);
            } else {
                done = fail(node, node.key,
                            "unknown key; the web configuration has tls_server_config, "
                            "basic_auth_users and http_server_config");
            }
            if (!done) return std::move(done).error();
        }
        return config;
    }

  private:
    Error fail(const Node& node, std::string_view key, std::string_view what) const {
        return Error(std::string(what))
            .context(key)
            .context(fmt::format("{}:{}", source_, node.line));
    }

    Result<void> need_map(const Node& node, std::string_view key) const {
        if (node.scalar && !node.scalar->empty()) return fail(node, key, "a map is expected");
        return {};
    }

    Result<std::string> need_scalar(const Node& node, std::string_view key) const {
        if (!node.scalar) return fail(node, key, "a single value is expected, not a map");
        return *node.scalar;
    }

    std::string resolve(const std::string& path) const {
        if (path.empty() || path.front() == '/' || directory_.empty()) return path;
        return directory_ + "/" + path;
    }

    Result<void> tls(const Node& section, WebConfig& config);
    Result<void> tls_entry(const Node& node, const std::string& key, TlsServerSettings& tls,
                           std::optional<ClientAuth>& client_auth);
    Result<void> users(const Node& section, WebConfig& config) const;
    Result<void> http(const Node& section, WebConfig& config) const;

    std::string_view source_;
    std::string directory_;
};

struct NamedValue {
    std::string_view name;
    int value;
};

constexpr std::array<NamedValue, 5> kClientAuthTypes = {{
    {"NoClientCert", static_cast<int>(ClientAuth::no_client_cert)},
    {"RequestClientCert", static_cast<int>(ClientAuth::request_client_cert)},
    {"RequireAnyClientCert", static_cast<int>(ClientAuth::require_any_client_cert)},
    {"VerifyClientCertIfGiven", static_cast<int>(ClientAuth::verify_client_cert_if_given)},
    {"RequireAndVerifyClientCert", static_cast<int>(ClientAuth::require_and_verify_client_cert)},
}};

constexpr std::array<NamedValue, 4> kTlsVersions = {{
    {"TLS10", static_cast<int>(TlsVersion::tls10)},
    {"TLS11", static_cast<int>(TlsVersion::tls11)},
    {"TLS12", static_cast<int>(TlsVersion::tls12)},
    {"TLS13", static_cast<int>(TlsVersion::tls13)},
}};

template <std::size_t N>
Result<int> named(const std::array<NamedValue, N>& names, const std::string& value) {
    std::vector<std::string> known;
    for (const NamedValue& entry : names) {
        if (entry.name == value) return entry.value;
        known.emplace_back(entry.name);
    }
    return Error(fmt::format("{} is not one of {}", quote(value), join(known, ", ")));
}

// Keys of the exporter toolkit's tls_server_config that vpcprobe does not implement: refused by
// name, so a file that relies on one is not silently served otherwise.
constexpr std::array<std::string_view, 7> kTlsUnsupported = {"cert",
                                                             "key",
                                                             "client_ca",
                                                             "cipher_suites",
                                                             "curve_preferences",
                                                             "prefer_server_cipher_suites",
                                                             "client_allowed_sans"};

Result<void> Interpreter::tls_entry(const Node& node, const std::string& key,
                                    TlsServerSettings& tls,
                                    std::optional<ClientAuth>& client_auth) {
    if (std::find(kTlsUnsupported.begin(), kTlsUnsupported.end(), node.key) !=
        kTlsUnsupported.end()) {
        return fail(node, key, "not supported by vpcprobe (docs/serve.md, \"Web configuration\")");
    }
    auto value = need_scalar(node, key);
    if (!value) return std::move(value).error();
    if (node.key == "cert_file") {
        tls.cert_file = resolve(*value);
    } else if (node.key == "key_file") {
        tls.key_file = resolve(*value);
    } else if (node.key == "client_ca_file") {
        tls.client_ca_file = resolve(*value);
    } else if (node.key == "client_auth_type") {
        auto type = named(kClientAuthTypes, *value);
        if (!type) return fail(node, key, type.error().message());
        client_auth = static_cast<ClientAuth>(*type);
    } else if (node.key == "min_version" || node.key == "max_version") {
        auto version = named(kTlsVersions, *value);
        if (!version) return fail(node, key, version.error().message());
        if (node.key == "min_version") tls.min_version = static_cast<TlsVersion>(*version);
        if (node.key == "max_version") tls.max_version = static_cast<TlsVersion>(*version);
    } else {
        return fail(node, key,
                    "unknown key; tls_server_config has cert_file, key_file, client_ca_file, "
                    "client_auth_type, min_version and max_version");
    }
    return {};
}

Result<void> Interpreter::tls(const Node& section, WebConfig& config) {
    if (auto map = need_map(section, section.key); !map) return map;
    TlsServerSettings tls;
    std::optional<ClientAuth> client_auth;
    for (const Node& node : section.children) {
        if (auto done = tls_entry(node, "tls_server_config." + node.key, tls, client_auth); !done) {
            return done;
        }
    }
    if (tls.cert_file.empty()) return fail(section, section.key, "cert_file is required");
    if (tls.key_file.empty()) return fail(section, section.key, "key_file is required");
    // The exporter toolkit's defaults and refusals: client CAs alone mean "require and verify";
    // a verifying policy needs CAs; CAs with a policy that never looks at a certificate are a
    // mistake.
    const bool has_cas = !tls.client_ca_file.empty();
    tls.client_auth = client_auth.value_or(has_cas ? ClientAuth::require_and_verify_client_cert
                                                   : ClientAuth::no_client_cert);
    const bool verifies = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                          tls.client_auth == ClientAuth::require_and_verify_client_cert;
    if (verifies && !has_cas) {
        return fail(section, "tls_server_config.client_auth_type",
                    "verifying client certificates needs client_ca_file");
    }
    if (has_cas && tls.client_auth == ClientAuth::no_client_cert) {
        return fail(section, "tls_server_config.client_ca_file",
                    "client CAs are given but client_auth_type is NoClientCert");
    }
    if (tls.max_version && *tls.max_version < tls.min_version) {
        return fail(section, "tls_server_config.max_version", "older than min_version");
    }
    config.tls = std::move(tls);
    return {};
}

// A bcrypt hash as htpasswd -B, mkpasswd -m bcrypt and Python's crypt write it:
// $2a$, $2b$ or $2y$, a two-digit cost, '$', then 53 characters of bcrypt's base64.
bool is_bcrypt_hash(std::string_view hash) {
    if (hash.size() != 60 ||
        !(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
        return false;
    }
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!digit(hash[4]) || !digit(hash[5]) || hash[6] != '$') return false;
    return std::all_of(hash.begin() + 7, hash.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '/';
    });
}

Result<void> Interpreter::users(const Node& section, WebConfig& config) const {
    if (auto map = need_map(section, section.key); !map) return map;
    for (const Node& node : section.children) {
        const std::string key = "basic_auth_users." + node.key;
        auto hash = need_scalar(node, key);
        if (!hash) return std::move(hash).error();
        if (node.key.find(':') != std::string::npos) {
            return fail(node, key,
                        "a user name cannot hold ':' (basic authentication splits there)");
        }
        if (!is_bcrypt_hash(*hash)) {
            return fail(node, key,
                        "not a bcrypt hash ($2y$, $2b$ or $2a$ and 56 more characters; "
                        "htpasswd -nBC 10 USER makes one)");
        }
        config.users.push_back(BasicAuthUser{node.key, Secret(std::move(*hash))});
    }
    return {};
}

// The response headers the exporter toolkit lets a web config set.
constexpr std::array<std::string_view, 5> kSettableHeaders = {
    "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
    "Content-Security-Policy"};

Result<void> Interpreter::http(const Node& section, WebConfig& config) const {
    if (auto map = need_map(section, section.key); !map) return map;
    for (const Node& node : section.children) {
        const std::string key = "http_server_config." + node.key;
        if (node.key == "http2") {
            // Go's server may offer HTTP/2; serve speaks HTTP/1.1 whatever this says.
            auto value = need_scalar(node, key);
            if (!value) return std::move(value).error();
            if (*value != "true" && *value != "false") return fail(node, key, "true or false");
        } else if (node.key == "headers") {
            if (auto map = need_map(node, key); !map) return map;
            for (const Node& header : node.children) {
                const std::string header_key = key + "." + header.key;
                auto value = need_scalar(header, header_key);
                if (!value) return std::move(value).error();
                const auto* known = std::find_if(
                    kSettableHeaders.begin(), kSettableHeaders.end(),
                    [&](std::string_view name) { return lower(name) == lower(header.key); });
                if (known == kSettableHeaders.end()) {
                    return fail(header, header_key,
                                "not a header the web configuration sets; one of " +
                                    join(std::vector<std::string>(kSettableHeaders.begin(),
                                                                  kSettableHeaders.end()),
                                         ", "));
                }
                if (value->find_first_of("\r\n") != std::string::npos) {
                    return fail(header, header_key, "a header value is one line");
                }
                config.headers.emplace_back(std::string(*known), std::move(*value));
            }
        } else {
            return fail(node, key, "unknown key; http_server_config has headers and http2");
        }
    }
    return {};
}

}  // namespace

Result<WebConfig> parse_web_config(std::string_view text, std::string_view source,
                                   const std::string& directory) {
    Reader reader(text, source);
    auto document = reader.document();
    if (!document) return std::move(document).error();
    return Interpreter(source, directory).read(*document);
}

Result<WebConfig> read_web_config(const std::string& path) {
    auto text = read_bounded_file(path, 1024 * 1024, "web configuration");
    if (!text) return std::move(text).error().context(path);
    const auto slash = path.rfind('/');
    const std::string directory = slash == std::string::npos ? "" : path.substr(0, slash);
    return parse_web_config(*text, path, directory.empty() && slash == 0 ? "/" : directory);
}

}  // namespace vpcprobe
