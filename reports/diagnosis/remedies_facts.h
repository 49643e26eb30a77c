// SPDX-License-Identifier: Apache-2.0
// What the remedy writers (remedies.cpp, remedies_network.cpp, remedies_tls.cpp) read about
// one target: its endpoint as probed, the component's name for people and its catalog ports,
// where the probe left from, the resolvers asked. Internal to reports/diagnosis.
// Plain values and pure functions: safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "core/report.h"

namespace vpcprobe::remedy {

// A catalog component as the remedies name it (docs/report.md, "Remedies"; the ports are the
// endpoint catalog's, README "Endpoints").
struct ComponentInfo {
    std::string title;  // "Schema Registry"; the component's own name when not in the catalog
    std::string named;  // the title as a sentence names it: "the Kafka broker", "Schema Registry"
    std::uint16_t vpc_port = 0;  // 0 when not in the catalog
    std::uint16_t pub_port = 0;
    bool http = false;  // a REST component (https://), not a Kafka listener
};

ComponentInfo component_info(const std::string& component);

struct Facts {
    const TargetReport& target;
    const AgentInfo& agent;
    const AddressEvidence* shown;  // null when no address was probed
    ComponentInfo component;
    std::string host;
    std::uint16_t port;
    std::string address;   // the shown address, else the host
    std::string endpoint;  // address:port as probed, else host:port
    std::string source;    // the probe's own source address, or "this host"
};

Facts facts_of(const TargetReport& target, const AgentInfo& agent);

// "resolver 10.20.0.2:53", "resolvers a, b", "the system's default resolvers".
std::string resolvers_text(const AgentInfo& agent);

// The port the catalog gives the component for the target's access set (0 when none).
std::uint16_t catalog_port(const Facts& facts);

// " (Schema Registry listens on 8081 for vpc access, not 8082)" when the target's port is not
// the catalog's for its access set; "" when it is, or outside the catalog.
std::string port_note(const Facts& facts);

// What to check about the port: use the catalog's port when it differs; when it is the
// catalog's, that the name leads to the component; outside the catalog, both.
std::string port_advice(const Facts& facts);

// Per stage family; each returns the remedy for `cause`, "" when the cause is not theirs.
std::string dns_remedy(Cause cause, const Facts& facts);
std::string tcp_remedy(Cause cause, const Facts& facts);
std::string tls_remedy(Cause cause, const Facts& facts);
std::string certificate_remedy(Cause cause, const Facts& facts);
std::string protocol_remedy(Cause cause, const Facts& facts);

}  // namespace vpcprobe::remedy
