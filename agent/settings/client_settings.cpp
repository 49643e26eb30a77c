// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/client_settings.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "agent/settings/client_config/client_config_file.h"
#include "agent/settings/client_config/jaas.h"
#include "core/sasl.h"
#include "core/text.h"

namespace vpcprobe::client_settings {
namespace {

constexpr std::array<std::string_view, 4> kProtocols = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                                                        "SASL_SSL"};
// Mechanisms Kafka clients use that vpcprobe does not speak: the check still covers everything
// up to the broker's SASL handshake, and says so.
constexpr std::array<std::string_view, 3> kUnspokenMechanisms = {"GSSAPI", "OAUTHBEARER",
                                                                 "AWS_MSK_IAM"};

// Keys of a client configuration that say something about the connection, so one vpcprobe does
// not act on is named in the report rather than passed over in silence.
bool about_the_connection(std::string_view key) {
    return key.starts_with("ssl.") || key.starts_with("sasl.") || key.starts_with("security.") ||
           key.starts_with("client.dns");
}

void add_once(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

// One entry of the file as a Value, worded in errors as "FILE:LINE: KEY: ...".
Value entry_value(const ClientConfigEntry& entry) {
    Value value;
    value.type = Value::Type::text;
    value.text = entry.value;
    value.origin.source = Source::client_config;
    value.origin.prefix = entry.position + entry.key + ": ";
    value.origin.position = entry.position;
    value.origin.key_position = entry.position;
    return value;
}

// "PlainLoginModule" of "org.apache.kafka.common.security.plain.PlainLoginModule".
std::string base_name_of_class(const std::string& name) {
    const std::size_t dot = name.find_last_of('.');
    return dot == std::string::npos ? name : name.substr(dot + 1);
}

SaslOptions& sasl_of(Settings& into) {
    if (!into.options.sasl) into.options.sasl.emplace();
    return *into.options.sasl;
}

// What SASL a client with these settings does, said for people where it is not what vpcprobe
// can do too.
void settle_sasl(CheckOptions& options, std::vector<std::string>& notes) {
    const std::string& protocol = *options.security_protocol;
    if (!protocol.starts_with("SASL_")) {
        if (options.sasl) {
            notes.push_back(fmt::format(
                "security.protocol is {}: the client does not authenticate, so the SASL settings "
                "are not used",
                protocol));
            options.sasl.reset();
        }
        return;
    }
    SaslOptions& sasl = options.sasl ? *options.sasl : options.sasl.emplace();
    if (sasl.mechanism.empty()) {
        sasl.mechanism = "GSSAPI";
        std::string note = "sasl.mechanism is not set: the client's default is GSSAPI (Kerberos)";
        if (!sasl.login_module.empty()) {
            note += fmt::format(", so the {} of sasl.jaas.config is not what it logs in with",
                                base_name_of_class(sasl.login_module));
        }
        notes.push_back(note);
    }
    if (!sasl_mechanism_supported(sasl.mechanism)) {
        const std::string module =
            sasl.login_module.empty()
                ? std::string()
                : fmt::format(" (sasl.jaas.config: {})", base_name_of_class(sasl.login_module));
        notes.push_back(fmt::format(
            "SASL mechanism {}{} is not one vpcprobe speaks: it checks DNS, TCP, TLS, the "
            "certificate and that the broker offers {} (Kafka's SASL handshake), not the "
            "login itself or Metadata",
            sasl.mechanism, module, sasl.mechanism));
    }
}

}  // namespace

// ---- Rows ----------------------------------------------------------------------------------

Result<void> apply_client_config(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    std::string path = resolve_path(value, *text);
    if (auto readable = check_readable_file(path); !readable) {
        return problem_with(value, readable.error().message());
    }
    into.options.client_config_file = std::move(path);
    return {};
}

Result<void> apply_security_protocol(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    std::string protocol = upper(*text);
    if (std::find(kProtocols.begin(), kProtocols.end(), protocol) == kProtocols.end()) {
        return problem_with(
            value, quote(*text) + " is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
    }
    into.options.security_protocol = std::move(protocol);
    return {};
}

Result<void> apply_sasl_jaas_config(const Value& value, Settings& into, const ApplyContext&) {
    auto jaas = parse_jaas(value.text);
    // The JAAS text holds the password: the parser's message gives a position, never the text.
    if (!jaas) return problem_with(value, jaas.error().message());
    SaslOptions& sasl = sasl_of(into);
    sasl.login_module = jaas->login_module;
    const JaasModuleKind kind = jaas_module_kind(jaas->login_module);
    if (kind != JaasModuleKind::plain && kind != JaasModuleKind::scram) return {};
    const JaasOption* username = nullptr;
    const JaasOption* password = nullptr;
    for (const JaasOption& option : jaas->options) {
        if (option.name == "username") username = &option;
        if (option.name == "password") password = &option;
    }
    if (username == nullptr || password == nullptr) {
        return problem_with(value, fmt::format("{} needs both username=\"...\" and "
                                               "password=\"...\"",
                                               base_name_of_class(jaas->login_module)));
    }
    sasl.username = username->value;
    sasl.username_env.reset();
    sasl.username_file.reset();
    sasl.password = Secret(password->value);
    sasl.password_env.reset();
    sasl.password_file.reset();
    return {};
}

Result<void> apply_dns_lookup(const Value& value, Settings& into, const ApplyContext&) {
    auto text = read_text(value);
    if (!text) return std::move(text).error();
    const std::string lookup = lower(*text);
    // "default" was the name of use_all_dns_ips's behaviour before Kafka 3.0.
    if (lookup == "use_all_dns_ips" || lookup == "default") {
        into.options.probe.dns_lookup = DnsLookup::use_all_dns_ips;
    } else if (lookup == "resolve_canonical_bootstrap_servers_only") {
        into.options.probe.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    } else {
        return problem_with(value, quote(*text) +
                                       " is not one of use_all_dns_ips, "
                                       "resolve_canonical_bootstrap_servers_only");
    }
    return {};
}

Value split_list(const Value& value) {
    Value list;
    list.type = Value::Type::list;
    list.origin = value.origin;
    std::string_view rest = value.text;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item.empty()) continue;
        Value one = value;
        one.text = std::string(item);
        list.items.push_back(std::move(one));
    }
    return list;
}

