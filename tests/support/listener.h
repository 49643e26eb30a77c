// SPDX-License-Identifier: Apache-2.0
// Test support: the listener plumbing the in-process test peers share (tests/support/
// tls_server.h, http_server.h, tls_proxy.h): binding a listening acceptor, an io_context run by
// its own threads that owns the listeners, and the TLS server context built from the test PKI's
// credentials. Each peer keeps its own accept loop and sessions; this is only what they all do
// the same way.
//
// Threading: construct, listen(), start(), stop() and destroy an IoThreads from one thread (the
// test's); the io_context runs on the threads start() creates, and every handler posted to it
// runs there. stop() (or the destructor) joins those threads, then destroys the listeners, so a
// handler never outlives what it refers to while the threads run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "tests/support/pki.h"

namespace vpcprobe::test {

// Opens `acceptor` on address:port (port 0 = pick one) with SO_REUSEADDR (and IPV6_V6ONLY for
// an IPv6 address, so [::] does not also take the IPv4 port) and listens at once, so a client may
// connect as soon as this returns. Returns the bound endpoint; throws
// boost::system::system_error when the address cannot be bound.
boost::asio::ip::tcp::endpoint bind_and_listen(boost::asio::ip::tcp::acceptor& acceptor,
                                               const std::string& address, std::uint16_t port);

// A TLS server context presenting `credentials` (chain and key files): TLS 1.2 or later, and no
// session tickets or session cache, since the probes never resume (and thousands of benchmark
// handshakes should not pay for them). Throws boost::system::system_error on unusable files.
std::shared_ptr<boost::asio::ssl::context> make_server_context(
    const ServerCredentials& credentials);

// Whether a TLS server asks for a client certificate (mutual TLS).
enum class ClientAuth {
    none,      // no CertificateRequest
    optional,  // a CertificateRequest; a client without a certificate is let in
    required,  // a CertificateRequest; no certificate, or one that does not verify, is refused
};

// "none", "optional", "required"; nullopt for any other text.
std::string_view name(ClientAuth auth);
std::optional<ClientAuth> client_auth_from_name(std::string_view text);

// Makes `context` ask for client certificates as `auth` says, verifying them against the PEM
// CA file `ca_file` and listing its subjects in the CertificateRequest (TLS 1.2's CA list,
// TLS 1.3's certificate_authorities). Throws std::runtime_error on an unusable file.
void ask_for_client_certificates(boost::asio::ssl::context& context, ClientAuth auth,
                                 const std::string& ca_file);

// An io_context with a work guard, run by `threads` threads from start() on, and the listeners
// that accept on it. start() after stop() does nothing; stop() is idempotent.
class IoThreads {
  public:
    explicit IoThreads(unsigned threads = 1);
    ~IoThreads();
    IoThreads(const IoThreads&) = delete;
    IoThreads& operator=(const IoThreads&) = delete;

    boost::asio::io_context& io() { return io_; }

    // Keeps `listener` alive until stop() and posts `begin_accepting` to the io_context (it runs
    // once the threads are started, or at once if they are).
    void keep(std::shared_ptr<void> listener, std::function<void()> begin_accepting);

    void start();
    // Stops the io_context, joins its threads and destroys the listeners. Sessions still
    // pending die with the io_context's handlers (its destructor).
    void stop();

  private:
    unsigned thread_count_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        boost::asio::make_work_guard(io_)};
    std::mutex mutex_;
    std::vector<std::thread> threads_;
    std::vector<std::shared_ptr<void>> listeners_;
    bool stopped_ = false;
};

}  // namespace vpcprobe::test
