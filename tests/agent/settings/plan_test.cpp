// SPDX-License-Identifier: Apache-2.0
// The plan: order of sources, duplicates merged keeping the first (its renderings are tested
// in tests/reports/render/plan_report_test.cpp).
#include "agent/settings/plan.h"

#include <catch2/catch.hpp>
#include <tuple>

using namespace vpcprobe;

namespace {

std::vector<Target> plan_ok(const CheckOptions& options) {
    auto plan = build_plan(options);
    INFO("error: " << (plan ? std::string() : plan.error().message()));
    REQUIRE(plan);
    REQUIRE_FALSE(plan->empty());
    return *plan;
}

std::string plan_error(const CheckOptions& options) {
    auto plan = build_plan(options);
    REQUIRE_FALSE(plan);
    CHECK_FALSE(plan.error().message().empty());
    return plan.error().message();
}

std::vector<TargetSpec> arguments(const std::vector<std::string>& texts) {
    std::vector<TargetSpec> out;
    for (const std::string& text : texts) out.push_back({text, "argument"});
    return out;
}

std::vector<TargetSpec> from_config(const std::vector<std::string>& texts) {
    std::vector<TargetSpec> out;
    for (const std::string& text : texts) out.push_back({text, "config"});
    return out;
}

}  // namespace

TEST_CASE("catalog, then bootstrap, then arguments, then config targets") {
    CheckOptions options;
    options.instance = "alikafka_confluent-cn-abc";
    options.access = "vpc";
    options.bootstrap = {"pkc.example.com:9092"};
    options.targets = arguments({"10.0.0.5:8081", "[::1]:9999=custom"});
    for (TargetSpec& spec : from_config({"cfg.example.com:443=schema-registry"})) {
        options.targets.push_back(spec);
    }
    const std::vector<Target> plan = plan_ok(options);
    REQUIRE(plan.size() == 7 + 1 + 2 + 1);
    CHECK(plan[0] ==
          Target{"kafka", "vpc", "vpc-kafka-abc.alikafka.aliyuncs.com", 9095, "catalog"});
    CHECK(plan[6].component == "control-center");
    CHECK(plan[7] == Target{"kafka", "", "pkc.example.com", 9092, "bootstrap"});
    CHECK(plan[8] == Target{"schema-registry", "", "10.0.0.5", 8081, "argument"});
    CHECK(plan[9] == Target{"custom", "", "::1", 9999, "argument"});
    CHECK(plan[10] == Target{"schema-registry", "", "cfg.example.com", 443, "config"});
}

TEST_CASE("duplicates (same host and port) are merged keeping the first") {
    CheckOptions options;
    options.instance = "abc";
    options.access = "all";
    options.bootstrap = {"VPC-KAFKA-ABC.alikafka.aliyuncs.com:9095", "b:9092", "b:9092"};
    options.targets = arguments({"b:9092=other", "b:9093", "[::1]:1=x"});
    for (TargetSpec& spec : from_config({"[0::1]:1=y", "b:9093=z", "c:1"})) {
        options.targets.push_back(spec);
    }
    const std::vector<Target> plan = plan_ok(options);
    REQUIRE(plan.size() == 14 + 4);
    CHECK(plan[0].origin == "catalog");  // the catalog's kafka endpoint won over --bootstrap
    CHECK(plan[14] == Target{"kafka", "", "b", 9092, "bootstrap"});
    CHECK(plan[15] == Target{"kafka", "", "b", 9093, "argument"});
    CHECK(plan[16] == Target{"x", "", "::1", 1, "argument"});  // "[0::1]" is the same address
    CHECK(plan[17] == Target{"endpoint", "", "c", 1, "config"});
    // kafka and mds share a host with different ports: both stay.
    CHECK(plan[0].host == plan[1].host);
    CHECK(plan[0].port != plan[1].port);
}

TEST_CASE("invalid options give an error and no plan") {
    CheckOptions nothing;
    CHECK(plan_error(nothing) == "nothing to check: give --instance, --bootstrap or HOST:PORT");

    CheckOptions bad_instance;
    bad_instance.instance = "abc!";
    CHECK(plan_error(bad_instance).find("'abc!'") != std::string::npos);

    CheckOptions bad_access;
    bad_access.instance = "abc";
    bad_access.access = "internet";
    CHECK(plan_error(bad_access) == "--access: 'internet' is not one of vpc, pub, all");

    CheckOptions bad_target;
    bad_target.targets = arguments({"ok:1", "bad:0"});
    CHECK(plan_error(bad_target) == "target 'bad:0': port '0' is not in 1..65535");

    CheckOptions bad_bootstrap;
    bad_bootstrap.bootstrap = {"b"};
    CHECK(plan_error(bad_bootstrap).rfind("--bootstrap: 'b': missing :PORT", 0) == 0);
}

TEST_CASE("schemes decide TLS per target, from every source") {
    CheckOptions options;
    options.bootstrap = {"SASL_PLAINTEXT://b1:9092", "SASL_SSL://b2:9092"};
    options.targets = arguments({"PLAINTEXT://h:1=x", "https://sr:8081"});
    for (TargetSpec& spec : from_config({"plaintext://c:2", "c:3"})) {
        options.targets.push_back(spec);
    }
    const std::vector<Target> plan = plan_ok(options);
    REQUIRE(plan.size() == 6);
    const std::tuple<const char*, std::uint16_t, const char*, bool> expected[] = {
        {"b1", 9092, "bootstrap", false}, {"b2", 9092, "bootstrap", true},
        {"h", 1, "argument", false},      {"sr", 8081, "argument", true},
        {"c", 2, "config", false},        {"c", 3, "config", true}};
    for (std::size_t i = 0; i < plan.size(); ++i) {
        CAPTURE(i);
        const auto& [host, port, origin, tls] = expected[i];
        CHECK(plan[i].host == host);
        CHECK(plan[i].port == port);
        CHECK(plan[i].origin == origin);
        CHECK(plan[i].tls == tls);
    }
    CHECK(plan[0].component == "kafka");
    CHECK(plan[2].component == "x");

    // Same host and port with another scheme is still a duplicate: the first one stays.
    CheckOptions duplicate;
    duplicate.bootstrap = {"b:9092"};
    duplicate.targets = arguments({"PLAINTEXT://b:9092"});
    const std::vector<Target> merged = plan_ok(duplicate);
    REQUIRE(merged.size() == 1);
    CHECK(merged[0].tls);
    CHECK(merged[0].origin == "bootstrap");

    CheckOptions bad_scheme;
    bad_scheme.targets = arguments({"tcp://h:1"});
    CHECK(plan_error(bad_scheme).rfind("target 'tcp://h:1': unknown scheme 'tcp://'", 0) == 0);
    CheckOptions bad_bootstrap_scheme;
    bad_bootstrap_scheme.bootstrap = {"kafka://b:9092"};
    CHECK(plan_error(bad_bootstrap_scheme)
              .rfind("--bootstrap: 'kafka://b:9092': unknown scheme 'kafka://'", 0) == 0);
}
