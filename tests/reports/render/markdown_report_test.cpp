// SPDX-License-Identifier: Apache-2.0
// render_markdown(): what a support engineer reads in a ticket. No Markdown parser is
// installed, so the tests check the structure the way GFM reads it: table rows split on
// unescaped `|`, fenced blocks closed only by their own fence, raw HTML only where we put it.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/report.h"
#include "core/text.h"
#include "reports/render/markdown_report.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

const std::string kOk = "\u2705";
const std::string kWarn = "\u26A0\uFE0F";
const std::string kFail = "\u274C";
const std::string kSkip = "\u2796";

// An address whose chain stops at the leaf: the issuer was not sent.
AddressEvidence incomplete_chain(const std::string& address, std::uint16_t port,
                                 const std::string& host, std::string subject) {
    AddressEvidence evidence = healthy(address, port, host);
    evidence.certificate.status = StageStatus::failed;
    evidence.certificate.cause = Cause::cert_incomplete_chain;
    evidence.certificate.days_left = 200;
    evidence.certificate.chain.front().subject = std::move(subject);
    evidence.certificate.chain = {evidence.certificate.chain.front()};  // the leaf alone
    evidence.certificate.verify_errors = {{0, 20, "unable to get local issuer certificate"}};
    evidence.certificate.detail = "the issuer of the leaf was neither sent nor trusted";
    return evidence;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// GFM table cells: split on `|` not preceded by a backslash, outer pipes dropped, trimmed.
std::vector<std::string> cells_of(const std::string& row) {
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) {
            cells.push_back(cell);
            cell.clear();
        } else {
            cell.push_back(row[i]);
        }
    }
    cells.push_back(cell);
    REQUIRE(cells.size() >= 2);
    REQUIRE(cells.front().empty());
    REQUIRE(cells.back().empty());
    cells.erase(cells.begin());
    cells.pop_back();
    for (auto& c : cells) {
        const auto first = c.find_first_not_of(' ');
        const auto last = c.find_last_not_of(' ');
        c = first == std::string::npos ? "" : c.substr(first, last - first + 1);
    }
    return cells;
}

// The endpoints table's data rows (after the header and delimiter rows), as GFM sees it: the
// contiguous block of lines starting with `|`.
std::vector<std::vector<std::string>> table_rows(const std::string& markdown) {
    const auto lines = lines_of(markdown);
    std::vector<std::vector<std::string>> rows;
    std::size_t i = 0;
    while (i < lines.size() && lines[i].rfind("| Component |", 0) != 0) ++i;
    REQUIRE(i + 1 < lines.size());
    const std::size_t columns = cells_of(lines[i]).size();
    CHECK(cells_of(lines[i + 1]).size() == columns);
    for (i += 2; i < lines.size() && !lines[i].empty() && lines[i][0] == '|'; ++i) {
        auto row = cells_of(lines[i]);
        CHECK(row.size() == columns);
        rows.push_back(std::move(row));
    }
    return rows;
}

struct Split {
    std::string outside;              // every line not inside a fenced block
    std::vector<std::string> fenced;  // the content of each fenced block
};

// Separates fenced code blocks the CommonMark way: an opening run of >= 3 backticks at the
// start of a line is closed only by a line of at least as many backticks and nothing else.
Split split_fences(const std::string& markdown) {
    Split split;
    std::string fence;
    std::string block;
    for (const auto& line : lines_of(markdown)) {
        if (fence.empty()) {
            const std::size_t run = line.find_first_not_of('`');
            if (line.rfind("```", 0) == 0) {
                fence = line.substr(0, run);
                block.clear();
            } else {
                split.outside += line + "\n";
            }
        } else if (line.find_first_not_of('`') == std::string::npos &&
                   line.size() >= fence.size()) {
            split.fenced.push_back(block);
            fence.clear();
        } else {
            block += line + "\n";
        }
    }
    CHECK(fence.empty());  // every block is closed
    return split;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("markdown: the verdict comes first, in one sentence naming what failed") {
    std::vector<TargetEvidence> evidence;
    const char* components[] = {"kafka",   "mds",    "rest-proxy",
                                "connect", "ksqldb", "control-center"};
    std::uint16_t port = 9000;
    for (const char* component : components) {
        evidence.push_back(healthy_target(component, kKafkaHost, port++, "10.0.0.5"));
    }
    evidence.insert(
        evidence.begin() + 2,
        evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                    {incomplete_chain("10.0.0.6", 8081, kRegistryHost, "CN=" + kRegistryHost)}));
    const std::string markdown = render_markdown(diagnose(std::move(evidence), agent_info()));
    const auto lines = lines_of(markdown);
    REQUIRE(lines.size() > 2);
    CHECK(lines[0] == "**1 of 7 endpoints failed**: schema-registry (" + kRegistryHost +
                          ":8081) \u2014 `cert.incomplete_chain`.");
    CHECK(lines[1].empty());
    CHECK(markdown.back() == '\n');
    CHECK(markdown.substr(markdown.size() - 2) != "\n\n");
}

