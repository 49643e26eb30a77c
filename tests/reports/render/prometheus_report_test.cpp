// SPDX-License-Identifier: Apache-2.0
// render_prometheus(): the exact text for a known report, read back with a strict parser of the
// text exposition format 0.0.4 written here (so escaping is checked by unescaping, not by
// string search), and, when Debian's `prometheus` package is installed, checked by the real
// client: `promtool check metrics` must accept it without a word.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/report.h"
#include "reports/render/prometheus_report.h"
#include "tests/support/process.h"
#include "tests/support/report_fixtures.h"

using namespace vpcprobe;
using namespace vpcprobe::test;

namespace {

// Every cause code, written out here rather than taken from kAllCauses, so that a code renamed
// or dropped in cause.cpp shows up as a changed metric (dashboards and alerts match on them).
const std::vector<std::string> kCauseCodes = {
    "dns.nxdomain",
    "dns.nodata",
    "dns.servfail",
    "dns.refused",
    "dns.timeout",
    "dns.error",
    "dns.sinkhole",
    "tcp.timeout",
    "tcp.refused",
    "tcp.prohibited",
    "tcp.unreachable",
    "tcp.error",
    "tls.timeout",
    "tls.not_tls",
    "tls.handshake_failed",
    "tls.client_cert_required",
    "tls.client_cert_rejected",
    "cert.expired",
    "cert.not_yet_valid",
    "cert.hostname_mismatch",
    "cert.self_signed",
    "cert.incomplete_chain",
    "cert.untrusted",
    "cert.expiring_soon",
    "cert.invalid",
    "protocol.timeout",
    "protocol.not_kafka",
    "protocol.http_error",
    "protocol.not_http",
    "protocol.wrong_service",
    "protocol.auth_failed",
    "protocol.closed",
    "protocol.too_large",
    "protocol.kafka_error",
    "protocol.error",
    "protocol.tls_required",
    "protocol.unrecognized",
    "run.deadline",
};

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;  // unescaped values
    std::string value;
};

struct Exposition {
    std::vector<std::string> families;  // in the order of their TYPE lines
    std::map<std::string, std::string> help;
    std::map<std::string, std::string> type;
    std::vector<Sample> samples;

    std::vector<Sample> of(const std::string& name) const {
        std::vector<Sample> out;
        std::copy_if(samples.begin(), samples.end(), std::back_inserter(out),
                     [&](const Sample& sample) { return sample.name == name; });
        return out;
    }
};

bool name_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

std::string read_name(const std::string& line, std::size_t& at) {
    const std::size_t start = at;
    while (at < line.size() && name_char(line[at], at == start)) ++at;
    REQUIRE(at > start);
    return line.substr(start, at - start);
}

// A strict reading of the format as vpcprobe writes it: HELP then TYPE then the family's
// samples, each family once; a sample is `name{label="value",...} value` and nothing after the
// value (a timestamp would be a third field); only the \\ \" \n escapes in label values.
Exposition parse(const std::string& text) {
    REQUIRE(!text.empty());
    REQUIRE(text.back() == '\n');
    Exposition out;
    std::istringstream in(text);
    std::string current;  // the family whose samples may follow
    bool help_seen = false;
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        REQUIRE(!line.empty());
        if (line.rfind("# HELP ", 0) == 0) {
            std::size_t at = 7;
            const std::string name = read_name(line, at);
            REQUIRE(line.at(at) == ' ');
            REQUIRE(out.help.count(name) == 0);
            out.help[name] = line.substr(at + 1);
            REQUIRE(out.help[name].find('\\') == std::string::npos);
            current = name;
            help_seen = true;
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            std::size_t at = 7;
            const std::string name = read_name(line, at);
            REQUIRE(help_seen);
            REQUIRE(name == current);
            REQUIRE(out.type.count(name) == 0);
            out.type[name] = line.substr(at + 1);
            out.families.push_back(name);
            help_seen = false;
            continue;
        }
        REQUIRE(line[0] != '#');
        Sample sample;
        std::size_t at = 0;
        sample.name = read_name(line, at);
        REQUIRE(sample.name == current);  // samples follow their own family's TYPE line
        if (line.at(at) == '{') {
            ++at;
            while (line.at(at) != '}') {
                const std::string label = read_name(line, at);
                REQUIRE(line.at(at++) == '=');
                REQUIRE(line.at(at++) == '"');
                std::string value;
                while (line.at(at) != '"') {
                    if (line[at] == '\\') {
                        const char escaped = line.at(at + 1);
                        REQUIRE((escaped == '\\' || escaped == '"' || escaped == 'n'));
                        value.push_back(escaped == 'n' ? '\n' : escaped);
                        at += 2;
                    } else {
                        value.push_back(line[at++]);
                    }
                }
                ++at;
                REQUIRE(sample.labels.count(label) == 0);
                sample.labels[label] = value;
                if (line.at(at) == ',') ++at;
            }
            ++at;
        }
        REQUIRE(line.at(at++) == ' ');
        sample.value = line.substr(at);
        REQUIRE(!sample.value.empty());
        REQUIRE(sample.value.find(' ') == std::string::npos);  // no timestamp
        std::size_t used = 0;
        (void)std::stod(sample.value, &used);
        REQUIRE(used == sample.value.size());
        out.samples.push_back(std::move(sample));
    }
    return out;
}

