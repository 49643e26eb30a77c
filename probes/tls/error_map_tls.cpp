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
    return fmt::format("{} answered with something that is not TLS: {}", failure.peer,
                       quote_bytes(failure.first_bytes));
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

}  // namespace

TlsFailure handshake_failure(const HandshakeFailure& failure) {
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
    return SSL_alert_desc_string_long(alert_value);
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
