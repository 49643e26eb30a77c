// SPDX-License-Identifier: Apache-2.0
#include "reports/render/text_report.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/mtu_line.h"
#include "reports/render/trace_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>

namespace vpcprobe {

namespace {

// ---- Terminal-safe text and its display width ----

// Decodes one code point of valid UTF-8 at `i` and advances `i` past it.
char32_t next_code_point(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t point = length == 1   ? lead
                     : length == 2 ? lead & 0x1Fu
                     : length == 3 ? lead & 0x0Fu
                                   : lead & 0x07u;
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
        point = (point << 6) | (byte(i + k) & 0x3Fu);
    }
    i += length;
    return point;
}

void append_utf8(std::string& out, char32_t point) {
    if (point < 0x80) {
        out.push_back(static_cast<char>(point));
    } else if (point < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (point >> 6)));
        out.push_back(static_cast<char>(0x80 | (point & 0x3F)));
    } else if (point < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (point >> 12)));
        out.push_back(static_cast<char>(0x80 | ((point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (point & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (point >> 18)));
        out.push_back(static_cast<char>(0x80 | ((point >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (point & 0x3F)));
    }
}

// What a peer or certificate said, made harmless for a terminal: valid UTF-8, white space as
// a plain space, every other control character (ESC, BEL, C1 controls such as CSI) as U+FFFD.
std::string safe(std::string_view raw) {
    const std::string text = valid_utf8(raw);
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t point = next_code_point(text, i);
        if (point == U'\t' || point == U'\n' || point == U'\r') {
            out.push_back(' ');
        } else if (point < 0x20 || (point >= 0x7F && point <= 0x9F)) {
            append_utf8(out, U'\uFFFD');
        } else {
            append_utf8(out, point);
        }
    }
    return out;
}

// The values made terminal-safe, separated by ", ".
std::string safe_list(const std::vector<std::string>& values) {
    std::vector<std::string> out;
    out.reserve(values.size());
    for (const auto& value : values) out.push_back(safe(value));
    return join(out, ", ");
}

bool in(char32_t point, char32_t low, char32_t high) {
    return point >= low && point <= high;
}

// Columns a code point takes on a terminal: 0 for combining marks and zero-width characters,
// 2 for East Asian wide and fullwidth characters and emoji, else 1. A compact table of the
// common ranges (wcwidth() would depend on the process locale).
int code_point_width(char32_t point) {
    if (in(point, 0x0300, 0x036F) || in(point, 0x1AB0, 0x1AFF) || in(point, 0x1DC0, 0x1DFF) ||
        in(point, 0x20D0, 0x20FF) || in(point, 0xFE20, 0xFE2F) || in(point, 0x200B, 0x200F) ||
        in(point, 0xFE00, 0xFE0F) || point == 0x2060 || point == 0xFEFF) {
        return 0;
    }
    if (in(point, 0x1100, 0x115F) || in(point, 0x2E80, 0x303E) || in(point, 0x3041, 0x33FF) ||
        in(point, 0x3400, 0x4DBF) || in(point, 0x4E00, 0x9FFF) || in(point, 0xA000, 0xA4CF) ||
        in(point, 0xAC00, 0xD7A3) || in(point, 0xF900, 0xFAFF) || in(point, 0xFE30, 0xFE4F) ||
        in(point, 0xFF00, 0xFF60) || in(point, 0xFFE0, 0xFFE6) || in(point, 0x1F300, 0x1F64F) ||
        in(point, 0x1F900, 0x1F9FF) || in(point, 0x20000, 0x3FFFD)) {
        return 2;
    }
    return 1;
}

// Display width of terminal-safe text (no escape sequences in it).
std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        width += static_cast<std::size_t>(code_point_width(next_code_point(text, i)));
    }
    return width;
}

// ---- Colour ----

enum class Tone { plain, good, warn, bad, dim, bold };

