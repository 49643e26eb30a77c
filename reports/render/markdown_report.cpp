// SPDX-License-Identifier: Apache-2.0
#include "reports/render/markdown_report.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/markdown_text.h"
#include "reports/render/mtu_line.h"
#include "reports/render/trace_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace vpcprobe {

namespace {

// ---- Hostile text made harmless (reports/render/markdown_text.h) ----

std::string neutralised(std::string_view raw) {
    return markdown_neutralised(raw);
}

std::string md(std::string_view raw) {
    return markdown_text(raw);
}

std::string code_span(std::string_view raw, bool in_table = false) {
    return markdown_code(raw, in_table);
}

// Text inside an HTML element (the <summary> of a <details> block): entities only, since
// Markdown is not interpreted there.
std::string html(std::string_view raw) {
    const std::string text = neutralised(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '<') {
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else if (c == '&') {
            out += "&amp;";
        } else if (c == '"') {
            out += "&quot;";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// ---- Small facts ----

// "0.4 ms", "12 ms", "3.0 s".
std::string duration(double ms) {
    ms = round_ms(ms);
    if (ms < 10) return fmt::format("{:.1f} ms", ms);
    if (ms < 1000) return fmt::format("{:.0f} ms", ms);
    return fmt::format("{:.1f} s", ms / 1000);
}

// The values, each escaped with `escape`, separated by ", "; `empty` when there are none.
std::string escaped_list(const std::vector<std::string>& values,
                         std::string (*escape)(std::string_view), std::string_view empty = "none") {
    if (values.empty()) return std::string(empty);
    std::vector<std::string> out;
    out.reserve(values.size());
    for (const auto& value : values) out.push_back(escape(value));
    return join(out, ", ");
}

// "kafka (vpc-kafka-…:9095)"
std::string who(const TargetReport& target) {
    return fmt::format("{} ({})", md(target.target.component), md(target.target.endpoint()));
}

// ---- Sections ----

std::string verdict(const Report& report) {
    const std::size_t total = report.targets.size();
    if (total == 0) return "**No endpoints were checked.**";
    std::vector<std::string> failed;
    std::vector<std::string> warned;
    for (const auto& target : report.targets) {
        if (target.status == StageStatus::ok) continue;
        std::string item = who(target);
        if (target.cause) item += " \u2014 " + code_span(code(target.cause->code));
        (target.status == StageStatus::failed ? failed : warned).push_back(std::move(item));
    }
    const std::string noun = total == 1 ? "endpoint" : "endpoints";
    if (failed.empty() && warned.empty()) {
        return total == 1 ? "**The endpoint is healthy.**"
                          : fmt::format("**All {} endpoints are healthy.**", total);
    }
    std::string line;
    if (!failed.empty()) {
        line = fmt::format("**{} of {} {} failed**: {}", failed.size(), total, noun,
                           join(failed, "; "));
        if (!warned.empty()) {
            line += fmt::format("; {} with warnings: {}", warned.size(), join(warned, "; "));
        }
    } else {
        line = fmt::format("**{} of {} {} {} warnings**: {}", warned.size(), total, noun,
                           warned.size() == 1 ? "has" : "have", join(warned, "; "));
    }
    return line + ".";
}

std::string stage_cell(const StageResult& stage) {
    std::string cell(markdown_mark(stage.status));
    if (stage.cause != Cause::none && stage.status != StageStatus::ok) {
        cell += " " + code_span(code(stage.cause), true);
    }
    return cell;
}

void render_table(std::string& out, const Report& report) {
    out +=
        "| Component | Endpoint | Address | DNS | TCP | TLS | Certificate | Protocol | Status |\n";
    out += "| --- | --- | --- | :-: | :-: | :-: | :-: | :-: | --- |\n";
    static const AddressEvidence kNotProbed{};
    for (const auto& target : report.targets) {
        const AddressEvidence* shown = target.shown();
        const AddressEvidence& view = shown ? *shown : kNotProbed;
        std::string address = "\u2014";
        if (shown) {
            address = md(shown->address);
            const std::size_t others =
                target.evidence.addresses.size() - 1 + target.evidence.addresses_not_probed;
            if (others > 0) address += fmt::format(" (+{})", others);
        }
        // Days left only beside a chain that is fine or about to expire: next to a chain that
        // failed for another reason they would read as the reason.
        std::string certificate = stage_cell(view.certificate);
        const bool days_say_it = view.certificate.status == StageStatus::ok ||
                                 view.certificate.cause == Cause::cert_expiring_soon;
        if (view.certificate.days_left && days_say_it) {
            certificate += fmt::format(" {}d", *view.certificate.days_left);
        }
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} {} |\n",
                           md(target.target.component), md(target.target.endpoint()), address,
                           stage_cell(target.evidence.dns), stage_cell(view.tcp),
                           stage_cell(view.tls), certificate, stage_cell(view.protocol),
                           markdown_mark(target.status), name(target.status));
    }
}

std::string suspect_line(const Suspect& suspect) {
    std::string line = "**" + md(suspect.kind.empty() ? "unknown" : suspect.kind) + "**";
    if (!suspect.id.empty()) line += " " + code_span(suspect.id);
    if (!suspect.direction.empty()) line += " (" + md(suspect.direction) + ")";
    if (!suspect.rule.empty()) line += ", rule " + code_span(suspect.rule);
    if (!suspect.detail.empty()) line += ": " + md(suspect.detail);
    return line;
}

void render_suspects(std::string& out, const std::vector<Suspect>& suspects) {
    if (suspects.empty()) return;
    out += "- **Suspects:**\n";
    for (const auto& suspect : suspects) out += "  - " + suspect_line(suspect) + "\n";
}

// client.dns.lookup=resolve_canonical_bootstrap_servers_only: where each bootstrap's addresses
// lead the client, and how those targets fared. Nothing when no bootstrap was looked up so.
void render_canonical_section(std::string& out, const Report& report) {
    bool any = false;
    for (const auto& target : report.targets) {
        if (target.evidence.dns.canonical_names.empty()) continue;
        if (!any) out += "## Canonical names\n\n";
        any = true;
        std::string sentence = describe_canonical_lookup(target.target);
        sentence[0] = 'T';
        out += md(sentence) + ".\n\n";
        for (const CanonicalRoute& route : canonical_routes(target, report.targets)) {
            std::string line = fmt::format("- {} \u2192 {}", code_span(route.name->address),
                                           code_span(route.name->host()));
            if (route.name->name.empty()) line += " (no canonical name: the address itself)";
            if (route.target != nullptr) {
                line += fmt::format(": {} {}", markdown_mark(route.target->status),
                                    name(route.target->status));
                if (route.target->cause) line += " " + code_span(code(route.target->cause->code));
            }
            if (route.name->name.empty() && !route.name->detail.empty()) {
                line += " \u2014 " + md(route.name->detail);
            }
            out += line + "\n";
        }
        out += "\n";
    }
}

void render_findings(std::string& out, const std::vector<Finding>& findings) {
    out += "## Findings\n\n";
    if (findings.empty()) {
        out += "None.\n\n";
        return;
    }
    for (const auto& finding : findings) {
        out += fmt::format("### {} {} {}\n\n", markdown_mark(finding.severity),
                           name(finding.severity), code_span(finding.code));
        if (!finding.summary.empty()) out += md(finding.summary) + "\n\n";
        if (!finding.components.empty()) {
            out += "- **Components:** " + escaped_list(finding.components, md) + "\n";
        }
        if (!finding.targets.empty()) {
            out += "- **Targets:** " + escaped_list(finding.targets, md) + "\n";
        }
        render_suspects(out, finding.suspects);
        if (!finding.remedy.empty()) out += "- **Remedy:** " + md(finding.remedy) + "\n";
        out += "\n";
    }
}

// "- **Path:** no answer past hop 2, 10.50.2.2 (TTL 3-7 silent): `1 10.50.1.2 0.4 ms · ...`"
// for each traced address that failed; the table is under the target's evidence.
std::string path_bullets(const TargetReport& target) {
    std::string out;
    const auto& addresses = target.evidence.addresses;
    for (const auto& address : addresses) {
        if (!shows_path(address)) continue;
        const TraceEvidence& trace = *address.tcp.trace;
        const std::string label = addresses.size() > 1
                                      ? fmt::format("Path to {}:", code_span(address.address))
                                      : std::string("Path:");
        out += fmt::format("- **{}** {}", label, md(path_verdict(trace, address.tcp.address)));
        if (!trace.hops.empty()) out += ": " + code_span(compact_hops(trace));
        out += "\n";
    }
    return out;
}

void render_problems(std::string& out, const Report& report) {
    out += "## Problems\n\n";
    bool any = false;
    for (const auto& target : report.targets) {
        if (target.status == StageStatus::ok || !target.cause) continue;
        any = true;
        const TargetCause& cause = *target.cause;
        out += fmt::format("### {} {} \u2014 {}\n\n", markdown_mark(target.status),
                           md(target.target.component), md(target.target.endpoint()));
        out += fmt::format("- **Cause:** {} at the {} stage\n", code_span(code(cause.code)),
                           name(cause.stage));
        const std::string explanation = explanation_beside(cause.code, cause.summary);
        if (!explanation.empty()) out += "- **What it means:** " + md(explanation) + "\n";
        if (!cause.summary.empty()) out += "- **Observed:** " + md(cause.summary) + "\n";
        out += path_bullets(target);
        if (const std::string mtu = mtu_retry_line(target); !mtu.empty()) {
            out += "- **Retried:** " + md(mtu) + "\n";
        }
        render_suspects(out, cause.suspects);
        if (!cause.remedy.empty()) out += "- **What to do:** " + md(cause.remedy) + "\n";
        out += "\n";
    }
    if (!any) out += "None.\n\n";
}

// The client configuration the check was made as, the trust and the certificate presented.
void render_client(std::string& out, const AgentInfo& agent) {
    if (agent.client_config) {
        const ClientConfigInfo& config = *agent.client_config;
        out += "- **Checked as configured in:** " + code_span(config.path) + " (" +
               md(config.format) + ")\n";
        for (const std::string& note : config.notes) out += "  - " + md(note) + "\n";
        if (!config.keys_not_used.empty()) {
            out +=
                "- **Client keys not used:** " + escaped_list(config.keys_not_used, md, "") + "\n";
        }
    }
    if (!agent.tls) return;
    out += "- **Trust anchors:** " + md(agent.tls->trust) + "\n";
    if (agent.tls->client_certificate) {
        out += "- **Client certificate:** " + md(agent.tls->client_certificate->subject) +
               " (issued by " + md(agent.tls->client_certificate->issuer) + ") from " +
               md(agent.tls->client_certificate_source) + "\n";
    }
}

void render_environment(std::string& out, const AgentInfo& agent) {
    out += "## Environment\n\n";
    out +=
        "- **Agent:** " + (agent.shown_name().empty() ? "unknown" : md(agent.shown_name())) + "\n";
    if (!agent.labels.empty()) {
        std::vector<std::string> pairs;
        for (const AgentLabel& label : agent.labels) {
            pairs.push_back(code_span(label.name + "=" + label.value));
        }
        out += "- **Agent labels:** " + join(pairs, ", ") + "\n";
    }
    out += "- **Agent host:** " + (agent.hostname.empty() ? "unknown" : md(agent.hostname)) + "\n";
    out +=
        "- **vpcprobe version:** " + (agent.version.empty() ? "unknown" : md(agent.version)) + "\n";
    out += "- **Source addresses:** " + escaped_list(agent.source_addresses, md, "unknown") + "\n";
    out += "- **Resolvers:** " + escaped_list(agent.resolvers, md, "system default") + "\n";
    out += "- **Started at:** " + rfc3339(agent.started_at) + "\n";
    out += "- **Duration:** " + duration(agent.duration_ms) + "\n";
    if (const std::string at_once = describe_concurrency(agent); !at_once.empty()) {
        out += "- **Concurrency:** " + md(at_once) + "\n";
    }
    if (!agent.command_line.empty()) {
        out += "- **Command line:** " + code_span(agent.command_line) + "\n";
    }
    render_client(out, agent);
    for (const std::string& note : agent.plan_notes) out += "- **Plan:** " + md(note) + "\n";
    out += "\n";
}

// ---- Evidence ----

std::string stage_line(std::string_view label, const StageResult& stage) {
    std::string line = fmt::format("{}: {}", label, name(stage.status));
    if (stage.cause != Cause::none) line += fmt::format(" ({})", code(stage.cause));
    if (stage.status != StageStatus::skipped) line += ", " + duration(stage.ms);
    return line;
}

void detail_line(std::string& out, std::string_view indent, const StageResult& stage) {
    if (!stage.detail.empty())
        out += fmt::format("{}  detail: {}\n", indent, neutralised(stage.detail));
}

// The values neutralised, separated by ", ".
std::string neutralised_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    for (const auto& value : values) out.push_back(neutralised(value));
    return join(out, ", ");
}

// The path trace in the evidence text (Markdown's fenced block, JUnit's failure body): where
// the packets die, the flow it used, and the hops in one line.
void render_trace(std::string& out, const TcpEvidence& tcp) {
    if (!tcp.trace) return;
    const TraceEvidence& trace = *tcp.trace;
    out += fmt::format("    trace: {}; stopped: {}, from {} port {}, {}\n",
                       neutralised(path_verdict(trace, tcp.address)), name(trace.stopped),
                       neutralised(trace.source_address.empty() ? "?" : trace.source_address),
                       trace.source_port, duration(trace.ms));
    if (!trace.hops.empty())
        out += fmt::format("      hops: {}\n", neutralised(compact_hops(trace)));
}

void render_tcp(std::string& out, const TcpEvidence& tcp) {
    std::string line = "  " + stage_line("tcp", tcp);
    if (!tcp.address.empty()) line += ", to " + neutralised(tcp.address);
    if (!tcp.local_address.empty()) line += ", from " + neutralised(tcp.local_address);
    if (tcp.error_number != 0) line += fmt::format(", errno {}", tcp.error_number);
    out += line + "\n";
    if (tcp.icmp) {
        out += fmt::format("    icmp: origin {} type {} code {}", tcp.icmp->origin, tcp.icmp->type,
                           tcp.icmp->code);
        if (!tcp.icmp->offender.empty()) out += " from " + neutralised(tcp.icmp->offender);
        out += "\n";
    }
    detail_line(out, "  ", tcp);
    render_trace(out, tcp);
}

void render_tls(std::string& out, const TlsEvidence& tls) {
    std::string line = "  " + stage_line("tls", tls);
    if (!tls.version.empty()) line += ", " + neutralised(tls.version);
    if (!tls.cipher.empty()) line += ", " + neutralised(tls.cipher);
    out += line + "\n";
    if (!tls.alert.empty()) out += "    alert: " + neutralised(tls.alert) + "\n";
    if (tls.client_certificate_requested) {
        out += "    client certificate requested; CAs it accepts: " +
               neutralised(tls.client_ca_names.empty() ? std::string("none named")
                                                       : join(tls.client_ca_names, "; ")) +
               "\n";
        out += "    client certificate presented: " +
               neutralised(tls.client_certificate ? tls.client_certificate->subject
                                                  : std::string("none")) +
               "\n";
    }
    detail_line(out, "  ", tls);
}

void render_certificate(std::string& out, const CertificateEvidence& certificate) {
    std::string line = "  " + stage_line("certificate", certificate);
    if (certificate.days_left) {
        const int days = *certificate.days_left;
        line += days < 0 ? fmt::format(", expired {} ago",
                                       counted(static_cast<std::size_t>(-days), "day", "days"))
                         : fmt::format(", {} left",
                                       counted(static_cast<std::size_t>(days), "day", "days"));
    }
    out += line + "\n";
    detail_line(out, "  ", certificate);
    for (std::size_t depth = 0; depth < certificate.chain.size(); ++depth) {
        const CertificateInfo& info = certificate.chain[depth];
        out += fmt::format("    [{}] subject: {}\n", depth, neutralised(info.subject));
        out += fmt::format("        issuer:  {}\n", neutralised(info.issuer));
        if (!info.sans.empty()) out += "        sans:    " + neutralised_list(info.sans) + "\n";
        out += fmt::format("        valid:   {} .. {}\n", rfc3339(info.not_before),
                           rfc3339(info.not_after));
        if (!info.sha256.empty()) out += "        sha256:  " + neutralised(info.sha256) + "\n";
        if (info.self_issued) out += "        self-issued\n";
    }
    for (const auto& error : certificate.verify_errors) {
        out += fmt::format("    verify error at depth {}: {} {}\n", error.depth, error.code,
                           neutralised(error.text));
    }
}

void render_kafka(std::string& out, const KafkaEvidence& kafka) {
    if (kafka.api_versions_version >= 0) {
        out += fmt::format("    ApiVersions v{}: {}\n", kafka.api_versions_version,
                           counted(kafka.apis.size(), "API", "APIs"));
    }
    if (!kafka.sasl_mechanism.empty()) {
        out += fmt::format("    SASL {}: {}\n", neutralised(kafka.sasl_mechanism),
                           kafka.authenticated ? "authenticated" : "not authenticated");
    }
    if (kafka.metadata_checked) {
        out += fmt::format("    Metadata v{}: cluster {}, controller {}\n", kafka.metadata_version,
                           kafka.cluster_id ? neutralised(*kafka.cluster_id) : "-",
                           kafka.controller_id);
    } else if (!kafka.metadata_not_checked.empty()) {
        out += "    Metadata not read: " + neutralised(kafka.metadata_not_checked) + "\n";
    }
    for (const auto& broker : kafka.brokers) {
        out += fmt::format("    advertised broker: node {} {}:{}{}\n", broker.node_id,
                           neutralised(broker.host), broker.port,
                           broker.rack ? " rack " + neutralised(*broker.rack) : "");
    }
}

void render_http(std::string& out, const HttpEvidence& http) {
    std::string about = fmt::format("    HTTP {} {}: {} {}", neutralised(http.method),
                                    neutralised(http.path), http.status, neutralised(http.reason));
    if (!http.server.empty()) about += ", server " + neutralised(http.server);
    if (!http.service.empty()) about += ", " + neutralised(http.service);
    if (!http.version.empty()) about += " " + neutralised(http.version);
    out += about + "\n";
}

void render_protocol(std::string& out, const ProtocolEvidence& protocol) {
    std::string line = "  " + stage_line("protocol", protocol);
    if (!protocol.name.empty()) line += ", " + neutralised(protocol.name);
    out += line + "\n";
    detail_line(out, "  ", protocol);
    if (!protocol.note.empty()) out += "    note: " + neutralised(protocol.note) + "\n";
    if (protocol.kafka) render_kafka(out, *protocol.kafka);
    if (protocol.http && protocol.http->status != 0) render_http(out, *protocol.http);
}

// client.dns.lookup=resolve_canonical_bootstrap_servers_only: each address and its name.
void render_canonical_names(std::string& out, const std::vector<CanonicalName>& names) {
    if (names.empty()) return;
    out += "  canonical names (client.dns.lookup=resolve_canonical_bootstrap_servers_only):\n";
    for (const auto& name : names) {
        out += fmt::format("    {} -> {}{}\n", neutralised(name.address), neutralised(name.host()),
                           name.name.empty() ? " (no canonical name: the address itself)" : "");
        if (!name.detail.empty()) out += "      detail: " + neutralised(name.detail) + "\n";
    }
}

void render_address(std::string& out, const AddressEvidence& address) {
    out += fmt::format("address {}\n", neutralised(address.address));
    render_tcp(out, address.tcp);
    render_tls(out, address.tls);
    render_certificate(out, address.certificate);
    render_protocol(out, address.protocol);
}

}  // namespace

