// SPDX-License-Identifier: Apache-2.0
// Which failures get one more connection, and how its outcome reads (probes/engine/wrong_scheme.h).
#include "probes/engine/wrong_scheme.h"

#include <fmt/format.h>

namespace vpcprobe {

namespace {

void add_note(ProtocolEvidence& protocol, const std::string& note) {
    if (!protocol.note.empty()) protocol.note += "; ";
    protocol.note += note;
}

// The first exchange got no answer: ApiVersions unanswered, or no HTTP status line.
bool nothing_answered(const ProtocolEvidence& protocol) {
    if (protocol.kafka) return protocol.kafka->api_versions_version < 0;
    if (protocol.http) return protocol.http->status == 0;
    return true;
}

}  // namespace

std::string tls_scheme_advice(std::string_view component) {
    if (component == "kafka") {
        return "this listener speaks TLS: use SSL:// (or SASL_SSL:// with SASL), not PLAINTEXT://";
    }
    return "this listener speaks TLS: use https://, not http://";
}

bool worth_a_tls_sniff(const ProtocolEvidence& protocol) {
    if (protocol.status != StageStatus::failed || !nothing_answered(protocol)) return false;
    return protocol.cause == Cause::protocol_closed || protocol.cause == Cause::protocol_not_http;
}

void apply_tls_sniff(ProtocolEvidence& protocol, const TlsSniff& sniff, std::string_view component,
                     const std::string& peer) {
    protocol.ms += sniff.ms;  // the stage lasted until the sniff was done
    if (sniff.speaks_tls) {
        protocol.cause = Cause::protocol_tls_required;
        protocol.detail += "; " + tls_scheme_advice(component);
        add_note(protocol, fmt::format("a TLS ClientHello on a second connection to {} was "
                                       "answered with {}",
                                       peer, sniff.saw));
        return;
    }
    add_note(protocol, fmt::format("a TLS ClientHello on a second connection to {} got {}: not a "
                                   "TLS listener either",
                                   peer, sniff.saw));
}

void note_second_connection_failed(ProtocolEvidence& protocol, std::string_view unsent,
                                   const std::string& why) {
    add_note(protocol,
             fmt::format("{} was not sent: the second connection failed: {}", unsent, why));
}

void name_tls_scheme(ProtocolEvidence& protocol, std::string_view component) {
    protocol.detail += "; " + tls_scheme_advice(component);
    add_note(protocol, "the answer itself was a TLS record: no second connection was needed");
}

bool worth_a_plaintext_try(const TlsEvidence& tls, const Target& target) {
    if (target.component != "kafka" || tls.status != StageStatus::failed) return false;
    if (!tls.alert.empty() || !tls.version.empty()) return false;
    return tls.cause == Cause::tls_not_tls || tls.cause == Cause::tls_handshake_failed;
}

void apply_plaintext_answer(TlsEvidence& tls, ProtocolEvidence& protocol,
                            const ProtocolEvidence& answer, const std::string& peer) {
    const bool answered = answer.kafka && answer.kafka->api_versions_version >= 0;
    if (!answered) {
        add_note(protocol, fmt::format("a plaintext Kafka ApiVersions on a second connection to "
                                       "{} got no Kafka answer either: {}",
                                       peer, answer.detail));
        return;
    }
    tls.cause = Cause::tls_not_tls;
    tls.detail +=
        "; this listener speaks plaintext Kafka: use PLAINTEXT:// (or SASL_PLAINTEXT://), or "
        "enable TLS on the listener";
    add_note(protocol, fmt::format("a plaintext Kafka ApiVersions on a second connection to {} "
                                   "was answered ({} APIs listed)",
                                   peer, answer.kafka->apis.size()));
}

}  // namespace vpcprobe
