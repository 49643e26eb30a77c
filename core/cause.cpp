// SPDX-License-Identifier: Apache-2.0
#include "core/cause.h"

namespace vpcprobe {

namespace {
struct CauseInfo {
    Cause cause;
    std::string_view code;
    Stage stage;
    std::string_view explanation;
};

// One row per cause; code() and explain() read this table, so adding a cause is one line.
constexpr CauseInfo kCauses[] = {
    {Cause::none, "", Stage::dns, ""},
    {Cause::dns_nxdomain, "dns.nxdomain", Stage::dns, "the name does not exist for this resolver"},
    {Cause::dns_nodata, "dns.nodata", Stage::dns, "the name exists but has no A/AAAA record"},
    {Cause::dns_servfail, "dns.servfail", Stage::dns, "the resolver failed to answer (SERVFAIL)"},
    {Cause::dns_refused, "dns.refused", Stage::dns,
     "the resolver refused the query, or is not listening"},
    {Cause::dns_timeout, "dns.timeout", Stage::dns, "no resolver answered in time"},
    {Cause::dns_error, "dns.error", Stage::dns, "the lookup failed"},
    {Cause::dns_sinkhole, "dns.sinkhole", Stage::dns,
     "the resolver answered an address no server can be at (0.0.0.0 or ::): a DNS firewall or "
     "filter blocked the name"},
    {Cause::tcp_timeout, "tcp.timeout", Stage::tcp,
     "no answer to the SYN: silently dropped (security group, network ACL, firewall or "
     "blackhole route)"},
    {Cause::tcp_refused, "tcp.refused", Stage::tcp,
     "connection refused (RST): the host is reachable but nothing listens on the port"},
    {Cause::tcp_prohibited, "tcp.prohibited", Stage::tcp,
     "a firewall actively rejected the connection (ICMP administratively prohibited or port "
     "unreachable)"},
    {Cause::tcp_unreachable, "tcp.unreachable", Stage::tcp,
     "no route to the host or network (ICMP unreachable, or no local route)"},
    {Cause::tcp_error, "tcp.error", Stage::tcp, "the connection could not be attempted"},
    {Cause::tls_timeout, "tls.timeout", Stage::tls, "TCP connected but no TLS answer came in time"},
    {Cause::tls_not_tls, "tls.not_tls", Stage::tls,
     "the peer answered with something that is not TLS (a plaintext listener?)"},
    {Cause::tls_handshake_failed, "tls.handshake_failed", Stage::tls,
     "the TLS handshake failed (the peer sent an alert or closed the connection)"},
    {Cause::tls_client_cert_required, "tls.client_cert_required", Stage::tls,
     "the server requires a client certificate (mutual TLS) and none was configured"},
    {Cause::tls_client_cert_rejected, "tls.client_cert_rejected", Stage::tls,
     "the server refused the client certificate presented (mutual TLS)"},
    {Cause::cert_expired, "cert.expired", Stage::certificate,
     "a certificate in the chain has expired"},
    {Cause::cert_not_yet_valid, "cert.not_yet_valid", Stage::certificate,
     "a certificate is not valid yet (or this host's clock is wrong)"},
    {Cause::cert_hostname_mismatch, "cert.hostname_mismatch", Stage::certificate,
     "the certificate does not cover the hostname"},
    {Cause::cert_self_signed, "cert.self_signed", Stage::certificate,
     "the certificate is self-signed and not trusted"},
    {Cause::cert_incomplete_chain, "cert.incomplete_chain", Stage::certificate,
     "the server did not send the intermediate certificate, and it is not trusted locally"},
    {Cause::cert_untrusted, "cert.untrusted", Stage::certificate,
     "the chain ends at a CA this host does not trust (add it with --ca-file?)"},
    {Cause::cert_expiring_soon, "cert.expiring_soon", Stage::certificate,
     "a certificate expires soon"},
    {Cause::cert_invalid, "cert.invalid", Stage::certificate,
     "the certificate chain failed verification"},
    {Cause::protocol_timeout, "protocol.timeout", Stage::protocol,
     "the service did not answer in time"},
    {Cause::protocol_not_kafka, "protocol.not_kafka", Stage::protocol,
     "the service did not answer as a Kafka broker"},
    {Cause::protocol_http_error, "protocol.http_error", Stage::protocol,
     "the service answered with an HTTP server error: the component is unhealthy"},
    {Cause::protocol_not_http, "protocol.not_http", Stage::protocol,
     "the service did not answer as an HTTP server"},
    {Cause::protocol_wrong_service, "protocol.wrong_service", Stage::protocol,
     "an HTTP server answered, but it is not the expected component (wrong port or routing?)"},
    {Cause::protocol_auth_failed, "protocol.auth_failed", Stage::protocol,
     "the broker rejected the SASL credentials: a credential problem, not a network one"},
    {Cause::protocol_closed, "protocol.closed", Stage::protocol,
     "the service closed the connection without answering"},
    {Cause::protocol_too_large, "protocol.too_large", Stage::protocol,
     "the service's answer exceeded the size vpcprobe accepts"},
    {Cause::protocol_kafka_error, "protocol.kafka_error", Stage::protocol,
     "the broker answered with a Kafka error"},
    {Cause::protocol_error, "protocol.error", Stage::protocol,
     "the conversation with the service failed"},
    {Cause::protocol_tls_required, "protocol.tls_required", Stage::protocol,
     "the listener speaks TLS but was asked in plaintext: the target's scheme is wrong"},
    {Cause::protocol_unrecognized, "protocol.unrecognized", Stage::protocol,
     "the service answered, but not recognisably as the expected component"},
    // run.deadline belongs to whichever stage was cut short; the report's cause names it, so
    // the stage here is only a placeholder.
    {Cause::run_deadline, "run.deadline", Stage::dns,
     "the run's --deadline passed before this target finished"},
};

const CauseInfo& info(Cause cause) {
    for (const auto& row : kCauses) {
        if (row.cause == cause) return row;
    }
    return kCauses[0];
}
}  // namespace

std::string_view code(Cause cause) {
    return info(cause).code;
}
Stage stage_of(Cause cause) {
    return info(cause).stage;
}
std::string_view explain(Cause cause) {
    return info(cause).explanation;
}

std::optional<Cause> cause_from_code(std::string_view text) {
    for (const auto& row : kCauses) {
        if (row.cause != Cause::none && row.code == text) return row.cause;
    }
    return std::nullopt;
}

std::string_view name(Stage stage) {
    switch (stage) {
        case Stage::dns:
            return "dns";
        case Stage::tcp:
            return "tcp";
        case Stage::tls:
            return "tls";
        case Stage::certificate:
            return "certificate";
        case Stage::protocol:
            return "protocol";
    }
    return "dns";
}

std::string_view name(StageStatus status) {
    switch (status) {
        case StageStatus::ok:
            return "ok";
        case StageStatus::warning:
            return "warning";
        case StageStatus::failed:
            return "failed";
        case StageStatus::skipped:
            return "skipped";
    }
    return "skipped";
}

}  // namespace vpcprobe
