// SPDX-License-Identifier: Apache-2.0
#include "agent/serve_http.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <list>
#include <map>
#include <optional>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "agent/settings/validate.h"
#include "core/text.h"
#include "probes/tls/tls_server_context.h"

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Bounds on what a client can make us hold besides the connections and their time
// (HttpServer::kHeaderTimeout, kWriteTimeout): the request head (a scraper's is well under
// 1 KiB) and a request body (GET and HEAD have none).
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 1024;
// What a connection's read buffer may hold: a request at its bounds and some pipelined bytes
// of the next (Beast reads ahead); more ends the connection.
constexpr std::size_t kReadBufferLimit = 16 * 1024;
// After a failed accept (out of descriptors), wait before trying again rather than spin.
constexpr auto kAcceptRetry = std::chrono::milliseconds(200);

constexpr std::string_view kPlainText = "text/plain; charset=utf-8";

// ---- content negotiation ---------------------------------------------------------------------

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// The q parameter of a media range's parameters (";q=0.5;version=1"): 1 when absent, 0 when
// not a number in [0, 1] (junk never counts as a preference).
double quality(std::string_view parameters) {
    double q = 1;
    while (!parameters.empty()) {
        parameters.remove_prefix(1);  // the ';'
        const auto next = parameters.find(';');
        const std::string_view parameter = trim(parameters.substr(0, next));
        parameters = next == std::string_view::npos ? std::string_view{} : parameters.substr(next);
        if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
            parameter[1] == '=') {
            const std::string value(parameter.substr(2));
            char* end = nullptr;
            q = std::strtod(value.c_str(), &end);
            if (value.empty() || end != value.c_str() + value.size() || !(q >= 0)) q = 0;
            q = std::min(q, 1.0);
        }
    }
    return q;
}

// ---- answers -----------------------------------------------------------------------------------

void answer(HttpResponse& response, http::status status, std::string_view content_type,
            std::string body) {
    response.result(status);
    response.set(http::field::content_type, content_type);
    response.body() = std::move(body);
}

// /report.json, /report.md and /healthz: their content once a check has completed, 503 before.
void answer_when_completed(HttpResponse& response, const Snapshot& snapshot,
                           std::string_view content_type, const std::string& body) {
    if (snapshot.completed) {
        answer(response, http::status::ok, content_type, body);
    } else {
        answer(response, http::status::service_unavailable, kPlainText,
               "no check has completed yet\n");
    }
}

void answer_path(HttpResponse& response, const HttpRequest& request, std::string_view path,
                 const Snapshot& snapshot) {
    static const std::string kHealthy = "ok\n";
    if (path == "/metrics") {
        const MetricsFormat format = negotiate_metrics_format(request[http::field::accept]);
        answer(response, http::status::ok, metrics_content_type(format), snapshot.metrics(format));
        response.set(http::field::vary, "Accept");
    } else if (path == "/report.json") {
        answer_when_completed(response, snapshot, "application/json", snapshot.json);
    } else if (path == "/report.md") {
        answer_when_completed(response, snapshot, "text/markdown; charset=utf-8",
                              snapshot.markdown);
    } else if (path == "/healthz") {
        answer_when_completed(response, snapshot, kPlainText, kHealthy);
    } else {
        answer(response, http::status::not_found, kPlainText,
               "not found: try /metrics, /report.json, /report.md or /healthz\n");
    }
}

// 431 or 413 for a request over the bounds, and the connection closed after it.
HttpResponse too_large(beast::error_code error) {
    HttpResponse response;
    response.version(11);
    response.result(error == http::error::header_limit
                        ? http::status::request_header_fields_too_large
                        : http::status::payload_too_large);
    response.set(http::field::content_type, kPlainText);
    response.body() = "request too large\n";
    response.keep_alive(false);
    response.prepare_payload();
    return response;
}

// ---- connections -------------------------------------------------------------------------------

using TlsStream = asio::ssl::stream<beast::tcp_stream>;

// A session as the connection budget sees it.
class Connection {
  public:
    explicit Connection(asio::ip::address client) : client_(std::move(client)) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    virtual ~Connection() = default;
    // Closes the connection now to make room for a newer one; its handlers end it.
    virtual void evict() = 0;
    const asio::ip::address& client() const { return client_; }

  private:
    asio::ip::address client_;
};

}  // namespace

struct HttpServer::Shared {
    SnapshotSource source;
    std::shared_ptr<ListenerConfig> config;
    std::size_t open = 0;     // connections open now
    std::size_t evicted = 0;  // connections closed to make room, since the start
    // Connections open now by client address (at most kMaxConnections entries).
    std::map<asio::ip::address, std::size_t> by_client;
    // The connections waiting for a request (in the TLS handshake, idle, or with a partial
    // request), longest-waiting first: the ones to give way when the budget is full.
    std::list<Connection*> waiting;

