// SPDX-License-Identifier: Apache-2.0
// The one place OpenSSL's own errors are interpreted: how a failed handshake ended (the
// ERR_* reason, an alert, a close or reset, bytes that are not TLS at all) as a tls.* cause and
// detail, what an alert means for mutual TLS (the server wants a client certificate, or refused
// ours: during the handshake, or with TLS 1.3 at the first read after it), and the OpenSSL
// error queue's codes as text. Certificate verification errors have
// their own map (probes/tls/error_map_x509.h).
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/system/error_code.hpp>

#include "core/cause.h"
#include "core/evidence.h"

namespace vpcprobe {

// What the handshake showed of mutual TLS (TlsEvidence's client_certificate_requested,
// client_ca_names and client_certificate).
struct ClientCertificateFacts {
    bool requested = false;               // the server sent a CertificateRequest
    std::vector<std::string> ca_names;    // the CA names it listed
    std::optional<CertificateInfo> ours;  // the certificate we presented; null = none
};
ClientCertificateFacts client_certificate_facts(const TlsEvidence& tls);

// What a failed handshake left behind, gathered by the TLS probe.
struct HandshakeFailure {
    boost::system::error_code error;  // how the handshake ended
    std::string peer;                 // "addr:port", as details name it
    std::string received_alert;       // the alert the peer sent (alert_text), "" if none
    std::string sent_alert;           // the alert we sent, "" if none
    std::string first_bytes;          // the first bytes the peer sent (a few dozen at most)
    std::size_t bytes_received = 0;
    int received_alert_code = -1;  // the received alert's description (0..255); -1 if none
    ClientCertificateFacts client_certificate;
};

// The tls stage's cause and its one-sentence detail.
struct TlsFailure {
    Cause cause = Cause::tls_handshake_failed;
    std::string detail;
};

// tls.client_cert_required / tls.client_cert_rejected when the peer's alert is about our
// client certificate (client_certificate_failure); tls.not_tls when the peer's bytes (or,
// without bytes, OpenSSL's record layer) say it does not speak TLS; otherwise
// tls.handshake_failed, naming the alert, close, reset or OpenSSL reason.
TlsFailure handshake_failure(const HandshakeFailure& failure);

// When the server's alert is about the client certificate, the cause and detail:
//  - certificate_required (116): tls.client_cert_required;
//  - after a CertificateRequest answered without a certificate, handshake_failure (40),
//    bad_certificate (42), certificate_unknown (46) or access_denied (49) (TLS 1.2 servers
//    and Java's refuse an empty Certificate so): tls.client_cert_required;
//  - after we presented one: bad_certificate (42), unsupported_certificate (43),
//    certificate_revoked (44), certificate_expired (45), certificate_unknown (46), unknown_ca
//    (48), access_denied (49), decrypt_error (51, e.g. a key that does not match the
//    certificate) or handshake_failure (40): tls.client_cert_rejected.
// nullopt for any other alert, or when the server never asked for a certificate.
std::optional<TlsFailure> client_certificate_failure(int alert, const ClientCertificateFacts& facts,
                                                     const std::string& peer);

// The alert description (0..255) a TLS read or handshake error says the peer sent; nullopt for
// any other error.
std::optional<int> received_alert(const boost::system::error_code& error);

// A TLS 1.3 server checks the client certificate after the client's Finished, so its refusal
// arrives at the first read of the protocol check: the tls stage's cause and detail for the
// alert that ended the session there (client_certificate_failure, else tls.handshake_failed).
TlsFailure alert_after_handshake(int alert, const ClientCertificateFacts& facts,
                                 const std::string& peer);

// An alert's description for people ("handshake failure"), from the value an info callback
// gets.
std::string alert_text(int alert_value);

// The text of an OpenSSL error-queue code ("no start line").
std::string openssl_error_text(unsigned long code);

// Whether the last error of reading PEM blocks only says the input ran out of them (PEM's
// "no start line"), not that a block was damaged.
bool is_end_of_pem_blocks(unsigned long code);

}  // namespace vpcprobe