// `promtool check metrics` (Debian's prometheus package) on the text: nothing printed, exit 0.
// Returns false, with a visible warning, when promtool is not installed.
bool promtool_accepts(const std::string& text) {
    const char* const promtool = "/usr/bin/promtool";
    if (access(promtool, X_OK) != 0) {
        WARN("SKIPPED: promtool not installed (Debian package prometheus); not checked by it");
        return false;
    }
    TempDir dir;
    const std::string file = dir.file("vpcprobe.prom");
    std::ofstream(file, std::ios::binary) << text;
    const RunResult result =
        run_command({"/bin/sh", "-c", std::string(promtool) + " check metrics < '" + file + "'"},
                    std::chrono::seconds(60));
    INFO("promtool stdout: " << result.out << "\npromtool stderr: " << result.err);
    CHECK(result.exit_code == 0);
    CHECK(result.out.empty());
    CHECK(result.err.empty());
    return true;
}

std::string kafka_labels() {
    return "component=\"kafka\",access=\"vpc\",host=\"" + kKafkaHost + "\",port=\"9095\"";
}

// The vpcprobe_target_cause lines of one target whose cause is `cause` ("" for none).
std::string cause_lines(const std::string& labels, const std::string& cause) {
    std::string out;
    for (const auto& code : kCauseCodes) {
        out += "vpcprobe_target_cause{" + labels + ",cause=\"" + code + "\"} " +
               (code == cause ? "1" : "0") + "\n";
    }
    return out;
}

// A report built by hand: one target with the given verdict, no evidence.
Report verdict_report(StageStatus status, Cause cause) {
    Report report;
    report.agent = agent_info();
    TargetReport target;
    target.target = make_target("kafka", kKafkaHost, 9095);
    target.status = status;
    if (cause != Cause::none) target.cause = TargetCause{cause, stage_of(cause), "", {}, ""};
    target.evidence.target = target.target;
    report.targets.push_back(target);
    report.summary =
        Summary{status == StageStatus::ok ? 1 : 0, status == StageStatus::warning ? 1 : 0,
                status == StageStatus::failed ? 1 : 0};
    return report;
}

std::map<std::string, std::string> cause_values(const Exposition& metrics) {
    std::map<std::string, std::string> out;
    for (const auto& sample : metrics.of("vpcprobe_target_cause")) {
        REQUIRE(out.count(sample.labels.at("cause")) == 0);
        out[sample.labels.at("cause")] = sample.value;
    }
    return out;
}

}  // namespace

