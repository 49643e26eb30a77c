// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/target_spec.h"

#include <cctype>
#include <cstdio>

#include "agent/settings/validate.h"

namespace vpcprobe {
namespace {

constexpr std::size_t max_hostname = 253;
constexpr std::size_t max_label = 63;

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool component_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

// A character for a message: printable ones as they are, others as \xNN.
std::string show_char(char c) {
    if (std::isprint(static_cast<unsigned char>(c)) != 0) return std::string("'") + c + "'";
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x",
                  static_cast<unsigned>(static_cast<unsigned char>(c)));
    return buffer;
}

std::string quote(std::string_view text) {
    return "'" + std::string(text) + "'";
}

std::string lower_copy(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string component_problem(std::string_view component) {
    if (component.empty()) return "empty component after '='";
    if (component.size() > max_label) return "component longer than 63 characters";
    for (char c : component) {
        if (!component_char(c)) {
            return "component " + quote(component) + " has " + show_char(c) +
                   " (use lower-case letters, digits and '-')";
        }
    }
    return "";
}

}  // namespace

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

std::string hostname_problem(std::string_view host) {
    if (host.empty()) return "empty host name";
    for (char c : host) {
        if (!host_char(c)) return "host name " + quote(host) + " has " + show_char(c);
    }
    std::string_view name = host;
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);  // rooted name
    if (name.size() > max_hostname) {
        return "host name is longer than " + std::to_string(max_hostname) + " characters";
    }
    bool numeric = true;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        const std::string_view label = name.substr(start, dot - start);
        if (label.empty()) return "host name " + quote(host) + " has an empty label";
        if (label.size() > max_label) {
            return "host name " + quote(host) + " has a label longer than 63 characters";
        }
        if (label.front() == '-' || label.back() == '-') {
            return "host name " + quote(host) + " has a label starting or ending with '-'";
        }
        for (char c : label) {
            if (c < '0' || c > '9') numeric = false;
        }
        start = dot + 1;
    }
    if (numeric && !is_ipv4_literal(host)) return quote(host) + " is not a valid IPv4 address";
    return "";
}

std::optional<Target> parse_target_spec(std::string_view spec, const TargetSpecRules& rules,
                                        std::string& error) {
    // "SASL_SSL://user:password@host:9092": '@' is in no host name, so everything from the
    // scheme to the last '@' (passwords may hold '@') is credentials. Refused, and never quoted
    // back: the error line goes to a terminal, a log, a CI transcript.
    const std::size_t scheme_sep = spec.find("://");
    const std::size_t userinfo_start = scheme_sep == std::string_view::npos ? 0 : scheme_sep + 3;
    if (const std::size_t at = spec.rfind('@');
        at != std::string_view::npos && at >= userinfo_start) {
        error = quote(std::string(spec.substr(0, userinfo_start)) + "***" +
                      std::string(spec.substr(at))) +
                ": credentials do not belong in a target (they would show in ps, shell history "
                "and reports); give them with [sasl] in the config, VPCPROBE_SASL_USERNAME and "
                "VPCPROBE_SASL_PASSWORD, or --sasl-password-file";
        return std::nullopt;
    }
    const std::string prefix = quote(spec) + ": ";
    if (spec.empty()) {
        error = "empty target (use HOST:PORT or HOST:PORT=COMPONENT)";
        return std::nullopt;
    }

    // A listener scheme as Kafka writes them (PLAINTEXT://, SSL://, SASL_SSL://,
    // SASL_PLAINTEXT://) or http:// / https:// chooses TLS or not; none means TLS, as every
    // endpoint of the catalog and of Confluent Cloud speaks it.
    bool tls = true;
    if (const std::size_t scheme_end = spec.find("://"); scheme_end != std::string_view::npos) {
        const std::string scheme = lower_copy(spec.substr(0, scheme_end));
        if (scheme == "plaintext" || scheme == "sasl_plaintext" || scheme == "http") {
            tls = false;
        } else if (scheme != "ssl" && scheme != "sasl_ssl" && scheme != "https") {
            error = prefix + "unknown scheme " + quote(spec.substr(0, scheme_end + 3)) +
                    " (use PLAINTEXT://, SSL://, SASL_PLAINTEXT://, SASL_SSL://, http:// or "
                    "https://, or none for TLS)";
            return std::nullopt;
        }
        spec = spec.substr(scheme_end + 3);
    }

    std::string_view endpoint = spec;
    std::string component;
    if (const std::size_t equals = spec.find('='); equals != std::string_view::npos) {
        if (!rules.allow_component) {
            error =
                prefix + "give HOST:PORT without =COMPONENT (this is always a " +
                (rules.default_component.empty() ? std::string("plain") : rules.default_component) +
                " target)";
            return std::nullopt;
        }
        endpoint = spec.substr(0, equals);
        component = std::string(spec.substr(equals + 1));
        if (std::string problem = component_problem(component); !problem.empty()) {
            error = prefix + problem;
            return std::nullopt;
        }
    }

    Target target;
    std::string_view port_text;
    if (!endpoint.empty() && endpoint.front() == '[') {
        const std::size_t close = endpoint.find(']');
        if (close == std::string_view::npos) {
            error = prefix + "missing ']' after the IPv6 address";
            return std::nullopt;
        }
        const std::string_view address = endpoint.substr(1, close - 1);
        if (!is_ipv6_literal(address, true)) {
            error = prefix + quote(address) + " is not an IPv6 address";
            return std::nullopt;
        }
        if (close + 1 >= endpoint.size() || endpoint[close + 1] != ':') {
            error = prefix + "missing :PORT after ']' (use [ADDR]:PORT)";
            return std::nullopt;
        }
        target.host = canonical_ipv6(address);
        port_text = endpoint.substr(close + 2);
    } else {
        const std::size_t colon = endpoint.rfind(':');
        if (colon == std::string_view::npos) {
            error = prefix + "missing :PORT (use HOST:PORT or HOST:PORT=COMPONENT)";
            return std::nullopt;
        }
        const std::string_view host = endpoint.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            error = prefix + "put an IPv6 address in brackets: [ADDR]:PORT";
            return std::nullopt;
        }
        if (std::string problem = hostname_problem(host); !problem.empty()) {
            error = prefix + problem;
            return std::nullopt;
        }
        target.host = lower_copy(host);
        port_text = endpoint.substr(colon + 1);
    }

    const auto port = parse_port(port_text);
    if (!port) {
        error = prefix + (port_text.empty() ? std::string("missing port number")
                                            : "port " + quote(port_text) + " is not in 1..65535");
        return std::nullopt;
    }
    target.port = *port;
    if (component.empty()) {
        component = rules.default_component.empty() ? component_for_port(target.port)
                                                    : rules.default_component;
    }
    target.component = std::move(component);
    target.tls = tls;
    return target;
}

std::string target_spec_text(const Target& target) {
    return (target.tls ? "" : "plaintext://") + target.endpoint() + "=" + target.component;
}

}  // namespace vpcprobe
