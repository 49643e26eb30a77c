// SPDX-License-Identifier: Apache-2.0
// The merged report of `vpcprobe merge` as text, Markdown (a golden file, reviewed once) and
// JSON (validated against docs/report.schema.json with python3-jsonschema, and read back).
#include "reports/render/fleet_report.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/fleet_fixtures.h"
#include "tests/support/golden.h"
#include "tests/support/process.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {

const std::string kGolden = std::string(VPCPROBE_SOURCE_DIR) + "/tests/reports/render/golden/";

// "valid", or "invalid: <path> <message>", for `document` against the report's schema.
std::string schema_verdict(const std::string& document) {
    constexpr const char* kValidator = R"PY(
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.validators.validator_for(schema).check_schema(schema)
document = json.load(open(sys.argv[2], encoding="utf-8"))
errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(document),
                key=lambda e: list(e.absolute_path))
print("invalid: " + "/".join(map(str, errors[0].absolute_path)) + " " + errors[0].message
      if errors else "valid")
)PY";
    TempDir dir;
    const std::string path = dir.file("merged.json");
    std::ofstream(path, std::ios::binary) << document;
    const RunResult result =
        run_command({"/usr/bin/python3", "-c", kValidator,
                     std::string(VPCPROBE_SOURCE_DIR) + "/docs/report.schema.json", path},
                    std::chrono::seconds(60));
    INFO("validator stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
    return result.out.substr(0, result.out.find('\n'));
}

}  // namespace

TEST_CASE("fleet markdown: the ticket's table and findings (golden)") {
    const std::string markdown = render_fleet_markdown(merged(three_agents()));
    check_golden_file(kGolden + "fleet.md", markdown);
}

TEST_CASE("fleet markdown: each row an agent with its source, each cell a mark and a cause") {
    const std::string markdown = render_fleet_markdown(merged(three_agents()));
    CHECK(markdown.find("| agent | source | kafka `" + kKafkaHost + ":9095` |") !=
          std::string::npos);
    CHECK(markdown.find("| app-a | 10.20.1.15 | \u2705 ok | \u274C `tcp.timeout` | \u274C "
                        "`tcp.timeout` |") != std::string::npos);
    CHECK(markdown.find("| bastion | 10.20.9.5 | \u2705 ok | \u2705 ok | \u274C `tcp.timeout` |") !=
          std::string::npos);
    CHECK(markdown.find("### \u274C `firewall.port_blocked` from app-a") != std::string::npos);
}

TEST_CASE("fleet markdown: hostile agent names and labels stay text") {
    std::vector<AgentReport> reports = three_agents();
    reports[0].name = "<img src=x>|*a*";
    reports[0].labels = {{"vpc", "`x` | y"}};
    const std::string markdown = render_fleet_markdown(merged(std::move(reports)));
    CHECK(markdown.find("<img") == std::string::npos);
    CHECK(markdown.find("| &lt;img src=x&gt;\\|\\*a\\* | 10.20.1.15 |") != std::string::npos);
    CHECK(markdown.find("``vpc=`x` \\| y``") != std::string::npos);
}

TEST_CASE("fleet text: the matrix, a legend of targets, findings, causes and agents") {
    const std::string text = render_fleet_text(merged(three_agents()));
    CHECK(text.starts_with("vpcprobe merge: 3 agents, 3 targets: 5 of 9 checks failed\n"));
    CHECK(text.find("  agent                [1] kafka  [2] schema-registry  [3] connect\n") !=
          std::string::npos);
    CHECK(
        text.find("  app-a (10.20.1.15)   ok         failed tcp.timeout   failed tcp.timeout\n") !=
        std::string::npos);
    CHECK(
        text.find("  bastion (10.20.9.5)  ok         ok                   failed tcp.timeout\n") !=
        std::string::npos);
    CHECK(text.find("  [2] schema-registry " + kRegistryHost + ":8081\n") != std::string::npos);
    CHECK(text.find("  error fleet.blocked_from_some_agents: schema-registry ") !=
          std::string::npos);
    CHECK(text.find("  error firewall.port_blocked (from app-a): tcp/8083 is dropped") !=
          std::string::npos);
    CHECK(text.find("  app-b -> schema-registry " + kRegistryHost + ":8081: tcp.timeout SYN") !=
          std::string::npos);
    CHECK(text.find("  app-a: host app-a.internal, from app-a.json, 2026-11-22T10:00:00Z, labels "
                    "subnet=app, vpc=prod\n") != std::string::npos);
    // Terminal escapes in a report read back never reach the terminal.
    std::vector<AgentReport> reports = three_agents();
    reports[0].name = "app\x1b[31m-a";
    CHECK(render_fleet_text(merged(std::move(reports))).find('\x1b') == std::string::npos);
}

