// SPDX-License-Identifier: Apache-2.0
// The status changes `vpcprobe history` prints (reports/render/changes_report.h): the table
// (columns, padding, control characters replaced), the JSON array and the one-line JSON object
// each changes.jsonl line is.
#include "reports/render/changes_report.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <system_error>
#include <vector>

#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace json = boost::json;

namespace {

const std::string kKafka = kKafkaHost + ":9095";

}  // namespace

TEST_CASE("history as a table and as JSON") {
    CHECK(render_changes_text({}) == "no changes recorded\n");
    CHECK(render_changes_json({}) == "[]\n");
    const std::vector<StatusChange> changes{
        {minute(2, 13, 250), kKafka, "kafka", "vpc", "ok", "failed", "tcp.timeout"},
        {minute(5), "10.0.0.9:9092", "broker\x1b[31m", "", "failed", "gone", ""}};
    // Columns as wide as their widest cell, two spaces apart; no control characters.
    auto padded = [](std::string text) {
        text.resize(kKafka.size(), ' ');
        return text;
    };
    CHECK(render_changes_text(changes) == "TIME                  COMPONENT    ACCESS  " +
                                              padded("ENDPOINT") +
                                              "  CHANGE          CAUSE\n"
                                              "2026-11-22T10:02:13Z  kafka        vpc     " +
                                              kKafka +
                                              "  ok -> failed    tcp.timeout\n"
                                              "2026-11-22T10:05:00Z  broker?[31m  -       " +
                                              padded("10.0.0.9:9092") + "  failed -> gone  -\n");
    const std::string rendered = render_changes_json(changes);
    std::error_code ec;
    const json::value parsed = json::parse(rendered, ec);
    REQUIRE_FALSE(ec);
    const json::array& array = parsed.as_array();
    REQUIRE(array.size() == 2);
    CHECK(array[0].as_object() ==
          json::parse(R"({"at":"2026-11-22T10:02:13.250Z","endpoint":")" + kKafka +
                      R"(","component":"kafka","access":"vpc","from":"ok",)"
                      R"("to":"failed","cause":"tcp.timeout"})")
              .as_object());
    CHECK(array[1].at("access").is_null());
    CHECK(array[1].at("cause").is_null());
    CHECK(array[1].at("to") == "gone");
}

TEST_CASE("a change line is one JSON object on one line, the elements of the JSON array") {
    const StatusChange change{minute(2, 13, 250), kKafka,       "kafka\n", "vpc", "ok",
                              "failed",           "tcp.timeout"};
    const std::string line = render_change_line(change);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.front() == '{');
    CHECK(line.back() == '}');
    CHECK(render_changes_json({change, change}) == "[\n  " + line + ",\n  " + line + "\n]\n");
    // Bytes that are not UTF-8 are replaced, so the line stays parseable JSON.
    StatusChange odd = change;
    odd.component = "caf\xc3\xa9\xff";
    std::error_code ec;
    const json::value parsed = json::parse(render_change_line(odd), ec);
    REQUIRE_FALSE(ec);
    CHECK(parsed.at("component") == "caf\xc3\xa9\xef\xbf\xbd");
}
