// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tls_server.h"

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <random>
#include <stdexcept>

#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "tests/support/listener.h"

namespace vpcprobe::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

// One OPTION of "tls:VARIANT:OPTION..."; false when it is not one.
bool apply_tls_option(std::string_view option, ServeSpec& spec) {
    if (option == "client-cert-required") {
        spec.client_auth = ClientAuth::required;
    } else if (option == "client-cert-optional") {
        spec.client_auth = ClientAuth::optional;
    } else if (option == "tls1.2") {
        spec.version = TlsVersion::tls1_2;
    } else if (option == "tls1.3") {
        spec.version = TlsVersion::tls1_3;
    } else {
        return false;
    }
    return true;
}

std::optional<ServeSpec> parse_tls_spec(std::string_view text, std::string& error) {
    ServeSpec spec;
    const std::size_t colon = text.find(':');
    const auto variant = leaf_variant_from_name(text.substr(0, colon));
    if (!variant) {
        error = "unknown TLS variant \"" + std::string(text.substr(0, colon)) +
                "\" (good, expired, not-yet-valid, wrong-host, no-intermediate, "
                "self-signed, unknown-ca, expiring-soon)";
        return std::nullopt;
    }
    spec.variant = *variant;
    std::string_view options = colon == std::string_view::npos ? "" : text.substr(colon + 1);
    while (colon != std::string_view::npos) {
        const std::size_t next = options.find(':');
        const std::string_view option = options.substr(0, next);
        if (!apply_tls_option(option, spec)) {
            error = "unknown TLS option \"" + std::string(option) +
                    "\" (client-cert-required, client-cert-optional, tls1.2, tls1.3)";
            return std::nullopt;
        }
        if (next == std::string_view::npos) break;
        options = options.substr(next + 1);
    }
    return spec;
}

}  // namespace

std::optional<ServeSpec> parse_serve_spec(std::string_view text, std::string& error) {
    ServeSpec spec;
    if (text.substr(0, 4) == "tls:") {
        return parse_tls_spec(text.substr(4), error);
    } else if (text == "silent") {
        spec.mode = ServeMode::silent;
    } else if (text == "plaintext-http") {
        spec.mode = ServeMode::plaintext_http;
    } else if (text == "garbage") {
        spec.mode = ServeMode::garbage;
    } else if (text == "close") {
        spec.mode = ServeMode::close;
    } else if (text == "tls-alert") {
        spec.mode = ServeMode::tls_alert;
    } else {
        error = "unknown mode \"" + std::string(text) +
                "\" (tls:VARIANT, silent, plaintext-http, garbage, close, tls-alert)";
        return std::nullopt;
    }
    return spec;
}

std::string describe(const ServeSpec& spec) {
    switch (spec.mode) {
        case ServeMode::tls: {
            std::string text = "tls:" + std::string(name(spec.variant));
            if (spec.client_auth != ClientAuth::none) {
                text += ":client-cert-" + std::string(name(spec.client_auth));
            }
            if (spec.version == TlsVersion::tls1_2) text += ":tls1.2";
            if (spec.version == TlsVersion::tls1_3) text += ":tls1.3";
            return text;
        }
        case ServeMode::silent:
            return "silent";
        case ServeMode::plaintext_http:
            return "plaintext-http";
        case ServeMode::garbage:
            return "garbage";
        case ServeMode::close:
            return "close";
        case ServeMode::tls_alert:
            return "tls-alert";
    }
    return "tls:good";
}

namespace {

using TlsSocket = asio::ssl::stream<tcp::socket>;

// A server for `tls` or, with no_common_cipher, for `tls_alert`.
std::shared_ptr<asio::ssl::context> make_tls_context(const TestPki& pki, const ServeSpec& spec) {
    const bool no_common_cipher = spec.mode == ServeMode::tls_alert;
    auto context = make_server_context(pki.credentials(spec.variant));
    ask_for_client_certificates(
        *context, spec.client_auth,
        spec.client_ca_file.empty() ? pki.client_ca_file() : spec.client_ca_file);
    if (spec.version == TlsVersion::tls1_2) {
        SSL_CTX_set_max_proto_version(context->native_handle(), TLS1_2_VERSION);
    } else if (spec.version == TlsVersion::tls1_3) {
        SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_3_VERSION);
    }
    if (no_common_cipher) {
        // TLS 1.2 with PSK suites only and no PSK callback: no client shares a suite, so the
        // server answers the ClientHello with a handshake_failure alert, before any
        // certificate. (Requiring a client certificate is not reliable: in TLS 1.3 the client
        // finishes its handshake before the server's refusal arrives.)
        SSL_CTX* native = context->native_handle();
        SSL_CTX_set_max_proto_version(native, TLS1_2_VERSION);
        if (SSL_CTX_set_cipher_list(native, "PSK") != 1) {
            throw std::runtime_error("tls-alert server: cannot restrict the cipher list");
        }
    }
    return context;
}

