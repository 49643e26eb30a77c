// SPDX-License-Identifier: Apache-2.0
#include "reports/render/json_report.h"
#include "core/text.h"
#include "reports/render/common.h"
#include "reports/render/json_writer.h"

namespace vpcprobe {

namespace {

// ---- Values: the conventions of json_report.h in one place each. ----

void text_or_null(JsonWriter& w, std::string_view name, std::string_view value) {
    w.key(name);
    if (value.empty()) {
        w.null();
    } else {
        w.string(value);
    }
}

void texts(JsonWriter& w, std::string_view name, const std::vector<std::string>& values) {
    w.key(name);
    w.begin_array();
    for (const auto& value : values) w.string(value);
    w.end_array();
}

void code_or_null(JsonWriter& w, Cause cause) {
    w.key("code");
    if (cause == Cause::none) {
        w.null();
    } else {
        w.string(code(cause));
    }
}

// A number that means "none" at `none` (0 for a port, -1 for a Kafka version) is null there.
template <typename T>
void number_or_null(JsonWriter& w, std::string_view name, T value, bool present) {
    w.key(name);
    if (present) {
        w.number(value);
    } else {
        w.null();
    }
}

void ms_or_null(JsonWriter& w, const StageResult& stage) {
    w.key("ms");
    if (stage.status == StageStatus::skipped) {
        w.null();
    } else {
        w.number(round_ms(stage.ms));
    }
}

// status and code open every stage object, as schema_version 1 orders them.
void stage_head(JsonWriter& w, const StageResult& stage) {
    w.member("status", name(stage.status));
    code_or_null(w, stage.cause);
}

// ---- Stages ----

// client.dns.lookup=resolve_canonical_bootstrap_servers_only: what each address of a bootstrap
// was turned into; null for every other target.
void canonical_names_json(JsonWriter& w, const std::vector<CanonicalName>& names) {
    w.key("canonical_names");
    if (names.empty()) {
        w.null();
        return;
    }
    w.begin_array();
    for (const auto& name : names) {
        w.begin_object();
        w.member("address", name.address);
        text_or_null(w, "name", name.name);
        text_or_null(w, "reverse_name", name.reverse_name);
        text_or_null(w, "source", name.source);
        w.member("ares_status", name.ares_status);
        code_or_null(w, name.cause);
        w.member("ms", round_ms(name.ms));
        text_or_null(w, "detail", name.detail);
        w.end_object();
    }
    w.end_array();
}

// The lookup asked again over TCP after UDP timed out; null when it was not asked.
void tcp_fallback_json(JsonWriter& w, const std::optional<DnsTcpFallback>& fallback) {
    w.key("tcp_fallback");
    if (!fallback) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("answered", fallback->answered);
    code_or_null(w, fallback->cause);
    w.member("ares_status_a", fallback->ares_status_a);
    w.member("ares_status_aaaa", fallback->ares_status_aaaa);
    texts(w, "addresses", fallback->addresses);
    w.member("ms", round_ms(fallback->ms));
    w.end_object();
}

void dns_json(JsonWriter& w, const DnsEvidence& dns) {
    w.key("dns");
    w.begin_object();
    stage_head(w, dns);
    texts(w, "addresses", dns.addresses);
    ms_or_null(w, dns);
    text_or_null(w, "source", dns.source);
    text_or_null(w, "detail", dns.detail);
    w.member("ares_status_a", dns.ares_status_a);
    w.member("ares_status_aaaa", dns.ares_status_aaaa);
    canonical_names_json(w, dns.canonical_names);
    texts(w, "local_answers", dns.local_answers);
    tcp_fallback_json(w, dns.tcp_fallback);
    w.end_object();
}

void hop_json(JsonWriter& w, const TraceHop& hop) {
    w.begin_object();
    w.member("ttl", hop.ttl);
    text_or_null(w, "address", hop.address);
    number_or_null(w, "rtt_ms", round_rtt_ms(hop.rtt_ms), hop.answered());
    text_or_null(w, "reply", hop.reply);
    code_or_null(w, hop.cause);
    w.end_object();
}

// The contract's trace object, with the flow it kept and why it stopped.
void trace_json(JsonWriter& w, const Boxed<TraceEvidence>& trace) {
    w.key("trace");
    if (!trace) {
        w.null();
        return;
    }
    w.begin_object();
    w.key("hops");
    w.begin_array();
    for (const auto& hop : trace->hops) hop_json(w, hop);
    w.end_array();
    w.key("last_responding_hop");
    if (const TraceHop* hop = trace->last_responding_hop()) {
        w.begin_object();
        w.member("ttl", hop->ttl);
        w.member("address", hop->address);
        w.end_object();
    } else {
        w.null();
    }
    w.member("reached", trace->reached);
    w.member("stopped", name(trace->stopped));
    text_or_null(w, "source_address", trace->source_address);
    number_or_null(w, "source_port", trace->source_port, trace->source_port != 0);
    w.member("max_hops", trace->max_hops);
    w.member("ms", round_ms(trace->ms));
    text_or_null(w, "detail", trace->detail);
    w.end_object();
}

void icmp_json(JsonWriter& w, const std::optional<IcmpReport>& icmp) {
    w.key("icmp");
    if (!icmp) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("origin", icmp->origin);
    w.member("type", icmp->type);
    w.member("code", icmp->code);
    text_or_null(w, "offender", icmp->offender);
    text_or_null(w, "name", icmp->name);
    w.end_object();
}

// `address` is the address the stage belongs to, in case the probe left tcp.address empty.
void tcp_json(JsonWriter& w, const TcpEvidence& tcp, const std::string& address) {
    w.key("tcp");
    w.begin_object();
    stage_head(w, tcp);
    text_or_null(w, "address", tcp.address.empty() ? address : tcp.address);
    ms_or_null(w, tcp);
    text_or_null(w, "local_address", tcp.local_address);
    number_or_null(w, "errno", tcp.error_number, tcp.error_number != 0);
    icmp_json(w, tcp.icmp);
    text_or_null(w, "detail", tcp.detail);
    number_or_null(w, "local_port", tcp.local_port, tcp.local_port != 0);
    trace_json(w, tcp.trace);
    w.end_object();
}

void tls_json(JsonWriter& w, const TlsEvidence& tls) {
    w.key("tls");
    w.begin_object();
    stage_head(w, tls);
    text_or_null(w, "version", tls.version);
    text_or_null(w, "cipher", tls.cipher);
    ms_or_null(w, tls);
    text_or_null(w, "alert", tls.alert);
    text_or_null(w, "detail", tls.detail);
    w.member("client_certificate_requested", tls.client_certificate_requested);
    texts(w, "client_ca_names", tls.client_ca_names);
    w.key("client_certificate");
    if (tls.client_certificate) {
        w.begin_object();
        w.member("subject", tls.client_certificate->subject);
        w.member("issuer", tls.client_certificate->issuer);
        w.end_object();
    } else {
        w.null();
    }
    w.end_object();
}

// The members of a certificate's object; the caller opens and closes it.
void certificate_info_members(JsonWriter& w, const CertificateInfo& info) {
    w.member("subject", info.subject);
    w.member("issuer", info.issuer);
    texts(w, "sans", info.sans);
    w.member("not_before", rfc3339(info.not_before));
    w.member("not_after", rfc3339(info.not_after));
    w.member("sha256", info.sha256);
    w.member("self_issued", info.self_issued);
}

void certificate_json(JsonWriter& w, const CertificateEvidence& certificate) {
    w.key("certificate");
    w.begin_object();
    stage_head(w, certificate);
    number_or_null(w, "days_left", certificate.days_left.value_or(0),
                   certificate.days_left.has_value());
    w.key("chain");
    w.begin_array();
    for (const auto& info : certificate.chain) {
        w.begin_object();
        certificate_info_members(w, info);
        w.end_object();
    }
    w.end_array();
    w.key("verify_errors");
    w.begin_array();
    for (const auto& error : certificate.verify_errors) {
        w.begin_object();
        w.member("depth", error.depth);
        w.member("code", error.code);
        w.member("text", error.text);
        w.end_object();
    }
    w.end_array();
    ms_or_null(w, certificate);
    text_or_null(w, "detail", certificate.detail);
    w.end_object();
}

void apis_json(JsonWriter& w, const std::vector<KafkaApiRange>& apis) {
    w.key("apis");
    w.begin_array();
    for (const auto& api : apis) {
        w.begin_object();
        w.member("api_key", api.api_key);
        w.member("min_version", api.min_version);
        w.member("max_version", api.max_version);
        w.end_object();
    }
    w.end_array();
}

void brokers_json(JsonWriter& w, const std::vector<KafkaBroker>& brokers) {
    w.key("brokers");
    w.begin_array();
    for (const auto& broker : brokers) {
        w.begin_object();
        w.member("node_id", broker.node_id);
        w.member("host", broker.host);
        w.member("port", broker.port);
        w.key("rack");
        if (broker.rack) {
            w.string(*broker.rack);
        } else {
            w.null();
        }
        w.end_object();
    }
    w.end_array();
}

void kafka_json(JsonWriter& w, const Boxed<KafkaEvidence>& boxed) {
    w.key("kafka");
    if (!boxed) {
        w.null();
        return;
    }
    const KafkaEvidence& kafka = *boxed;
    w.begin_object();
    number_or_null(w, "api_versions_version", kafka.api_versions_version,
                   kafka.api_versions_version >= 0);
    apis_json(w, kafka.apis);
    text_or_null(w, "sasl_mechanism", kafka.sasl_mechanism);
    texts(w, "sasl_mechanisms_offered", kafka.sasl_mechanisms_offered);
    w.member("authenticated", kafka.authenticated);
    w.member("metadata_checked", kafka.metadata_checked);
    text_or_null(w, "metadata_not_checked", kafka.metadata_not_checked);
    number_or_null(w, "metadata_version", kafka.metadata_version, kafka.metadata_version >= 0);
    w.key("cluster_id");
    if (kafka.cluster_id) {
        w.string(*kafka.cluster_id);
    } else {
        w.null();
    }
    number_or_null(w, "controller_id", kafka.controller_id, kafka.metadata_checked);
    brokers_json(w, kafka.brokers);
    number_or_null(w, "error_code", kafka.error_code, kafka.error_code != 0);
    w.end_object();
}

void http_json(JsonWriter& w, const Boxed<HttpEvidence>& http) {
    w.key("http");
    if (!http) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("method", http->method);
    w.member("path", http->path);
    number_or_null(w, "status", http->status, http->status != 0);
    text_or_null(w, "reason", http->reason);
    text_or_null(w, "server", http->server);
    text_or_null(w, "service", http->service);
    text_or_null(w, "version", http->version);
    w.member("auth_required", http->auth_required);
    w.end_object();
}

void protocol_json(JsonWriter& w, const ProtocolEvidence& protocol) {
    w.key("protocol");
    w.begin_object();
    stage_head(w, protocol);
    text_or_null(w, "name", protocol.name);
    ms_or_null(w, protocol);
    text_or_null(w, "detail", protocol.detail);
    text_or_null(w, "note", protocol.note);
    kafka_json(w, protocol.kafka);
    http_json(w, protocol.http);
    w.end_object();
}

// ---- Targets ----

void suspects_json(JsonWriter& w, const std::vector<Suspect>& suspects) {
    w.key("suspects");
    w.begin_array();
    for (const auto& suspect : suspects) {
        w.begin_object();
        w.member("kind", suspect.kind);
        text_or_null(w, "id", suspect.id);
        text_or_null(w, "direction", suspect.direction);
        text_or_null(w, "rule", suspect.rule);
        text_or_null(w, "detail", suspect.detail);
        w.end_object();
    }
    w.end_array();
}

void cause_json(JsonWriter& w, const std::optional<TargetCause>& cause) {
    w.key("cause");
    if (!cause) {
        w.null();
        return;
    }
    w.begin_object();
    code_or_null(w, cause->code);
    w.member("stage", name(cause->stage));
    w.member("summary", cause->summary);
    suspects_json(w, cause->suspects);
    w.member("explanation", explain(cause->code));
    w.member("remedy", cause->remedy);
    w.end_object();
}

// A stalled address's retries with a clamped MSS (docs/report.md, "MTU black holes"); null
// when the address did not stall after connecting.
void mtu_json(JsonWriter& w, const Boxed<MtuEvidence>& mtu) {
    w.key("mtu");
    if (!mtu) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("stalled_stage", mtu->stalled_stage);
    w.key("attempts");
    w.begin_array();
    for (const auto& attempt : mtu->attempts) {
        w.begin_object();
        w.member("mss", attempt.mss);
        w.member("completed", attempt.completed);
        code_or_null(w, attempt.cause);
        text_or_null(w, "detail", attempt.detail);
        w.member("ms", round_ms(attempt.ms));
        w.end_object();
    }
    w.end_array();
    const int working_mss = mtu->working_mss();
    number_or_null(w, "working_mss", working_mss, working_mss > 0);
    number_or_null(w, "kernel_path_mtu", mtu->kernel_path_mtu, mtu->kernel_path_mtu > 0);
    w.end_object();
}

// The stages of one address, in schema_version 1's order: tcp, tls, certificate, protocol.
void address_stages(JsonWriter& w, const AddressEvidence& address) {
    tcp_json(w, address.tcp, address.address);
    tls_json(w, address.tls);
    certificate_json(w, address.certificate);
    protocol_json(w, address.protocol);
}

void target_identity(JsonWriter& w, const TargetReport& target) {
    w.member("endpoint", target.target.endpoint());
    text_or_null(w, "origin", target.target.origin);
    w.member("tls", target.target.tls);
    text_or_null(w, "advertised_by", target.target.advertised_by);
    number_or_null(w, "node_id", target.target.node_id, target.target.origin == "advertised");
    text_or_null(w, "canonical_of", target.target.canonical_of);
}

void target_json(JsonWriter& w, const TargetReport& target) {
    static const AddressEvidence kNotProbed{};  // every stage skipped
    const AddressEvidence* shown = target.shown();
    const TargetEvidence& evidence = target.evidence;

    w.begin_object();
    w.member("component", target.target.component);
    text_or_null(w, "access", target.target.access);
    w.member("host", target.target.host);
    w.member("port", target.target.port);
    w.member("status", name(target.status));
    w.key("stages");
    w.begin_object();
    dns_json(w, evidence.dns);
    address_stages(w, shown ? *shown : kNotProbed);
    w.end_object();
    cause_json(w, target.cause);
    target_identity(w, target);
    number_or_null(w, "shown_address", target.shown_address, shown != nullptr);
    w.key("addresses");
    w.begin_array();
    for (const auto& address : evidence.addresses) {
        w.begin_object();
        w.member("address", address.address);
        address_stages(w, address);
        mtu_json(w, address.mtu);
        w.end_object();
    }
    w.end_array();
    w.member("addresses_not_probed", evidence.addresses_not_probed);
    w.end_object();
}

void finding_json(JsonWriter& w, const Finding& finding) {
    w.begin_object();
    finding_members(w, finding);
    w.end_object();
}

// The Kafka client configuration the check was made as: key names, never values.
void client_config_json(JsonWriter& w, const std::optional<ClientConfigInfo>& config) {
    w.key("client_config");
    if (!config) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("file", config->path);
    w.member("format", config->format);
    texts(w, "keys_used", config->keys_used);
    texts(w, "keys_not_used", config->keys_not_used);
    texts(w, "notes", config->notes);
    w.end_object();
}

// The anchors the run trusted and the certificate it presented.
void tls_material_json(JsonWriter& w, const std::optional<TlsMaterialInfo>& tls) {
    w.key("tls");
    if (!tls) {
        w.null();
        return;
    }
    w.begin_object();
    w.member("trust", tls->trust);
    texts(w, "trust_subjects", tls->trust_subjects);
    w.key("client_certificate");
    if (tls->client_certificate) {
        w.begin_object();
        certificate_info_members(w, *tls->client_certificate);
        w.member("source", tls->client_certificate_source);
        w.end_object();
    } else {
        w.null();
    }
    w.end_object();
}

// How much ran at once; only when the run knew its socket budget.
void concurrency_json(JsonWriter& w, const AgentInfo& agent) {
    if (agent.socket_budget == 0) return;
    w.key("concurrency");
    w.begin_object();
    w.member("targets", agent.concurrency);
    w.member("sockets", agent.socket_budget);
    number_or_null(w, "descriptor_limit", agent.descriptor_limit, agent.descriptor_limit != 0);
    w.member("peak_targets", agent.peak_targets);
    w.member("peak_sockets", agent.peak_sockets);
    w.member("queued_for_socket", agent.queued_for_socket);
    w.end_object();
}

// The members before "targets" (schema_version, tool, agent), in their order.
void report_head(JsonWriter& w, const Report& report) {
    const AgentInfo& agent = report.agent;
    w.member("schema_version", report.schema_version);
    w.key("tool");
    w.begin_object();
    w.member("name", "vpcprobe");
    w.member("version", agent.version.empty() ? std::string_view(VPCPROBE_VERSION)
                                              : std::string_view(agent.version));
    w.end_object();
    w.key("agent");
    w.begin_object();
    w.member("hostname", agent.hostname);
    texts(w, "source_addresses", agent.source_addresses);
    texts(w, "resolvers", agent.resolvers);
    w.member("started_at", rfc3339(agent.started_at));
    w.member("duration_ms", round_ms(agent.duration_ms));
    w.member("name", agent.shown_name());
    w.key("labels");
    w.begin_object();
    for (const AgentLabel& label : agent.labels) {
        w.key_text(label.name);
        w.string(label.value);
    }
    w.end_object();
    w.member("started_at_exact", rfc3339_ms(agent.started_at));
    text_or_null(w, "command_line", agent.command_line);
    text_or_null(w, "sasl_mechanism", agent.sasl_mechanism);
    w.member("follow_advertised", agent.follow_advertised);
    w.member("advertised_not_probed", agent.advertised_not_probed);
    concurrency_json(w, agent);
    client_config_json(w, agent.client_config);
    tls_material_json(w, agent.tls);
    texts(w, "plan_notes", agent.plan_notes);
    w.end_object();
}

// The members after "targets" (findings, summary), in their order.
void report_tail(JsonWriter& w, const Report& report) {
    w.key("findings");
    w.begin_array();
    for (const auto& finding : report.findings) finding_json(w, finding);
    w.end_array();
    summary_member(w, report.summary);
}

}  // namespace

void summary_member(JsonWriter& w, const Summary& summary) {
    w.key("summary");
    w.begin_object();
    w.member("ok", summary.ok);
    w.member("warning", summary.warning);
    w.member("failed", summary.failed);
    w.end_object();
}

void finding_members(JsonWriter& w, const Finding& finding) {
    w.member("code", finding.code);

    w.member("severity", name(finding.severity));
    w.member("summary", finding.summary);
    texts(w, "components", finding.components);
    texts(w, "targets", finding.targets);
    suspects_json(w, finding.suspects);
    w.member("remedy", finding.remedy);
    text_or_null(w, "confidence", finding.confidence);
}

void report_head_members(JsonWriter& w, const Report& report) {
    report_head(w, report);
}

void render_json(const Report& report, const ReportSink& sink) {
    // Written out whenever this much is pending: one target's JSON is a few KiB, so memory
    // holds one piece and one target, whatever the number of targets.
    constexpr std::size_t kPiece = 64 * 1024;
    std::string out;
    out.reserve(kPiece + 16 * 1024);
    JsonWriter w(out);
    w.begin_object();
    report_head(w, report);
    w.key("targets");
    w.begin_array();
    for (const auto& target : report.targets) {
        target_json(w, target);
        if (out.size() >= kPiece) {
            sink(out);
            out.clear();
        }
    }
    w.end_array();
    report_tail(w, report);
    w.end_object();
    out.push_back('\n');
    sink(out);
}

std::string render_json(const Report& report) {
    std::string out;
    render_json(report, [&out](std::string_view piece) { out += piece; });
    return out;
}

}  // namespace vpcprobe
