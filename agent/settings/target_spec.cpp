// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/target_spec.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "agent/settings/catalog.h"
#include "agent/settings/setting_value.h"
#include "agent/settings/validate.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

constexpr std::size_t max_hostname = 253;
constexpr std::size_t max_label = 63;

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

// A character for a message: printable ones as they are, others as \xNN.
std::string show_char(char c) {
    if (std::isprint(static_cast<unsigned char>(c)) != 0) return std::string("'") + c + "'";
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x",
                  static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buffer;
}

Result<void> check_component(std::string_view component) {
    if (component.empty()) return Error("empty component after '='");
    if (component.size() > max_label) return Error("component longer than 63 characters");
    // Quoted back only when it prints as typed; any other mistake is a name we do not know.
    for (char c : component) {
        if (std::isprint(static_cast<unsigned char>(c)) == 0) {
            return Error("component has " + show_char(c));
        }
    }
    return check_known_component(component);
}

constexpr std::string_view kNoProtocolCheck = "endpoint";

// The component a near miss of `word` stands for: a known name, or a catalog component whose
// hostname spelling ("schemaregistry") it is close to.
std::optional<std::string> nearest_component(std::string_view word) {
    std::vector<std::string> spellings = known_components();
    std::vector<std::string> meant = known_components();
    for (const CatalogComponent& entry : catalog_components()) {
        spellings.emplace_back(entry.service);
        meant.emplace_back(entry.component);
    }
    const auto nearest = nearest_name(lower(word), spellings);
    if (!nearest) return std::nullopt;
    // The first spelling that is the nearest: a component's own name comes before any service.
    const auto at = std::find(spellings.begin(), spellings.end(), *nearest);
    return meant[static_cast<std::size_t>(at - spellings.begin())];
}

}  // namespace

const std::vector<std::string>& known_components() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const CatalogComponent& entry : catalog_components()) {
            out.emplace_back(entry.component);
        }
        out.emplace_back(kNoProtocolCheck);
        return out;
    }();
    return names;
}

Result<void> check_known_component(std::string_view component) {
    const auto& known = known_components();
    if (std::find(known.begin(), known.end(), component) != known.end()) return {};
    std::string message = "unknown component " + quote(component);
    if (const auto nearest = nearest_component(component)) {
        message += "; did you mean " + quote(*nearest) + "?";
    }
    return Error(message + " (known: " + join(known, ", ") + "; " + std::string(kNoProtocolCheck) +
                 " checks TCP and TLS only)");
}

std::string component_for_port(std::uint16_t port) {
    switch (port) {
        case 9092:
        case 9093:
        case 9094:
        case 9095:
            return "kafka";
        case 8090:
            return "mds";
        case 8081:
            return "schema-registry";
        case 8082:
            return "rest-proxy";
        case 8083:
            return "connect";
        case 8088:
            return "ksqldb";
        case 9021:
            return "control-center";
        default:
            return "endpoint";
    }
}

Result<void> check_hostname(std::string_view host) {
    if (host.empty()) return Error("empty host name");
    for (char c : host) {
        if (!host_char(c)) return Error("host name " + quote(host) + " has " + show_char(c));
    }
    std::string_view name = host;
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);  // rooted name
    if (name.size() > max_hostname) {
        return Error("host name is longer than " + std::to_string(max_hostname) + " characters");
    }
    bool numeric = true;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        const std::string_view label = name.substr(start, dot - start);
        if (label.empty()) return Error("host name " + quote(host) + " has an empty label");
        if (label.size() > max_label) {
            return Error("host name " + quote(host) + " has a label longer than 63 characters");
        }
        if (label.front() == '-' || label.back() == '-') {
            return Error("host name " + quote(host) + " has a label starting or ending with '-'");
        }
        for (char c : label) {
            if (c < '0' || c > '9') numeric = false;
        }
        start = dot + 1;
    }
    if (numeric && !is_ipv4_literal(host))
        return Error(quote(host) + " is not a valid IPv4 address");
    return {};
}

