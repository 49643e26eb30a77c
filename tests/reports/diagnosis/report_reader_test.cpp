// SPDX-License-Identifier: Apache-2.0
// parse_agent_report(): reports written by render_json() read back, and every kind of input
// that is not an agent's report refused with what is wrong.
#include "reports/diagnosis/report_reader.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <functional>

#include "tests/support/fleet_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {

std::string rendered_report() {
    AgentInfo agent = agent_info();
    agent.name = "app-a";
    agent.labels = {{"subnet", "app"}, {"vpc", "prod \"eu\""}};
    Report report = diagnose({kafka_at("10.0.0.5"), registry_dropped()}, agent);
    report.findings.push_back({"firewall.port_blocked",
                               Severity::warning,
                               "dropped",
                               {"kafka"},
                               {"h:1"},
                               {},
                               "allow",
                               ""});
    return render_json(report);
}

std::string changed(const std::function<void(json::object&)>& change) {
    json::value doc = json::parse(rendered_report());
    change(doc.as_object());
    return json::serialize(doc);
}

std::string error_of(std::string_view text) {
    auto read = parse_agent_report(text, "x.json");
    REQUIRE_FALSE(read.ok());
    return read.error().message();
}

}  // namespace

TEST_CASE("a rendered report reads back: agent, labels, targets, causes, DNS answers, findings") {
    auto read = parse_agent_report(rendered_report(), "app-a.json");
    REQUIRE(read.ok());
    CHECK(read->source == "app-a.json");
    CHECK(read->name == "app-a");
    CHECK(read->hostname == "bastion-1");
    CHECK(read->labels == std::vector<AgentLabel>{{"subnet", "app"}, {"vpc", "prod \"eu\""}});
    CHECK(read->source_addresses == std::vector<std::string>{"10.20.1.15"});
    CHECK(read->resolvers == std::vector<std::string>{"10.20.0.2:53"});
    CHECK(read->started_at == "2026-11-22T10:00:00Z");
    CHECK(read->version == "0.1.0");
    REQUIRE(read->targets.size() == 2);
    const ReadTarget& kafka = read->targets[0];
    CHECK(kafka.component == "kafka");
    CHECK(kafka.host == kKafkaHost);
    CHECK(kafka.port == 9095);
    CHECK(kafka.status == StageStatus::ok);
    CHECK(kafka.cause_code.empty());
    CHECK(kafka.dns_answered);
    CHECK(kafka.dns_addresses == std::vector<std::string>{"10.0.0.5"});
    const ReadTarget& registry = read->targets[1];
    CHECK(registry.status == StageStatus::failed);
    CHECK(registry.cause_code == "tcp.timeout");
    CHECK(registry.cause_stage == "tcp");
    CHECK_FALSE(registry.cause_summary.empty());
    CHECK_FALSE(registry.cause_remedy.empty());
    // The target's own JSON is kept whole, with its agent.
    const json::object target = json::parse(registry.json).as_object();
    CHECK(target.at("agent") == "app-a");
    CHECK(target.at("stages").at("tcp").at("code") == "tcp.timeout");
    REQUIRE(read->findings.size() == 1);
    CHECK(read->findings[0].code == "firewall.port_blocked");
    CHECK(read->findings[0].severity == Severity::warning);
}

TEST_CASE("a report written before agents had names is named by its host") {
    auto read = parse_agent_report(changed([](json::object& d) {
                                       d["agent"].as_object().erase("name");
                                       d["agent"].as_object().erase("labels");
                                   }),
                                   "old.json");
    REQUIRE(read.ok());
    CHECK(read->name == "bastion-1");
    CHECK(read->labels.empty());
}

TEST_CASE("input that is not an agent's report is refused, saying why") {
    CHECK(error_of("{\"schema_version\": 1,").starts_with("not JSON: "));
    CHECK(error_of("").starts_with("not JSON: "));
    CHECK(error_of("[1, 2]") == "not a vpcprobe report (not a JSON object)");
    CHECK(error_of(R"({"SecurityGroups": []})") ==
          "not a vpcprobe report (no \"schema_version\" and \"tool\": {\"name\": \"vpcprobe\"})");
    CHECK(error_of(changed([](json::object& d) {
              d["tool"].as_object()["name"] = "kshark";
          })).starts_with("not a vpcprobe report"));
    CHECK(error_of(changed([](json::object& d) { d["schema_version"] = 2; })) ==
          "schema_version 2; this vpcprobe reads schema_version 1");
    CHECK(error_of(changed([](json::object& d) { d["schema_version"] = "1"; })) ==
          "schema_version \"1\"; this vpcprobe reads schema_version 1");
    CHECK(error_of(changed([](json::object& d) { d["fleet"] = json::object(); })) ==
          "a merged report (it has \"fleet\"): merge the agents' own reports");
    CHECK(error_of(changed([](json::object& d) { d.erase("agent"); })) ==
          "not a vpcprobe report (no \"agent\" object)");
    CHECK(error_of(changed([](json::object& d) { d.erase("targets"); })) ==
          "not a vpcprobe report (no \"targets\" list)");
    CHECK(error_of(changed([](json::object& d) {
              d["agent"].as_object()["labels"] = {{"vpc", 1}};
          })) == "agent: label 'vpc' is not a string");
    CHECK(error_of(changed([](json::object& d) {
              d["agent"].as_object().erase("name");
              d["agent"].as_object()["hostname"] = "";
          })) == "agent: neither \"name\" nor \"hostname\"");
}

TEST_CASE("targets that cannot be matched or judged are refused, naming the target") {
    const auto target = [](const std::function<void(json::object&)>& change) {
        return changed([&](json::object& d) { change(d["targets"].as_array()[1].as_object()); });
    };
    CHECK(error_of(target([](json::object& t) { t.erase("host"); })) == "targets[1]: no \"host\"");
    CHECK(error_of(target([](json::object& t) { t["port"] = 70000; })) ==
          "targets[1]: no \"port\" between 1 and 65535");
    CHECK(error_of(target([](json::object& t) { t["status"] = "great"; })) ==
          "targets[1]: status 'great' is not ok, warning or failed");
    CHECK(error_of(target([](json::object& t) { t["cause"] = nullptr; })) ==
          "targets[1]: status failed without a cause");
    CHECK(error_of(target([](json::object& t) { t["component"] = 7; })) ==
          "targets[1]: 'component' is not a string");
}

TEST_CASE("nesting deeper than any report is refused before it is read") {
    std::string deep;
    for (unsigned i = 0; i < kMaxReportDepth + 1; ++i) deep += "[";
    for (unsigned i = 0; i < kMaxReportDepth + 1; ++i) deep += "]";
    CHECK(error_of(deep) == "nested deeper than 24 levels, which no vpcprobe report is");
    // A report's own nesting is well within it.
    CHECK(parse_agent_report(render_json(path_report()), "trace.json").ok());
}