// Common to every session: a hold limit, after which the socket is closed.
class Session : public std::enable_shared_from_this<Session> {
  public:
    explicit Session(tcp::socket& socket) : deadline_(socket.get_executor()) {}
    virtual ~Session() = default;
    virtual void start() = 0;

  protected:
    virtual tcp::socket& socket() = 0;

    void arm_deadline(std::chrono::steady_clock::duration limit) {
        deadline_.expires_after(limit);
        deadline_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (ec) return;
            ErrorCode ignored;
            self->socket().close(ignored);
        });
    }
    void end() {
        deadline_.cancel();
        ErrorCode ignored;
        socket().close(ignored);
    }

    // Reads and throws away until the client closes (or the deadline closes the socket).
    void drain() {
        socket().async_read_some(asio::buffer(buffer_),
                                 [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
                                     if (ec) {
                                         self->end();
                                         return;
                                     }
                                     self->drain();
                                 });
    }

    std::array<char, 4096> buffer_{};
    asio::steady_timer deadline_;
};

class PlainSession : public Session {
  public:
    PlainSession(tcp::socket socket, ServeMode mode)
        : Session(socket), socket_(std::move(socket)), mode_(mode) {}

    void start() override {
        arm_deadline(kHoldLimit);
        switch (mode_) {
            case ServeMode::silent:
                drain();
                break;
            case ServeMode::plaintext_http:
                read_request();
                break;
            case ServeMode::garbage:
                send_garbage();
                break;
            default:
                end();
                break;
        }
    }

  private:
    tcp::socket& socket() override { return socket_; }

    void read_request() {
        socket_.async_read_some(asio::buffer(buffer_),
                                [self = shared_this()](const ErrorCode& ec, std::size_t) {
                                    if (ec) return self->end();
                                    self->reply_and_close(
                                        "HTTP/1.1 400 Bad Request\r\n"
                                        "Content-Type: text/plain\r\n"
                                        "Content-Length: 48\r\n"
                                        "Connection: close\r\n"
                                        "\r\n"
                                        "this port speaks plain HTTP, not TLS (testpeer)\n");
                                });
    }

    void send_garbage() {
        std::random_device seed;
        std::mt19937 generator(seed());
        std::uniform_int_distribution<int> byte(0, 255);
        std::string bytes(64, '\0');
        for (auto& c : bytes) c = static_cast<char>(byte(generator));
        // Never the start of a TLS record (content types 20..24), whatever the dice say.
        const auto first = static_cast<unsigned char>(bytes[0]);
        if (first >= 20 && first <= 24) bytes[0] = static_cast<char>(first | 0x40);
        reply_and_close(std::move(bytes));
    }

    // Sends, half-closes and drains until the client closes: closing with unread input would
    // make the kernel send a RST that can overtake the reply.
    void reply_and_close(std::string reply) {
        reply_ = std::move(reply);
        asio::async_write(socket_, asio::buffer(reply_),
                          [self = shared_this()](const ErrorCode& ec, std::size_t) {
                              if (ec) return self->end();
                              ErrorCode ignored;
                              self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                              self->drain();
                          });
    }

    std::shared_ptr<PlainSession> shared_this() {
        return std::static_pointer_cast<PlainSession>(shared_from_this());
    }

    tcp::socket socket_;
    ServeMode mode_;
    std::string reply_;
};

class TlsSession : public Session {
  public:
    TlsSession(tcp::socket socket, asio::ssl::context& context)
        : Session(socket), stream_(std::move(socket), context) {}

    void start() override {
        arm_deadline(kHoldLimit);
        stream_.async_handshake(asio::ssl::stream_base::server,
                                [self = shared_this()](const ErrorCode& ec) {
                                    if (ec) return self->refuse();
                                    self->read();
                                });
    }

