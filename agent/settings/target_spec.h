// SPDX-License-Identifier: Apache-2.0
// Target specs as users write them: "HOST:PORT" or "HOST:PORT=COMPONENT", IPv6 as
// "[addr]:port", optionally after a scheme: PLAINTEXT:// or SASL_PLAINTEXT:// (or http://)
// for a listener without TLS, SSL:// / SASL_SSL:// / https:// (the default) for one with it
// (positional arguments of check/endpoints, --bootstrap, the config's `targets` and
// `[[target]]` tables). Parsing validates everything a probe would otherwise trip on later.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/target.h"

namespace vpcprobe {

// The component a target gets when the spec names none, from well-known ports:
// 9092-9095 kafka, 8090 mds, 8081 schema-registry, 8082 rest-proxy, 8083 connect,
// 8088 ksqldb, 9021 control-center; any other port "endpoint". A guess that is right for the
// ports of the catalog and of a stock Confluent Platform, and honest ("endpoint") otherwise.
std::string component_for_port(std::uint16_t port);

// The component names a target may have, in the contract's table order: the catalog's seven
// (kafka, mds, schema-registry, rest-proxy, connect, ksqldb, control-center), each with its
// protocol check, then "endpoint", the explicit choice of TCP and TLS only, no protocol check.
const std::vector<std::string>& known_components();

// Nothing when `component` is a known one; else an Error naming it, the nearest known name
// when it is a near miss (the catalog's hostname spellings count as near misses of their
// component: "schemaregistry", "kafkarestproxy", "controlcenter"), and the known names:
// "unknown component 'schemaregistry'; did you mean 'schema-registry'? (known: kafka, ...)".
Result<void> check_known_component(std::string_view component);

// Host names: letters, digits, '-', '_' and '.', at most 253 characters, labels of 1..63
// characters that neither start nor end with '-'; one trailing dot (a rooted name) is
// allowed. A name made only of digits and dots must be a valid IPv4 address ("999.1.1.1" is
// a typo, not a name). The Error says why not.
Result<void> check_hostname(std::string_view host);

struct TargetSpecRules {
    // Component when the spec has no "=COMPONENT"; empty = component_for_port.
    std::string default_component;
    // False for --bootstrap, which is always a kafka target.
    bool allow_component = true;
};

// Parses one spec into a Target (host lower-cased, IPv6 canonical and without brackets, access and
// origin left empty for the caller). The Error is one line quoting the spec, e.g.
// "'broker:0': port '0' is not in 1..65535".
Result<Target> parse_target_spec(std::string_view spec, const TargetSpecRules& rules);

// The spec text of a target, the inverse of parse_target_spec: "host:port=component",
// "[v6]:port=component", "plaintext://host:port=component".
std::string target_spec_text(const Target& target);

}  // namespace vpcprobe
