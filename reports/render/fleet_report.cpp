// SPDX-License-Identifier: Apache-2.0
#include "reports/render/fleet_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "core/address.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/json_report.h"
#include "reports/render/json_writer.h"
#include "reports/render/markdown_text.h"

namespace vpcprobe {
namespace {

std::string endpoint_of(const FleetTarget& target) {
    return endpoint_text(target.host, target.port);
}

// "app-a (10.61.1.2)": the agent and the address it probed from.
std::string agent_heading(const FleetAgent& agent) {
    if (agent.source_addresses.empty()) return agent.name;
    return fmt::format("{} ({})", agent.name, join(agent.source_addresses, ", "));
}

std::string labels_text(const std::vector<AgentLabel>& labels) {
    std::vector<std::string> pairs;
    for (const AgentLabel& label : labels) pairs.push_back(label.name + "=" + label.value);
    return join(pairs, ", ");
}

std::size_t checked_cells(const FleetReport& report) {
    return static_cast<std::size_t>(report.summary.ok + report.summary.warning +
                                    report.summary.failed);
}

// "3 agents, 4 targets: 2 of 12 checks failed, 1 warned".
std::string overview(const FleetReport& report) {
    std::string line = fmt::format("{} agent{}, {} target{}: ", report.agents.size(),
                                   report.agents.size() == 1 ? "" : "s", report.targets.size(),
                                   report.targets.size() == 1 ? "" : "s");
    if (report.summary.failed == 0 && report.summary.warning == 0) {
        return line + fmt::format("all {} checks ok", checked_cells(report));
    }
    line += fmt::format("{} of {} checks failed", report.summary.failed, checked_cells(report));
    if (report.summary.warning > 0) line += fmt::format(", {} warned", report.summary.warning);
    return line;
}

// What a cell says in words: "ok", "failed tcp.timeout", "not checked".
std::string cell_text(const std::optional<FleetCell>& cell) {
    if (!cell) return "not checked";
    if (cell->status == StageStatus::ok) return "ok";
    return fmt::format("{} {}", name(cell->status), cell->cause_code);
}

// The finding's heading: its code, and the agent it came from when it is one agent's.
std::string finding_title(const FleetFinding& found) {
    if (found.agent.empty()) return found.finding.code;
    return fmt::format("{} (from {})", found.finding.code, found.agent);
}

// ---- Text ----------------------------------------------------------------------------------

// Columns padded to their widest cell (code points, after printable()).
std::string text_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    const auto width = [](const std::string& text) {
        return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
            return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }));
    };
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line = " ";
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += " " + row[i];
            if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 1, ' ');
        }
        out += line + "\n";
    }
    return out;
}

std::string text_matrix(const FleetReport& report) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> heading = {"agent"};
    for (std::size_t i = 0; i < report.targets.size(); ++i) {
        heading.push_back(fmt::format("[{}] {}", i + 1, printable(report.targets[i].component)));
    }
    rows.push_back(heading);
    for (std::size_t agent = 0; agent < report.agents.size(); ++agent) {
        std::vector<std::string> row = {printable(agent_heading(report.agents[agent]))};
        for (const FleetTarget& target : report.targets) {
            row.push_back(printable(cell_text(target.cells[agent])));
        }
        rows.push_back(row);
    }
    std::string out = text_table(rows);
    for (std::size_t i = 0; i < report.targets.size(); ++i) {
        out += fmt::format("  [{}] {} {}\n", i + 1, printable(report.targets[i].component),
                           printable(endpoint_of(report.targets[i])));
    }
    return out;
}

std::string text_findings(const FleetReport& report) {
    if (report.findings.empty()) return "findings: none\n";
    std::string out = "findings:\n";
    for (const FleetFinding& found : report.findings) {
        out += fmt::format("  {} {}: {}\n", name(found.finding.severity),
                           printable(finding_title(found)), printable(found.finding.summary));
        if (!found.finding.remedy.empty()) {
            out += fmt::format("    remedy: {}\n", printable(found.finding.remedy));
        }
    }
    return out;
}

// Each cell that is not ok, with what the agent observed.
std::string text_causes(const FleetReport& report) {
    std::string out;
    for (std::size_t agent = 0; agent < report.agents.size(); ++agent) {
        for (const FleetTarget& target : report.targets) {
            const auto& cell = target.cells[agent];
            if (!cell || cell->status == StageStatus::ok) continue;
            out += fmt::format("  {} -> {} {}: {} {}\n", printable(report.agents[agent].name),
                               printable(target.component), printable(endpoint_of(target)),
                               cell->cause_code, printable(cell->cause_summary));
        }
    }
    return out.empty() ? out : "causes:\n" + out;
}

