// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "core/target.h"

using namespace vpcprobe;

TEST_CASE("catalog_part_instance_id: what follows the second '-' of the first label") {
    CHECK(catalog_part_instance_id("vpc-kafka-abcdef1234.alikafka.aliyuncs.com") == "abcdef1234");
    CHECK(catalog_part_instance_id("pub-schemaregistry-x1.alikafka.aliyuncs.com") == "x1");
    // Only the first label counts: a '-' further on is not the instance's.
    CHECK(catalog_part_instance_id("vpc-kafka.other-zone-1.example") == "");
    CHECK(catalog_part_instance_id("kafka.example.com") == "");
    CHECK(catalog_part_instance_id("10.0.0.5") == "");
    CHECK(catalog_part_instance_id("") == "");
}

TEST_CASE("endpoint(): IPv6 in brackets") {
    Target target;
    target.host = "::1";
    target.port = 9092;
    CHECK(target.endpoint() == "[::1]:9092");
    target.host = "broker.example";
    CHECK(target.endpoint() == "broker.example:9092");
}
