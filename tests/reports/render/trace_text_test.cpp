// SPDX-License-Identifier: Apache-2.0
// The path trace in the human formats: where the packets die in a few words, the hops in one
// line, and how the text, Markdown and JUnit reports place them (tests/support/report_fixtures.h).
#include "reports/render/trace_text.h"

#include <catch2/catch.hpp>

#include <string>

#include "reports/render/junit_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/text_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("where the packets die, for every way a trace ends") {
    CHECK(path_verdict(trace_past_hop_2(), "10.50.3.2") ==
          "no answer past hop 2, 10.50.2.2 (TTL 3-7 silent)");
    CHECK(path_verdict(trace_silent_from_start(), "10.50.3.2") ==
          "no hop answered (TTL 1-5 silent)");
    CHECK(path_verdict(
              trace_of({router_hop(1, "10.50.1.2", 0.4),
                        router_hop(2, "10.50.1.2", 0.5, "admin-prohibited", Cause::tcp_prohibited)},
                       TraceStop::icmp, ""),
              "10.50.3.2") == "rejected by 10.50.1.2 at hop 2");
    CHECK(path_verdict(
              trace_of({router_hop(1, "10.50.2.2", 0.4, "port-unreachable", Cause::tcp_prohibited)},
                       TraceStop::icmp, ""),
              "10.50.3.2") == "rejected by 10.50.2.2 at hop 1");
    CHECK(path_verdict(
              trace_of({router_hop(1, "10.50.1.2", 0.4),
                        router_hop(2, "10.50.2.2", 0.5, "net-unreachable", Cause::tcp_unreachable)},
                       TraceStop::icmp, ""),
              "10.50.3.2") == "10.50.2.2 answered net-unreachable at hop 2");
    CHECK(path_verdict(trace_of({router_hop(1, "10.50.1.2", 0.4),
                                 router_hop(2, "10.50.3.2", 0.9, "syn-ack")},
                                TraceStop::destination, ""),
                       "10.50.3.2") == "reached at hop 2");
    CHECK(path_verdict(trace_of({}, TraceStop::silence, ""), "10.50.3.2") ==
          "not traced: its time ran out before the first TTL");
    CHECK(path_verdict(trace_of({silent_hop(1)}, TraceStop::error, "stopped at TTL 1: EMFILE"),
                       "10.50.3.2") == "stopped: stopped at TTL 1: EMFILE");
}

TEST_CASE("the hop list collapses runs of silent TTLs and names replies other than TTL expiry") {
    CHECK(compact_hops(trace_past_hop_2()) ==
          "1 10.50.1.2 0.412 ms · 2 10.50.2.2 0.733 ms · 3-7 *");
    CHECK(compact_hops(trace_of({router_hop(1, "10.50.1.2", 0.4), silent_hop(2),
                                 router_hop(3, "10.50.3.2", 1.0521, "syn-ack")},
                                TraceStop::destination, "")) ==
          "1 10.50.1.2 0.4 ms · 2 * · 3 10.50.3.2 1.052 ms syn-ack");
    CHECK(compact_hops(trace_silent_from_start()) == "1-5 *");
}

TEST_CASE("the text report says where the packets die under the cause") {
    const std::string text = render_text(path_report(), false);
    CHECK(contains(text,
                   "    path: no answer past hop 2, 10.50.2.2 (TTL 3-7 silent)\n"
                   "      1 10.50.1.2 0.412 ms · 2 10.50.2.2 0.733 ms · 3-7 *\n"));
    CHECK(contains(text, "    path: rejected by 10.50.1.2 at hop 2\n"));
    // Two addresses of one target: each path says which address it is.
    CHECK(contains(text, "    path to 10.50.3.5: reached at hop 3\n"));
    CHECK(contains(text, "    path to 10.50.3.6: no hop answered (TTL 1-5 silent)\n"));
}

TEST_CASE("an untraced report prints no path") {
    const std::string text = render_text(mixed_report(), false);
    CHECK_FALSE(contains(text, "path:"));
    CHECK_FALSE(contains(render_markdown(mixed_report()), "| TTL |"));
}

TEST_CASE("Markdown shows the path as a table under the failed target's evidence") {
    const std::string markdown = render_markdown(path_report());
    CHECK(contains(markdown,
                   "Path to `10.50.3.2`: no answer past hop 2, 10.50.2.2 (TTL 3-7 "
                   "silent)\n\n| TTL | address | RTT | reply |\n|---|---|---|---|\n"
                   "| 1 | `10.50.1.2` | 0.412 ms | `time-exceeded` |\n"
                   "| 2 | `10.50.2.2` | 0.733 ms | `time-exceeded` |\n"
                   "| 3-7 | * | | no answer |\n"));
}

TEST_CASE("Markdown's problems say where the packets die, each address by name when several") {
    const std::string markdown = render_markdown(path_report());
    CHECK(contains(markdown,
                   "- **Path:** rejected by 10.50.1.2 at hop 2: `1 10.50.1.2 0.398 ms · "
                   "2 10.50.1.2 0.421 ms admin-prohibited`\n"));
    CHECK(contains(markdown,
                   "- **Path to `10.50.3.6`:** no hop answered (TTL 1-5 silent): `1-5 *`\n"));
}

TEST_CASE("JUnit's failure text carries the one-line path") {
    const std::string junit = render_junit(path_report());
    CHECK(contains(junit, "path: no answer past hop 2, 10.50.2.2 (TTL 3-7 silent)\n"));
    CHECK(contains(junit, "path: rejected by 10.50.1.2 at hop 2\n"));
}

TEST_CASE("a healthy address traced under --trace always keeps its path to the evidence") {
    AddressEvidence address = expiring("10.50.3.2", 8090, 12);
    address.tcp.trace =
        trace_of({router_hop(1, "10.50.1.2", 0.4), router_hop(2, "10.50.3.2", 0.9, "syn-ack")},
                 TraceStop::destination, "reached 10.50.3.2 at hop 2");
    const Report report = diagnose(
        {evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.50.3.2"}), {address})},
        traced_agent_info());
    REQUIRE(report.targets[0].status == StageStatus::warning);
    CHECK_FALSE(contains(render_text(report, false), "path:"));
    const std::string markdown = render_markdown(report);
    CHECK_FALSE(contains(markdown, "| TTL |"));
    CHECK(contains(markdown, "    trace: reached at hop 2; stopped: destination"));
}