struct Painter {
    bool color;
    std::string operator()(Tone tone, std::string_view text) const {
        if (!color || tone == Tone::plain || text.empty()) return std::string(text);
        std::string_view start = tone == Tone::good   ? "\x1b[32m"
                                 : tone == Tone::warn ? "\x1b[33m"
                                 : tone == Tone::bad  ? "\x1b[31m"
                                 : tone == Tone::dim  ? "\x1b[2m"
                                                      : "\x1b[1m";
        return fmt::format("{}{}\x1b[0m", start, text);
    }
};

Tone tone_of(StageStatus status) {
    switch (status) {
        case StageStatus::ok:
            return Tone::good;
        case StageStatus::warning:
            return Tone::warn;
        case StageStatus::failed:
            return Tone::bad;
        case StageStatus::skipped:
            return Tone::dim;
    }
    return Tone::plain;
}

std::string_view mark(StageStatus status) {
    switch (status) {
        case StageStatus::ok:
            return "\u2713";  // ✓
        case StageStatus::warning:
            return "!";
        case StageStatus::failed:
            return "\u2717";  // ✗
        case StageStatus::skipped:
            return "\u00B7";  // ·
    }
    return "?";
}

// "0.4ms", "12ms", "3.0s": precise where it is small, short where it is large.
std::string duration(double ms) {
    ms = round_ms(ms);
    if (ms < 10) return fmt::format("{:.1f}ms", ms);
    if (ms < 1000) return fmt::format("{:.0f}ms", ms);
    return fmt::format("{:.1f}s", ms / 1000);
}

// ---- The table ----

// One table cell: its text (terminal-safe, no colour) and how to colour it.
struct Cell {
    std::string text;
    Tone tone = Tone::plain;
};

Cell stage_cell(const StageResult& stage, std::string fact) {
    std::string text(mark(stage.status));
    if (stage.status != StageStatus::skipped && !fact.empty()) text += " " + fact;
    return {text, tone_of(stage.status)};
}

Cell timed_cell(const StageResult& stage) {
    return stage_cell(stage, duration(stage.ms));
}

Cell certificate_cell(const CertificateEvidence& certificate) {
    return stage_cell(certificate, certificate_fact(certificate));
}

Cell status_cell(StageStatus status) {
    switch (status) {
        case StageStatus::ok:
            return {"ok", Tone::good};
        case StageStatus::warning:
            return {"warning", Tone::warn};
        default:
            return {"FAILED", Tone::bad};
    }
}

std::vector<Cell> row_of(const TargetReport& target, bool first_of_component) {
    static const AddressEvidence kNotProbed{};
    const AddressEvidence* shown = target.shown();
    const AddressEvidence& view = shown ? *shown : kNotProbed;
    std::string address = "-";
    if (shown) {
        address = safe(shown->address);
        const std::size_t others =
            target.evidence.addresses.size() - 1 + target.evidence.addresses_not_probed;
        if (others > 0) address += fmt::format(" (+{})", others);
    }
    return {{first_of_component ? safe(target.target.component) : "", Tone::bold},
            {target.target.access.empty() ? "-" : safe(target.target.access)},
            {safe(target.target.endpoint())},
            {address},
            timed_cell(target.evidence.dns),
            timed_cell(view.tcp),
            timed_cell(view.tls),
            certificate_cell(view.certificate),
            timed_cell(view.protocol),
            status_cell(target.status)};
}

// Targets grouped by component, components in order of first appearance, targets in their
// report order within a group.
std::vector<const TargetReport*> grouped(const std::vector<TargetReport>& targets) {
    std::vector<const TargetReport*> out;
    std::vector<bool> taken(targets.size(), false);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (taken[i]) continue;
        for (std::size_t j = i; j < targets.size(); ++j) {
            if (!taken[j] && targets[j].target.component == targets[i].target.component) {
                taken[j] = true;
                out.push_back(&targets[j]);
            }
        }
    }
    return out;
}