Result<void> check_client_mechanism(const std::string& mechanism) {
    if (sasl_mechanism_supported(mechanism)) return {};
    if (std::find(kUnspokenMechanisms.begin(), kUnspokenMechanisms.end(), mechanism) !=
        kUnspokenMechanisms.end()) {
        return {};
    }
    return Error(quote(mechanism) +
                 " is not a SASL mechanism of Kafka clients (PLAIN, "
                 "SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI, OAUTHBEARER, "
                 "AWS_MSK_IAM)");
}

// ---- The source ----------------------------------------------------------------------------

Result<void> apply_client_config_file(const std::string& path, Settings& into,
                                      const FileChecks& checks) {
    auto file = read_client_config(path);
    if (!file) return std::move(file).error();
    ClientConfigInfo info;
    info.path = path;
    info.format = std::string(format_name(file->format));
    const ApplyContext context{checks};
    const std::vector<std::string> known = client_keys();
    for (const ClientConfigEntry& entry : file->entries) {
        const SettingDef* def = setting_for_client_key(entry.key);
        if (def == nullptr) {
            if (!about_the_connection(entry.key)) continue;  // producer and consumer tuning
            add_once(info.keys_not_used, entry.key);
            if (const std::string hint = did_you_mean(entry.key, known); !hint.empty()) {
                add_once(info.notes,
                         entry.position + entry.key + ": not a key vpcprobe uses" + hint);
            }
            continue;
        }
        if (auto applied = def->apply(entry_value(entry), into, context); !applied) {
            return applied;
        }
        add_once(info.keys_used, entry.key);
    }
    // Kafka substitutes ${provider:...} only when the file declares config.providers; without
    // it the client uses the text as written. vpcprobe resolves them either way, and says so.
    const auto declares = [](const ClientConfigEntry& entry) {
        return entry.key == "config.providers";
    };
    const auto refers = [](const ClientConfigEntry& entry) { return !entry.provider.empty(); };
    if (std::any_of(file->entries.begin(), file->entries.end(), refers) &&
        std::none_of(file->entries.begin(), file->entries.end(), declares)) {
        info.notes.push_back(
            "values use ${...} config providers but config.providers is not "
            "set: a Java client would use them as written; vpcprobe resolved "
            "them");
    }
    into.options.client_config = std::move(info);
    // Java and librdkafka both default to PLAINTEXT: a file that says nothing means no TLS.
    if (!into.options.security_protocol) into.options.security_protocol = "PLAINTEXT";
    return {};
}

Result<void> finish_client_settings(CheckOptions& options) {
    if (!options.client_config) return {};
    std::vector<std::string>& notes = options.client_config->notes;
    settle_sasl(options, notes);
    if (!options.probe.tls.verify_hostname) {
        notes.push_back(
            "the client does not verify hostnames (ssl.endpoint.identification."
            "algorithm is empty or none): a certificate that does not cover the "
            "name is a warning, not a failure");
    }
    if (!options.probe.tls.verify_certificate) {
        notes.push_back(
            "the client does not verify certificates (enable.ssl.certificate."
            "verification=false): certificate failures are warnings, and SASL "
            "credentials still go only to a verified peer");
    }
    if (options.probe.dns_lookup == DnsLookup::resolve_canonical_bootstrap_servers_only) {
        notes.push_back(
            "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client "
            "connects to the canonical names of the bootstrap addresses, so those "
            "are probed");
    }
    return {};
}

}  // namespace vpcprobe::client_settings
