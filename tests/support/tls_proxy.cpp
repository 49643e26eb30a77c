// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tls_proxy.h"

#include <array>
#include <atomic>
#include <stdexcept>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "tests/support/listener.h"
#include "tests/support/tls_server.h"

namespace vpcprobe::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

using TlsSocket = asio::ssl::stream<tcp::socket>;

// Each direction moves at most this much per read; a slow reader stalls the other side instead
// of growing a buffer.
constexpr std::size_t kPumpBytes = 16 * 1024;

// How long a TLS close_notify to the client may take before the socket is simply closed.
constexpr std::chrono::seconds kShutdownLimit{2};

bool is_loopback(const asio::ip::address& address) {
    if (address.is_v4()) return address.to_v4().is_loopback();
    const auto v6 = address.to_v6();
    return v6.is_loopback() ||
           (v6.is_v4_mapped() && asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback());
}

// One proxied connection: client (TLS) <-> upstream (plaintext TCP).
class ProxySession : public std::enable_shared_from_this<ProxySession> {
  public:
    ProxySession(tcp::socket client, asio::ssl::context& context, tcp::endpoint upstream)
        : client_(std::move(client), context),
          upstream_(client_.get_executor()),
          upstream_endpoint_(upstream),
          deadline_(client_.get_executor()) {}

    void start() {
        deadline_.expires_after(kHoldLimit);
        deadline_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (!ec) self->end();
        });
        upstream_.async_connect(upstream_endpoint_,
                                [self = shared_from_this()](const ErrorCode& ec) {
                                    // The backend is down: the client sees its connection closed
                                    // before any TLS byte.
                                    if (ec) return self->end();
                                    self->handshake();
                                });
    }

  private:
    void handshake() {
        client_.async_handshake(asio::ssl::stream_base::server,
                                [self = shared_from_this()](const ErrorCode& ec) {
                                    if (ec) return self->refuse();
                                    self->client_to_upstream();
                                    self->upstream_to_client();
                                });
    }

    // A failed handshake (a client certificate refused) has already sent its alert. The client
    // is half-closed and drained, bounded by kShutdownLimit, rather than closed: a TLS 1.3
    // client sends its Finished and first request before our refusal, and closing with those
    // unread would send a RST that can overtake the alert.
    void refuse() {
        ErrorCode ignored;
        upstream_.close(ignored);
        client_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
        deadline_.expires_after(kShutdownLimit);
        deadline_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (!ec) self->end();
        });
        drain_client();
    }

    void drain_client() {
        client_.next_layer().async_read_some(
            asio::buffer(from_client_),
            [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
                if (ec) return self->end();
                self->drain_client();
            });
    }

    void client_to_upstream() {
        client_read_pending_ = true;
        client_.async_read_some(
            asio::buffer(from_client_),
            [self = shared_from_this()](const ErrorCode& ec, std::size_t bytes) {
                self->client_read_pending_ = false;
                if (self->upstream_closed_) return self->close_client_cleanly();
                if (ec) return self->end();
                asio::async_write(self->upstream_, asio::buffer(self->from_client_, bytes),
                                  [self](const ErrorCode& write_ec, std::size_t) {
                                      if (self->upstream_closed_) {
                                          return self->close_client_cleanly();
                                      }
                                      if (write_ec) return self->end();
                                      self->client_to_upstream();
                                  });
            });
    }

    void upstream_to_client() {
        upstream_.async_read_some(
            asio::buffer(from_upstream_),
            [self = shared_from_this()](const ErrorCode& ec, std::size_t bytes) {
                if (ec == asio::error::eof) return self->upstream_closed();
                if (ec) return self->end();
                asio::async_write(self->client_, asio::buffer(self->from_upstream_, bytes),
                                  [self](const ErrorCode& write_ec, std::size_t) {
                                      if (write_ec) return self->end();
                                      self->upstream_to_client();
                                  });
            });
    }

    // The upstream closed after everything it sent was forwarded: the client gets a TLS
    // close_notify, as from a TLS-terminating broker that closes. The TLS shutdown must not run
    // beside the pending client read (both would read the socket), so that read is cancelled
    // first and its handler starts the shutdown; a client-to-upstream write in flight starts it
    // from its own handler instead.
    void upstream_closed() {
        if (ended_) return;
        upstream_closed_ = true;
        if (client_read_pending_) {
            ErrorCode ignored;
            client_.next_layer().cancel(ignored);
        }
    }

    // Bounded by its own timer: a client that never answers the close_notify is just closed.
    void close_client_cleanly() {
        if (ended_ || shutting_down_) return;
        shutting_down_ = true;
        ErrorCode ignored;
        upstream_.close(ignored);
        deadline_.expires_after(kShutdownLimit);
        deadline_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (!ec) self->end();
        });
        client_.async_shutdown([self = shared_from_this()](const ErrorCode&) { self->end(); });
    }

    void end() {
        if (ended_) return;
        ended_ = true;
        deadline_.cancel();
        ErrorCode ignored;
        upstream_.close(ignored);
        client_.next_layer().close(ignored);
    }

    TlsSocket client_;
    tcp::socket upstream_;
    tcp::endpoint upstream_endpoint_;
    asio::steady_timer deadline_;
    std::array<char, kPumpBytes> from_client_{};
    std::array<char, kPumpBytes> from_upstream_{};
    bool client_read_pending_ = false;
    bool upstream_closed_ = false;
    bool shutting_down_ = false;
    bool ended_ = false;
};