void render_table(std::string& out, const std::vector<TargetReport>& targets,
                  const Painter& paint) {
    std::vector<std::vector<Cell>> rows;
    rows.push_back({{"COMPONENT"},
                    {"ACCESS"},
                    {"ENDPOINT"},
                    {"ADDRESS"},
                    {"DNS"},
                    {"TCP"},
                    {"TLS"},
                    {"CERT"},
                    {"PROTOCOL"},
                    {"STATUS"}});
    for (auto& cell : rows.front()) cell.tone = Tone::bold;
    const std::string* component = nullptr;
    for (const TargetReport* target : grouped(targets)) {
        const bool first = component == nullptr || *component != target->target.component;
        rows.push_back(row_of(*target, first));
        component = &target->target.component;
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], display_width(row[c].text));
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += paint(row[c].tone, row[c].text);
            if (c + 1 < row.size()) {
                line.append(widths[c] - display_width(row[c].text) + 2, ' ');
            }
        }
        out += line;
        out += '\n';
    }
}

// ---- Causes, findings, verdict ----

void render_suspects(std::string& out, const std::vector<Suspect>& suspects,
                     std::string_view indent) {
    for (const auto& suspect : suspects) {
        std::string who = safe(suspect.kind);
        if (!suspect.id.empty()) who += fmt::format(" {}", safe(suspect.id));
        if (!suspect.direction.empty()) who += fmt::format(" ({})", safe(suspect.direction));
        if (!suspect.rule.empty()) who += fmt::format(" rule {}", safe(suspect.rule));
        out += fmt::format("{}suspect: {}", indent, who);
        if (!suspect.detail.empty()) out += fmt::format(": {}", safe(suspect.detail));
        out += '\n';
    }
}

// Under a cause, where the packets to each traced address die and the hops that said so
// (docs/report.md, "Path trace"); "path to <address>" when the target has several addresses.
void render_paths(std::string& out, const TargetReport& target) {
    const auto& addresses = target.evidence.addresses;
    for (const auto& address : addresses) {
        if (!shows_path(address)) continue;
        const TraceEvidence& trace = *address.tcp.trace;
        const std::string label =
            addresses.size() > 1 ? fmt::format("path to {}", safe(address.address)) : "path";
        out += fmt::format("    {}: {}\n", label, safe(path_verdict(trace, address.tcp.address)));
        if (!trace.hops.empty()) out += fmt::format("      {}\n", safe(compact_hops(trace)));
    }
}

void render_causes(std::string& out, const std::vector<TargetReport>& targets,
                   const Painter& paint) {
    for (const TargetReport* target : grouped(targets)) {
        if (!target->cause) continue;
        const TargetCause& cause = *target->cause;
        const Tone tone = tone_of(target->status);
        out += fmt::format("{} {} {}: {}\n", paint(tone, mark(target->status)),
                           paint(Tone::bold, safe(target->target.component)),
                           safe(target->target.endpoint()), paint(tone, code(cause.code)));
        const std::string explanation = explanation_beside(cause.code, cause.summary);
        if (!explanation.empty()) out += fmt::format("    {}\n", explanation);
        if (!cause.summary.empty()) out += fmt::format("    {}\n", safe(cause.summary));
        render_paths(out, *target);
        if (const std::string mtu = mtu_retry_line(*target); !mtu.empty()) {
            out += fmt::format("    {}\n", mtu);
        }
        render_suspects(out, cause.suspects, "    ");
        if (!cause.remedy.empty()) {
            out += fmt::format("    {} {}\n", paint(Tone::bold, "what to do:"), safe(cause.remedy));
        }
    }
}

// A protocol warning whose detail is the cause's summary, with nothing else to add: the causes
// section says it; printing it here too would say the same sentence twice.
bool says_only_the_cause(const TargetReport& target, const ProtocolEvidence& protocol) {
    const bool more =
        !protocol.note.empty() || (protocol.kafka && !protocol.kafka->brokers.empty());
    return !more && protocol.status == StageStatus::warning && target.cause &&
           target.cause->summary.find(protocol.detail) != std::string::npos;
}