TEST_CASE("markdown: verdicts for all-healthy, warnings only and mixed reports") {
    const Report healthy_report = diagnose({healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5"),
                                            healthy_target("mds", kKafkaHost, 8090, "10.0.0.5")},
                                           agent_info());
    CHECK(lines_of(render_markdown(healthy_report))[0] == "**All 2 endpoints are healthy.**");

    const Report warned =
        diagnose({healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5"),
                  evidence_of(make_target("mds", kKafkaHost, 8090), dns_ok({"10.0.0.5"}),
                              {expiring("10.0.0.5", 8090, 12)})},
                 agent_info());
    CHECK(lines_of(render_markdown(warned))[0] == "**1 of 2 endpoints has warnings**: mds (" +
                                                      kKafkaHost +
                                                      ":8090) \u2014 `cert.expiring_soon`.");

    const std::string first = lines_of(render_markdown(mixed_report()))[0];
    CHECK(first.rfind("**2 of 4 endpoints failed**: schema-registry (" + kRegistryHost +
                          ":8081) \u2014 `tcp.timeout`; connect (" + kConnectHost +
                          ":8083) \u2014 `dns.nxdomain`; 1 with warnings: mds (",
                      0) == 0);
}

TEST_CASE("markdown: one table row per target with a mark per stage") {
    const auto rows = table_rows(render_markdown(mixed_report()));
    REQUIRE(rows.size() == 4);
    // Component | Endpoint | Address | DNS | TCP | TLS | Certificate | Protocol | Status
    CHECK(rows[0][0] == "kafka");
    CHECK(rows[0][1] == kKafkaHost + ":9095");
    CHECK(rows[0][2] == "10.0.0.5");
    CHECK(rows[0][3] == kOk);
    CHECK(rows[0][4] == kOk);
    CHECK(rows[0][5] == kOk);
    CHECK(rows[0][6] == kOk + " 200d");
    CHECK(rows[0][7] == kSkip);
    CHECK(rows[0][8] == kOk + " ok");

    CHECK(rows[1][0] == "schema-registry");
    CHECK(rows[1][3] == kOk);
    CHECK(rows[1][4] == kFail + " `tcp.timeout`");
    CHECK(rows[1][5] == kSkip);
    CHECK(rows[1][6] == kSkip);
    CHECK(rows[1][8] == kFail + " failed");

    CHECK(rows[2][0] == "mds");
    CHECK(rows[2][6] == kWarn + " `cert.expiring_soon` 12d");
    CHECK(rows[2][8] == kWarn + " warning");

    CHECK(rows[3][0] == "connect");
    CHECK(rows[3][2] == "\u2014");
    CHECK(rows[3][3] == kFail + " `dns.nxdomain`");
    CHECK(rows[3][4] == kSkip);
    CHECK(rows[3][8] == kFail + " failed");
}