std::string render_evidence_text(const TargetReport& target) {
    const Target& t = target.target;
    std::string out =
        fmt::format("target: {} {}", neutralised(t.component), neutralised(t.endpoint()));
    std::vector<std::string> about;
    if (!t.access.empty()) about.push_back("access " + neutralised(t.access));
    if (!t.origin.empty()) about.push_back("origin " + neutralised(t.origin));
    if (!t.advertised_by.empty()) {
        about.push_back(
            fmt::format("node {} advertised by {}", t.node_id, neutralised(t.advertised_by)));
    }
    if (!t.canonical_of.empty()) {
        about.push_back("a canonical name of the addresses of " + neutralised(t.canonical_of));
    }
    if (!t.tls) about.push_back("plaintext");
    if (!about.empty()) out += " (" + join(about, ", ") + ")";
    out += fmt::format("\nstatus: {}", name(target.status));
    if (target.cause) out += fmt::format(" ({})", code(target.cause->code));
    out += "\n";

    const DnsEvidence& dns = target.evidence.dns;
    std::string line = stage_line("dns", dns);
    if (!dns.source.empty()) line += ", source " + neutralised(dns.source);
    if (dns.ares_status_a != 0 || dns.ares_status_aaaa != 0) {
        line += fmt::format(", ares_status A={} AAAA={}", dns.ares_status_a, dns.ares_status_aaaa);
    }
    out += line + "\n";
    if (!dns.addresses.empty()) out += "  addresses: " + neutralised_list(dns.addresses) + "\n";
    detail_line(out, "", dns);
    render_canonical_names(out, dns.canonical_names);

    for (const auto& address : target.evidence.addresses) render_address(out, address);
    if (target.evidence.addresses_not_probed > 0) {
        out += fmt::format("{} not probed\n", counted(target.evidence.addresses_not_probed,
                                                      "more address", "more addresses"));
    }
    return out;
}

