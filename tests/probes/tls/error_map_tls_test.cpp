// SPDX-License-Identifier: Apache-2.0
// probes/tls/error_map_tls.h: how a failed handshake reads (alert, not TLS at all, closed,
// reset, an OpenSSL reason) and OpenSSL's error codes as text.
#include "probes/tls/error_map_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <string>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <catch2/catch.hpp>

using vpcprobe::Cause;
using vpcprobe::handshake_failure;
using vpcprobe::HandshakeFailure;

namespace {

// OpenSSL loads its error texts with the library; this test makes no SSL object that would.
const bool kStringsLoaded =
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr) ==
    1;

boost::system::error_code ssl_error(int reason) {
    return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)),
            boost::asio::error::get_ssl_category()};
}

HandshakeFailure failure(boost::system::error_code error, std::string first_bytes = {},
                         std::size_t bytes_received = 0) {
    HandshakeFailure out;
    out.error = error;
    out.peer = "10.0.0.5:9093";
    out.first_bytes = std::move(first_bytes);
    out.bytes_received = bytes_received == 0 ? out.first_bytes.size() : bytes_received;
    return out;
}

}  // namespace

TEST_CASE("an alert from the peer is a failed handshake naming it", "[tls]") {
    REQUIRE(kStringsLoaded);
    auto alerted = failure(ssl_error(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE), "\x15\x03\x03", 7);
    alerted.received_alert = vpcprobe::alert_text(40);
    const auto verdict = handshake_failure(alerted);
    CHECK(verdict.cause == Cause::tls_handshake_failed);
    CHECK(verdict.detail ==
          "10.0.0.5:9093 sent TLS alert \"handshake failure\" during the handshake");
}

TEST_CASE("bytes that are not TLS records are tls.not_tls, quoted", "[tls]") {
    const auto http = handshake_failure(failure(ssl_error(SSL_R_WRONG_VERSION_NUMBER),
                                                "HTTP/1.1 400 Bad Request\r\nServer: x\r\n"));
    CHECK(http.cause == Cause::tls_not_tls);
    CHECK(http.detail ==
          "10.0.0.5:9093 answered with something that is not TLS: \"HTTP/1.1 400 Bad Request\"");

    const auto kafka = handshake_failure(
        failure(ssl_error(SSL_R_WRONG_VERSION_NUMBER), std::string("\0\0\0\x06\0\x12", 6)));
    CHECK(kafka.cause == Cause::tls_not_tls);
    CHECK(kafka.detail ==
          "10.0.0.5:9093 answered with something that is not TLS: bytes 00 00 00 06 00 12");
}

TEST_CASE("without bytes, OpenSSL's record layer says whether it was TLS", "[tls]") {
    const auto verdict = handshake_failure(failure(ssl_error(SSL_R_WRONG_VERSION_NUMBER)));
    CHECK(verdict.cause == Cause::tls_not_tls);
    CHECK(verdict.detail == "10.0.0.5:9093 answered with something that is not TLS (" +
                                vpcprobe::openssl_error_text(static_cast<unsigned long>(
                                    ssl_error(SSL_R_WRONG_VERSION_NUMBER).value())) +
                                ")");
}

TEST_CASE("a close or reset says whether any TLS answer came first", "[tls]") {
    CHECK(handshake_failure(failure(boost::asio::error::eof)).detail ==
          "10.0.0.5:9093 closed the connection without a TLS answer");
    CHECK(handshake_failure(failure(boost::asio::ssl::error::stream_truncated, "\x16\x03\x03"))
              .detail == "10.0.0.5:9093 closed the connection during the TLS handshake");
    CHECK(handshake_failure(failure(ssl_error(SSL_R_UNEXPECTED_EOF_WHILE_READING))).detail ==
          "10.0.0.5:9093 closed the connection without a TLS answer");
    const auto reset = handshake_failure(failure(boost::asio::error::connection_reset));
    CHECK(reset.cause == Cause::tls_handshake_failed);
    CHECK(reset.detail == "10.0.0.5:9093 reset the connection without a TLS answer");
}

TEST_CASE("any other failure names OpenSSL's reason and the alert we sent", "[tls]") {
    auto refused = failure(ssl_error(SSL_R_CERTIFICATE_VERIFY_FAILED), "\x16\x03\x03", 900);
    refused.sent_alert = vpcprobe::alert_text(48);
    const auto verdict = handshake_failure(refused);
    CHECK(verdict.cause == Cause::tls_handshake_failed);
    CHECK(verdict.detail ==
          "TLS handshake with 10.0.0.5:9093 failed: certificate verify failed; "
          "we sent alert \"unknown CA\"");
}

TEST_CASE("the end of PEM input is told from a damaged block", "[tls]") {
    CHECK(vpcprobe::is_end_of_pem_blocks(ERR_PACK(ERR_LIB_PEM, 0, PEM_R_NO_START_LINE)));
    CHECK_FALSE(vpcprobe::is_end_of_pem_blocks(ERR_PACK(ERR_LIB_PEM, 0, PEM_R_BAD_END_LINE)));
    CHECK_FALSE(vpcprobe::is_end_of_pem_blocks(ERR_PACK(ERR_LIB_SSL, 0, PEM_R_NO_START_LINE)));
    CHECK(vpcprobe::openssl_error_text(ERR_PACK(ERR_LIB_PEM, 0, PEM_R_NO_START_LINE)) ==
          "no start line");
}