TEST_CASE("fleet JSON: a schema_version 1 report with a fleet section, valid against the schema") {
    const FleetReport report = merged(three_agents());
    const std::string document = render_fleet_json(report);
    CHECK(schema_verdict(document) == "valid");
    const json::object doc = json::parse(document).as_object();
    CHECK(doc.at("schema_version") == 1);
    CHECK(doc.at("agent").at("hostname") == "support-laptop");
    // Every agent's targets, as each wrote them, with its name.
    const json::array& targets = doc.at("targets").as_array();
    REQUIRE(targets.size() == 9);
    CHECK(targets[0].at("agent") == "app-a");
    CHECK(targets[8].at("agent") == "bastion");
    CHECK(targets[1].at("stages").at("tcp").at("code") == "tcp.timeout");
    CHECK(doc.at("summary") == json::object{{"ok", 4}, {"warning", 0}, {"failed", 5}});
    const json::array& findings = doc.at("findings").as_array();
    REQUIRE(findings.size() == 4);
    CHECK(findings[0].at("code") == "fleet.blocked_from_all_agents");
    CHECK(findings[1].at("code") == "fleet.blocked_from_some_agents");
    CHECK(findings[1].at("failing_agents") == json::array{"app-a", "app-b"});
    CHECK(findings[1].at("working_agents") == json::array{"bastion"});
    CHECK(findings[1].at("in_common").at("subnet") == "10.20.1.0/24");
    CHECK(findings[1].at("in_common").at("labels") == json::object{{"subnet", "app"}});
    CHECK(findings[2].at("code") == "fleet.inconsistent_dns");
    CHECK(findings[2].at("answers").as_array().size() == 2);
    CHECK(findings[3].at("agent") == "app-a");
    const json::object& fleet = doc.at("fleet").as_object();
    REQUIRE(fleet.at("agents").as_array().size() == 3);
    CHECK(fleet.at("agents").at(0).at("name") == "app-a");
    CHECK(fleet.at("agents").at(0).at("source_addresses") == json::array{"10.20.1.15"});
    CHECK(fleet.at("agents").at(0).at("report") == "app-a.json");
    const json::array& columns = fleet.at("targets").as_array();
    REQUIRE(columns.size() == 3);
    CHECK(columns[1].at("host").as_string() == kRegistryHost);
    const json::array& cells = columns[1].at("cells").as_array();
    REQUIRE(cells.size() == 3);
    CHECK(cells[0].at("agent") == "app-a");
    CHECK(cells[0].at("status") == "failed");
    CHECK(cells[0].at("cause") == "tcp.timeout");
    CHECK(cells[2].at("status") == "ok");
    CHECK(cells[2].at("cause").is_null());
}

TEST_CASE("fleet JSON: a merged report is refused as an agent's report") {
    const std::string document = render_fleet_json(merged(three_agents()));
    auto read = parse_agent_report(document, "merged.json");
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().message() ==
          "a merged report (it has \"fleet\"): merge the agents' own reports");
}

TEST_CASE("fleet JSON: the schema refuses a fleet without its matrix") {
    json::value doc = json::parse(render_fleet_json(merged(three_agents())));
    doc.as_object()["fleet"].as_object().erase("targets");
    CHECK(schema_verdict(json::serialize(doc)).starts_with("invalid: fleet "));
    doc = json::parse(render_fleet_json(merged(three_agents())));
    doc.at("fleet").at("targets").at(0).at("cells").at(0).as_object()["status"] = "maybe";
    CHECK(schema_verdict(json::serialize(doc)).starts_with("invalid: fleet/targets/0/cells/0/"));
}
