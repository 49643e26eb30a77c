// SPDX-License-Identifier: Apache-2.0
// probes/tls/error_map_tls.h: how a failed handshake reads (alert, not TLS at all, closed,
// reset, an OpenSSL reason) and OpenSSL's error codes as text.
#include "probes/tls/error_map_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <optional>
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
          "10.0.0.5:9093 answered with something that is not TLS: \"HTTP/1.1 400 Bad "
          "Request\"; this listener speaks plain HTTP: use http://, not https://");

    const auto kafka = handshake_failure(
        failure(ssl_error(SSL_R_WRONG_VERSION_NUMBER), std::string("\0\0\0\x06\0\x12", 6)));
    CHECK(kafka.cause == Cause::tls_not_tls);
    CHECK(kafka.detail ==
          "10.0.0.5:9093 answered with something that is not TLS: bytes 00 00 00 06 00 12");
}

TEST_CASE("only an HTTP status line names plain HTTP", "[tls][scheme]") {
    // Text that merely mentions HTTP further on is not an HTTP answer.
    const auto smtp = handshake_failure(
        failure(ssl_error(SSL_R_WRONG_VERSION_NUMBER), "220 mail ESMTP (HTTP/1.1 not here)\r\n"));
    CHECK(smtp.cause == Cause::tls_not_tls);
    CHECK(smtp.detail.find("plain HTTP") == std::string::npos);
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

namespace {

vpcprobe::ClientCertificateFacts asked(bool presented) {
    vpcprobe::ClientCertificateFacts facts;
    facts.requested = true;
    facts.ca_names = {"CN=Client CA A", "CN=Client CA B"};
    if (presented) {
        vpcprobe::CertificateInfo ours;
        ours.subject = "CN=client";
        ours.issuer = "CN=Other CA";
        facts.ours = ours;
    }
    return facts;
}

}  // namespace

TEST_CASE("the client-certificate alerts: required without a certificate, rejected with one",
          "[tls][mtls]") {
    REQUIRE(kStringsLoaded);
    struct Row {
        int alert;
        bool requested;
        bool presented;
        std::optional<Cause> cause;
    };
    const Row rows[] = {
        {SSL_AD_CERTIFICATE_REQUIRED, true, false, Cause::tls_client_cert_required},
        {SSL_AD_CERTIFICATE_REQUIRED, false, false, Cause::tls_client_cert_required},
        {SSL_AD_HANDSHAKE_FAILURE, true, false, Cause::tls_client_cert_required},
        {SSL_AD_BAD_CERTIFICATE, true, false, Cause::tls_client_cert_required},
        {SSL_AD_CERTIFICATE_UNKNOWN, true, false, Cause::tls_client_cert_required},
        {SSL_AD_ACCESS_DENIED, true, false, Cause::tls_client_cert_required},
        // Without a CertificateRequest, a handshake_failure is about something else.
        {SSL_AD_HANDSHAKE_FAILURE, false, false, std::nullopt},
        {SSL_AD_UNKNOWN_CA, true, false, std::nullopt},
        {SSL_AD_BAD_CERTIFICATE, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_UNSUPPORTED_CERTIFICATE, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_CERTIFICATE_REVOKED, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_CERTIFICATE_EXPIRED, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_CERTIFICATE_UNKNOWN, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_UNKNOWN_CA, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_ACCESS_DENIED, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_DECRYPT_ERROR, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_HANDSHAKE_FAILURE, true, true, Cause::tls_client_cert_rejected},
        {SSL_AD_PROTOCOL_VERSION, true, true, std::nullopt},
        {SSL_AD_INTERNAL_ERROR, true, false, std::nullopt},
    };
    for (const auto& row : rows) {
        INFO("alert " << row.alert << " requested " << row.requested << " presented "
                      << row.presented);
        auto facts = asked(row.presented);
        facts.requested = row.requested;
        const auto failure =
            vpcprobe::client_certificate_failure(row.alert, facts, "10.0.0.5:9093");
        REQUIRE(failure.has_value() == row.cause.has_value());
        if (row.cause) CHECK(failure->cause == *row.cause);
    }
}

TEST_CASE("the client-certificate details name the CAs, our certificate and the alert",
          "[tls][mtls]") {
    REQUIRE(kStringsLoaded);
    const auto required =
        vpcprobe::client_certificate_failure(SSL_AD_CERTIFICATE_REQUIRED, asked(false), "h:1");
    REQUIRE(required);
    CHECK(required->detail ==
          "the server at h:1 requires a client certificate (mutual TLS) and none was configured; "
          "it accepts certificates issued by CN=Client CA A; CN=Client CA B");
    auto no_names = asked(false);
    no_names.ca_names.clear();
    CHECK(vpcprobe::client_certificate_failure(SSL_AD_CERTIFICATE_REQUIRED, no_names, "h:1")
              ->detail.find("it named no CA") != std::string::npos);

    const auto rejected =
        vpcprobe::client_certificate_failure(SSL_AD_UNKNOWN_CA, asked(true), "h:1");
    REQUIRE(rejected);
    CHECK(rejected->detail ==
          "the server at h:1 refused our client certificate CN=client (issued by CN=Other CA): "
          "alert unknown CA");
}

TEST_CASE("a handshake that failed on a client-certificate alert is read as such", "[tls][mtls]") {
    REQUIRE(kStringsLoaded);
    auto alerted = failure(ssl_error(SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE), "\x15\x03\x03", 7);
    alerted.received_alert = vpcprobe::alert_text(SSL_AD_HANDSHAKE_FAILURE);
    alerted.received_alert_code = SSL_AD_HANDSHAKE_FAILURE;
    alerted.client_certificate = asked(false);
    const auto verdict = handshake_failure(alerted);
    CHECK(verdict.cause == Cause::tls_client_cert_required);
    CHECK(verdict.detail ==
          "the server at 10.0.0.5:9093 requires a client certificate (mutual TLS) and none was "
          "configured; it accepts certificates issued by CN=Client CA A; CN=Client CA B (alert "
          "\"handshake failure\" during the handshake)");

    // The same alert without a CertificateRequest stays a plain failed handshake.
    alerted.client_certificate = {};
    CHECK(handshake_failure(alerted).cause == Cause::tls_handshake_failed);
}

TEST_CASE("a read error carries the alert the peer sent; other errors carry none", "[tls][mtls]") {
    CHECK(vpcprobe::received_alert(ssl_error(SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)) ==
          SSL_AD_CERTIFICATE_REQUIRED);
    CHECK(vpcprobe::received_alert(ssl_error(SSL_R_TLSV1_ALERT_UNKNOWN_CA)) == SSL_AD_UNKNOWN_CA);
    CHECK_FALSE(vpcprobe::received_alert(ssl_error(SSL_R_WRONG_VERSION_NUMBER)));
    CHECK_FALSE(vpcprobe::received_alert(boost::asio::error::eof));
    CHECK_FALSE(vpcprobe::received_alert(boost::asio::ssl::error::stream_truncated));
}

TEST_CASE("an alert at the first read after the handshake", "[tls][mtls]") {
    REQUIRE(kStringsLoaded);
    const auto required =
        vpcprobe::alert_after_handshake(SSL_AD_CERTIFICATE_REQUIRED, asked(false), "h:1");
    CHECK(required.cause == Cause::tls_client_cert_required);
    CHECK(required.detail.find("; it refused the session after the handshake, at the first read "
                               "(alert \"certificate required\")") != std::string::npos);
    const auto rejected =
        vpcprobe::alert_after_handshake(SSL_AD_CERTIFICATE_EXPIRED, asked(true), "h:1");
    CHECK(rejected.cause == Cause::tls_client_cert_rejected);
    CHECK(rejected.detail ==
          "the server at h:1 refused our client certificate CN=client (issued by CN=Other CA): "
          "alert certificate expired, after the handshake, at the first read");
    const auto other = vpcprobe::alert_after_handshake(SSL_AD_INTERNAL_ERROR, asked(false), "h:1");
    CHECK(other.cause == Cause::tls_handshake_failed);
    CHECK(other.detail ==
          "h:1 ended the TLS session with alert \"internal error\" right after the handshake, at "
          "the first read");
}
