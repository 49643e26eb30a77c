// SPDX-License-Identifier: Apache-2.0
// render_junit(): what a CI pipeline reads. Every document is parsed by a real XML parser
// (Python's xml.etree.ElementTree, run as a subprocess), which also extracts the counts and
// attributes the tests compare.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "core/report.h"
#include "reports/render/junit_report.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

// Prints what the parser saw, one fact per line as "key\tvalue" (values UTF-8, newlines in
// them as "\\n" so each fact stays on one line).
const char* kExtract = R"PY(
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
out = []
def put(key, value):
    out.append(key + "\t" + ("<none>" if value is None else value.replace("\n", "\\n")))
put("root", root.tag)
for k in ("tests", "failures", "errors", "skipped"):
    put("suites." + k, root.get(k))
suites = root.findall("testsuite")
put("suite.count", str(len(suites)))
s = suites[0]
for k in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"):
    put("suite." + k, s.get(k))
for p in s.find("properties").findall("property"):
    put("property." + p.get("name"), p.get("value"))
cases = s.findall("testcase")
put("cases", str(len(cases)))
for i, c in enumerate(cases):
    key = "case%d." % i
    put(key + "classname", c.get("classname"))
    put(key + "name", c.get("name"))
    put(key + "time", c.get("time"))
    f = c.find("failure")
    put(key + "failure.type", None if f is None else f.get("type"))
    put(key + "failure.message", None if f is None else f.get("message"))
    put(key + "failure.body", None if f is None else f.text)
    o = c.find("system-out")
    put(key + "system-out", None if o is None else o.text)
sys.stdout.buffer.write(("\n".join(out) + "\n").encode("utf-8"))
)PY";

// Writes `xml` to a temp file, checks it parses with the brief's one-liner, then returns the
// facts the extractor printed.
std::map<std::string, std::string> parse(const std::string& xml) {
    TempDir dir;
    const std::string file = dir.file("report.xml");
    const std::string script = dir.file("extract.py");
    {
        std::ofstream(file, std::ios::binary) << xml;
        std::ofstream(script, std::ios::binary) << kExtract;
    }
    const RunResult well_formed =
        run_command({"/usr/bin/python3", "-c",
                     "import xml.etree.ElementTree as E,sys; E.parse(sys.argv[1])", file},
                    std::chrono::seconds(30));
    INFO(well_formed.err);
    REQUIRE(well_formed.exit_code == 0);

    const RunResult extracted =
        run_command({"/usr/bin/python3", script, file}, std::chrono::seconds(30));
    INFO(extracted.err);
    REQUIRE(extracted.exit_code == 0);
    std::map<std::string, std::string> facts;
    std::istringstream in(extracted.out);
    for (std::string line; std::getline(in, line);) {
        const auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        facts[line.substr(0, tab)] = line.substr(tab + 1);
    }
    return facts;
}

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("junit: counts, suite attributes and properties") {
    const std::string xml = render_junit(mixed_report());
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
    CHECK(xml.back() == '\n');
    auto facts = parse(xml);
    CHECK(facts["root"] == "testsuites");
    CHECK(facts["suite.count"] == "1");
    CHECK(facts["suites.tests"] == "4");
    CHECK(facts["suites.failures"] == "2");
    CHECK(facts["suite.name"] == "vpcprobe");
    CHECK(facts["suite.tests"] == "4");
    CHECK(facts["suite.failures"] == "2");  // the warning does not fail the pipeline
    CHECK(facts["suite.errors"] == "0");
    CHECK(facts["suite.skipped"] == "0");
    CHECK(facts["suite.time"] == "1.235");
    CHECK(facts["suite.timestamp"] == "2026-11-22T10:00:00");
    CHECK(facts["suite.hostname"] == "bastion-1");
    CHECK(facts["property.hostname"] == "bastion-1");
    CHECK(facts["property.version"] == "0.1.0");
    CHECK(facts["property.resolvers"] == "10.20.0.2:53");
    CHECK(facts["property.source_addresses"] == "10.20.1.15");
    CHECK(facts["property.started_at"] == "2026-11-22T10:00:00.123Z");
    CHECK(facts["property.command_line"] ==
          "vpcprobe check --instance alikafka_confluent-cn-abcdef1234");
}

