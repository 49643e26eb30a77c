// SPDX-License-Identifier: Apache-2.0
// The cause vocabulary of the report (docs/report.md, "Cause codes"): the one public set of
// reasons a stage can fail or warn. Probes map foreign error spaces onto it in one file each and
// nowhere else: ares_status in probes/dns/error_map_dns.cpp, errno and ICMP in
// probes/tcp/error_map_tcp.cpp, OpenSSL handshake errors in probes/tls/error_map_tls.cpp and
// X509_V_ERR in probes/tls/error_map_x509.cpp; reports render it.
// Plain values, no state: safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace vpcprobe {

// The pipeline stages, in the order a target goes through them.
enum class Stage { dns, tcp, tls, certificate, protocol };

// How a stage ended. `skipped`: an earlier stage failed, or the stage does not apply.
enum class StageStatus { ok, warning, failed, skipped };

enum class Cause {
    none,
    dns_nxdomain,
    dns_nodata,
    dns_servfail,
    dns_refused,
    dns_timeout,
    dns_error,     // any other resolver failure (malformed reply, bad name); detail says which
    dns_sinkhole,  // the answer is an address no server can be at (0.0.0.0, ::): a DNS filter
    tcp_timeout,
    tcp_refused,
    tcp_prohibited,
    tcp_unreachable,
    tcp_error,  // any other local failure (no descriptors, bind failed); detail says which
    tls_timeout,
    tls_not_tls,
    tls_handshake_failed,
    tls_client_cert_required,  // the server requires a client certificate; none was configured
    tls_client_cert_rejected,  // the server refused the client certificate presented
    cert_expired,
    cert_not_yet_valid,
    cert_hostname_mismatch,
    cert_self_signed,
    cert_incomplete_chain,
    cert_untrusted,
    cert_expiring_soon,
    cert_invalid,  // any other verification failure (bad signature, revoked, ...)
    protocol_timeout,
    protocol_not_kafka,
    protocol_http_error,
    protocol_not_http,       // the peer's answer is not HTTP
    protocol_wrong_service,  // HTTP answered, but it is clearly another service
    protocol_auth_failed,    // SASL authentication was refused: a credential problem
    protocol_closed,         // the peer closed the connection before answering
    protocol_too_large,      // an answer exceeded its size bound (frame, header or body)
    protocol_kafka_error,    // the broker answered a request with a Kafka error code
    protocol_error,          // any other failure of the conversation; detail says which
    protocol_tls_required,   // a plaintext exchange was cut off and the listener speaks TLS
    protocol_unrecognized,   // a 2xx answer, but not recognisably the component (a warning)
    run_deadline,            // the run's --deadline passed before this stage finished
};

// The report's code, e.g. "tcp.timeout" (docs/report.md, "Cause codes"). Stable: scripts
// match on it.
std::string_view code(Cause cause);
// The stage a cause belongs to.
Stage stage_of(Cause cause);
// A plain-words explanation for people ("silently dropped: no answer to the SYN").
std::string_view explain(Cause cause);
// The inverse of code(), for tests and config; nullopt for unknown codes.
std::optional<Cause> cause_from_code(std::string_view text);

std::string_view name(Stage stage);         // "dns", "tcp", "tls", "certificate", "protocol"
std::string_view name(StageStatus status);  // "ok", "warning", "failed", "skipped"

// Every cause except `none`, in declaration order (for exhaustive tests and metrics).
inline constexpr Cause kAllCauses[] = {
    Cause::dns_nxdomain,
    Cause::dns_nodata,
    Cause::dns_servfail,
    Cause::dns_refused,
    Cause::dns_timeout,
    Cause::dns_error,
    Cause::dns_sinkhole,
    Cause::tcp_timeout,
    Cause::tcp_refused,
    Cause::tcp_prohibited,
    Cause::tcp_unreachable,
    Cause::tcp_error,
    Cause::tls_timeout,
    Cause::tls_not_tls,
    Cause::tls_handshake_failed,
    Cause::tls_client_cert_required,
    Cause::tls_client_cert_rejected,
    Cause::cert_expired,
    Cause::cert_not_yet_valid,
    Cause::cert_hostname_mismatch,
    Cause::cert_self_signed,
    Cause::cert_incomplete_chain,
    Cause::cert_untrusted,
    Cause::cert_expiring_soon,
    Cause::cert_invalid,
    Cause::protocol_timeout,
    Cause::protocol_not_kafka,
    Cause::protocol_http_error,
    Cause::protocol_not_http,
    Cause::protocol_wrong_service,
    Cause::protocol_auth_failed,
    Cause::protocol_closed,
    Cause::protocol_too_large,
    Cause::protocol_kafka_error,
    Cause::protocol_error,
    Cause::protocol_tls_required,
    Cause::protocol_unrecognized,
    Cause::run_deadline,
};

}  // namespace vpcprobe