struct Listener {
    Listener(asio::io_context& io, tcp::endpoint to) : acceptor(io), upstream(to), retry(io) {}
    tcp::acceptor acceptor;
    tcp::endpoint upstream;
    asio::steady_timer retry;  // backs off when out of descriptors
};

}  // namespace

class TlsProxy::Impl {
  public:
    Impl(const ServerCredentials& credentials, ClientAuth client_auth,
         const std::string& client_ca_file)
        : context_(make_server_context(credentials)) {
        ask_for_client_certificates(*context_, client_auth, client_ca_file);
    }

    tcp::endpoint listen(const std::string& address, std::uint16_t port,
                         const tcp::endpoint& upstream) {
        if (!is_loopback(upstream.address())) {
            throw std::invalid_argument("upstream " + upstream.address().to_string() +
                                        " is not a loopback address");
        }
        auto listener = std::make_shared<Listener>(threads_.io(), upstream);
        const tcp::endpoint bound = bind_and_listen(listener->acceptor, address, port);
        Listener* raw = listener.get();
        threads_.keep(std::move(listener), [this, raw] { accept(*raw); });
        return bound;
    }

    void start() { threads_.start(); }
    void stop() { threads_.stop(); }

    std::size_t accepted() const { return accepted_.load(); }

  private:
    void accept(Listener& listener) {
        listener.acceptor.async_accept([this, &listener](const ErrorCode& ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
            if (ec) {
                // Out of descriptors: back off, then retry.
                listener.retry.expires_after(std::chrono::milliseconds(50));
                listener.retry.async_wait([this, &listener](const ErrorCode& wait_ec) {
                    if (!wait_ec) accept(listener);
                });
                return;
            }
            ++accepted_;
            std::make_shared<ProxySession>(std::move(socket), *context_, listener.upstream)
                ->start();
            accept(listener);
        });
    }

    std::shared_ptr<asio::ssl::context> context_;
    std::atomic<std::size_t> accepted_{0};
    IoThreads threads_{1};  // last: stopped and destroyed first
};

TlsProxy::TlsProxy(const ServerCredentials& credentials, ClientAuth client_auth,
                   const std::string& client_ca_file)
    : impl_(std::make_unique<Impl>(credentials, client_auth, client_ca_file)) {}

TlsProxy::~TlsProxy() {
    impl_->stop();
}

tcp::endpoint TlsProxy::listen(const std::string& address, std::uint16_t port,
                               const tcp::endpoint& upstream) {
    return impl_->listen(address, port, upstream);
}

void TlsProxy::start() {
    impl_->start();
}

void TlsProxy::stop() {
    impl_->stop();
}

std::size_t TlsProxy::connections_accepted() const {
    return impl_->accepted();
}

}  // namespace vpcprobe::test