    void opened(const asio::ip::address& client) {
        ++open;
        ++by_client[client];
    }
    void closed(const asio::ip::address& client) {
        --open;
        const auto entry = by_client.find(client);
        if (entry != by_client.end() && --entry->second == 0) by_client.erase(entry);
    }

    // The connection to give way: the longest-waiting one of the client address that holds
    // the most connections, so a client flooding the budget pushes out its own connections
    // before anyone else's. Null when none is waiting.
    Connection* to_evict() const {
        Connection* chosen = nullptr;
        std::size_t most = 0;
        for (Connection* connection : waiting) {  // longest-waiting first: ties go to it
            const std::size_t held = by_client.at(connection->client());
            if (held > most) {
                most = held;
                chosen = connection;
            }
        }
        return chosen;
    }
};

namespace {

template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  public:
    // `tls` (null for plain HTTP) is kept: a reload may drop the configuration it came from
    // while this connection still uses it.
    template <class... StreamArgs>
    Session(std::shared_ptr<HttpServer::Shared> shared, asio::ip::address client,
            std::shared_ptr<TlsServerContext> tls, StreamArgs&&... args)
        : Connection(std::move(client)),
          tls_(std::move(tls)),
          stream_(std::forward<StreamArgs>(args)...),
          shared_(std::move(shared)) {
        shared_->opened(this->client());
    }
    ~Session() override {
        stop_waiting();
        if (counted_) shared_->closed(client());
    }

    void start() {
        wait_for_request();
        if constexpr (std::is_same_v<Stream, TlsStream>) {
            stream_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](beast::error_code error) {
                                        if (error) return self->close();
                                        self->read();
                                    });
        } else {
            read();
        }
    }

    void evict() override {
        stop_waiting();
        if (counted_) shared_->closed(client());
        counted_ = false;
        ++shared_->evicted;
        beast::get_lowest_layer(stream_).close();
    }

  private:
    // From now until the request has arrived, this connection is idle or partial: the clock
    // of kHeaderTimeout runs, and it is in line to give way to a new connection.
    void wait_for_request() {
        beast::get_lowest_layer(stream_).expires_after(HttpServer::kHeaderTimeout);
        stop_waiting();
        place_ = shared_->waiting.insert(shared_->waiting.end(), this);
        is_waiting_ = true;
    }

    void stop_waiting() {
        if (is_waiting_) shared_->waiting.erase(place_);
        is_waiting_ = false;
    }

    void read() {
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(kBodyLimit);
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                             self->on_read(error);
                         });
    }

    void on_read(beast::error_code error) {
        stop_waiting();
        if (error == http::error::header_limit || error == http::error::body_limit) {
            response_ = too_large(error);
            return write();
        }
        if (error) return close();  // closed by the client, timed out, evicted, or not HTTP
        // The configuration of this moment: a reload applies to the next request.
        const std::shared_ptr<ListenerConfig> config = shared_->config;
        const HttpRequest& request = parser_->get();
        if (!config->auth.allows(request[http::field::authorization])) {
            response_ = unauthorized(request);
        } else {
            const auto snapshot = shared_->source();
            response_ = respond(request, *snapshot);
        }
        for (const auto& [name, value] : config->headers) response_.set(name, value);
        write();
    }

    void write() {
        beast::get_lowest_layer(stream_).expires_after(HttpServer::kWriteTimeout);
        http::async_write(stream_, response_,
                          [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                              self->on_write(error);
                          });
    }

    void on_write(beast::error_code error) {
        if (error || !response_.keep_alive()) return close();
        response_ = {};
        wait_for_request();
        read();
    }

    void close() {
        stop_waiting();
        auto& socket = beast::get_lowest_layer(stream_).socket();
        beast::error_code ignored;
        // No TLS close_notify: every answer carries its length, so a client knows it is whole.
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        beast::get_lowest_layer(stream_).close();
    }

    std::shared_ptr<TlsServerContext> tls_;
    Stream stream_;
    beast::flat_buffer buffer_{kReadBufferLimit};
    std::optional<http::request_parser<http::string_body>> parser_;
    HttpResponse response_;
    std::shared_ptr<HttpServer::Shared> shared_;
    std::list<Connection*>::iterator place_;
    bool is_waiting_ = false;
    bool counted_ = true;
};

}  // namespace

