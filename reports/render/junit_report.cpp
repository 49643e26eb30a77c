// SPDX-License-Identifier: Apache-2.0
#include "reports/render/junit_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/markdown_report.h"
#include "reports/render/trace_text.h"

namespace vpcprobe {

namespace {

// Valid UTF-8 without the characters XML 1.0 forbids: C0 controls other than tab, newline and
// carriage return, and U+FFFE / U+FFFF. Byte-wise: valid_utf8() leaves only well-formed
// sequences (and no surrogates).
std::string xml_chars(std::string_view raw) {
    const std::string text = valid_utf8(raw);
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r') continue;
        if (lead == 0xEF && i + 2 < text.size() &&
            static_cast<unsigned char>(text[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(text[i + 2]) == 0xBE ||
             static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
            i += 2;
            continue;
        }
        out.push_back(static_cast<char>(lead));
    }
    return out;
}

// Escaped for element content or a double- or single-quoted attribute. In attributes, tab,
// newline and carriage return become character references, which attribute-value
// normalisation would otherwise turn into spaces.
std::string xml(std::string_view raw, bool attribute = false) {
    const std::string text = xml_chars(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            case '\t':
                out += attribute ? "&#9;" : "\t";
                break;
            case '\n':
                out += attribute ? "&#10;" : "\n";
                break;
            case '\r':
                out += "&#13;";  // a raw CR in content would be normalised to LF by parsers
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string attr(std::string_view raw) {
    return xml(raw, true);
}

std::string seconds(double ms) {
    return fmt::format("{:.3f}", std::max(0.0, ms) / 1000.0);
}

double target_ms(const TargetReport& target) {
    double slowest = 0;
    for (const auto& address : target.evidence.addresses) {
        slowest = std::max(slowest, address.tcp.ms + address.tls.ms + address.certificate.ms +
                                        address.protocol.ms);
    }
    return target.evidence.dns.ms + slowest;
}

// "path: no answer past hop 2, 10.50.2.2 (TTL 3-7 silent)" for each traced address: where the
// packets die, said beside the cause (docs/report.md, "Path trace").
std::string path_lines(const TargetReport& target) {
    std::string out;
    const auto& addresses = target.evidence.addresses;
    for (const auto& address : addresses) {
        if (!shows_path(address)) continue;
        const std::string label =
            addresses.size() > 1 ? fmt::format("path to {}", address.address) : "path";
        out +=
            fmt::format("{}: {}\n", label, path_verdict(*address.tcp.trace, address.tcp.address));
    }
    return out;
}

// What a person reading the CI log needs: the cause in plain words, the facts, the suspects,
// then the raw evidence.
std::string cause_text(const TargetReport& target) {
    std::string out;
    if (target.cause) {
        const TargetCause& cause = *target.cause;
        const std::string explanation = explanation_beside(cause.code, cause.summary);
        out += fmt::format("{} at the {} stage{}\n", code(cause.code), name(cause.stage),
                           explanation.empty() ? std::string() : fmt::format(": {}", explanation));
        if (!cause.summary.empty()) out += cause.summary + "\n";
        out += path_lines(target);
        for (const auto& suspect : cause.suspects) {
            out += "suspect: " + (suspect.kind.empty() ? std::string("unknown") : suspect.kind);
            if (!suspect.id.empty()) out += " " + suspect.id;
            if (!suspect.direction.empty()) out += " (" + suspect.direction + ")";
            if (!suspect.rule.empty()) out += " rule " + suspect.rule;
            if (!suspect.detail.empty()) out += ": " + suspect.detail;
            out += "\n";
        }
        if (!cause.remedy.empty()) out += "what to do: " + cause.remedy + "\n";
        out += "\n";
    }
    return out + render_evidence_text(target);
}

void render_property(std::string& out, std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
}

void render_testcase(std::string& out, const TargetReport& target) {
    out += fmt::format("    <testcase classname=\"vpcprobe.{}\" name=\"{}\" time=\"{}\"",
                       attr(target.target.component), attr(target.target.endpoint()),
                       seconds(target_ms(target)));
    if (target.status == StageStatus::ok) {
        out += "/>\n";
        return;
    }
    out += ">\n";
    if (target.status == StageStatus::failed) {
        const std::string cause = target.cause ? std::string(code(target.cause->code)) : "failed";
        std::string message = cause;
        if (target.cause && !target.cause->summary.empty()) {
            message += ": " + target.cause->summary;
        }
        out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                           attr(message), attr(cause), xml(cause_text(target)));
    } else {
        out += fmt::format("      <system-out>WARNING {}</system-out>\n", xml(cause_text(target)));
    }
    out += "    </testcase>\n";
}

}  // namespace

std::string render_junit(const Report& report) {
    const AgentInfo& agent = report.agent;
    const std::size_t tests = report.targets.size();
    const auto failures = static_cast<std::size_t>(std::count_if(
        report.targets.begin(), report.targets.end(),
        [](const TargetReport& target) { return target.status == StageStatus::failed; }));
    // The Ant schema's timestamp has no zone; ours is UTC.
    std::string timestamp = rfc3339(agent.started_at);
    if (!timestamp.empty() && timestamp.back() == 'Z') timestamp.pop_back();
    const std::string time = seconds(agent.duration_ms);

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format(
        "<testsuites name=\"vpcprobe\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
        "time=\"{}\">\n",
        tests, failures, time);
    out += fmt::format(
        "  <testsuite name=\"vpcprobe\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
        "time=\"{}\" timestamp=\"{}\" hostname=\"{}\">\n",
        tests, failures, time, timestamp,
        attr(agent.hostname.empty() ? "unknown" : agent.hostname));
    out += "    <properties>\n";
    render_property(out, "hostname", agent.hostname);
    render_property(out, "version", agent.version);
    render_property(
        out, "resolvers",
        agent.resolvers.empty() ? std::string("system default") : join(agent.resolvers, ", "));
    render_property(out, "source_addresses", join(agent.source_addresses, ", "));
    render_property(out, "started_at", rfc3339_ms(agent.started_at));
    if (!agent.command_line.empty()) render_property(out, "command_line", agent.command_line);
    out += "    </properties>\n";
    for (const auto& target : report.targets) render_testcase(out, target);
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace vpcprobe