// What the protocol stage established for each target that got that far: the service that
// answers, notes (authentication required, Metadata not read) and, for a bootstrap, the
// brokers it advertises with how each fared.
void render_services(std::string& out, const std::vector<TargetReport>& targets,
                     const Painter& paint) {
    for (const TargetReport* target : grouped(targets)) {
        const AddressEvidence* shown = target->shown();
        if (shown == nullptr) continue;
        const ProtocolEvidence& protocol = shown->protocol;
        if (protocol.status != StageStatus::ok && protocol.status != StageStatus::warning) continue;
        if (says_only_the_cause(*target, protocol)) continue;
        out += fmt::format("{} {}: {}\n", paint(Tone::bold, safe(target->target.component)),
                           safe(target->target.endpoint()), safe(protocol.detail));
        if (!protocol.note.empty()) out += fmt::format("    note: {}\n", safe(protocol.note));
        if (!protocol.kafka) continue;
        // Why Metadata was not read is in the detail above and in the finding
        // kafka.advertised_not_checked: not said a third time here.
        const std::string endpoint = target->target.endpoint();
        for (const auto& broker : protocol.kafka->brokers) {
            Target named;
            named.host = broker.host;
            named.port = static_cast<std::uint16_t>(broker.port);
            const std::string broker_endpoint = named.endpoint();
            std::string line =
                fmt::format("    advertises node {} {}", broker.node_id, safe(broker_endpoint));
            // The broker's verdict: the target made for it, or the plan's own target when the
            // bootstrap advertises itself (or another target of the run).
            const TargetReport* verdict = nullptr;
            for (const auto& other : targets) {
                if (other.target.endpoint() != broker_endpoint) continue;
                if (verdict == nullptr || other.target.advertised_by == endpoint) verdict = &other;
            }
            if (verdict == target) {
                line += " (this bootstrap)";
            } else if (verdict != nullptr) {
                const auto [word, tone] = status_cell(verdict->status);
                line += fmt::format(" {}", paint(tone, word));
                if (verdict->cause) line += fmt::format(" {}", code(verdict->cause->code));
            }
            out += line + "\n";
        }
    }
}

// client.dns.lookup=resolve_canonical_bootstrap_servers_only: for each bootstrap, where each of
// its addresses leads the client and how that target fared; why an address has no name.
void render_canonical(std::string& out, const std::vector<TargetReport>& targets,
                      const Painter& paint) {
    for (const TargetReport* target : grouped(targets)) {
        if (target->evidence.dns.canonical_names.empty()) continue;
        out += fmt::format("{} {}: {}\n", paint(Tone::bold, safe(target->target.component)),
                           safe(target->target.endpoint()),
                           safe(describe_canonical_lookup(target->target)));
        for (const CanonicalRoute& route : canonical_routes(*target, targets)) {
            std::string line =
                fmt::format("    {} -> {}", safe(route.name->address), safe(route.name->host()));
            if (route.name->name.empty()) line += " (no canonical name: the address itself)";
            if (route.target != nullptr) {
                const auto [word, tone] = status_cell(route.target->status);
                line += fmt::format(" {}", paint(tone, word));
                if (route.target->cause)
                    line += fmt::format(" {}", code(route.target->cause->code));
            }
            out += line + "\n";
            if (route.name->name.empty() && !route.name->detail.empty()) {
                out += fmt::format("        {}\n", safe(route.name->detail));
            }
        }
    }
}

void render_findings(std::string& out, const std::vector<Finding>& findings, const Painter& paint) {
    if (findings.empty()) return;
    out += paint(Tone::bold, "Findings") + "\n";
    for (const auto& finding : findings) {
        const Tone tone = finding.severity == Severity::error     ? Tone::bad
                          : finding.severity == Severity::warning ? Tone::warn
                                                                  : Tone::plain;
        out += fmt::format("{} {}: {}\n", paint(tone, name(finding.severity)),
                           paint(tone, safe(finding.code)), safe(finding.summary));
        if (!finding.targets.empty()) {
            out += fmt::format("    targets: {}\n", safe_list(finding.targets));
        }
        render_suspects(out, finding.suspects, "    ");
        if (!finding.remedy.empty()) out += fmt::format("    remedy: {}\n", safe(finding.remedy));
    }
}