namespace {

// "SASL_SSL://user:password@host:9092": '@' is in no host name, so everything from the scheme
// to the last '@' (passwords may hold '@') is credentials. Refused, and never quoted back: the
// error line goes to a terminal, a log, a CI transcript.
Result<void> check_no_credentials(std::string_view spec) {
    const std::size_t scheme_sep = spec.find("://");
    const std::size_t userinfo_start = scheme_sep == std::string_view::npos ? 0 : scheme_sep + 3;
    const std::size_t at = spec.rfind('@');
    if (at == std::string_view::npos || at < userinfo_start) return {};
    return Error(
        quote(std::string(spec.substr(0, userinfo_start)) + "***" + std::string(spec.substr(at))) +
        ": credentials do not belong in a target (they would show in ps, shell history "
        "and reports); give them with [sasl] in the config, VPCPROBE_SASL_USERNAME and "
        "VPCPROBE_SASL_PASSWORD, or --sasl-password-file");
}

// A listener scheme as Kafka writes them (PLAINTEXT://, SSL://, SASL_SSL://, SASL_PLAINTEXT://)
// or http:// / https:// chooses TLS or not; none means TLS, as every endpoint of the catalog
// and of Confluent Cloud speaks it. Removes the scheme from `spec`; returns whether TLS is on.
Result<bool> take_scheme(std::string_view& spec) {
    const std::size_t scheme_end = spec.find("://");
    if (scheme_end == std::string_view::npos) return true;
    const std::string scheme = lower(spec.substr(0, scheme_end));
    bool tls = true;
    if (scheme == "plaintext" || scheme == "sasl_plaintext" || scheme == "http") {
        tls = false;
    } else if (scheme != "ssl" && scheme != "sasl_ssl" && scheme != "https") {
        return Error("unknown scheme " + quote(spec.substr(0, scheme_end + 3)) +
                     " (use PLAINTEXT://, SSL://, SASL_PLAINTEXT://, SASL_SSL://, http:// or "
                     "https://, or none for TLS)");
    }
    spec.remove_prefix(scheme_end + 3);
    return tls;
}

// "=COMPONENT" at the end of `spec`, removed from it; "" when there is none.
Result<std::string> take_component(std::string_view& spec, const TargetSpecRules& rules) {
    const std::size_t equals = spec.find('=');
    if (equals == std::string_view::npos) return std::string();
    if (!rules.allow_component) {
        return Error(
            "give HOST:PORT without =COMPONENT (this is always a " +
            (rules.default_component.empty() ? std::string("plain") : rules.default_component) +
            " target)");
    }
    std::string component(spec.substr(equals + 1));
    if (auto valid = check_component(component); !valid) return std::move(valid).error();
    spec = spec.substr(0, equals);
    return component;
}

// "HOST:PORT" or "[V6]:PORT" into the target's host (lower case, or canonical IPv6) and port.
Result<void> read_host_and_port(std::string_view endpoint, Target& target) {
    std::string_view port_text;
    if (!endpoint.empty() && endpoint.front() == '[') {
        const std::size_t close = endpoint.find(']');
        if (close == std::string_view::npos) return Error("missing ']' after the IPv6 address");
        const std::string_view address = endpoint.substr(1, close - 1);
        if (!is_ipv6_literal(address, true)) {
            return Error(quote(address) + " is not an IPv6 address");
        }
        if (close + 1 >= endpoint.size() || endpoint[close + 1] != ':') {
            return Error("missing :PORT after ']' (use [ADDR]:PORT)");
        }
        target.host = canonical_ipv6(address);
        port_text = endpoint.substr(close + 2);
    } else {
        const std::size_t colon = endpoint.rfind(':');
        if (colon == std::string_view::npos) {
            return Error("missing :PORT (use HOST:PORT or HOST:PORT=COMPONENT)");
        }
        const std::string_view host = endpoint.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            return Error("put an IPv6 address in brackets: [ADDR]:PORT");
        }
        if (auto valid = check_hostname(host); !valid) return valid;
        target.host = lower(host);
        port_text = endpoint.substr(colon + 1);
    }
    const auto port = parse_port(port_text);
    if (!port) {
        return Error(port_text.empty() ? std::string("missing port number")
                                       : "port " + quote(port_text) + " is not in 1..65535");
    }
    target.port = *port;
    return {};
}

}  // namespace

Result<Target> parse_target_spec(std::string_view spec, const TargetSpecRules& rules) {
    if (auto no_credentials = check_no_credentials(spec); !no_credentials)
        return no_credentials.error();
    if (spec.empty()) return Error("empty target (use HOST:PORT or HOST:PORT=COMPONENT)");
    std::string_view rest = spec;
    auto tls = take_scheme(rest);
    if (!tls) return std::move(tls).error().context(quote(spec));
    auto component = take_component(rest, rules);
    if (!component) return std::move(component).error().context(quote(spec));
    Target target;
    if (auto read = read_host_and_port(rest, target); !read) {
        return std::move(read).error().context(quote(spec));
    }
    target.component = !component->empty()               ? *component
                       : rules.default_component.empty() ? component_for_port(target.port)
                                                         : rules.default_component;
    target.tls = *tls;
    return target;
}

std::string target_spec_text(const Target& target) {
    return (target.tls ? "" : "plaintext://") + target.endpoint() + "=" + target.component;
}

}  // namespace vpcprobe