TEST_CASE("markdown: problems, environment and evidence sections") {
    const std::string markdown = render_markdown(mixed_report());
    const Split split = split_fences(markdown);

    SECTION("problems: one per non-ok target, with code, explanation, facts") {
        CHECK(count(split.outside, "### " + kFail + " schema-registry") == 1);
        CHECK(count(split.outside, "### " + kFail + " connect") == 1);
        CHECK(count(split.outside, "### " + kWarn + " mds") == 1);
        CHECK(count(split.outside, "### " + kOk) == 0);
        CHECK(split.outside.find("- **Cause:** `tcp.timeout` at the tcp stage\n") !=
              std::string::npos);
        CHECK(split.outside.find("- **What it means:** " +
                                 std::string(explain(Cause::tcp_timeout))) != std::string::npos);
        CHECK(split.outside.find("- **Observed:** SYN to 10.0.0.6:8081 got no answer in 3s") !=
              std::string::npos);
        CHECK(split.outside.find("## Findings\n\nNone.\n") != std::string::npos);
    }
    SECTION("environment") {
        CHECK(split.outside.find("- **Agent:** bastion-1\n- **Agent host:** bastion-1\n") !=
              std::string::npos);
        CHECK(split.outside.find("Agent labels") == std::string::npos);
        CHECK(split.outside.find("- **vpcprobe version:** 0.1.0\n") != std::string::npos);
        CHECK(split.outside.find("- **Source addresses:** 10.20.1.15\n") != std::string::npos);
        CHECK(split.outside.find("- **Resolvers:** 10.20.0.2:53\n") != std::string::npos);
        CHECK(split.outside.find("- **Started at:** 2026-11-22T10:00:00Z\n") != std::string::npos);
        CHECK(split.outside.find("- **Command line:** `vpcprobe check --instance "
                                 "alikafka_confluent-cn-abcdef1234`\n") != std::string::npos);
    }
    SECTION("evidence: a <details> block with a fenced block per target") {
        CHECK(count(split.outside, "<details><summary>") == 4);
        CHECK(count(split.outside, "</details>") == 4);
        CHECK(split.outside.find("<details><summary>kafka " + kKafkaHost +
                                 ":9095 (ok)</summary>") != std::string::npos);
        REQUIRE(split.fenced.size() == 4);
        const std::string& kafka = split.fenced[0];
        CHECK(kafka.find("address 10.0.0.5\n") != std::string::npos);
        CHECK(kafka.find("tls: ok, 4.0 ms, TLSv1.3, TLS_AES_256_GCM_SHA384") != std::string::npos);
        CHECK(kafka.find("[0] subject: CN=" + kKafkaHost) != std::string::npos);
        CHECK(kafka.find("issuer:  CN=Test Intermediate CA") != std::string::npos);
        CHECK(kafka.find("sha256:  " + std::string(64, 'a')) != std::string::npos);
        CHECK(kafka.find("valid:   2026-01-01T00:00:00Z .. 2027-06-10T12:00:00Z") !=
              std::string::npos);
        CHECK(split.fenced[1].find("tcp: failed (tcp.timeout), 3.0 s, to 10.0.0.6, from "
                                   "10.20.1.15, errno 110") != std::string::npos);
        CHECK(split.fenced[3].find("dns: failed (dns.nxdomain)") != std::string::npos);
    }
}

TEST_CASE("markdown: findings are rendered when present") {
    Report report = mixed_report();
    Finding finding;
    finding.code = "firewall.port_blocked";
    finding.severity = Severity::error;
    finding.summary = "tcp/8081 is silently dropped on 2 hosts";
    finding.components = {"schema-registry", "connect"};
    finding.targets = {kRegistryHost + ":8081", kConnectHost + ":8083"};
    finding.suspects = {{"security-group", "sg-0abc", "ingress", "", "no rule allows tcp/8081"}};
    finding.remedy = "allow tcp/8081 from 10.20.1.15 in sg-0abc";
    report.findings.push_back(finding);
    const std::string outside = split_fences(render_markdown(report)).outside;
    CHECK(outside.find("## Findings\n\nNone.") == std::string::npos);
    CHECK(outside.find("### " + kFail +
                       " error `firewall.port_blocked`\n\n"
                       "tcp/8081 is silently dropped on 2 hosts\n") != std::string::npos);
    CHECK(outside.find("- **Components:** schema-registry, connect\n") != std::string::npos);
    CHECK(outside.find("- **Targets:** " + kRegistryHost + ":8081, " + kConnectHost + ":8083\n") !=
          std::string::npos);
    CHECK(outside.find("  - **security-group** `sg-0abc` (ingress): no rule allows tcp/8081\n") !=
          std::string::npos);
    CHECK(outside.find("- **Remedy:** allow tcp/8081 from 10.20.1.15 in sg-0abc\n") !=
          std::string::npos);
    // Findings come before problems.
    CHECK(outside.find("## Findings") < outside.find("## Problems"));
}

