// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`'s HTTP endpoint (Boost.Beast): the listener on --listen, one session per
// connection, the bounds on what a client can make it hold, and the answers: /metrics (the
// Prometheus text format, or OpenMetrics 1.0.0 when the scraper prefers it), /report.json,
// /report.md and /healthz, each from the latest Snapshot. docs/serve.md ("HTTP endpoints")
// is the user's guide.
//
// Threading: an HttpServer and its sessions live on the thread that runs their io_context
// (one thread). The snapshot source is called on that thread and must be safe to call while
// another thread publishes snapshots. The free functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "agent/serve_snapshot.h"
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

class HttpServer {
  public:
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

    // Connections at once (more are closed on accept).
    static constexpr std::size_t kMaxConnections = 32;

    // What sessions share with the server; kept alive by every session, so a session that
    // outlives the server (destroyed with the io_context) still has it.
    struct Shared {
        SnapshotSource source;
        std::size_t open = 0;  // connections open now
    };

  private:
    void accept();

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace vpcprobe