  private:
    tcp::socket& socket() override { return stream_.next_layer(); }

    // A failed handshake has already sent its alert. Half-close and drain rather than close:
    // with the client's unread bytes (a TLS 1.3 client's Finished and first request, sent
    // before our refusal of its certificate) a close would send a RST that can overtake the
    // alert.
    void refuse() {
        ErrorCode ignored;
        socket().shutdown(tcp::socket::shutdown_send, ignored);
        drain();
    }

    void read() {
        stream_.async_read_some(asio::buffer(buffer_),
                                [self = shared_this()](const ErrorCode& ec, std::size_t) {
                                    if (ec) return self->end();
                                    self->read();
                                });
    }

    std::shared_ptr<TlsSession> shared_this() {
        return std::static_pointer_cast<TlsSession>(shared_from_this());
    }

    TlsSocket stream_;
};

struct Listener {
    Listener(asio::io_context& io, ServeSpec serve) : acceptor(io), spec(serve) {}
    tcp::acceptor acceptor;
    ServeSpec spec;
    std::shared_ptr<asio::ssl::context> tls;
    std::unique_ptr<asio::steady_timer> retry;  // backs off when out of descriptors
};

}  // namespace

class ServerSet::Impl {
  public:
    Impl(const TestPki& pki, unsigned threads) : pki_(pki), threads_(threads) {}

    tcp::endpoint listen(const std::string& address, std::uint16_t port, const ServeSpec& spec) {
        auto listener = std::make_shared<Listener>(threads_.io(), spec);
        if (spec.mode == ServeMode::tls || spec.mode == ServeMode::tls_alert) {
            listener->tls = make_tls_context(pki_, spec);
        }
        const tcp::endpoint bound = bind_and_listen(listener->acceptor, address, port);
        listener->retry = std::make_unique<asio::steady_timer>(threads_.io());
        Listener* raw = listener.get();
        threads_.keep(std::move(listener), [this, raw] { accept(*raw); });
        return bound;
    }

    void start() { threads_.start(); }
    void stop() { threads_.stop(); }

    std::size_t accepted() const { return accepted_.load(); }

  private:
    void accept(Listener& listener) {
        listener.acceptor.async_accept(
            asio::make_strand(threads_.io()),
            [this, &listener](const ErrorCode& ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
                if (ec) {
                    // Out of descriptors (a benchmark pushing hard): back off, then retry.
                    listener.retry->expires_after(std::chrono::milliseconds(50));
                    listener.retry->async_wait([this, &listener](const ErrorCode& wait_ec) {
                        if (!wait_ec) accept(listener);
                    });
                    return;
                }
                ++accepted_;
                start_session(listener, std::move(socket));
                accept(listener);
            });
    }

    static void start_session(Listener& listener, tcp::socket socket) {
        switch (listener.spec.mode) {
            case ServeMode::close: {
                ErrorCode ignored;
                socket.close(ignored);
                return;
            }
            case ServeMode::tls:
            case ServeMode::tls_alert:
                std::make_shared<TlsSession>(std::move(socket), *listener.tls)->start();
                return;
            default:
                std::make_shared<PlainSession>(std::move(socket), listener.spec.mode)->start();
                return;
        }
    }

    const TestPki& pki_;
    std::atomic<std::size_t> accepted_{0};
    IoThreads threads_;  // last: stopped and destroyed first
};

ServerSet::ServerSet(const TestPki& pki, unsigned threads)
    : impl_(std::make_unique<Impl>(pki, threads)) {}

ServerSet::~ServerSet() {
    impl_->stop();
}

tcp::endpoint ServerSet::listen(const std::string& address, std::uint16_t port,
                                const ServeSpec& spec) {
    return impl_->listen(address, port, spec);
}

void ServerSet::start() {
    impl_->start();
}
void ServerSet::stop() {
    impl_->stop();
}
std::size_t ServerSet::connections_accepted() const {
    return impl_->accepted();
}

TestServer::TestServer(const TestPki& pki, ServeSpec spec, const std::string& address,
                       std::uint16_t port)
    : servers_(pki, 1) {
    endpoint_ = servers_.listen(address, port, spec);
    servers_.start();
}

}  // namespace vpcprobe::test
