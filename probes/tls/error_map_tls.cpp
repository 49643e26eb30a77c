// SPDX-License-Identifier: Apache-2.0
// OpenSSL handshake errors -> tls.* causes and details (probes/tls/error_map_tls.h).
#include "probes/tls/error_map_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <array>

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include "core/text.h"

namespace vpcprobe {

namespace {

// What the first bytes from the peer say. A TLS record header is a content type 20..24, a
// version 3.0..3.4 and a length of at most 2^14 + 2048; HTTP text, a Kafka length prefix or
// noise fails that at once (random bytes pass it about once in 10^7).
bool looks_like_tls(const std::string& bytes) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if (bytes.empty()) return true;  // nothing to judge by
    if (byte(0) < 20 || byte(0) > 24) return false;
    if (bytes.size() >= 2 && byte(1) != 3) return false;
    if (bytes.size() >= 3 && byte(2) > 4) return false;
    if (bytes.size() >= 5 && ((byte(3) << 8) | byte(4)) > 16384 + 2048) return false;
    return true;
}

// The record-layer complaints OpenSSL makes about bytes that are not TLS records; consulted
// only when the bytes themselves were not seen.
bool record_layer_says_not_tls(int reason) {
    switch (reason) {
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_UNKNOWN_PROTOCOL:
            return true;
        default:
            return false;
    }
}

// The first bytes for a person: a text line when it is text, else hex.
std::string quote_bytes(const std::string& bytes) {
    bool printable = true;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 || byte >= 0x7f) && byte != '\r' && byte != '\n' && byte != '\t') {
            printable = false;
            break;
        }
    }
    if (printable) {
        std::string line = bytes.substr(0, bytes.find_first_of("\r\n"));
        if (line.size() > 48) line = line.substr(0, 48) + "...";
        return "\"" + line + "\"";
    }
    std::string hex;
    for (std::size_t i = 0; i < bytes.size() && i < 16; ++i) {
        hex += fmt::format("{}{:02x}", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
    }
    return "bytes " + hex + (bytes.size() > 16 ? " ..." : "");
}

bool is_openssl_error(const boost::system::error_code& ec) {
    return ec.category() == boost::asio::error::get_ssl_category();
}

// The ERR_* reason of an OpenSSL error, 0 for any other error.
int openssl_reason(const boost::system::error_code& ec) {
    return is_openssl_error(ec) ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) : 0;
}

std::string not_tls_detail(const HandshakeFailure& failure) {
    if (failure.first_bytes.empty()) {
        return fmt::format("{} answered with something that is not TLS ({})", failure.peer,
                           openssl_error_text(static_cast<unsigned long>(failure.error.value())));
    }
    std::string detail = fmt::format("{} answered with something that is not TLS: {}", failure.peer,
                                     quote_bytes(failure.first_bytes));
    // A plain HTTP server answers a ClientHello with a 400 (Jetty, nginx, Beast): the scheme,
    // not the service, is wrong.
    if (failure.first_bytes.rfind("HTTP/", 0) == 0) {
        detail += "; this listener speaks plain HTTP: use http://, not https://";
    }
    return detail;
}

// A handshake that failed for another reason than the peer's alert or its not speaking TLS.
std::string failed_detail(const HandshakeFailure& failure) {
    const auto& ec = failure.error;
    const bool nothing = failure.bytes_received == 0;
    const bool eof = ec == boost::asio::error::eof ||
                     ec == boost::asio::ssl::error::stream_truncated ||
                     openssl_reason(ec) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
    if (eof) {
        return nothing
                   ? fmt::format("{} closed the connection without a TLS answer", failure.peer)
                   : fmt::format("{} closed the connection during the TLS handshake", failure.peer);
    }
    if (ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe) {
        return nothing
                   ? fmt::format("{} reset the connection without a TLS answer", failure.peer)
                   : fmt::format("{} reset the connection during the TLS handshake", failure.peer);
    }
    std::string what = is_openssl_error(ec)
                           ? openssl_error_text(static_cast<unsigned long>(ec.value()))
                           : ec.message();
    if (!failure.sent_alert.empty())
        what += fmt::format("; we sent alert \"{}\"", failure.sent_alert);
    return fmt::format("TLS handshake with {} failed: {}", failure.peer, what);
}

// The alerts a server refuses a client certificate with (RFC 8446 6.2), by description.
bool refuses_a_certificate(int alert) {
    switch (alert) {
        case SSL_AD_HANDSHAKE_FAILURE:
        case SSL_AD_BAD_CERTIFICATE:
        case SSL_AD_UNSUPPORTED_CERTIFICATE:
        case SSL_AD_CERTIFICATE_REVOKED:
        case SSL_AD_CERTIFICATE_EXPIRED:
        case SSL_AD_CERTIFICATE_UNKNOWN:
        case SSL_AD_UNKNOWN_CA:
        case SSL_AD_ACCESS_DENIED:
        case SSL_AD_DECRYPT_ERROR:
            return true;
        default:
            return false;
    }
}

// The alerts a server refuses an empty Certificate message with: TLS 1.3's own alert, OpenSSL's
// TLS 1.2 handshake_failure, Java's bad_certificate, and what others use.
bool refuses_no_certificate(int alert) {
    return alert == SSL_AD_CERTIFICATE_REQUIRED || alert == SSL_AD_HANDSHAKE_FAILURE ||
           alert == SSL_AD_BAD_CERTIFICATE || alert == SSL_AD_CERTIFICATE_UNKNOWN ||
           alert == SSL_AD_ACCESS_DENIED;
}

