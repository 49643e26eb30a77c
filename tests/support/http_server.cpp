// SPDX-License-Identifier: Apache-2.0
#include "tests/support/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <type_traits>

#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>

#include "tests/support/listener.h"
#include "tests/support/tls_server.h"

namespace vpcprobe::test {

namespace asio = boost::asio;
using asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

// A Kafka cluster id as Confluent's components state it.
constexpr std::string_view kClusterId = "Zr2vQ9TYRl-tRmUB1Xbxqw";

std::string standard_reason(int status) {
    const auto reason = boost::beast::http::obsolete_reason(
        static_cast<boost::beast::http::status>(static_cast<unsigned>(status)));
    return std::string(reason.data(), reason.size());
}

std::string json_error(int status, const std::string& message) {
    return "{\"error_code\":" + std::to_string(status) + ",\"message\":\"" + message + "\"}";
}

}  // namespace

std::optional<HttpServeSpec> component_spec(std::string_view component) {
    HttpServeSpec spec;
    spec.response.status = 200;
    spec.response.headers = {{"Content-Type", "application/json"}};
    const std::string cluster(kClusterId);
    if (component == "schema-registry") {
        spec.path = "/";
        spec.response.headers = {{"Content-Type", "application/vnd.schemaregistry.v1+json"}};
        spec.response.body = "{}";
    } else if (component == "connect") {
        spec.path = "/";
        spec.response.body =
            "{\"version\":\"7.6.1-ce\",\"commit\":\"3d1bdb9e4a8c2f5b\","
            "\"kafka_cluster_id\":\"" +
            cluster + "\"}";
    } else if (component == "ksqldb") {
        spec.path = "/info";
        spec.response.body = "{\"KsqlServerInfo\":{\"version\":\"7.6.1\",\"kafkaClusterId\":\"" +
                             cluster +
                             "\",\"ksqlServiceId\":\"default_\",\"serverStatus\":\"RUNNING\"}}";
    } else if (component == "rest-proxy") {
        spec.path = "/v3/clusters";
        spec.response.body =
            "{\"kind\":\"KafkaClusterList\",\"metadata\":{\"self\":\"https://localhost/v3/"
            "clusters\",\"next\":null},\"data\":[{\"kind\":\"KafkaCluster\",\"metadata\":{"
            "\"self\":\"https://localhost/v3/clusters/" +
            cluster + "\",\"resource_name\":\"crn:///kafka=" + cluster + "\"},\"cluster_id\":\"" +
            cluster + "\"}]}";
    } else if (component == "mds") {
        spec.path = "/security/1.0/authenticate";
        spec.response.status = 401;
        spec.response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mds\"");
        spec.response.body =
            "{\"status_code\":401,\"message\":\"Unauthorized\",\"type\":\"AUTHENTICATION_ERROR\"}";
    } else if (component == "control-center") {
        spec.path = "/";
        spec.response.headers = {{"Content-Type", "text/html; charset=utf-8"}};
        spec.response.body =
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Confluent Control "
            "Center</title></head><body><div id=\"root\"></div></body></html>";
    } else {
        return std::nullopt;
    }
    return spec;
}

HttpServeSpec status_spec(int status) {
    HttpServeSpec spec;
    spec.response.status = status;
    if (status >= 300 && status < 400) {
        spec.response.headers = {{"Location", "/login"}};
    } else if (status >= 400) {
        spec.response.headers = {{"Content-Type", "application/json"}};
        spec.response.body = json_error(status, standard_reason(status));
    } else {
        spec.response.headers = {{"Content-Type", "application/json"}};
        spec.response.body = "{}";
    }
    return spec;
}

bool is_http_mode(std::string_view text) {
    return text.substr(0, 4) == "http" && text != "http";
}