TEST_CASE("prometheus: the exact text of a known report") {
    const std::string registry =
        "component=\"schema-registry\",access=\"vpc\",host=\"" + kRegistryHost + "\",port=\"8081\"";
    const std::string mds_labels =
        "component=\"mds\",access=\"vpc\",host=\"" + kKafkaHost + "\",port=\"8090\"";
    const std::string connect =
        "component=\"connect\",access=\"vpc\",host=\"" + kConnectHost + "\",port=\"8083\"";
    const std::string kafka = kafka_labels();

    std::string expected =
        "# HELP vpcprobe_build_info Always 1; the version label says which vpcprobe ran the "
        "check.\n"
        "# TYPE vpcprobe_build_info gauge\n"
        "vpcprobe_build_info{version=\"0.1.0\"} 1\n"
        "# HELP vpcprobe_agent_info Always 1; the agent label is this agent's name, the others "
        "its labels from the config.\n"
        "# TYPE vpcprobe_agent_info gauge\n"
        "vpcprobe_agent_info{agent=\"bastion-1\"} 1\n"  // no name configured: the hostname
        "# HELP vpcprobe_check_timestamp_seconds When the check started, in Unix seconds (the "
        "value, not a sample timestamp).\n"
        "# TYPE vpcprobe_check_timestamp_seconds gauge\n"
        "vpcprobe_check_timestamp_seconds 1795341600.123\n"  // 2026-11-22T10:00:00.123Z
        "# HELP vpcprobe_check_duration_seconds How long the whole check took, in seconds.\n"
        "# TYPE vpcprobe_check_duration_seconds gauge\n"
        "vpcprobe_check_duration_seconds 1.2346\n"  // 1234.56 ms, rounded to 0.1 ms
        "# HELP vpcprobe_targets Targets of the check by status.\n"
        "# TYPE vpcprobe_targets gauge\n"
        "vpcprobe_targets{status=\"ok\"} 1\n"
        "vpcprobe_targets{status=\"warning\"} 1\n"
        "vpcprobe_targets{status=\"failed\"} 2\n"
        "# HELP vpcprobe_target_info Always 1; the origin label says where the target came "
        "from.\n"
        "# TYPE vpcprobe_target_info gauge\n";
    for (const auto& labels : {kafka, registry, mds_labels, connect}) {
        expected += "vpcprobe_target_info{" + labels + ",origin=\"catalog\"} 1\n";
    }
    expected +=
        "# HELP vpcprobe_target_up 1 when the target is usable (status ok or warning), 0 when "
        "it failed.\n"
        "# TYPE vpcprobe_target_up gauge\n"
        "vpcprobe_target_up{" +
        kafka +
        "} 1\n"
        "vpcprobe_target_up{" +
        registry +
        "} 0\n"
        "vpcprobe_target_up{" +
        mds_labels +
        "} 1\n"
        "vpcprobe_target_up{" +
        connect +
        "} 0\n"
        "# HELP vpcprobe_target_status 1 for the target's status (ok, warning or failed), 0 for "
        "the others.\n"
        "# TYPE vpcprobe_target_status gauge\n";
    const std::pair<std::string, std::string> statuses[] = {
        {kafka, "ok"}, {registry, "failed"}, {mds_labels, "warning"}, {connect, "failed"}};
    for (const auto& [labels, status] : statuses) {
        for (const std::string each : {"ok", "warning", "failed"}) {
            expected += "vpcprobe_target_status{" + labels + ",status=\"" + each + "\"} " +
                        (each == status ? "1" : "0") + "\n";
        }
    }
    expected +=
        "# HELP vpcprobe_target_cause 1 for the cause code of a target that failed or warned, 0 "
        "for every other code; all 0 when the target is ok.\n"
        "# TYPE vpcprobe_target_cause gauge\n" +
        cause_lines(kafka, "") + cause_lines(registry, "tcp.timeout") +
        cause_lines(mds_labels, "cert.expiring_soon") + cause_lines(connect, "dns.nxdomain");
    expected +=
        "# HELP vpcprobe_stage_duration_seconds How long each stage that ran took, in seconds "
        "(tcp to protocol: the shown address).\n"
        "# TYPE vpcprobe_stage_duration_seconds gauge\n"
        // dns 2.04 ms, tcp 1.26 ms, tls 4 ms, certificate 0 ms; protocol skipped: no sample
        "vpcprobe_stage_duration_seconds{" +
        kafka +
        ",stage=\"dns\"} 0.002\n"
        "vpcprobe_stage_duration_seconds{" +
        kafka +
        ",stage=\"tcp\"} 0.0013\n"
        "vpcprobe_stage_duration_seconds{" +
        kafka +
        ",stage=\"tls\"} 0.004\n"
        "vpcprobe_stage_duration_seconds{" +
        kafka +
        ",stage=\"certificate\"} 0\n"
        // 3000.4 ms exactly, not 3.0003999999999995
        "vpcprobe_stage_duration_seconds{" +
        registry +
        ",stage=\"dns\"} 0.002\n"
        "vpcprobe_stage_duration_seconds{" +
        registry +
        ",stage=\"tcp\"} 3.0004\n"
        "vpcprobe_stage_duration_seconds{" +
        mds_labels +
        ",stage=\"dns\"} 0.002\n"
        "vpcprobe_stage_duration_seconds{" +
        mds_labels +
        ",stage=\"tcp\"} 0.0013\n"
        "vpcprobe_stage_duration_seconds{" +
        mds_labels +
        ",stage=\"tls\"} 0.004\n"
        "vpcprobe_stage_duration_seconds{" +
        mds_labels +
        ",stage=\"certificate\"} 0\n"
        "vpcprobe_stage_duration_seconds{" +
        connect +
        ",stage=\"dns\"} 0.005\n"
        "# HELP vpcprobe_certificate_expiry_timestamp_seconds Earliest notAfter of the "
        "certificate chain the target presented (shown address), in Unix seconds.\n"
        "# TYPE vpcprobe_certificate_expiry_timestamp_seconds gauge\n"
        // 2027-06-10T12:00:00Z; no sample for the targets that presented no chain
        "vpcprobe_certificate_expiry_timestamp_seconds{" +
        kafka +
        "} 1812628800\n"
        "vpcprobe_certificate_expiry_timestamp_seconds{" +
        mds_labels + "} 1812628800\n";

    const std::string text = render_prometheus(mixed_report());
    CHECK(text == expected);
    parse(text);
    promtool_accepts(text);
}

