// SPDX-License-Identifier: Apache-2.0
#include "reports/render/json_report.h"
#include "core/text.h"
#include "reports/render/common.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

namespace vpcprobe {

namespace json = boost::json;

namespace {

// ---- Values: the conventions of json_report.h in one place each. ----

json::value text(std::string_view value) {
    return json::value(valid_utf8(value));
}

json::value text_or_null(std::string_view value) {
    if (value.empty()) return nullptr;
    return text(value);
}

json::array texts(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& value : values) out.push_back(text(value));
    return out;
}

json::value code_or_null(Cause cause) {
    if (cause == Cause::none) return nullptr;
    return json::value(json::string(code(cause)));
}

json::value ms_or_null(const StageResult& stage) {
    if (stage.status == StageStatus::skipped) return nullptr;
    return json::value(round_ms(stage.ms));
}

json::value status(StageStatus value) {
    return json::value(json::string(name(value)));
}

// status and code open every stage object, as schema_version 1 orders them.
json::object stage_head(const StageResult& stage) {
    json::object out;
    out["status"] = status(stage.status);
    out["code"] = code_or_null(stage.cause);
    return out;
}

// ---- Stages ----

// client.dns.lookup=resolve_canonical_bootstrap_servers_only: what each address of a bootstrap
// was turned into; null for every other target.
json::value canonical_names_json(const std::vector<CanonicalName>& names) {
    if (names.empty()) return nullptr;
    json::array out;
    for (const auto& name : names) {
        out.push_back(json::object{{"address", text(name.address)},
                                   {"name", text_or_null(name.name)},
                                   {"reverse_name", text_or_null(name.reverse_name)},
                                   {"source", text_or_null(name.source)},
                                   {"ares_status", name.ares_status},
                                   {"code", code_or_null(name.cause)},
                                   {"ms", round_ms(name.ms)},
                                   {"detail", text_or_null(name.detail)}});
    }
    return out;
}

// The lookup asked again over TCP after UDP timed out; null when it was not asked.
json::value tcp_fallback_json(const std::optional<DnsTcpFallback>& fallback) {
    if (!fallback) return nullptr;
    return json::object{{"answered", fallback->answered},
                        {"code", code_or_null(fallback->cause)},
                        {"ares_status_a", fallback->ares_status_a},
                        {"ares_status_aaaa", fallback->ares_status_aaaa},
                        {"addresses", texts(fallback->addresses)},
                        {"ms", round_ms(fallback->ms)}};
}

json::object dns_json(const DnsEvidence& dns) {
    json::object out = stage_head(dns);
    out["addresses"] = texts(dns.addresses);
    out["ms"] = ms_or_null(dns);
    out["source"] = text_or_null(dns.source);
    out["detail"] = text_or_null(dns.detail);
    out["ares_status_a"] = dns.ares_status_a;
    out["ares_status_aaaa"] = dns.ares_status_aaaa;
    out["canonical_names"] = canonical_names_json(dns.canonical_names);
    out["local_answers"] = texts(dns.local_answers);
    out["tcp_fallback"] = tcp_fallback_json(dns.tcp_fallback);
    return out;
}

// The contract's trace object, with the flow it kept and why it stopped.
json::value trace_json(const Boxed<TraceEvidence>& trace) {
    if (!trace) return nullptr;
    json::array hops;
    for (const auto& hop : trace->hops) {
        hops.push_back(
            json::object{{"ttl", hop.ttl},
                         {"address", text_or_null(hop.address)},
                         {"rtt_ms", hop.answered() ? json::value(round_rtt_ms(hop.rtt_ms))
                                                   : json::value(nullptr)},
                         {"reply", text_or_null(hop.reply)},
                         {"code", code_or_null(hop.cause)}});
    }
    json::value last = nullptr;
    if (const TraceHop* hop = trace->last_responding_hop()) {
        last = json::object{{"ttl", hop->ttl}, {"address", text(hop->address)}};
    }
    return json::object{{"hops", std::move(hops)},
                        {"last_responding_hop", std::move(last)},
                        {"reached", trace->reached},
                        {"stopped", json::string(name(trace->stopped))},
                        {"source_address", text_or_null(trace->source_address)},
                        {"source_port", trace->source_port == 0 ? json::value(nullptr)
                                                                : json::value(trace->source_port)},
                        {"max_hops", trace->max_hops},
                        {"ms", round_ms(trace->ms)},
                        {"detail", text_or_null(trace->detail)}};
}

// `address` is the address the stage belongs to, in case the probe left tcp.address empty.
json::object tcp_json(const TcpEvidence& tcp, const std::string& address) {
    json::object out = stage_head(tcp);
    out["address"] = text_or_null(tcp.address.empty() ? address : tcp.address);
    out["ms"] = ms_or_null(tcp);
    out["local_address"] = text_or_null(tcp.local_address);
    out["errno"] = tcp.error_number == 0 ? json::value(nullptr) : json::value(tcp.error_number);
    if (tcp.icmp) {
        out["icmp"] = json::object{{"origin", tcp.icmp->origin},
                                   {"type", tcp.icmp->type},
                                   {"code", tcp.icmp->code},
                                   {"offender", text_or_null(tcp.icmp->offender)},
                                   {"name", text_or_null(tcp.icmp->name)}};
    } else {
        out["icmp"] = nullptr;
    }
    out["detail"] = text_or_null(tcp.detail);
    out["local_port"] = tcp.local_port == 0 ? json::value(nullptr) : json::value(tcp.local_port);
    out["trace"] = trace_json(tcp.trace);
    return out;
}

json::object tls_json(const TlsEvidence& tls) {
    json::object out = stage_head(tls);
    out["version"] = text_or_null(tls.version);
    out["cipher"] = text_or_null(tls.cipher);
    out["ms"] = ms_or_null(tls);
    out["alert"] = text_or_null(tls.alert);
    out["detail"] = text_or_null(tls.detail);
    out["client_certificate_requested"] = tls.client_certificate_requested;
    out["client_ca_names"] = texts(tls.client_ca_names);
    if (tls.client_certificate) {
        out["client_certificate"] = json::object{{"subject", text(tls.client_certificate->subject)},
                                                 {"issuer", text(tls.client_certificate->issuer)}};
    } else {
        out["client_certificate"] = nullptr;
    }
    return out;
}

json::object certificate_info_json(const CertificateInfo& info) {
    return json::object{{"subject", text(info.subject)},
                        {"issuer", text(info.issuer)},
                        {"sans", texts(info.sans)},
                        {"not_before", json::string(rfc3339(info.not_before))},
                        {"not_after", json::string(rfc3339(info.not_after))},
                        {"sha256", text(info.sha256)},
                        {"self_issued", info.self_issued}};
}

json::object certificate_json(const CertificateEvidence& certificate) {
    json::object out = stage_head(certificate);
    out["days_left"] =
        certificate.days_left ? json::value(*certificate.days_left) : json::value(nullptr);
    json::array chain;
    for (const auto& info : certificate.chain) chain.push_back(certificate_info_json(info));
    out["chain"] = std::move(chain);
    json::array errors;
    for (const auto& error : certificate.verify_errors) {
        errors.push_back(
            json::object{{"depth", error.depth}, {"code", error.code}, {"text", text(error.text)}});
    }
    out["verify_errors"] = std::move(errors);
    out["ms"] = ms_or_null(certificate);
    out["detail"] = text_or_null(certificate.detail);
    return out;
}

json::value kafka_json(const KafkaEvidence& kafka) {
    json::array apis;
    for (const auto& api : kafka.apis) {
        apis.push_back(json::object{{"api_key", api.api_key},
                                    {"min_version", api.min_version},
                                    {"max_version", api.max_version}});
    }
    json::array brokers;
    for (const auto& broker : kafka.brokers) {
        brokers.push_back(
            json::object{{"node_id", broker.node_id},
                         {"host", text(broker.host)},
                         {"port", broker.port},
                         {"rack", broker.rack ? text(*broker.rack) : json::value(nullptr)}});
    }
    json::object out;
    out["api_versions_version"] = kafka.api_versions_version < 0
                                      ? json::value(nullptr)
                                      : json::value(kafka.api_versions_version);
    out["apis"] = std::move(apis);
    out["sasl_mechanism"] = text_or_null(kafka.sasl_mechanism);
    out["sasl_mechanisms_offered"] = texts(kafka.sasl_mechanisms_offered);
    out["authenticated"] = kafka.authenticated;
    out["metadata_checked"] = kafka.metadata_checked;
    out["metadata_not_checked"] = text_or_null(kafka.metadata_not_checked);
    out["metadata_version"] =
        kafka.metadata_version < 0 ? json::value(nullptr) : json::value(kafka.metadata_version);
    out["cluster_id"] = kafka.cluster_id ? text(*kafka.cluster_id) : json::value(nullptr);
    out["controller_id"] =
        kafka.metadata_checked ? json::value(kafka.controller_id) : json::value(nullptr);
    out["brokers"] = std::move(brokers);
    out["error_code"] =
        kafka.error_code == 0 ? json::value(nullptr) : json::value(kafka.error_code);
    return out;
}

json::value http_json(const HttpEvidence& http) {
    return json::object{
        {"method", text(http.method)},
        {"path", text(http.path)},
        {"status", http.status == 0 ? json::value(nullptr) : json::value(http.status)},
        {"reason", text_or_null(http.reason)},
        {"server", text_or_null(http.server)},
        {"service", text_or_null(http.service)},
        {"version", text_or_null(http.version)},
        {"auth_required", http.auth_required}};
}

json::object protocol_json(const ProtocolEvidence& protocol) {
    json::object out = stage_head(protocol);
    out["name"] = text_or_null(protocol.name);
    out["ms"] = ms_or_null(protocol);
    out["detail"] = text_or_null(protocol.detail);
    out["note"] = text_or_null(protocol.note);
    out["kafka"] = protocol.kafka ? kafka_json(*protocol.kafka) : json::value(nullptr);
    out["http"] = protocol.http ? http_json(*protocol.http) : json::value(nullptr);
    return out;
}

// ---- Targets ----

json::array suspects_json(const std::vector<Suspect>& suspects) {
    json::array out;
    for (const auto& suspect : suspects) {
        out.push_back(json::object{{"kind", text(suspect.kind)},
                                   {"id", text_or_null(suspect.id)},
                                   {"direction", text_or_null(suspect.direction)},
                                   {"rule", text_or_null(suspect.rule)},
                                   {"detail", text_or_null(suspect.detail)}});
    }
    return out;
}

json::value cause_json(const std::optional<TargetCause>& cause) {
    if (!cause) return nullptr;
    return json::object{{"code", code_or_null(cause->code)},
                        {"stage", json::string(name(cause->stage))},
                        {"summary", text(cause->summary)},
                        {"suspects", suspects_json(cause->suspects)},
                        {"explanation", json::string(explain(cause->code))},
                        {"remedy", text(cause->remedy)}};
}

// A stalled address's retries with a clamped MSS (docs/report.md, "MTU black holes"); null
// when the address did not stall after connecting.
json::value mtu_json(const Boxed<MtuEvidence>& mtu) {
    if (!mtu) return nullptr;
    json::array attempts;
    for (const auto& attempt : mtu->attempts) {
        attempts.push_back(json::object{{"mss", attempt.mss},
                                        {"completed", attempt.completed},
                                        {"code", code_or_null(attempt.cause)},
                                        {"detail", text_or_null(attempt.detail)},
                                        {"ms", round_ms(attempt.ms)}});
    }
    auto positive_or_null = [](int value) {
        return value > 0 ? json::value(value) : json::value(nullptr);
    };
    return json::object{{"stalled_stage", text(mtu->stalled_stage)},
                        {"attempts", std::move(attempts)},
                        {"working_mss", positive_or_null(mtu->working_mss())},
                        {"kernel_path_mtu", positive_or_null(mtu->kernel_path_mtu)}};
}

json::object target_json(const TargetReport& target) {
    static const AddressEvidence kNotProbed{};  // every stage skipped
    const AddressEvidence* shown = target.shown();
    const AddressEvidence& view = shown ? *shown : kNotProbed;
    const TargetEvidence& evidence = target.evidence;

    json::object out;
    out["component"] = text(target.target.component);
    out["access"] = text_or_null(target.target.access);
    out["host"] = text(target.target.host);
    out["port"] = target.target.port;
    out["status"] = status(target.status);
    out["stages"] = json::object{{"dns", dns_json(evidence.dns)},
                                 {"tcp", tcp_json(view.tcp, view.address)},
                                 {"tls", tls_json(view.tls)},
                                 {"certificate", certificate_json(view.certificate)},
                                 {"protocol", protocol_json(view.protocol)}};
    out["cause"] = cause_json(target.cause);
    out["endpoint"] = text(target.target.endpoint());
    out["origin"] = text_or_null(target.target.origin);
    out["tls"] = target.target.tls;
    out["advertised_by"] = text_or_null(target.target.advertised_by);
    out["node_id"] = target.target.origin == "advertised" ? json::value(target.target.node_id)
                                                          : json::value(nullptr);
    out["canonical_of"] = text_or_null(target.target.canonical_of);
    out["shown_address"] = shown ? json::value(target.shown_address) : json::value(nullptr);
    json::array addresses;
    for (const auto& address : evidence.addresses) {
        addresses.push_back(json::object{{"address", text(address.address)},
                                         {"tcp", tcp_json(address.tcp, address.address)},
                                         {"tls", tls_json(address.tls)},
                                         {"certificate", certificate_json(address.certificate)},
                                         {"protocol", protocol_json(address.protocol)},
                                         {"mtu", mtu_json(address.mtu)}});
    }
    out["addresses"] = std::move(addresses);
    out["addresses_not_probed"] = evidence.addresses_not_probed;
    return out;
}

json::object finding_json(const Finding& finding) {
    return json::object{
        {"code", text(finding.code)},        {"severity", json::string(name(finding.severity))},
        {"summary", text(finding.summary)},  {"components", texts(finding.components)},
        {"targets", texts(finding.targets)}, {"suspects", suspects_json(finding.suspects)},
        {"remedy", text(finding.remedy)},    {"confidence", text_or_null(finding.confidence)}};
}

// The Kafka client configuration the check was made as: key names, never values.
json::object client_config_json(const ClientConfigInfo& config) {
    return json::object{{"file", text(config.path)},
                        {"format", text(config.format)},
                        {"keys_used", texts(config.keys_used)},
                        {"keys_not_used", texts(config.keys_not_used)},
                        {"notes", texts(config.notes)}};
}

// The anchors the run trusted and the certificate it presented.
json::object tls_material_json(const TlsMaterialInfo& tls) {
    json::object out{{"trust", text(tls.trust)}, {"trust_subjects", texts(tls.trust_subjects)}};
    if (tls.client_certificate) {
        json::object certificate = certificate_info_json(*tls.client_certificate);
        certificate["source"] = text(tls.client_certificate_source);
        out["client_certificate"] = std::move(certificate);
    } else {
        out["client_certificate"] = nullptr;
    }
    return out;
}

// The members before "targets" (schema_version, tool, agent), in their order.
json::object report_head(const Report& report) {
    const AgentInfo& agent = report.agent;
    json::object out;
    out["schema_version"] = report.schema_version;
    out["tool"] =
        json::object{{"name", "vpcprobe"},
                     {"version", text(agent.version.empty() ? VPCPROBE_VERSION : agent.version)}};
    out["agent"] = json::object{{"hostname", text(agent.hostname)},
                                {"source_addresses", texts(agent.source_addresses)},
                                {"resolvers", texts(agent.resolvers)},
                                {"started_at", json::string(rfc3339(agent.started_at))},
                                {"duration_ms", round_ms(agent.duration_ms)},
                                {"started_at_exact", json::string(rfc3339_ms(agent.started_at))},
                                {"command_line", text_or_null(agent.command_line)},
                                {"sasl_mechanism", text_or_null(agent.sasl_mechanism)},
                                {"follow_advertised", agent.follow_advertised},
                                {"advertised_not_probed", agent.advertised_not_probed}};
    if (agent.socket_budget > 0) {
        out["agent"].as_object()["concurrency"] = json::object{
            {"targets", agent.concurrency},
            {"sockets", agent.socket_budget},
            {"descriptor_limit", agent.descriptor_limit == 0 ? json::value(nullptr)
                                                             : json::value(agent.descriptor_limit)},
            {"peak_targets", agent.peak_targets},
            {"peak_sockets", agent.peak_sockets},
            {"queued_for_socket", agent.queued_for_socket}};
    }
    json::object& agent_out = out["agent"].as_object();
    agent_out["client_config"] =
        agent.client_config ? json::value(client_config_json(*agent.client_config)) : nullptr;
    agent_out["tls"] = agent.tls ? json::value(tls_material_json(*agent.tls)) : nullptr;
    agent_out["plan_notes"] = texts(agent.plan_notes);
    return out;
}

// The members after "targets" (findings, summary), in their order.
json::object report_tail(const Report& report) {
    json::object out;
    json::array findings;
    for (const auto& finding : report.findings) findings.push_back(finding_json(finding));
    out["findings"] = std::move(findings);
    out["summary"] = json::object{{"ok", report.summary.ok},
                                  {"warning", report.summary.warning},
                                  {"failed", report.summary.failed}};
    return out;
}

// ---- Pretty printing (Boost.JSON's serializer only writes compact JSON). ----

void newline(std::string& out, int depth) {
    out.push_back('\n');
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void pretty(std::string& out, const json::value& value, int depth) {
    switch (value.kind()) {
        case json::kind::object: {
            const auto& object = value.get_object();
            if (object.empty()) {
                out += "{}";
                return;
            }
            out.push_back('{');
            bool first = true;
            for (const auto& member : object) {
                if (!first) out.push_back(',');
                first = false;
                newline(out, depth + 1);
                out += json::serialize(json::string(member.key()));
                out += ": ";
                pretty(out, member.value(), depth + 1);
            }
            newline(out, depth);
            out.push_back('}');
            return;
        }
        case json::kind::array: {
            const auto& array = value.get_array();
            if (array.empty()) {
                out += "[]";
                return;
            }
            out.push_back('[');
            bool first = true;
            for (const auto& element : array) {
                if (!first) out.push_back(',');
                first = false;
                newline(out, depth + 1);
                pretty(out, element, depth + 1);
            }
            newline(out, depth);
            out.push_back(']');
            return;
        }
        case json::kind::double_: {
            // Shortest form that reads back the same: 12.3, and 2 rather than Boost's 2E0.
            const double number = value.get_double();
            out += std::isfinite(number) ? fmt::format("{}", number) : "null";
            return;
        }
        default:  // strings (escaped by Boost.JSON), integers, booleans, null
            out += json::serialize(value);
            return;
    }
}

// One member of the top-level object: its key (after a comma unless it is the first), then
// its value at depth 1.
void pretty_member_key(std::string& out, std::string_view key, bool& first) {
    if (!first) out.push_back(',');
    first = false;
    newline(out, 1);
    out += json::serialize(json::string(key));
    out += ": ";
}

void pretty_member(std::string& out, std::string_view key, const json::value& value, bool& first) {
    pretty_member_key(out, key, first);
    pretty(out, value, 1);
}

}  // namespace

void render_json(const Report& report, const ReportSink& sink) {
    std::string out;
    // Written out whenever this much is pending: one target's JSON is a few KiB, so memory
    // holds one piece and one target, whatever the number of targets.
    constexpr std::size_t kPiece = 64 * 1024;
    out.push_back('{');
    bool first = true;
    for (const auto& member : report_head(report)) {
        pretty_member(out, member.key(), member.value(), first);
    }
    pretty_member_key(out, "targets", first);
    if (report.targets.empty()) {
        out += "[]";
    } else {
        out.push_back('[');
        for (std::size_t i = 0; i < report.targets.size(); ++i) {
            if (i > 0) out.push_back(',');
            newline(out, 2);
            pretty(out, target_json(report.targets[i]), 2);
            if (out.size() >= kPiece) {
                sink(out);
                out.clear();
            }
        }
        newline(out, 1);
        out.push_back(']');
    }
    for (const auto& member : report_tail(report)) {
        pretty_member(out, member.key(), member.value(), first);
    }
    newline(out, 0);
    out += "}\n";
    sink(out);
}

std::string render_json(const Report& report) {
    std::string out;
    render_json(report, [&out](std::string_view piece) { out += piece; });
    return out;
}

}  // namespace vpcprobe