TEST_CASE("markdown: what a hostile peer or user sends cannot inject markup") {
    const std::string hostile = "CN=evil|`x`` <script>alert(1)</script> *b* [l](http://e) &amp;";
    AddressEvidence address =
        incomplete_chain("10.0.0.6", 8081, kRegistryHost, hostile + "\x1b[2J\x07\xff");
    address.certificate.detail = "leaf " + hostile + "\x1b]0;title\x07 not trusted\n| a | b |";
    address.tls.alert = "``` \n</details><script>x</script>";
    Report report = diagnose({evidence_of(make_target("schema-registry", kRegistryHost, 8081),
                                          dns_ok({"10.0.0.6"}), {address}),
                              healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5")},
                             agent_info());
    report.agent.command_line = "vpcprobe check --bootstrap `rm -rf`:9092 <b>";
    report.targets[0].target.component = "reg|<i>x</i>`";
    const std::string markdown = render_markdown(report);

    // No control character survives anywhere (ESC, BEL), nor invalid UTF-8.
    CHECK(markdown.find('\x1b') == std::string::npos);
    CHECK(markdown.find('\x07') == std::string::npos);
    CHECK(valid_utf8(markdown) == markdown);

    const Split split = split_fences(markdown);
    // Raw HTML appears only where we put it: no peer tag outside code blocks.
    CHECK(split.outside.find("<script") == std::string::npos);
    CHECK(split.outside.find("<i>") == std::string::npos);
    // The only "<b>" is the one inside the command line's code span (literal there).
    CHECK(count(split.outside, "<b>") == 1);
    CHECK(count(split.outside, "<details>") == 2);
    CHECK(count(split.outside, "</details>") == 2);
    CHECK(split.outside.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(split.outside.find("&amp;amp;") != std::string::npos);
    CHECK(split.outside.find("\\*b\\* \\[l\\](http://e)") != std::string::npos);

    // The table keeps its shape: `|` in the component is escaped, both rows have every cell.
    const auto rows = table_rows(markdown);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0] == "reg\\|&lt;i&gt;x&lt;/i&gt;\\`");
    // A chain that failed for another reason than expiry: no days left beside the mark.
    CHECK(rows[0][6] == kFail + " `cert.incomplete_chain`");

    // The command line is one code span whose delimiter is longer than its backtick runs.
    CHECK(split.outside.find("- **Command line:** ``vpcprobe check --bootstrap `rm -rf`:9092 "
                             "<b>``\n") != std::string::npos);

    // The evidence fences held: the hostile subject and alert sit inside them, whole, and the
    // fake </details> in the alert did not close anything.
    REQUIRE(split.fenced.size() == 2);
    CHECK(split.fenced[0].find("[0] subject: CN=evil|`x`` <script>alert(1)</script>") !=
          std::string::npos);
    CHECK(split.fenced[0].find("alert: ```  </details><script>x</script>") != std::string::npos);
    CHECK(split.fenced[1].find("target: kafka") == 0);
}

TEST_CASE("markdown evidence: Kafka and HTTP facts of the protocol stage") {
    const std::string bootstrap = kKafkaHost + ":9095";
    AddressEvidence registry = healthy("10.0.0.6", 8081, kRegistryHost);
    registry.protocol.status = StageStatus::ok;
    registry.protocol.name = "http";
    registry.protocol.http =
        HttpEvidence{"GET", "/", 200, "OK", "Jetty(9.4)", "Schema Registry", "7.6.1", false};
    Report report = diagnose(
        {evidence_of(
             make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}),
             {kafka_answered("10.0.0.5", 9095, kKafkaHost, {broker(1, "b1.internal", 9095)})}),
         evidence_of(advertised_target("b1.internal", 9095, bootstrap, 1),
                     dns_failed(Cause::dns_nxdomain, "NXDOMAIN"), {}),
         evidence_of(make_target("schema-registry", kRegistryHost, 8081), dns_ok({"10.0.0.6"}),
                     {registry})},
        agent_info());
    const std::string kafka = render_evidence_text(report.targets[0]);
    CHECK_THAT(kafka, Catch::Contains("    ApiVersions v3: 2 APIs\n"));
    CHECK_THAT(kafka, Catch::Contains("    Metadata v8: cluster lkc-abc123, controller 1\n"));
    CHECK_THAT(kafka, Catch::Contains("    advertised broker: node 1 b1.internal:9095\n"));
    const std::string advertised = render_evidence_text(report.targets[1]);
    CHECK_THAT(advertised, Catch::Contains("node 1 advertised by " + bootstrap));
    const std::string http = render_evidence_text(report.targets[2]);
    CHECK_THAT(http, Catch::Contains(
                         "    HTTP GET /: 200 OK, server Jetty(9.4), Schema Registry 7.6.1\n"));
}

