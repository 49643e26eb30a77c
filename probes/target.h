// What to probe: one endpoint of the plan. Built by agent/plan from the catalog, --bootstrap,
// positional HOST:PORT[=COMPONENT] and the config file; consumed by the probe engine.
// A small value type; copy freely.
#pragma once

#include <cstdint>
#include <string>

namespace vpcprobe {

struct Target {
    std::string component;  // "kafka", "schema-registry", ... or what the user named
    std::string access;     // "vpc", "pub", or "" when the target is not from the catalog
    std::string host;       // hostname or IP literal (IPv6 without brackets)
    std::uint16_t port = 0;
    std::string origin;  // where it came from: "catalog", "bootstrap", "argument", "config"

    std::string endpoint() const;  // "host:port", "[v6]:port"
    friend bool operator==(const Target&, const Target&) = default;
};

}  // namespace vpcprobe
