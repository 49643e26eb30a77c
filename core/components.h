// SPDX-License-Identifier: Apache-2.0
// The seven components of an ApsaraMQ for Confluent instance (the README's "Endpoints" table):
// the name reports use, the name people know, the hostname segment and the VPC and Internet
// ports. Defined once here for the catalog that expands an instance (agent/settings/catalog.h)
// and the remedies that name a component and its port (reports/diagnosis/remedies.h).
// Constant data; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace vpcprobe {

struct CatalogComponent {
    std::string_view component;  // report name: "kafka", "schema-registry", ...
    std::string_view title;      // for humans: "Kafka broker", "Confluent MDS", ...
    std::string_view service;    // hostname segment: "kafka", "schemaregistry", ...
    std::uint16_t vpc_port;
    std::uint16_t pub_port;
};

// The seven components in the contract's table order.
const std::array<CatalogComponent, 7>& catalog_components();

}  // namespace vpcprobe