TEST_CASE("markdown: the environment says what ran at once, when the report knows") {
    Report report = mixed_report();
    CHECK(render_markdown(report).find("**Concurrency:**") == std::string::npos);
    report.agent.concurrency = 64;
    report.agent.socket_budget = 960;
    report.agent.descriptor_limit = 1024;
    report.agent.peak_targets = 3;
    report.agent.peak_sockets = 4;
    CHECK(render_markdown(report).find(
              "- **Concurrency:** at most 64 targets and 960 sockets at once (descriptor limit "
              "1024); the most in flight: 3 targets, 4 sockets\n") != std::string::npos);
}

TEST_CASE("markdown: canonical names of a bootstrap, in a section and in the evidence") {
    const Report report = canonical_report();
    const std::string markdown = render_markdown(report);
    CHECK_THAT(markdown,
               Catch::Contains("## Canonical names\n\n"
                               "The client (client.dns.lookup=resolve\\_canonical\\_bootstrap\\_"
                               "servers\\_only) connects to the canonical names of the addresses "
                               "of boot.example:9093, not to boot.example.\n\n"));
    CHECK_THAT(markdown, Catch::Contains("- `10.0.0.5` \u2192 `b-1.internal`: "));
    CHECK_THAT(markdown, Catch::Contains("- `10.0.0.7` \u2192 `10.0.0.7` (no canonical name: the "
                                         "address itself): "));
    CHECK_THAT(markdown, Catch::Contains("`cert.hostname_mismatch` \u2014 10.0.0.7 has no PTR"));
    CHECK_THAT(render_markdown(mixed_report()), !Catch::Contains("## Canonical names"));

    const std::string boot = render_evidence_text(report.targets[0]);
    CHECK_THAT(boot, Catch::Contains(
                         "  canonical names (client.dns.lookup=resolve_canonical_bootstrap_servers_"
                         "only):\n"
                         "    10.0.0.5 -> b-1.internal\n"
                         "      detail: the PTR record of 10.0.0.5 names b-1.internal (via "
                         "10.20.0.2:53), which resolves back to it\n"
                         "    10.0.0.7 -> 10.0.0.7 (no canonical name: the address itself)\n"));
    CHECK_THAT(boot, Catch::Contains("  tcp: skipped\n    detail: " + kCanonicalSkip + "\n"));
    const std::string canonical = render_evidence_text(report.targets[1]);
    CHECK_THAT(canonical, Catch::Contains("origin canonical, a canonical name of the addresses of "
                                          "boot.example:9093"));
}

TEST_CASE("markdown: the plan's notes are Plan lines of the environment") {
    Report report = mixed_report();
    CHECK(render_markdown(report).find("- **Plan:**") == std::string::npos);
    report.agent.plan_notes = {"a:1 was given twice for kafka (TARGET); probed once"};
    const std::string markdown = render_markdown(report);
    const std::size_t environment = markdown.find("## Environment\n");
    const std::size_t plan = markdown.find("- **Plan:** a:1 was given twice for kafka");
    REQUIRE(environment != std::string::npos);
    REQUIRE(plan != std::string::npos);
    CHECK(plan > environment);
}

TEST_CASE("markdown: the environment names the agent and its labels") {
    Report report = mixed_report();
    report.agent.name = "app|subnet*a";
    report.agent.labels = {{"subnet", "subnet-0a1b"}, {"vpc", "vpc`prod"}};
    const std::string markdown = render_markdown(report);
    CHECK(markdown.find("- **Agent:** app\\|subnet\\*a\n") != std::string::npos);
    CHECK(markdown.find("- **Agent labels:** `subnet=subnet-0a1b`, ``vpc=vpc`prod``\n") !=
          std::string::npos);
}