std::string text_agents(const FleetReport& report) {
    std::string out = "agents:\n";
    for (const FleetAgent& agent : report.agents) {
        out += fmt::format("  {}: host {}, from {}", printable(agent.name),
                           printable(agent.hostname), printable(agent.source));
        if (!agent.started_at.empty()) out += fmt::format(", {}", printable(agent.started_at));
        if (!agent.labels.empty()) {
            out += fmt::format(", labels {}", printable(labels_text(agent.labels)));
        }
        if (!agent.subnet.empty()) out += fmt::format(", subnet {}", printable(agent.subnet));
        if (!agent.security_groups.empty()) {
            out +=
                fmt::format(", security groups {}", printable(join(agent.security_groups, ", ")));
        }
        out += "\n";
    }
    return out;
}

// ---- Markdown ------------------------------------------------------------------------------

std::string markdown_cell(const std::optional<FleetCell>& cell) {
    if (!cell) return "\u2796 not checked";  // ➖
    if (cell->status == StageStatus::ok) return std::string(markdown_mark(cell->status)) + " ok";
    return fmt::format("{} {}", markdown_mark(cell->status), markdown_code(cell->cause_code, true));
}

std::string markdown_matrix(const FleetReport& report) {
    std::string out = "## Matrix\n\n| agent | source |";
    for (const FleetTarget& target : report.targets) {
        out += fmt::format(" {} {} |", markdown_text(target.component),
                           markdown_code(endpoint_of(target), true));
    }
    out += "\n| --- | --- |";
    for (std::size_t i = 0; i < report.targets.size(); ++i) out += " --- |";
    out += "\n";
    for (std::size_t agent = 0; agent < report.agents.size(); ++agent) {
        const FleetAgent& who = report.agents[agent];
        out += fmt::format("| {} | {} |", markdown_text(who.name),
                           who.source_addresses.empty()
                               ? std::string("unknown")
                               : markdown_text(join(who.source_addresses, ", ")));
        for (const FleetTarget& target : report.targets) {
            out += fmt::format(" {} |", markdown_cell(target.cells[agent]));
        }
        out += "\n";
    }
    return out + "\n";
}

void markdown_fleet_facts(std::string& out, const FleetFinding& found) {
    if (!found.failing_agents.empty()) {
        std::vector<std::string> failing;
        for (std::size_t i = 0; i < found.failing_agents.size(); ++i) {
            failing.push_back(fmt::format("{} ({})", markdown_text(found.failing_agents[i]),
                                          markdown_code(found.failing_causes[i])));
        }
        out += fmt::format("- **Fails from:** {}\n", join(failing, ", "));
    }
    if (!found.working_agents.empty()) {
        out +=
            fmt::format("- **Works from:** {}\n", markdown_text(join(found.working_agents, ", ")));
    }
    if (found.in_common && !found.in_common->empty()) {
        std::vector<std::string> parts;
        if (!found.in_common->subnet.empty()) {
            parts.push_back(
                fmt::format("source subnet {}", markdown_code(found.in_common->subnet)));
        }
        for (const AgentLabel& label : found.in_common->labels) {
            parts.push_back(fmt::format("label {}", markdown_code(label.name + "=" + label.value)));
        }
        for (const std::string& group : found.in_common->security_groups) {
            parts.push_back(fmt::format("security group {}", markdown_code(group)));
        }
        out += fmt::format("- **In common:** {}\n", join(parts, ", "));
    }
    for (const DnsAnswer& answer : found.answers) {
        out += fmt::format("- **Answer {}:** {}\n", markdown_code(join(answer.addresses, ", ")),
                           markdown_text(join(answer.agents, ", ")));
    }
}

std::string markdown_findings(const FleetReport& report) {
    std::string out = "## Findings\n\n";
    if (report.findings.empty()) return out + "None.\n\n";
    for (const FleetFinding& found : report.findings) {
        out +=
            fmt::format("### {} {}{}\n\n", markdown_mark(found.finding.severity),
                        markdown_code(found.finding.code),
                        found.agent.empty() ? std::string()
                                            : fmt::format(" from {}", markdown_text(found.agent)));
        out += markdown_text(found.finding.summary) + "\n\n";
        markdown_fleet_facts(out, found);
        for (const Suspect& suspect : found.finding.suspects) {
            out += fmt::format("- **Suspect:** {} {}: {}\n", markdown_text(suspect.kind),
                               markdown_code(suspect.id), markdown_text(suspect.detail));
        }
        if (!found.finding.remedy.empty()) {
            out += fmt::format("- **Remedy:** {}\n", markdown_text(found.finding.remedy));
        }
        out += "\n";
    }
    return out;
}