TEST_CASE("prometheus: families in a stable order, each announced once, all gauges") {
    Report report = mixed_report();
    Finding blocked{"firewall.port_blocked", Severity::error, "s", {}, {}, {}, "r", ""};
    Finding partial{"network.partial_reachability", Severity::warning, "s", {}, {}, {}, "r", ""};
    Finding advertised{"kafka.advertised_not_checked", Severity::info, "s", {}, {}, {}, "r", ""};
    report.findings = {partial, blocked, advertised, blocked};

    const Exposition metrics = parse(render_prometheus(report));
    const std::vector<std::string> order = {"vpcprobe_build_info",
                                            "vpcprobe_agent_info",
                                            "vpcprobe_check_timestamp_seconds",
                                            "vpcprobe_check_duration_seconds",
                                            "vpcprobe_targets",
                                            "vpcprobe_findings",
                                            "vpcprobe_target_info",
                                            "vpcprobe_target_up",
                                            "vpcprobe_target_status",
                                            "vpcprobe_target_cause",
                                            "vpcprobe_stage_duration_seconds",
                                            "vpcprobe_certificate_expiry_timestamp_seconds"};
    CHECK(metrics.families == order);
    for (const auto& family : order) {
        CHECK(metrics.type.at(family) == "gauge");
        CHECK(!metrics.help.at(family).empty());
    }

    // Findings counted per code, sorted by code whatever order the report lists them in.
    const auto findings = metrics.of("vpcprobe_findings");
    REQUIRE(findings.size() == 3);
    CHECK(findings[0].labels == std::map<std::string, std::string>{
                                    {"code", "firewall.port_blocked"}, {"severity", "error"}});
    CHECK(findings[0].value == "2");
    CHECK(findings[1].labels.at("code") == "kafka.advertised_not_checked");
    CHECK(findings[1].labels.at("severity") == "info");
    CHECK(findings[1].value == "1");
    CHECK(findings[2].labels.at("code") == "network.partial_reachability");
    CHECK(findings[2].labels.at("severity") == "warning");
    CHECK(findings[2].value == "1");

    // The same report renders to the same bytes.
    CHECK(render_prometheus(report) == render_prometheus(report));
    promtool_accepts(render_prometheus(report));
}

