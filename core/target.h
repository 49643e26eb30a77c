// SPDX-License-Identifier: Apache-2.0
// What to probe: one endpoint of the plan. Built by agent/settings/plan from the catalog,
// --bootstrap, positional HOST:PORT[=COMPONENT] and the config file; consumed by the probe
// engine.
// A small value type: copy freely, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vpcprobe {

struct Target {
    std::string component;  // "kafka", "schema-registry", ..., or "endpoint" (no protocol check)
    std::string access;     // "vpc", "pub", or "" when the target is not from the catalog
    std::string host;       // hostname or IP literal (IPv6 without brackets)
    std::uint16_t port = 0;
    // "catalog", "bootstrap", "argument", "config", "advertised" or "canonical"
    std::string origin;
    bool tls = true;  // false for PLAINTEXT:// and SASL_PLAINTEXT:// specs: no TLS stage
    // For origin "advertised": the bootstrap endpoint whose Metadata named this broker, and
    // the broker's node id.
    std::string advertised_by{};
    std::int32_t node_id = -1;
    // For origin "canonical": the bootstrap endpoint one of whose addresses has this name as
    // its canonical name (client.dns.lookup=resolve_canonical_bootstrap_servers_only).
    std::string canonical_of{};

    std::string endpoint() const;  // "host:port", "[v6]:port"
    friend bool operator==(const Target&, const Target&) = default;
};

// The partInstanceId in a catalog host name ("vpc-kafka-abcdef1234.alikafka.aliyuncs.com" ->
// "abcdef1234"), "" when the name is not shaped like one: prefix and service never hold a '-',
// so it is what follows the second '-' of the first label.
std::string catalog_part_instance_id(std::string_view host);

}  // namespace vpcprobe
