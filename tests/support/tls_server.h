// SPDX-License-Identifier: Apache-2.0
// Test support: real peers for the TLS probe on loopback (or inside a test's own network
// namespace): TLS servers presenting each leaf variant of the test PKI (tests/support/pki.h),
// and the ways a port can fail to be TLS: silent, plain HTTP, garbage, an immediate close, a TLS
// alert. A TLS server may ask for a client certificate (optional or required, verified against
// the PKI's client CA) and be held to TLS 1.2 or TLS 1.3. Used in-process by unit tests
// (TestServer) and by the `testpeer` program (ServerSet).
//
// Every connection is a small asynchronous session on one io_context (no thread per
// connection), so one process can hold thousands of connections; every session ends when the
// client closes or after a hold limit, whichever comes first.
//
// Threading: construct, listen() and destroy from one thread; the io_context runs on the
// set's own threads. Destruction stops those threads and closes every socket. A TestPki must
// outlive the servers built from it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "tests/support/listener.h"
#include "tests/support/pki.h"

namespace vpcprobe::test {

enum class ServeMode {
    tls,             // TLS with the chosen leaf variant; then read and discard until close
    silent,          // accept and never send a byte; hold the connection open
    plaintext_http,  // answer any input with "HTTP/1.1 400 Bad Request" and close
    garbage,         // send 64 bytes that are not TLS right after accepting
    close,           // accept and close at once
    tls_alert,       // a TLS 1.2 server with no cipher in common: it answers with an alert
};

enum class TlsVersion { any, tls1_2, tls1_3 };

struct ServeSpec {
    ServeMode mode = ServeMode::tls;
    LeafVariant variant = LeafVariant::good;  // the certificate a tls / tls_alert server uses
    // tls mode only: mutual TLS, verified against client_ca_file ("" = the PKI's client CA),
    // and the one TLS version spoken (any = 1.2 or 1.3).
    ClientAuth client_auth = ClientAuth::none;
    std::string client_ca_file = {};
    TlsVersion version = TlsVersion::any;
};

// testpeer's MODE: "tls:VARIANT[:OPTION...]" with OPTION client-cert-required,
// client-cert-optional, tls1.2 or tls1.3; "silent", "plaintext-http", "garbage", "close",
// "tls-alert". nullopt with `error` set when the text is not one of them.
std::optional<ServeSpec> parse_serve_spec(std::string_view text, std::string& error);
std::string describe(const ServeSpec& spec);  // the inverse: "tls:good", "silent", ...

// How long any one connection is kept at most; bounds every test and benchmark run.
inline constexpr std::chrono::seconds kHoldLimit{120};

// Listeners on one io_context, run by a few threads.
class ServerSet {
  public:
    explicit ServerSet(const TestPki& pki, unsigned threads = 1);
    ~ServerSet();
    ServerSet(const ServerSet&) = delete;
    ServerSet& operator=(const ServerSet&) = delete;

    // Binds address:port (port 0 = pick one) and listens at once, so a client may connect as
    // soon as this returns; returns the bound endpoint. Throws boost::system::system_error
    // when the address cannot be bound, std::runtime_error on unusable credentials.
    boost::asio::ip::tcp::endpoint listen(const std::string& address, std::uint16_t port,
                                          const ServeSpec& spec);
    void start();  // starts the threads; listeners added later accept right away
    void stop();   // idempotent; closes every listener and connection

    std::size_t connections_accepted() const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

// One listener with its own io_context and thread, started by the constructor.
class TestServer {
  public:
    TestServer(const TestPki& pki, ServeSpec spec, const std::string& address = "127.0.0.1",
               std::uint16_t port = 0);

    const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
    std::uint16_t port() const { return endpoint_.port(); }
    std::size_t connections_accepted() const { return servers_.connections_accepted(); }

  private:
    ServerSet servers_;
    boost::asio::ip::tcp::endpoint endpoint_;
};

}  // namespace vpcprobe::test
