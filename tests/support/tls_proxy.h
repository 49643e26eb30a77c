// SPDX-License-Identifier: Apache-2.0
// Test support: a TLS-terminating TCP proxy, to put TLS in front of a plaintext test peer
// (librdkafka's mock Kafka brokers, tests/integration/kafkapeer.py) so the Kafka check can be
// tested over TLS with the test PKI's certificates, with or without mutual TLS (the proxy can
// ask for, or require, a client certificate verified against a given CA). Used by the
// `tlsproxy` program.
//
// Each listener accepts a client, connects to its plaintext upstream first (a refused or failed
// upstream closes the client at once, before any TLS byte, like a backend that is down), then
// completes the TLS handshake as a server and pumps bytes both ways through bounded buffers.
// When the upstream closes, the client gets a TLS close_notify and then the close; when the
// client closes or fails, the upstream is closed. Every connection ends after kHoldLimit
// (tests/support/tls_server.h) whatever happens, so no run can hang on a proxied connection.
//
// Upstreams are loopback addresses only (127.0.0.0/8, ::1): the proxy never connects anywhere
// else (network safety rule of the tests).
//
// Threading: construct, listen() and destroy from one thread; everything else runs on the one
// thread start() creates, on one io_context. stop() (or the destructor) joins it and closes every
// socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "tests/support/listener.h"
#include "tests/support/pki.h"

namespace vpcprobe::test {

class TlsProxy {
  public:
    // credentials: the certificate chain and key every listener presents. client_auth: whether
    // it asks clients for a certificate, verified against the PEM CA file client_ca_file (which
    // must be given unless client_auth is none). Throws std::runtime_error on an unusable file.
    explicit TlsProxy(const ServerCredentials& credentials,
                      ClientAuth client_auth = ClientAuth::none,
                      const std::string& client_ca_file = "");
    ~TlsProxy();
    TlsProxy(const TlsProxy&) = delete;
    TlsProxy& operator=(const TlsProxy&) = delete;

    // Binds address:port (port 0 = pick one) and listens at once; returns the bound endpoint.
    // Throws std::invalid_argument when `upstream` is not a loopback address and
    // boost::system::system_error when the address cannot be bound.
    boost::asio::ip::tcp::endpoint listen(const std::string& address, std::uint16_t port,
                                          const boost::asio::ip::tcp::endpoint& upstream);
    void start();  // starts the one thread; listeners added later accept right away
    void stop();   // idempotent; closes every listener and connection

    std::size_t connections_accepted() const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace vpcprobe::test
