// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`'s HTTP endpoint (Boost.Beast): the listener on --listen, one session per
// connection (over TLS and with basic authentication when the web configuration says so,
// agent/web_config.h), the bounds on what a client can make it hold, and the answers: /metrics
// (the Prometheus text format, or OpenMetrics 1.0.0 when the scraper prefers it), /report.json,
// /report.md and /healthz, each from the latest Snapshot. docs/serve.md ("HTTP endpoints",
// "Web configuration", "Bounds") is the user's guide.
//
// The connection budget: at most kMaxConnections at once. When it is full, a new connection
// takes the place of a connection waiting for its request (in its TLS handshake, idle between
// keep-alive requests, or holding a partial request head): the longest-waiting one of the
// client address holding the most connections, so a flooding client gives up its own first.
// Only when every connection is being answered is the new one refused. A request head (the
// TLS handshake included) must arrive within kHeaderTimeout. So a crowd of idle or slow
// connections costs bounded memory and descriptors and cannot keep a scraper out.
//
// Threading: an HttpServer and its sessions live on the thread that runs their io_context
// (one thread). The snapshot source is called on that thread and must be safe to call while
// another thread publishes snapshots. The free functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "agent/basic_auth.h"
#include "agent/serve_snapshot.h"
#include "agent/web_config.h"
#include "core/result.h"
#include "reports/render/metric_families.h"

namespace vpcprobe {

// OpenMetrics when the Accept header names application/openmetrics-text with a quality at
// least as high as any range that admits text/plain (text/plain, text/*, */*); the Prometheus
// text format otherwise, including for no or an unparsable header. Parameters other than q
// (version, charset) are not judged: vpcprobe has one version of each format.
MetricsFormat negotiate_metrics_format(std::string_view accept);

// The Content-Type header of each format.
std::string_view metrics_content_type(MetricsFormat format);

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The answer to one request from `snapshot`: GET or HEAD (405 otherwise), the four paths (404
// otherwise, a query string ignored), 503 for the report endpoints and /healthz until a check
// has completed. Every answer says `Cache-Control: no-store`; /metrics says `Vary: Accept`.
HttpResponse respond(const HttpRequest& request, const Snapshot& snapshot);

// The latest snapshot, whenever a request needs one.
using SnapshotSource = std::function<std::shared_ptr<const Snapshot>()>;

class TlsServerContext;  // probes/tls/tls_server_context.h, seen only by serve_http.cpp

// What the listener does with each connection, from one web configuration: TLS or not, the
// users allowed, the headers added to every answer.
struct ListenerConfig {
    std::shared_ptr<TlsServerContext> tls;  // null: plain HTTP
    BasicAuth auth{{}};
    std::vector<std::pair<std::string, std::string>> headers;
};

// The listener's configuration for `config`: the TLS context built (its certificate, key and
// client CAs loaded now, so a bad file is an Error naming its key and path).
Result<std::shared_ptr<ListenerConfig>> make_listener_config(const WebConfig& config);

// The answer to a request that `auth` does not allow: 401 with `WWW-Authenticate: Basic`.
HttpResponse unauthorized(const HttpRequest& request);

class HttpServer {
  public:
    // Plain HTTP, no authentication, until configure().
    HttpServer(boost::asio::io_context& io, SnapshotSource source);
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens on `listen` (IP:PORT). The error names --listen and why: not IP:PORT,
    // the port already in use, an address not on this host.
    Result<void> listen(const std::string& listen);

    // Accepts connections until close(), at most kMaxConnections at once.
    void start();

    // Stops accepting; sessions in progress end with the io_context.
    void close();

    // From now on: new connections are accepted as `config` says (TLS or not), and every
    // request, on any connection, is checked against its users. Not null.
    void configure(std::shared_ptr<ListenerConfig> config);

    // Connections at once; a new one beyond takes the place of a waiting one (above).
    static constexpr std::size_t kMaxConnections = 64;
    // For the TLS handshake and the request head (and body) to arrive, from the connection's
    // accept or the end of the previous answer: also ends idle keep-alive connections.
    static constexpr std::chrono::seconds kHeaderTimeout{5};
    // For an answer to leave.
    static constexpr std::chrono::seconds kWriteTimeout{10};

    // Connections open now, and connections ended to make room for newer ones since the start.
    std::size_t open_connections() const;
    std::size_t evicted_connections() const;

    // What sessions share with the server (agent/serve_http.cpp); kept alive by every session,
    // so a session that outlives the server (destroyed with the io_context) still has it.
    struct Shared;

  private:
    void accept();
    // Whether a new connection may open: under the budget, or after the longest-waiting
    // connection gave way.
    bool make_room();

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace vpcprobe