std::string markdown_causes(const FleetReport& report) {
    std::string out;
    for (std::size_t agent = 0; agent < report.agents.size(); ++agent) {
        for (const FleetTarget& target : report.targets) {
            const auto& cell = target.cells[agent];
            if (!cell || cell->status == StageStatus::ok) continue;
            out += fmt::format("- **{}** \u2192 {} {}: {} {}\n",
                               markdown_text(report.agents[agent].name),
                               markdown_text(target.component), markdown_code(endpoint_of(target)),
                               markdown_code(cell->cause_code), markdown_text(cell->cause_summary));
        }
    }
    return out.empty() ? out : "## Causes\n\n" + out + "\n";
}

std::string markdown_agents(const FleetReport& report) {
    std::string out =
        "## Agents\n\n| agent | host | source | labels | resolvers | started at | report |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const FleetAgent& agent : report.agents) {
        std::vector<std::string> labels;
        for (const AgentLabel& label : agent.labels) {
            labels.push_back(markdown_code(label.name + "=" + label.value, true));
        }
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", markdown_text(agent.name),
                           markdown_text(agent.hostname),
                           markdown_text(join(agent.source_addresses, ", ")), join(labels, ", "),
                           markdown_text(join(agent.resolvers, ", ")),
                           markdown_text(agent.started_at), markdown_code(agent.source, true));
    }
    return out + "\n";
}

// The first sentence a ticket reader sees.
std::string markdown_verdict(const FleetReport& report) {
    const auto count = [&](std::string_view code) {
        return std::count_if(report.findings.begin(), report.findings.end(),
                             [&](const FleetFinding& f) { return f.finding.code == code; });
    };
    std::string verdict = fmt::format("**{}**", markdown_text(overview(report)));
    std::vector<std::string> said;
    if (const auto n = count("fleet.blocked_from_some_agents"); n > 0) {
        said.push_back(fmt::format("{} blocked from some agents only",
                                   counted(static_cast<std::size_t>(n), "target", "targets")));
    }
    if (const auto n = count("fleet.blocked_from_all_agents"); n > 0) {
        said.push_back(fmt::format("{} blocked from every agent",
                                   counted(static_cast<std::size_t>(n), "target", "targets")));
    }
    if (const auto n = count("fleet.inconsistent_dns"); n > 0) {
        said.push_back(fmt::format("{} resolved differently by different agents",
                                   n == 1 ? std::string("1 name") : fmt::format("{} names", n)));
    }
    if (!said.empty()) verdict += fmt::format(": {}", join(said, "; "));
    return verdict + ".\n\n";
}

// ---- JSON ----------------------------------------------------------------------------------

namespace json = boost::json;

// An agent's own JSON (a target as it wrote it), written again through the report's writer.
void write_value(JsonWriter& w, const json::value& value) {
    switch (value.kind()) {
        case json::kind::object:
            w.begin_object();
            for (const auto& [key, member] : value.get_object()) {
                w.key_text(key);
                write_value(w, member);
            }
            w.end_object();
            return;
        case json::kind::array:
            w.begin_array();
            for (const json::value& item : value.get_array()) write_value(w, item);
            w.end_array();
            return;
        case json::kind::string:
            w.string(value.get_string());
            return;
        case json::kind::int64:
            w.number(value.get_int64());
            return;
        case json::kind::uint64:
            w.number(value.get_uint64());
            return;
        case json::kind::double_:
            w.number(value.get_double());
            return;
        case json::kind::bool_:
            w.boolean(value.get_bool());
            return;
        case json::kind::null:
            break;
    }
    w.null();
}

void texts(JsonWriter& w, std::string_view name, const std::vector<std::string>& values) {
    w.key(name);
    w.begin_array();
    for (const std::string& value : values) w.string(value);
    w.end_array();
}

void text_or_null(JsonWriter& w, std::string_view name, const std::string& value) {
    w.key(name);
    if (value.empty()) {
        w.null();
    } else {
        w.string(value);
    }
}