TEST_CASE("junit: one test case per target; failures carry the cause, warnings pass") {
    auto facts = parse(render_junit(mixed_report()));
    REQUIRE(facts["cases"] == "4");

    CHECK(facts["case0.classname"] == "vpcprobe.kafka");
    CHECK(facts["case0.name"] == kKafkaHost + ":9095");
    CHECK(facts["case0.time"] == "0.007");  // dns 2.04 + tcp 1.26 + tls 4.0 ms
    CHECK(facts["case0.failure.type"] == "<none>");
    CHECK(facts["case0.system-out"] == "<none>");

    CHECK(facts["case1.classname"] == "vpcprobe.schema-registry");
    CHECK(facts["case1.name"] == kRegistryHost + ":8081");
    CHECK(facts["case1.time"] == "3.002");
    CHECK(facts["case1.failure.type"] == "tcp.timeout");
    CHECK(facts["case1.failure.message"] ==
          "tcp.timeout: SYN to 10.0.0.6:8081 got no answer in 3s: silently dropped");
    CHECK(contains(facts["case1.failure.body"], std::string(explain(Cause::tcp_timeout))));
    CHECK(contains(facts["case1.failure.body"],
                   "tcp: failed (tcp.timeout), 3.0 s, to 10.0.0.6, from 10.20.1.15, errno 110"));

    CHECK(facts["case2.classname"] == "vpcprobe.mds");
    CHECK(facts["case2.failure.type"] == "<none>");
    CHECK(facts["case2.system-out"].rfind("WARNING cert.expiring_soon", 0) == 0);
    CHECK(contains(facts["case2.system-out"], "the leaf certificate expires in 12 days"));

    CHECK(facts["case3.classname"] == "vpcprobe.connect");
    CHECK(facts["case3.failure.type"] == "dns.nxdomain");
    CHECK(facts["case3.failure.message"] == "dns.nxdomain: NXDOMAIN from 10.20.0.2:53");
}

TEST_CASE("junit: an all-healthy report has no failures and no resolvers means system default") {
    AgentInfo agent = agent_info();
    agent.resolvers.clear();
    auto facts = parse(render_junit(
        diagnose({healthy_target("kafka", kKafkaHost, 9095, "10.0.0.5")}, std::move(agent))));
    CHECK(facts["suite.tests"] == "1");
    CHECK(facts["suite.failures"] == "0");
    CHECK(facts["case0.failure.type"] == "<none>");
    CHECK(facts["property.resolvers"] == "system default");

    auto empty = parse(render_junit(diagnose({}, agent_info())));
    CHECK(empty["suite.tests"] == "0");
    CHECK(empty["cases"] == "0");
}

TEST_CASE("junit: hostile text is escaped and characters XML forbids are dropped") {
    AddressEvidence address = healthy("10.0.0.6", 8081, kRegistryHost);
    address.certificate.status = StageStatus::failed;
    address.certificate.cause = Cause::cert_untrusted;
    address.certificate.chain.front().subject =
        "CN=<script>&amp;\"q\"'a']]>\x01\x1b[2J\xff\xfe end";
    address.certificate.detail = "peer said <x a=\"1\"> & 'b'\x02\x0c\ttab\r\nline]]>";
    Report report = diagnose({evidence_of(make_target("schema-registry", kRegistryHost, 8081),
                                          dns_ok({"10.0.0.6"}), {address})},
                             agent_info());
    report.agent.hostname = "host\"<&>'\x03";
    report.agent.command_line = "vpcprobe check --bootstrap 'a\"b'<c>:9092\x1b";
    report.targets[0].target.component = "reg\"&<x>";

    const std::string xml = render_junit(report);
    CHECK(xml.find('\x01') == std::string::npos);
    CHECK(xml.find('\x1b') == std::string::npos);
    CHECK(xml.find("]]>") == std::string::npos);  // '>' is always escaped
    auto facts = parse(xml);                      // REQUIREs that it parses

    CHECK(facts["suite.hostname"] == "host\"<&>'");
    CHECK(facts["property.hostname"] == "host\"<&>'");
    CHECK(facts["property.command_line"] == "vpcprobe check --bootstrap 'a\"b'<c>:9092");
    CHECK(facts["case0.classname"] == "vpcprobe.reg\"&<x>");
    CHECK(facts["case0.failure.type"] == "cert.untrusted");
    // The message attribute round-trips: tab, CR and newline kept (as character references),
    // the C0 controls XML forbids dropped.
    CHECK(facts["case0.failure.message"] ==
          "cert.untrusted: peer said <x a=\"1\"> & 'b'\ttab\r\\nline]]>");
    // In the body the evidence has white space flattened and controls shown as U+FFFD; the
    // invalid bytes became U+FFFD too.
    CHECK(contains(facts["case0.failure.body"],
                   "[0] subject: CN=<script>&amp;\"q\"'a']]>\uFFFD\uFFFD[2J\uFFFD\uFFFD end"));
}