std::string accepted_issuers(const std::vector<std::string>& ca_names) {
    if (ca_names.empty()) return "it named no CA whose certificates it accepts";
    return "it accepts certificates issued by " + join(ca_names, "; ");
}

TlsFailure certificate_required(const ClientCertificateFacts& facts, const std::string& peer) {
    return {Cause::tls_client_cert_required,
            fmt::format("the server at {} requires a client certificate (mutual TLS) and none was "
                        "configured; {}",
                        peer, accepted_issuers(facts.ca_names))};
}

TlsFailure certificate_rejected(int alert, const ClientCertificateFacts& facts,
                                const std::string& peer) {
    return {Cause::tls_client_cert_rejected,
            fmt::format("the server at {} refused our client certificate {} (issued by {}): "
                        "alert {}",
                        peer, facts.ours->subject, facts.ours->issuer, alert_text(alert))};
}

}  // namespace

ClientCertificateFacts client_certificate_facts(const TlsEvidence& tls) {
    return {tls.client_certificate_requested, tls.client_ca_names,
            tls.client_certificate ? std::optional<CertificateInfo>(*tls.client_certificate)
                                   : std::nullopt};
}

std::optional<TlsFailure> client_certificate_failure(int alert, const ClientCertificateFacts& facts,
                                                     const std::string& peer) {
    if (facts.ours) {
        if (refuses_a_certificate(alert)) return certificate_rejected(alert, facts, peer);
        return std::nullopt;
    }
    // certificate_required says it all by itself; the others only after a CertificateRequest.
    if (alert == SSL_AD_CERTIFICATE_REQUIRED ||
        (facts.requested && refuses_no_certificate(alert))) {
        return certificate_required(facts, peer);
    }
    return std::nullopt;
}

std::optional<int> received_alert(const boost::system::error_code& error) {
    if (!is_openssl_error(error)) return std::nullopt;
    const auto code = static_cast<unsigned long>(error.value());
    const int reason = ERR_GET_REASON(code);
    // OpenSSL reports a received fatal alert as the reason SSL_AD_REASON_OFFSET + description.
    if (ERR_GET_LIB(code) != ERR_LIB_SSL || reason < SSL_AD_REASON_OFFSET ||
        reason > SSL_AD_REASON_OFFSET + 255) {
        return std::nullopt;
    }
    return reason - SSL_AD_REASON_OFFSET;
}

TlsFailure alert_after_handshake(int alert, const ClientCertificateFacts& facts,
                                 const std::string& peer) {
    const std::string when = fmt::format(
        "; it refused the session after the handshake, at the first read (alert \"{}\")",
        alert_text(alert));
    if (auto failure = client_certificate_failure(alert, facts, peer)) {
        if (failure->cause == Cause::tls_client_cert_required) failure->detail += when;
        if (failure->cause == Cause::tls_client_cert_rejected) {
            failure->detail += ", after the handshake, at the first read";
        }
        return *failure;
    }
    return {Cause::tls_handshake_failed,
            fmt::format("{} ended the TLS session with alert \"{}\" right after the handshake, at "
                        "the first read",
                        peer, alert_text(alert))};
}

TlsFailure handshake_failure(const HandshakeFailure& failure) {
    if (failure.received_alert_code >= 0) {
        auto refused = client_certificate_failure(failure.received_alert_code,
                                                  failure.client_certificate, failure.peer);
        if (refused) {
            if (refused->cause == Cause::tls_client_cert_required) {
                refused->detail += fmt::format(" (alert \"{}\" during the handshake)",
                                               alert_text(failure.received_alert_code));
            }
            return *refused;
        }
    }
    if (!failure.received_alert.empty()) {
        return {Cause::tls_handshake_failed,
                fmt::format("{} sent TLS alert \"{}\" during the handshake", failure.peer,
                            failure.received_alert)};
    }
    const bool record_layer_not_tls = failure.first_bytes.empty() &&
                                      is_openssl_error(failure.error) &&
                                      record_layer_says_not_tls(openssl_reason(failure.error));
    if (!looks_like_tls(failure.first_bytes) || record_layer_not_tls) {
        return {Cause::tls_not_tls, not_tls_detail(failure)};
    }
    return {Cause::tls_handshake_failed, failed_detail(failure)};
}

std::string alert_text(int alert_value) {
    // OpenSSL 3.0 names no alert TLS 1.3 added ("unknown"): those by RFC 8446's names.
    switch (alert_value & 0xff) {
        case SSL_AD_MISSING_EXTENSION:
            return "missing extension";
        case SSL_AD_CERTIFICATE_REQUIRED:
            return "certificate required";
        case SSL_AD_NO_APPLICATION_PROTOCOL:
            return "no application protocol";
        default:
            return SSL_alert_desc_string_long(alert_value);
    }
}

std::string openssl_error_text(unsigned long code) {
    const char* reason = ERR_reason_error_string(code);
    if (reason != nullptr) return reason;
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    return buffer.data();
}

bool is_end_of_pem_blocks(unsigned long code) {
    return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

}  // namespace vpcprobe