MetricsFormat negotiate_metrics_format(std::string_view accept) {
    double openmetrics_q = 0;
    double text_q = 0;
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        const std::string_view range = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);

        const auto semicolon = range.find(';');
        const std::string type = lower(trim(range.substr(0, semicolon)));
        const double q = quality(semicolon == std::string_view::npos ? std::string_view{}
                                                                     : range.substr(semicolon));
        if (type == "application/openmetrics-text") {
            openmetrics_q = std::max(openmetrics_q, q);
        } else if (type == "text/plain" || type == "text/*" || type == "*/*") {
            text_q = std::max(text_q, q);
        }
    }
    return openmetrics_q > 0 && openmetrics_q >= text_q ? MetricsFormat::openmetrics
                                                        : MetricsFormat::prometheus_text;
}

std::string_view metrics_content_type(MetricsFormat format) {
    return format == MetricsFormat::openmetrics
               ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
               : "text/plain; version=0.0.4; charset=utf-8";
}

HttpResponse respond(const HttpRequest& request, const Snapshot& snapshot) {
    HttpResponse response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "vpcprobe/" VPCPROBE_VERSION);
    response.set(http::field::cache_control, "no-store");

    const bool head = request.method() == http::verb::head;
    std::string_view path = request.target();
    path = path.substr(0, path.find('?'));
    if (request.method() != http::verb::get && !head) {
        answer(response, http::status::method_not_allowed, kPlainText, "only GET and HEAD\n");
        response.set(http::field::allow, "GET, HEAD");
    } else {
        answer_path(response, request, path, snapshot);
    }
    response.prepare_payload();
    // HEAD: the headers GET would have, Content-Length included, and no body.
    if (head) response.body().clear();
    return response;
}

Result<std::shared_ptr<ListenerConfig>> make_listener_config(const WebConfig& config) {
    auto listener = std::make_shared<ListenerConfig>();
    if (config.tls) {
        auto tls = TlsServerContext::create(*config.tls);
        if (!tls) return std::move(tls).error();
        listener->tls = std::move(*tls);
    }
    listener->auth = BasicAuth(config.users);
    listener->headers = config.headers;
    return listener;
}

HttpResponse unauthorized(const HttpRequest& request) {
    HttpResponse response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "vpcprobe/" VPCPROBE_VERSION);
    response.set(http::field::cache_control, "no-store");
    response.set(http::field::www_authenticate, "Basic");
    answer(response, http::status::unauthorized, kPlainText, "Unauthorized\n");
    response.prepare_payload();
    if (request.method() == http::verb::head) response.body().clear();
    return response;
}

HttpServer::HttpServer(asio::io_context& io, SnapshotSource source)
    : acceptor_(io), retry_(io), shared_(std::make_shared<Shared>()) {
    shared_->source = std::move(source);
    shared_->config = std::make_shared<ListenerConfig>();
}

void HttpServer::configure(std::shared_ptr<ListenerConfig> config) {
    shared_->config = std::move(config);
}

std::size_t HttpServer::open_connections() const {
    return shared_->open;
}

std::size_t HttpServer::evicted_connections() const {
    return shared_->evicted;
}

Result<void> HttpServer::listen(const std::string& listen) {
    auto endpoint = parse_ip_endpoint(listen);
    if (!endpoint) return std::move(endpoint).error().context("--listen");
    beast::error_code ec;
    const auto address = asio::ip::make_address(endpoint->address, ec);
    if (ec) return Error(ec.message()).context("--listen " + listen);
    const tcp::endpoint where(address, endpoint->port);
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use) {
        return Error("the port is already in use (another vpcprobe serve, or another exporter?)")
            .context("--listen " + listen);
    }
    if (ec) return Error("cannot listen there: " + ec.message()).context("--listen " + listen);
    return {};
}

void HttpServer::start() {
    accept();
}

void HttpServer::close() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_.cancel();
}

bool HttpServer::make_room() {
    if (shared_->open < kMaxConnections) return true;
    Connection* chosen = shared_->to_evict();
    if (chosen == nullptr) return false;
    chosen->evict();
    return true;
}

void HttpServer::accept() {
    acceptor_.async_accept([this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) return;  // closed: stopping
        if (error) {
            // Out of descriptors, most likely: let connections finish before trying again.
            retry_.expires_after(kAcceptRetry);
            retry_.async_wait([this](beast::error_code wait_error) {
                if (!wait_error) accept();
            });
            return;
        }
        if (make_room()) {
            beast::error_code ignored;
            const asio::ip::address client = socket.remote_endpoint(ignored).address();
            const std::shared_ptr<TlsServerContext> tls = shared_->config->tls;
            if (tls) {
                std::make_shared<Session<TlsStream>>(shared_, client, tls, std::move(socket),
                                                     tls->native())
                    ->start();
            } else {
                std::make_shared<Session<beast::tcp_stream>>(shared_, client, nullptr,
                                                             std::move(socket))
                    ->start();
            }
        } else {
            beast::error_code ignored;
            socket.close(ignored);  // every connection is being answered: refuse by closing
        }
        accept();
    });
}

}  // namespace vpcprobe