TEST_CASE("prometheus: every cause has its series, exactly one set for a failed target") {
    for (const Cause cause : kAllCauses) {
        INFO(code(cause));
        const auto values =
            cause_values(parse(render_prometheus(verdict_report(StageStatus::failed, cause))));
        REQUIRE(values.size() == kCauseCodes.size());
        for (const auto& each : kCauseCodes) {
            CHECK(values.at(each) == (each == code(cause) ? "1" : "0"));
        }
    }

    SECTION("an ok target has every series, all 0, and is up") {
        const Exposition metrics =
            parse(render_prometheus(verdict_report(StageStatus::ok, Cause::none)));
        const auto values = cause_values(metrics);
        REQUIRE(values.size() == kCauseCodes.size());
        CHECK(std::all_of(values.begin(), values.end(),
                          [](const auto& entry) { return entry.second == "0"; }));
        REQUIRE(metrics.of("vpcprobe_target_up").size() == 1);
        CHECK(metrics.of("vpcprobe_target_up")[0].value == "1");
    }
    SECTION("a warning target (one of two addresses refused) is up, with its cause set") {
        Report report = diagnose(
            {evidence_of(
                make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5", "10.0.0.6"}),
                {healthy("10.0.0.5", 9095), tcp_failed("10.0.0.6", 9095, Cause::tcp_refused)})},
            agent_info());
        REQUIRE(report.targets[0].status == StageStatus::warning);
        const Exposition metrics = parse(render_prometheus(report));
        CHECK(metrics.of("vpcprobe_target_up")[0].value == "1");
        const auto values = cause_values(metrics);
        CHECK(values.at("tcp.refused") == "1");
        CHECK(std::count_if(values.begin(), values.end(),
                            [](const auto& entry) { return entry.second == "1"; }) == 1);
        // The stages shown are the failing address's: tcp ran, tls did not.
        std::set<std::string> stages;
        for (const auto& sample : metrics.of("vpcprobe_stage_duration_seconds")) {
            stages.insert(sample.labels.at("stage"));
        }
        CHECK(stages == std::set<std::string>{"dns", "tcp"});
        CHECK(metrics.of("vpcprobe_certificate_expiry_timestamp_seconds").empty());
    }
}

TEST_CASE("prometheus: hostile label values are escaped and read back unchanged") {
    // A component from the command line and a broker name from a peer's Metadata can hold
    // anything; none of it may break the exposition or forge a series.
    const std::string component = "k\\a\"f\nka\"} 1\nvpcprobe_target_up{x=\"";
    const std::string host = "evil\\\"host\r\tname\x01\xff.example";
    Target target{component, "", host, 9092, "advertised"};
    Report report = diagnose({evidence_of(target, dns_ok({"10.0.0.9"}),
                                          {tcp_failed("10.0.0.9", 9092, Cause::tcp_refused)})},
                             agent_info());
    report.agent.version = "0.1.0\"\\\n";

    const std::string text = render_prometheus(report);
    CHECK(text.find("component=\"k\\\\a\\\"f\\nka\\\"} 1\\nvpcprobe_target_up{x=\\\"\"") !=
          std::string::npos);
    CHECK(text.find("\xff") == std::string::npos);  // invalid UTF-8 became U+FFFD

    const Exposition metrics = parse(text);
    const auto up = metrics.of("vpcprobe_target_up");
    REQUIRE(up.size() == 1);  // no forged series
    CHECK(up[0].labels.at("component") == component);
    CHECK(up[0].labels.at("host") == "evil\\\"host\r\tname\x01\uFFFD.example");
    CHECK(up[0].labels.at("access") == "none");  // not from the catalog: not an empty value
    CHECK(up[0].labels.at("port") == "9092");
    CHECK(metrics.of("vpcprobe_target_info")[0].labels.at("origin") == "advertised");
    CHECK(metrics.of("vpcprobe_build_info")[0].labels.at("version") == "0.1.0\"\\\n");
    promtool_accepts(text);
}

