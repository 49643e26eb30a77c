// SPDX-License-Identifier: Apache-2.0
// The plan: order of sources, one host:port probed once with a note, contradicting specs of one
// host:port refused (its renderings are tested in tests/reports/render/plan_report_test.cpp).
#include "agent/settings/plan.h"

#include <catch2/catch.hpp>
#include <tuple>

using namespace vpcprobe;

namespace {

Plan full_plan_ok(const CheckOptions& options) {
    auto plan = build_plan(options);
    INFO("error: " << (plan ? std::string() : plan.error().message()));
    REQUIRE(plan);
    REQUIRE_FALSE(plan->targets.empty());
    return *plan;
}

std::vector<Target> plan_ok(const CheckOptions& options) {
    return full_plan_ok(options).targets;
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
    options.targets = arguments({"10.0.0.5:8081", "[::1]:9999=endpoint"});
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
    CHECK(plan[9] == Target{"endpoint", "", "::1", 9999, "argument"});
    CHECK(plan[10] == Target{"schema-registry", "", "cfg.example.com", 443, "config"});
}

TEST_CASE("one host:port named twice for one component is probed once, with a note") {
    CheckOptions options;
    options.instance = "abc";
    options.access = "all";
    options.bootstrap = {"VPC-KAFKA-ABC.alikafka.aliyuncs.com:9095", "b:9092", "b:9092"};
    options.targets = arguments({"b:9092=kafka", "b:9093", "[::1]:1=endpoint"});
    for (TargetSpec& spec : from_config({"[0::1]:1", "b:9093=kafka", "c:1"})) {
        options.targets.push_back(spec);
    }
    const Plan plan = full_plan_ok(options);
    REQUIRE(plan.targets.size() == 14 + 4);
    CHECK(plan.targets[0].origin == "catalog");  // the catalog's kafka endpoint kept its place
    CHECK(plan.targets[14] == Target{"kafka", "", "b", 9092, "bootstrap"});
    CHECK(plan.targets[15] == Target{"kafka", "", "b", 9093, "argument"});
    // "[0::1]" is the same address, and a component guessed from the port ("endpoint" for 1)
    // is no contradiction.
    CHECK(plan.targets[16] == Target{"endpoint", "", "::1", 1, "argument"});
    CHECK(plan.targets[17] == Target{"endpoint", "", "c", 1, "config"});
    // kafka and mds share a host with different ports: both stay.
    CHECK(plan.targets[0].host == plan.targets[1].host);
    CHECK(plan.targets[0].port != plan.targets[1].port);
    CHECK(plan.notes ==
          std::vector<std::string>{
              "vpc-kafka-abc.alikafka.aliyuncs.com:9095 was given twice for kafka (--instance "
              "and --bootstrap); probed once",
              "b:9092 was given 3 times for kafka (--bootstrap and TARGET); probed once",
              "b:9093 was given twice for kafka (TARGET and the config file); probed once",
              "[::1]:1 was given twice for endpoint (TARGET and the config file); probed once"});

    CheckOptions once;
    once.targets = arguments({"b:9092", "c:9092"});
    CHECK(full_plan_ok(once).notes.empty());
}

TEST_CASE("notes and conflicts name where each spec was named") {
    CheckOptions options;
    options.bootstrap = {"127.0.0.1:9092"};
    options.bootstrap_named_by = "client.properties:3: bootstrap.servers";
    options.targets = {{"127.0.0.1:9092=kafka", "config", "vpcprobe.toml:2:11: targets"}};
    CHECK(full_plan_ok(options).notes ==
          std::vector<std::string>{"127.0.0.1:9092 was given twice for kafka "
                                   "(client.properties:3: bootstrap.servers and "
                                   "vpcprobe.toml:2:11: targets); probed once"});
    options.targets.push_back({"127.0.0.1:9092=schema-registry", "config",
                               "vpcprobe.toml:5:1: "
                               "[[target]]"});
    CHECK(plan_error(options) ==
          "127.0.0.1:9092 is given as kafka (client.properties:3: bootstrap.servers "
          "'127.0.0.1:9092') and as schema-registry (vpcprobe.toml:5:1: [[target]] "
          "'127.0.0.1:9092=schema-registry'): one host:port is one listener, so give it one "
          "component");
}

TEST_CASE("two components for one host:port are refused, naming both") {
    CheckOptions twice;
    twice.targets = arguments({"a:1=kafka", "a:1=schema-registry"});
    CHECK(plan_error(twice) ==
          "a:1 is given as kafka (TARGET 'a:1=kafka') and as schema-registry (TARGET "
          "'a:1=schema-registry'): one host:port is one listener, so give it one component");

    CheckOptions with_bootstrap;
    with_bootstrap.bootstrap = {"b:8081"};
    with_bootstrap.targets = arguments({"b:8081=schema-registry"});
    CHECK(plan_error(with_bootstrap)
              .rfind("b:8081 is given as kafka (--bootstrap 'b:8081') and "
                     "as schema-registry (TARGET",
                     0) == 0);

    CheckOptions with_catalog;
    with_catalog.instance = "abc";
    with_catalog.targets = arguments({"vpc-kafka-abc.alikafka.aliyuncs.com:9095=connect"});
    CHECK(plan_error(with_catalog)
              .rfind("vpc-kafka-abc.alikafka.aliyuncs.com:9095 is given as kafka (--instance) "
                     "and as connect (TARGET",
                     0) == 0);

    // A component guessed from the port says nothing: the named one is taken.
    CheckOptions guessed;
    guessed.targets = arguments({"h:8081", "h:8081=kafka"});
    const Plan plan = full_plan_ok(guessed);
    REQUIRE(plan.targets.size() == 1);
    CHECK(plan.targets[0].component == "kafka");
    CHECK(plan.notes ==
          std::vector<std::string>{"h:8081 was given twice for kafka (TARGET); probed once"});
    // ...and a third spec that contradicts it is told who said it.
    guessed.targets.push_back({"h:8081=connect", "argument"});
    CHECK(plan_error(guessed) ==
          "h:8081 is given as kafka (TARGET 'h:8081=kafka') and as connect (TARGET "
          "'h:8081=connect'): one host:port is one listener, so give it one component");
}

TEST_CASE("TLS and plaintext for one host:port are refused; an unsaid scheme takes the said one") {
    CheckOptions both;
    both.targets = arguments({"plaintext://a:9092", "SSL://a:9092"});
    CHECK(plan_error(both) ==
          "a:9092 is given without TLS (TARGET 'plaintext://a:9092') and with TLS (TARGET "
          "'SSL://a:9092'): one listener speaks one of them, so keep the spec that is right");

    CheckOptions client;  // a client configuration's security.protocol says it for bootstraps
    client.bootstrap = {"a:9092"};
    client.security_protocol = "SASL_PLAINTEXT";
    client.targets = arguments({"https://a:9092"});
    CHECK(plan_error(client).find("is given without TLS (--bootstrap 'a:9092') and with TLS") !=
          std::string::npos);

    CheckOptions unsaid;
    unsaid.bootstrap = {"b:9092"};
    unsaid.targets = arguments({"PLAINTEXT://b:9092"});
    const Plan plan = full_plan_ok(unsaid);
    REQUIRE(plan.targets.size() == 1);
    CHECK_FALSE(plan.targets[0].tls);
    CHECK(plan.targets[0].origin == "bootstrap");
    CHECK(plan.notes.size() == 1);
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
    options.targets = arguments({"PLAINTEXT://h:1=endpoint", "https://sr:8081"});
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
    CHECK(plan[2].component == "endpoint");

    CheckOptions bad_scheme;
    bad_scheme.targets = arguments({"tcp://h:1"});
    CHECK(plan_error(bad_scheme).rfind("target 'tcp://h:1': unknown scheme 'tcp://'", 0) == 0);
    CheckOptions bad_bootstrap_scheme;
    bad_bootstrap_scheme.bootstrap = {"kafka://b:9092"};
    CHECK(plan_error(bad_bootstrap_scheme)
              .rfind("--bootstrap: 'kafka://b:9092': unknown scheme 'kafka://'", 0) == 0);
}
