// SPDX-License-Identifier: Apache-2.0
// The plan's two renderings for `vpcprobe endpoints`: a table for people, JSON for scripts.
#include "reports/render/plan_report.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <tuple>

#include "agent/settings/plan.h"

using namespace vpcprobe;

namespace {

std::vector<Target> plan_ok(const CheckOptions& options) {
    auto plan = build_plan(options);
    INFO("error: " << (plan ? std::string() : plan.error().message()));
    REQUIRE(plan);
    return plan->targets;
}

}  // namespace

TEST_CASE("render_plan is a table with every target") {
    CheckOptions options;
    options.instance = "abc";
    options.targets = {{"[::1]:9092", "argument"}};
    const std::vector<Target> plan = plan_ok(options);
    const std::string text = render_plan(plan);
    INFO(text);
    CHECK(text.rfind("COMPONENT", 0) == 0);
    CHECK(text.rfind("COMPONENT        ACCESS  HOST ", 0) == 0);
    CHECK(text.find("  PORT  TLS  ORIGIN\n") != std::string::npos);
    for (const char* header : {"ACCESS", "HOST", "PORT", "TLS", "ORIGIN"}) {
        CHECK(text.find(header) != std::string::npos);
    }
    CHECK(
        text.find("\ncontrol-center   vpc     vpc-controlcenter-abc.alikafka.aliyuncs.com   9021  "
                  "yes  catalog\n") != std::string::npos);
    CHECK(text.find("\nkafka            -       ::1 ") != std::string::npos);
    CHECK(text.find("argument\n") != std::string::npos);
    CHECK(text.substr(text.size() - 10) == "8 targets\n");
    CHECK(std::count(text.begin(), text.end(), '\n') == 1 + 8 + 1);
    CHECK(render_plan({plan.front()}).find("\n1 target\n") != std::string::npos);
}

TEST_CASE("render_plan_json is a JSON array of targets") {
    CheckOptions options;
    options.instance = "abc";
    options.access = "pub";
    options.targets = {{"[::1]:9092=kafka", "argument"}};
    const std::vector<Target> plan = plan_ok(options);
    const boost::json::value json = boost::json::parse(render_plan_json(plan));
    const boost::json::array& array = json.as_array();
    REQUIRE(array.size() == 8);
    const boost::json::object& first = array[0].as_object();
    CHECK(first.at("component").as_string() == "kafka");
    CHECK(first.at("access").as_string() == "pub");
    CHECK(first.at("host").as_string() == "pub-kafka-abc.alikafka.aliyuncs.com");
    CHECK(first.at("port").to_number<int>() == 9092);
    CHECK(first.at("endpoint").as_string() == "pub-kafka-abc.alikafka.aliyuncs.com:9092");
    CHECK(first.at("origin").as_string() == "catalog");
    CHECK(first.at("tls").as_bool());
    const boost::json::object& last = array[7].as_object();
    CHECK(last.at("access").is_null());
    CHECK(last.at("host").as_string() == "::1");
    CHECK(last.at("endpoint").as_string() == "[::1]:9092");
    CHECK(last.at("origin").as_string() == "argument");
    CHECK(last.at("tls").as_bool());
    CHECK(render_plan_json({}) == "[]\n");
}

TEST_CASE("the TLS column and \"tls\" show which targets skip TLS") {
    CheckOptions options;
    options.targets = {{"PLAINTEXT://broker.example.com:9092", "argument"},
                       {"https://sr.example.com:8081", "argument"}};
    const std::vector<Target> plan = plan_ok(options);
    const std::string text = render_plan(plan);
    INFO(text);
    CHECK(text ==
          "COMPONENT        ACCESS  HOST                PORT  TLS  ORIGIN\n"
          "kafka            -       broker.example.com  9092  no   argument\n"
          "schema-registry  -       sr.example.com      8081  yes  argument\n"
          "2 targets\n");

    const boost::json::array array = boost::json::parse(render_plan_json(plan)).as_array();
    REQUIRE(array.size() == 2);
    CHECK(array[0].as_object().at("tls").is_bool());
    CHECK_FALSE(array[0].as_object().at("tls").as_bool());
    CHECK(array[0].as_object().at("endpoint").as_string() == "broker.example.com:9092");
    CHECK(array[1].as_object().at("tls").as_bool());
}

TEST_CASE("with a client configuration, the table says which file and what it could not honour") {
    CheckOptions options;
    options.bootstrap = {"b1.example.com:9092"};
    ClientConfigInfo client;
    client.path = "/etc/kafka/client.properties";
    client.format = "Java properties";
    client.notes = {"SASL mechanism GSSAPI is not one vpcprobe speaks"};
    const std::string text = render_plan(plan_ok(options), client);
    INFO(text);
    CHECK(text.find("as configured in /etc/kafka/client.properties (Java properties)\n") !=
          std::string::npos);
    CHECK(text.find("  note: SASL mechanism GSSAPI is not one vpcprobe speaks\n") !=
          std::string::npos);
    CHECK(render_plan(plan_ok(options)).find("as configured") == std::string::npos);
}

TEST_CASE("the plan's notes follow the table, one line each") {
    CheckOptions options;
    options.bootstrap = {"127.0.0.1:9092"};
    options.targets = {{"127.0.0.1:9092", "argument"}, {"127.0.0.1:8081", "argument"}};
    auto plan = build_plan(options);
    REQUIRE(plan);
    const std::string text = render_plan(plan->targets, std::nullopt, plan->notes);
    INFO(text);
    CHECK(text.find("2 targets\nnote: 127.0.0.1:9092 was given twice for kafka (--bootstrap and "
                    "TARGET); probed once\n") != std::string::npos);
    CHECK(render_plan(plan->targets).find("note:") == std::string::npos);
}