TEST_CASE("prometheus: the agent's name and labels, once, whatever the targets") {
    // One series per agent for Prometheus to join on (instance, job); no per-target family
    // carries the agent.
    Report report = mixed_report();
    report.agent.name = "app \"subnet\" a\n";
    report.agent.labels = {{"agent", "forged"}, {"subnet", "subnet-0a1b"}, {"vpc", "vpc\\0prod"}};
    const std::string text = render_prometheus(report);
    const Exposition metrics = parse(text);
    const auto info = metrics.of("vpcprobe_agent_info");
    REQUIRE(info.size() == 1);
    CHECK(info[0].value == "1");
    // A config label named `agent` cannot replace the name nor repeat the label.
    CHECK(info[0].labels == std::map<std::string, std::string>{{"agent", "app \"subnet\" a\n"},
                                                               {"subnet", "subnet-0a1b"},
                                                               {"vpc", "vpc\\0prod"}});
    CHECK(text.find("vpcprobe_agent_info{agent=\"app \\\"subnet\\\" a\\n\",subnet=\"subnet-0a1b\","
                    "vpc=\"vpc\\\\0prod\"} 1\n") != std::string::npos);
    CHECK(text.find("forged") == std::string::npos);
    for (const auto& family : metrics.families) {
        if (family == "vpcprobe_agent_info") continue;
        for (const auto& sample : metrics.of(family)) CHECK(sample.labels.count("agent") == 0);
    }
    // The same family, alone, as serve exposes it before its first check.
    CHECK(render_agent_info_family(report.agent.name, report.agent.labels,
                                   MetricsFormat::prometheus_text) ==
          text.substr(text.find("# HELP vpcprobe_agent_info"),
                      text.find("# HELP vpcprobe_check_timestamp_seconds") -
                          text.find("# HELP vpcprobe_agent_info")));
    promtool_accepts(text);
}

TEST_CASE("prometheus: certificate expiry is the earliest notAfter of the shown chain") {
    AddressEvidence address = healthy("10.0.0.5", 9095);
    address.certificate.chain[1].not_after = utc(2027, 1, 2, 3, 4, 5, 999);  // intermediate
    Report report = diagnose(
        {evidence_of(make_target("kafka", kKafkaHost, 9095), dns_ok({"10.0.0.5"}), {address})},
        agent_info());
    const auto expiry =
        parse(render_prometheus(report)).of("vpcprobe_certificate_expiry_timestamp_seconds");
    REQUIRE(expiry.size() == 1);
    CHECK(expiry[0].value == "1798859045");  // 2027-01-02T03:04:05Z, whole seconds
}

TEST_CASE("prometheus: a report without targets has only the check's families") {
    const Exposition metrics = parse(render_prometheus(diagnose({}, agent_info())));
    CHECK(metrics.families == std::vector<std::string>{"vpcprobe_build_info", "vpcprobe_agent_info",
                                                       "vpcprobe_check_timestamp_seconds",
                                                       "vpcprobe_check_duration_seconds",
                                                       "vpcprobe_targets"});
    for (const auto& sample : metrics.of("vpcprobe_targets")) CHECK(sample.value == "0");
}

TEST_CASE("prometheus: targets with the same label set are rendered once") {
    // Two names that differ only in invalid bytes are the same once made valid UTF-8; a
    // duplicate series would make node_exporter reject the whole file.
    Report report = mixed_report();
    report.targets[1].target = report.targets[0].target;
    report.targets[1].target.host = kKafkaHost + "\xff";
    report.targets[0].target.host = kKafkaHost + "\xfe";
    const Exposition metrics = parse(render_prometheus(report));
    CHECK(metrics.of("vpcprobe_target_up").size() == 3);
    CHECK(metrics.of("vpcprobe_target_cause").size() == 3 * kCauseCodes.size());
    std::set<std::pair<std::string, std::map<std::string, std::string>>> series;
    for (const auto& sample : metrics.samples) {
        CHECK(series.emplace(sample.name, sample.labels).second);
    }
}
