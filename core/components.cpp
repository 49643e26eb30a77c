// SPDX-License-Identifier: Apache-2.0
#include "core/components.h"

namespace vpcprobe {

const std::array<CatalogComponent, 7>& catalog_components() {
    static constexpr std::array<CatalogComponent, 7> components{{
        {"kafka", "Kafka broker", "kafka", 9095, 9092},
        {"mds", "Confluent MDS", "kafka", 8090, 443},
        {"schema-registry", "Schema Registry", "schemaregistry", 8081, 443},
        {"rest-proxy", "Kafka REST Proxy", "kafkarestproxy", 8082, 443},
        {"connect", "Kafka Connect", "connect", 8083, 443},
        {"ksqldb", "ksqlDB", "ksqldb", 8088, 443},
        {"control-center", "Control Center", "controlcenter", 9021, 443},
    }};
    return components;
}

}  // namespace vpcprobe
