// SPDX-License-Identifier: Apache-2.0
// TLS probe: handshake over a connected socket with SNI = the target's hostname, then the
// certificate stage from what the peer presented. Chain verification: the system store plus
// --ca-file (probes/tls/tls_context.h), X509_VERIFY_PARAM_set1_host for the name, a verify
// callback that records every error with its depth and returns success so the handshake
// completes and the full presented chain is always reported; the cause is decided after the
// handshake (probes/tls/error_map_x509.h: certificate_verdict). A failed handshake is read by
// probes/tls/error_map_tls.h. A CertificateRequest is recorded per connection (SSL_set_cert_cb):
// the CA names it listed and the certificate we presented (the context's, if it holds one), for
// the mutual TLS causes.
//
// Threading: call on the io_context's thread; the completion is posted there. A TlsContext is
// shared by every probe of a run and must outlive them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "core/evidence.h"
#include "probes/tls/tls_context.h"

namespace vpcprobe {

struct TlsProbeOptions {
    std::string server_name;  // SNI and the name verified; an IP literal is verified as an IP
    std::chrono::milliseconds timeout{3000};
    int warn_days = 30;  // cert.expiring_soon when the chain's earliest expiry is nearer
    SystemTime now = std::chrono::system_clock::now();  // injectable clock for days_left
    // As the client being checked verifies (core/tls_settings.h): without hostname
    // verification a mismatch is a cert.hostname_mismatch warning, without certificate
    // verification every verification failure is a warning. Both are still checked and reported.
    bool verify_hostname = true;
    bool verify_certificate = true;
};

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
// The stream is handed on after a completed handshake (for protocol checks); null otherwise.
using TlsDone = std::function<void(TlsEvidence, CertificateEvidence, std::shared_ptr<TlsStream>)>;

void probe_tls(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> context,
               const TlsProbeOptions& options, TlsDone done);

}  // namespace vpcprobe