std::optional<HttpServeSpec> parse_http_serve_spec(std::string_view text, std::string& error) {
    constexpr std::string_view kModes =
        " (http:COMPONENT[:VARIANT], http-plaintext:COMPONENT, http-status:CODE, http-stall, "
        "http-not-http, http-huge-header, http-huge-body, http-close)";
    constexpr std::string_view kComponents =
        " (schema-registry, connect, ksqldb, rest-proxy, mds, control-center)";
    std::optional<HttpServeSpec> spec;
    if (text.substr(0, 5) == "http:" || text.substr(0, 15) == "http-plaintext:") {
        const bool plaintext = text[4] == '-';
        std::string_view component = text.substr(plaintext ? 15 : 5);
        // http:COMPONENT:VARIANT serves the component with another leaf of the test PKI.
        std::optional<LeafVariant> variant;
        if (const std::size_t colon = component.find(':'); colon != std::string_view::npos) {
            variant = leaf_variant_from_name(component.substr(colon + 1));
            if (!variant || plaintext) {
                error = "\"" + std::string(component.substr(colon + 1)) +
                        "\" is not a certificate variant (good, expired, not-yet-valid, "
                        "wrong-host, no-intermediate, self-signed, unknown-ca, expiring-soon)";
                return std::nullopt;
            }
            component = component.substr(0, colon);
        }
        spec = component_spec(component);
        if (!spec) {
            error =
                "unknown component \"" + std::string(component) + "\"" + std::string(kComponents);
            return std::nullopt;
        }
        spec->tls = !plaintext;
        if (variant) spec->variant = *variant;
    } else if (text.substr(0, 12) == "http-status:") {
        const std::string_view code = text.substr(12);
        if (code.size() != 3 || code.find_first_not_of("0123456789") != std::string_view::npos ||
            code < "200" || code > "599") {
            error = "\"" + std::string(code) + "\" is not an HTTP status (200-599)";
            return std::nullopt;
        }
        spec = status_spec(std::stoi(std::string(code)));
    } else if (text == "http-stall") {
        spec.emplace().behaviour = HttpBehaviour::stall;
    } else if (text == "http-not-http") {
        spec.emplace().behaviour = HttpBehaviour::raw;
        // What a Kafka broker's answer looks like: a 4-byte size, a correlation id, ...
        spec->raw = std::string("\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x23\x00\x00\x00\x00", 14);
    } else if (text == "http-huge-header") {
        spec.emplace().behaviour = HttpBehaviour::huge_header;
    } else if (text == "http-huge-body") {
        spec.emplace().behaviour = HttpBehaviour::huge_body;
        spec->size = 4 * 1024 * 1024;
    } else if (text == "http-close") {
        spec.emplace().behaviour = HttpBehaviour::close;
    } else {
        error = "unknown mode \"" + std::string(text) + "\"" + std::string(kModes);
        return std::nullopt;
    }
    spec->mode = std::string(text);
    return spec;
}

std::string describe(const HttpServeSpec& spec) {
    if (!spec.mode.empty()) return spec.mode;
    switch (spec.behaviour) {
        case HttpBehaviour::respond:
            return "http-status:" + std::to_string(spec.response.status);
        case HttpBehaviour::stall:
            return "http-stall";
        case HttpBehaviour::raw:
            return "http-raw";
        case HttpBehaviour::huge_header:
            return "http-huge-header";
        case HttpBehaviour::huge_body:
            return "http-huge-body";
        case HttpBehaviour::close:
            return "http-close";
    }
    return "http";
}

namespace {

using TlsSocket = asio::ssl::stream<tcp::socket>;

std::string serialize(const HttpResponse& response, bool keep_alive = false) {
    const std::string reason =
        response.reason.empty() ? standard_reason(response.status) : response.reason;
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += keep_alive ? "\r\n" : "Connection: close\r\n\r\n";
    out += response.body;
    return out;
}

// The request path of a request head ("GET /info HTTP/1.1\r\n...").
std::string request_path(const std::string& head) {
    const std::size_t first = head.find(' ');
    if (first == std::string::npos) return {};
    const std::size_t second = head.find(' ', first + 1);
    if (second == std::string::npos) return {};
    return head.substr(first + 1, second - first - 1);
}

using RecordRequest = std::function<void(std::string)>;

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
  public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

    HttpSession(Stream stream, std::shared_ptr<const HttpServeSpec> spec, RecordRequest record)
        : stream_(std::move(stream)),
          spec_(std::move(spec)),
          record_(std::move(record)),
          deadline_(socket().get_executor()) {}