// How the check was configured when it is checked as a Kafka client would connect: the client
// configuration, what of it could not be honoured, the trust and the certificate presented.
std::string client_lines(const AgentInfo& agent) {
    std::string out;
    if (agent.client_config) {
        const ClientConfigInfo& config = *agent.client_config;
        out += fmt::format("\nchecked as configured in {} ({})", safe(config.path),
                           safe(config.format));
        for (const std::string& note : config.notes) out += fmt::format("\n  note: {}", safe(note));
        if (!config.keys_not_used.empty()) {
            out += fmt::format("\n  not used: {}", safe_list(config.keys_not_used));
        }
    }
    if (agent.tls && (agent.client_config || agent.tls->client_certificate ||
                      !agent.tls->trust_subjects.empty())) {
        out += fmt::format("\ntrust: {}", safe(agent.tls->trust));
        if (agent.tls->client_certificate) {
            out += fmt::format("\nclient certificate: {} (issued by {}) from {}",
                               safe(agent.tls->client_certificate->subject),
                               safe(agent.tls->client_certificate->issuer),
                               safe(agent.tls->client_certificate_source));
        }
    }
    return out;
}

// "subnet=a, vpc=b", each value made safe for a terminal.
std::string labels_text(const std::vector<AgentLabel>& labels) {
    std::vector<std::string> pairs;
    for (const AgentLabel& label : labels) {
        pairs.push_back(fmt::format("{}={}", label.name, safe(label.value)));
    }
    return join(pairs, ", ");
}

std::string header(const Report& report) {
    const AgentInfo& agent = report.agent;
    std::string line = "vpcprobe";
    // fmt::format rather than "literal" + temporary: GCC 12 at -O3 warns falsely on the latter
    // (-Wrestrict, GCC bug 105651).
    if (!agent.version.empty()) line += fmt::format(" {}", safe(agent.version));
    // The agent's name only when it is not the hostname already shown.
    if (agent.shown_name() != agent.hostname) {
        line += fmt::format(", agent {}", safe(agent.shown_name()));
    }
    if (!agent.hostname.empty()) line += fmt::format(" on {}", safe(agent.hostname));
    if (!agent.source_addresses.empty()) {
        line += fmt::format(" ({})", safe_list(agent.source_addresses));
    }
    line += fmt::format(", {}", rfc3339(agent.started_at));
    line += fmt::format(", resolvers {}", agent.resolvers.empty() ? std::string("system default")
                                                                  : safe_list(agent.resolvers));
    line += fmt::format(", took {}", duration(agent.duration_ms));
    // A second line only when the descriptor limit, not --concurrency, set the pace: the one
    // case where the figures explain something (a slow run). JSON and Markdown always have them.
    if (agent.queued_for_socket > 0) line += fmt::format("\n{}", describe_concurrency(agent));
    if (!agent.labels.empty()) line += fmt::format("\nagent labels: {}", labels_text(agent.labels));
    line += client_lines(agent);
    for (const std::string& note : agent.plan_notes) line += fmt::format("\nplan: {}", safe(note));
    return line;
}

std::string verdict(const Report& report, const Painter& paint) {
    const Summary& s = report.summary;
    const std::size_t total = report.targets.size();
    const Tone tone = s.failed > 0 ? Tone::bad : s.warning > 0 ? Tone::warn : Tone::good;
    return paint(tone, fmt::format("{}: {} ok, {}, {} failed", counted(total, "target", "targets"),
                                   s.ok, counted(s.warning, "warning", "warnings"), s.failed));
}

}  // namespace

std::string render_text(const Report& report, bool color) {
    const Painter paint{color};
    std::string out = header(report) + "\n\n";
    if (!report.targets.empty()) {
        render_table(out, report.targets, paint);
        out += '\n';
    }
    std::string canonical;
    render_canonical(canonical, report.targets, paint);
    if (!canonical.empty()) out += canonical + "\n";
    std::string services;
    render_services(services, report.targets, paint);
    if (!services.empty()) out += services + "\n";
    std::string causes;
    render_causes(causes, report.targets, paint);
    if (!causes.empty()) out += causes + "\n";
    std::string findings;
    render_findings(findings, report.findings, paint);
    if (!findings.empty()) out += findings + "\n";
    out += verdict(report, paint) + "\n";
    return out;
}

}  // namespace vpcprobe