void labels_json(JsonWriter& w, const std::vector<AgentLabel>& labels) {
    w.key("labels");
    w.begin_object();
    for (const AgentLabel& label : labels) {
        w.key_text(label.name);
        w.string(label.value);
    }
    w.end_object();
}

void fleet_finding_json(JsonWriter& w, const FleetFinding& found) {
    w.begin_object();
    finding_members(w, found.finding);
    text_or_null(w, "agent", found.agent);
    if (!found.agent.empty()) {
        w.end_object();
        return;
    }
    texts(w, "failing_agents", found.failing_agents);
    texts(w, "failing_causes", found.failing_causes);
    texts(w, "working_agents", found.working_agents);
    w.key("in_common");
    if (found.in_common) {
        w.begin_object();
        text_or_null(w, "subnet", found.in_common->subnet);
        labels_json(w, found.in_common->labels);
        texts(w, "security_groups", found.in_common->security_groups);
        w.end_object();
    } else {
        w.null();
    }
    w.key("answers");
    w.begin_array();
    for (const DnsAnswer& answer : found.answers) {
        w.begin_object();
        texts(w, "addresses", answer.addresses);
        texts(w, "agents", answer.agents);
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void fleet_agent_json(JsonWriter& w, const FleetAgent& agent) {
    w.begin_object();
    w.member("name", agent.name);
    w.member("hostname", agent.hostname);
    texts(w, "source_addresses", agent.source_addresses);
    texts(w, "resolvers", agent.resolvers);
    labels_json(w, agent.labels);
    text_or_null(w, "started_at", agent.started_at);
    text_or_null(w, "version", agent.version);
    w.member("report", agent.source);
    text_or_null(w, "subnet", agent.subnet);
    texts(w, "security_groups", agent.security_groups);
    w.end_object();
}

void fleet_target_json(JsonWriter& w, const FleetReport& report, const FleetTarget& target) {
    w.begin_object();
    w.member("component", target.component);
    text_or_null(w, "access", target.access);
    w.member("host", target.host);
    w.member("port", target.port);
    w.key("cells");
    w.begin_array();
    for (std::size_t agent = 0; agent < target.cells.size(); ++agent) {
        const auto& cell = target.cells[agent];
        if (!cell) continue;
        w.begin_object();
        w.member("agent", report.agents[agent].name);
        w.member("status", name(cell->status));
        text_or_null(w, "cause", cell->cause_code);
        text_or_null(w, "stage", cell->cause_stage);
        text_or_null(w, "summary", cell->cause_summary);
        texts(w, "dns_addresses", cell->dns_addresses);
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void fleet_section(JsonWriter& w, const FleetReport& report) {
    w.key("fleet");
    w.begin_object();
    w.key("agents");
    w.begin_array();
    for (const FleetAgent& agent : report.agents) fleet_agent_json(w, agent);
    w.end_array();
    w.key("targets");
    w.begin_array();
    for (const FleetTarget& target : report.targets) fleet_target_json(w, report, target);
    w.end_array();
    w.end_object();
}

}  // namespace

std::string render_fleet_text(const FleetReport& report) {
    std::string out = fmt::format("vpcprobe merge: {}\n\n", printable(overview(report)));
    out += text_matrix(report) + "\n";
    out += text_findings(report);
    if (const std::string causes = text_causes(report); !causes.empty()) out += "\n" + causes;
    out += fmt::format("\n{}", text_agents(report));
    return out;
}

std::string render_fleet_markdown(const FleetReport& report) {
    std::string out = fmt::format("# vpcprobe merge\n\n{}", markdown_verdict(report));
    out += markdown_matrix(report);
    out += markdown_findings(report);
    out += markdown_causes(report);
    out += markdown_agents(report);
    out += fmt::format("Merged by vpcprobe {} on {}.\n", markdown_text(report.merged_by.version),
                       markdown_text(report.merged_by.hostname));
    return out;
}

std::string render_fleet_json(const FleetReport& report) {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    Report head;
    head.schema_version = report.schema_version;
    head.agent = report.merged_by;
    report_head_members(w, head);
    w.key("targets");
    w.begin_array();
    for (const AgentReport& agent : report.reports) {
        for (const ReadTarget& target : agent.targets) write_value(w, json::parse(target.json));
    }
    w.end_array();
    w.key("findings");
    w.begin_array();
    for (const FleetFinding& found : report.findings) fleet_finding_json(w, found);
    w.end_array();
    summary_member(w, report.summary);
    fleet_section(w, report);
    w.end_object();
    out.push_back('\n');
    return out;
}

}  // namespace vpcprobe
