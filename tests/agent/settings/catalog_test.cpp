// SPDX-License-Identifier: Apache-2.0
// The ApsaraMQ for Confluent catalog against the contract's table, and instance ID handling.
#include "agent/settings/catalog.h"

#include <catch2/catch.hpp>

using vpcprobe::expand_instance;
using vpcprobe::part_instance_id;
using vpcprobe::Target;

namespace {

Target catalog_target(const char* component, const char* access, const char* host,
                      std::uint16_t port) {
    return Target{component, access, host, port, "catalog"};
}

std::string part_or_error(std::string_view id) {
    const auto part = part_instance_id(id);
    if (part) return *part;
    CHECK_FALSE(part.error().message().empty());
    return "ERROR: " + part.error().message();
}

}  // namespace

TEST_CASE("the catalog has the contract's seven components in order") {
    const auto& components = vpcprobe::catalog_components();
    REQUIRE(components.size() == 7);
    CHECK(components[0].component == "kafka");
    CHECK(components[1].component == "mds");
    CHECK(components[1].service == "kafka");  // MDS shares the broker's hostname
    CHECK(components[6].component == "control-center");
}

TEST_CASE("a full instance ID expands to all 14 endpoints, vpc first") {
    const auto part = part_instance_id("alikafka_confluent-cn-abcdef1234");
    REQUIRE(part);
    CHECK(*part == "abcdef1234");

    const std::vector<Target> expected{
        catalog_target("kafka", "vpc", "vpc-kafka-abcdef1234.alikafka.aliyuncs.com", 9095),
        catalog_target("mds", "vpc", "vpc-kafka-abcdef1234.alikafka.aliyuncs.com", 8090),
        catalog_target("schema-registry", "vpc",
                       "vpc-schemaregistry-abcdef1234.alikafka.aliyuncs.com", 8081),
        catalog_target("rest-proxy", "vpc", "vpc-kafkarestproxy-abcdef1234.alikafka.aliyuncs.com",
                       8082),
        catalog_target("connect", "vpc", "vpc-connect-abcdef1234.alikafka.aliyuncs.com", 8083),
        catalog_target("ksqldb", "vpc", "vpc-ksqldb-abcdef1234.alikafka.aliyuncs.com", 8088),
        catalog_target("control-center", "vpc",
                       "vpc-controlcenter-abcdef1234.alikafka.aliyuncs.com", 9021),
        catalog_target("kafka", "pub", "pub-kafka-abcdef1234.alikafka.aliyuncs.com", 9092),
        catalog_target("mds", "pub", "pub-kafka-abcdef1234.alikafka.aliyuncs.com", 443),
        catalog_target("schema-registry", "pub",
                       "pub-schemaregistry-abcdef1234.alikafka.aliyuncs.com", 443),
        catalog_target("rest-proxy", "pub", "pub-kafkarestproxy-abcdef1234.alikafka.aliyuncs.com",
                       443),
        catalog_target("connect", "pub", "pub-connect-abcdef1234.alikafka.aliyuncs.com", 443),
        catalog_target("ksqldb", "pub", "pub-ksqldb-abcdef1234.alikafka.aliyuncs.com", 443),
        catalog_target("control-center", "pub",
                       "pub-controlcenter-abcdef1234.alikafka.aliyuncs.com", 443),
    };
    CHECK(expand_instance(*part, "all") == expected);
    CHECK(expand_instance(*part, "vpc") ==
          std::vector<Target>(expected.begin(), expected.begin() + 7));
    CHECK(expand_instance(*part, "pub") ==
          std::vector<Target>(expected.begin() + 7, expected.end()));
    CHECK(expand_instance(*part, "internet").empty());
}

TEST_CASE("instance IDs: prefix stripping and lower case") {
    CHECK(part_or_error("abcdef1234") == "abcdef1234");
    CHECK(part_or_error("alikafka_confluent-cn-abcdef1234") == "abcdef1234");
    CHECK(part_or_error("ALIKAFKA_CONFLUENT-CN-ABCdef1234") == "abcdef1234");
    CHECK(part_or_error("AbC-x_1") == "abc-x_1");
    CHECK(expand_instance("AbC", "vpc").front().host == "vpc-kafka-abc.alikafka.aliyuncs.com");
    // The longest partInstanceId whose longest label still fits in 63 characters.
    CHECK(part_or_error(std::string(44, 'a')) == std::string(44, 'a'));
}

TEST_CASE("invalid instance IDs are refused with the ID in the message") {
    CHECK(part_or_error("abc!") ==
          "ERROR: instance ID 'abc!': only letters, digits, '-' and '_' "
          "are allowed");
    CHECK(part_or_error("../x").find("'../x'") != std::string::npos);
    CHECK(part_or_error("a b").find("only letters") != std::string::npos);
    CHECK(part_or_error("abc.def").find("only letters") != std::string::npos);
    CHECK(part_or_error("") == "ERROR: instance ID is empty");
    CHECK(part_or_error("alikafka_confluent-cn-").find("no partInstanceId") != std::string::npos);
    CHECK(part_or_error("alikafka_post-cn-abc").find("not an ApsaraMQ for Confluent ID") !=
          std::string::npos);
    CHECK(part_or_error("alikafka_confluent-sg-abc").find("alikafka_confluent-cn-") !=
          std::string::npos);
    CHECK(part_or_error(std::string(45, 'a')).find("too long") != std::string::npos);
    CHECK(part_or_error("alikafka_confluent-cn-" + std::string(45, 'a')).find("too long") !=
          std::string::npos);
}