    void start() {
        deadline_.expires_after(kHoldLimit);
        deadline_.async_wait([self = this->shared_from_this()](const ErrorCode& ec) {
            if (ec) return;
            ErrorCode ignored;
            self->socket().close(ignored);
        });
        if constexpr (kTls) {
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](const ErrorCode& ec) {
                                        if (ec) return self->end();
                                        self->after_handshake();
                                    });
        } else {
            after_handshake();
        }
    }

  private:
    tcp::socket& socket() {
        if constexpr (kTls) {
            return stream_.next_layer();
        } else {
            return stream_;
        }
    }

    void end() {
        deadline_.cancel();
        ErrorCode ignored;
        socket().close(ignored);
    }

    void after_handshake() {
        if (spec_->behaviour == HttpBehaviour::close) return end();
        read_request();
    }

    void read_request() {
        asio::async_read_until(
            stream_, asio::dynamic_buffer(head_, 16 * 1024), "\r\n\r\n",
            [self = this->shared_from_this()](const ErrorCode& ec, std::size_t n) {
                if (ec) return self->end();
                self->head_.resize(n);
                self->on_request();
            });
    }

    void on_request() {
        record_(head_);
        const HttpServeSpec& spec = *spec_;
        switch (spec.behaviour) {
            case HttpBehaviour::respond:
                return respond();
            case HttpBehaviour::stall:
                return drain();
            case HttpBehaviour::raw:
                return send_and_close(spec.raw);
            case HttpBehaviour::huge_header:
                return send_and_close(
                    "HTTP/1.1 200 OK\r\nX-Padding: " + std::string(spec.size, 'a') +
                    "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            case HttpBehaviour::huge_body:
                return send_huge_body();
            case HttpBehaviour::close:
                return end();
        }
    }

    void respond() {
        const HttpServeSpec& spec = *spec_;
        const std::string path = request_path(head_);
        HttpResponse answer = spec.response;
        const auto more = std::find_if(spec.more_paths.begin(), spec.more_paths.end(),
                                       [&path](const auto& entry) { return entry.first == path; });
        if (more != spec.more_paths.end()) {
            answer = more->second;
        } else if (!spec.path.empty() && path != spec.path) {
            answer = HttpResponse{};
            answer.status = 404;
            answer.headers = {{"Content-Type", "application/json"}};
            answer.body = json_error(404, "HTTP 404 Not Found");
        }
        std::string lowered = head_;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        const bool keep = spec.keep_alive && lowered.find("connection: close") == std::string::npos;
        if (!keep) return send_and_close(serialize(answer));
        out_ = serialize(answer, true);
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this()](const ErrorCode& ec, std::size_t) {
                              if (ec) return self->end();
                              self->head_.clear();
                              self->read_request();
                          });
    }

    void send_huge_body() {
        const HttpServeSpec& spec = *spec_;
        out_ = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n";
        out_ += spec.chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                             : "Content-Length: " + std::to_string(spec.size) + "\r\n\r\n";
        body_left_ = spec.size;
        write_piece();
    }

    // The body goes out in 64 KiB pieces, so a client that stops reading stops the server.
    void write_piece() {
        constexpr std::size_t kPiece = 64 * 1024;
        if (body_left_ == 0) {
            if (spec_->chunked) out_ += "0\r\n\r\n";
            if (out_.empty()) return close_gracefully();
            return send_and_close(std::move(out_));
        }
        const std::size_t piece = std::min(kPiece, body_left_);
        body_left_ -= piece;
        if (spec_->chunked) {
            char size_hex[32];
            std::snprintf(size_hex, sizeof size_hex, "%zx\r\n", piece);
            out_ += size_hex;
        }
        out_ += std::string(piece, '7');
        if (spec_->chunked) out_ += "\r\n";
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this()](const ErrorCode& ec, std::size_t) {
                              if (ec) return self->end();
                              self->out_.clear();
                              self->write_piece();
                          });
    }

    void send_and_close(std::string bytes) {
        out_ = std::move(bytes);
        asio::async_write(stream_, asio::buffer(out_),
                          [self = this->shared_from_this()](const ErrorCode& ec, std::size_t) {
                              if (ec) return self->end();
                              self->close_gracefully();
                          });
    }

    // TLS: close_notify (the client sees a clean end of stream). Plaintext: half-close and
    // drain until the client closes, so no RST overtakes the answer.
    void close_gracefully() {
        if constexpr (kTls) {
            stream_.async_shutdown(
                [self = this->shared_from_this()](const ErrorCode&) { self->end(); });
        } else {
            ErrorCode ignored;
            socket().shutdown(tcp::socket::shutdown_send, ignored);
            drain();
        }
    }

    void drain() {
        stream_.async_read_some(asio::buffer(scratch_), [self = this->shared_from_this()](
                                                            const ErrorCode& ec, std::size_t) {
            if (ec) return self->end();
            self->drain();
        });
    }

    Stream stream_;
    std::shared_ptr<const HttpServeSpec> spec_;
    RecordRequest record_;
    asio::steady_timer deadline_;
    std::string head_;
    std::string out_;
    std::size_t body_left_ = 0;
    std::array<char, 4096> scratch_{};
};