// Below a failed or warned target's evidence, each traced address's path as a table, one row
// per hop and one per run of silent TTLs (docs/report.md, "Path trace").
std::string path_tables(const TargetReport& target) {
    if (target.status != StageStatus::failed && target.status != StageStatus::warning) return "";
    std::string out;
    for (const auto& address : target.evidence.addresses) {
        if (!shows_path(address) || address.tcp.trace->hops.empty()) continue;
        const TraceEvidence& trace = *address.tcp.trace;
        out +=
            fmt::format("Path to {}: {}\n\n| TTL | address | RTT | reply |\n|---|---|---|---|\n",
                        code_span(address.address), md(path_verdict(trace, address.tcp.address)));
        for (const auto& run : hop_runs(trace)) {
            const TraceHop& hop = *run.hop;
            const std::string ttl = hop.ttl == run.last_ttl
                                        ? std::to_string(hop.ttl)
                                        : fmt::format("{}-{}", hop.ttl, run.last_ttl);
            if (!hop.answered()) {
                out += fmt::format("| {} | * | | no answer |\n", ttl);
                continue;
            }
            out += fmt::format("| {} | {} | {} | {} |\n", ttl, code_span(hop.address, true),
                               rtt_text(hop.rtt_ms), code_span(hop.reply, true));
        }
        out += "\n";
    }
    return out;
}

std::string render_markdown(const Report& report) {
    std::string out = verdict(report) + "\n\n";

    out += "## Endpoints\n\n";
    if (report.targets.empty()) {
        out += "None.\n\n";
    } else {
        render_table(out, report);
        out += fmt::format("\n{} ok, {}, {} failed.\n\n", report.summary.ok,
                           counted(report.summary.warning, "warning", "warnings"),
                           report.summary.failed);
    }

    render_canonical_section(out, report);
    render_findings(out, report.findings);
    render_problems(out, report);
    render_environment(out, report.agent);

    if (!report.targets.empty()) {
        out += "## Evidence\n\n";
        for (const auto& target : report.targets) {
            const std::string evidence = render_evidence_text(target);
            const std::string fence(std::max<std::size_t>(3, longest_backtick_run(evidence) + 1),
                                    '`');
            out += fmt::format("<details><summary>{} {} ({})</summary>\n\n",
                               html(target.target.component), html(target.target.endpoint()),
                               name(target.status));
            out += fence + "text\n" + evidence + fence + "\n\n" + path_tables(target);
            out += "</details>\n\n";
        }
    }
    // One trailing newline, not a blank line.
    while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
        out.pop_back();
    }
    return out;
}

}  // namespace vpcprobe