struct HttpListener {
    HttpListener(asio::io_context& io, HttpServeSpec serve)
        : acceptor(io), spec(std::make_shared<const HttpServeSpec>(std::move(serve))) {}
    tcp::acceptor acceptor;
    std::shared_ptr<const HttpServeSpec> spec;
    std::shared_ptr<asio::ssl::context> tls;
};

}  // namespace

class HttpServer::Impl {
  public:
    explicit Impl(const TestPki& pki) : pki_(pki) {}

    tcp::endpoint listen(const std::string& address, std::uint16_t port, HttpServeSpec spec) {
        const bool tls = spec.tls;
        const LeafVariant variant = spec.variant;
        auto listener = std::make_shared<HttpListener>(threads_.io(), std::move(spec));
        if (tls) listener->tls = make_server_context(pki_.credentials(variant));
        const tcp::endpoint bound = bind_and_listen(listener->acceptor, address, port);
        HttpListener* raw = listener.get();
        threads_.keep(std::move(listener), [this, raw] { accept(*raw); });
        return bound;
    }

    void start() { threads_.start(); }
    void stop() { threads_.stop(); }

    std::size_t accepted() const { return accepted_.load(); }

    std::vector<std::string> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    void accept(HttpListener& listener) {
        listener.acceptor.async_accept(
            threads_.io(), [this, &listener](const ErrorCode& ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !listener.acceptor.is_open()) return;
                if (!ec) {
                    ++accepted_;
                    start_session(listener, std::move(socket));
                }
                accept(listener);
            });
    }

    void start_session(HttpListener& listener, tcp::socket socket) {
        RecordRequest record = [this](std::string head) {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(head));
        };
        if (listener.tls) {
            std::make_shared<HttpSession<TlsSocket>>(TlsSocket(std::move(socket), *listener.tls),
                                                     listener.spec, std::move(record))
                ->start();
        } else {
            std::make_shared<HttpSession<tcp::socket>>(std::move(socket), listener.spec,
                                                       std::move(record))
                ->start();
        }
    }

    const TestPki& pki_;
    mutable std::mutex mutex_;  // guards requests_
    std::vector<std::string> requests_;
    std::atomic<std::size_t> accepted_{0};
    IoThreads threads_{1};  // last: stopped and destroyed first
};

HttpServer::HttpServer(const TestPki& pki) : impl_(std::make_unique<Impl>(pki)) {}

HttpServer::~HttpServer() {
    impl_->stop();
}

tcp::endpoint HttpServer::listen(const std::string& address, std::uint16_t port,
                                 HttpServeSpec spec) {
    return impl_->listen(address, port, std::move(spec));
}

void HttpServer::start() {
    impl_->start();
}

void HttpServer::stop() {
    impl_->stop();
}

std::size_t HttpServer::connections_accepted() const {
    return impl_->accepted();
}

std::vector<std::string> HttpServer::requests() const {
    return impl_->requests();
}

}  // namespace vpcprobe::test
