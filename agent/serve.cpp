// SPDX-License-Identifier: Apache-2.0
#include "agent/serve.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "agent/check_run.h"
#include "agent/file_checks.h"
#include "agent/history.h"
#include "agent/settings/validate.h"
#include "core/duration.h"
#include "core/text.h"
#include "reports/render/json_report.h"
#include "reports/render/markdown_report.h"
#include "reports/render/prometheus_report.h"

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Bounds on what a client can make us hold: connections at once (more are closed on accept),
// the request head (a scraper's is well under 1 KiB), a request body (GET and HEAD have none),
// and the time one request may take to arrive and its answer to leave, which also ends idle
// keep-alive connections.
constexpr std::size_t kMaxConnections = 32;
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(10);
// How long SIGTERM waits for a check in progress before abandoning it.
constexpr auto kStopBound = std::chrono::seconds(5);
// After a failed accept (out of descriptors), wait before trying again rather than spin.
constexpr auto kAcceptRetry = std::chrono::milliseconds(200);

constexpr std::string_view kOpenMetricsEof = "# EOF\n";

// ---- logging: one logfmt line per event on stderr -------------------------------------------

std::string log_timestamp() {
    return rfc3339_ms(std::chrono::system_clock::now());
}

// One call, one line: stdio locks the stream per call, so lines from the two threads never mix.
void log_line(const std::string& line) {
    fmt::print(stderr, "{}\n", line);
}

void log_event(std::string_view event, std::string_view fields = {}) {
    log_line(fmt::format("ts={} event={}{}{}", log_timestamp(), event, fields.empty() ? "" : " ",
                         fields));
}

// ---- what /metrics and the report endpoints answer ------------------------------------------

// An immutable rendering of the latest result, built on the scheduler thread and handed to the
// HTTP thread whole, so a request never sees half of one run and half of the next.
struct Snapshot {
    bool completed = false;  // a check has completed: the report endpoints have content
    std::string prometheus;
    std::string openmetrics;
    std::string json;
    std::string markdown;
};

// vpcprobe_serve_ready: the one family serve adds to the report's, so that a scrape before the
// first run completes still says something (and alerting can tell "starting" from "down").
std::string ready_family(bool ready) {
    return fmt::format(
        "# HELP vpcprobe_serve_ready 1 once a check has completed and its results are served, "
        "0 before.\n# TYPE vpcprobe_serve_ready gauge\nvpcprobe_serve_ready {}\n",
        ready ? 1 : 0);
}

std::string build_info_family(bool openmetrics) {
    constexpr std::string_view help =
        "Always 1; the version label says which vpcprobe ran the check.";
    const std::string sample =
        fmt::format("vpcprobe_build_info{{version=\"{}\"}} 1\n", VPCPROBE_VERSION);
    if (openmetrics) {
        return fmt::format("# TYPE vpcprobe_build info\n# HELP vpcprobe_build {}\n{}", help,
                           sample);
    }
    return fmt::format("# HELP vpcprobe_build_info {}\n# TYPE vpcprobe_build_info gauge\n{}", help,
                       sample);
}

std::shared_ptr<const Snapshot> pending_snapshot() {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->prometheus = build_info_family(false) + ready_family(false);
    snapshot->openmetrics =
        build_info_family(true) + ready_family(false) + std::string(kOpenMetricsEof);
    return snapshot;
}

std::shared_ptr<const Snapshot> report_snapshot(const Report& report) {
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->completed = true;
    snapshot->prometheus = render_prometheus(report) + ready_family(true);
    std::string openmetrics = render_openmetrics(report);
    // The families go before the terminator, which must be the last line.
    if (openmetrics.ends_with(kOpenMetricsEof)) {
        openmetrics.resize(openmetrics.size() - kOpenMetricsEof.size());
    }
    snapshot->openmetrics = openmetrics + ready_family(true) + std::string(kOpenMetricsEof);
    snapshot->json = render_json(report);
    snapshot->markdown = render_markdown(report);
    return snapshot;
}

// ---- state shared by the HTTP thread and the scheduler thread --------------------------------

struct Shared {
    std::mutex mutex;
    std::condition_variable wake;  // stop requested, or the scheduler finished
    std::shared_ptr<const Snapshot> latest;
    Command command;           // what the next run checks (replaced on a good SIGHUP)
    std::string command_line;  // redacted, for the report
    bool stopping = false;
    bool scheduler_done = false;

    std::shared_ptr<const Snapshot> snapshot() {
        std::lock_guard lock(mutex);
        return latest;
    }
};

void scheduler(Shared& shared, std::optional<History> history) {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (;;) {
        Command command;
        std::string command_line;
        {
            std::lock_guard lock(shared.mutex);
            if (shared.stopping) break;
            command = shared.command;
            command_line = shared.command_line;
        }
        const auto started = std::chrono::steady_clock::now();
        try {
            auto checked = run_check_once(command.options, command_line);
            if (checked) {
                for (const std::string& warning : checked->warnings) {
                    log_event("warning", "message=" + logfmt_value(warning));
                }
                const Report* report = &checked->report;
                std::string error;
                auto snapshot = report_snapshot(*report);
                {
                    std::lock_guard lock(shared.mutex);
                    shared.latest = std::move(snapshot);
                }
                log_line(check_log_line(*report));
                if (history) {
                    for (const StatusChange& change : history->record(*report, error)) {
                        log_line(change_log_line(change));
                    }
                    if (!error.empty()) log_event("history_error", "error=" + logfmt_value(error));
                }
            } else {
                // A setup problem (say, a CA file removed since the start): the previous
                // result stays served, and the next run tries again.
                log_event("check_error", "error=" + logfmt_value(checked.error().message()));
            }
        } catch (const std::exception& e) {
            log_event("check_error",
                      "error=" + logfmt_value(std::string("internal error: ") + e.what()));
        }
        // The next run is due an interval after this one started; one that overran its
        // interval is followed at once, never overlapped.
        const auto due = started + jittered_interval(command.serve.interval, unit(random));
        std::unique_lock lock(shared.mutex);
        if (shared.wake.wait_until(lock, due, [&] { return shared.stopping; })) break;
    }
    std::lock_guard lock(shared.mutex);
    shared.scheduler_done = true;
    shared.wake.notify_all();
}

// ---- HTTP -------------------------------------------------------------------------------------

http::response<http::string_body> respond(const http::request<http::string_body>& request,
                                          const Snapshot& snapshot) {
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "vpcprobe/" VPCPROBE_VERSION);
    response.set(http::field::cache_control, "no-store");

    auto answer = [&](http::status status, std::string_view content_type, std::string body) {
        response.result(status);
        response.set(http::field::content_type, content_type);
        response.body() = std::move(body);
    };
    constexpr std::string_view plain = "text/plain; charset=utf-8";
    constexpr std::string_view not_yet = "no check has completed yet\n";

    const bool head = request.method() == http::verb::head;
    std::string_view path = request.target();
    path = path.substr(0, path.find('?'));
    if (request.method() != http::verb::get && !head) {
        answer(http::status::method_not_allowed, plain, "only GET and HEAD\n");
        response.set(http::field::allow, "GET, HEAD");
    } else if (path == "/metrics") {
        const MetricsFormat format = negotiate_metrics_format(request[http::field::accept]);
        answer(http::status::ok, metrics_content_type(format),
               format == MetricsFormat::openmetrics ? snapshot.openmetrics : snapshot.prometheus);
        response.set(http::field::vary, "Accept");
    } else if (path == "/report.json") {
        if (snapshot.completed) {
            answer(http::status::ok, "application/json", snapshot.json);
        } else {
            answer(http::status::service_unavailable, plain, std::string(not_yet));
        }
    } else if (path == "/report.md") {
        if (snapshot.completed) {
            answer(http::status::ok, "text/markdown; charset=utf-8", snapshot.markdown);
        } else {
            answer(http::status::service_unavailable, plain, std::string(not_yet));
        }
    } else if (path == "/healthz") {
        if (snapshot.completed) {
            answer(http::status::ok, plain, "ok\n");
        } else {
            answer(http::status::service_unavailable, plain, std::string(not_yet));
        }
    } else {
        answer(http::status::not_found, plain,
               "not found: try /metrics, /report.json, /report.md or /healthz\n");
    }
    response.prepare_payload();
    // HEAD: the headers GET would have, Content-Length included, and no body.
    if (head) response.body().clear();
    return response;
}

// Connections at once; touched only on the HTTP thread (the io_context runs on one thread).
struct ConnectionCount {
    std::size_t open = 0;
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, Shared& shared, ConnectionCount& count)
        : stream_(std::move(socket)), shared_(shared), count_(count) {
        ++count_.open;
    }
    ~Session() { --count_.open; }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start() { read(); }

  private:
    void read() {
        parser_.emplace();
        parser_->header_limit(kHeaderLimit);
        parser_->body_limit(kBodyLimit);
        stream_.expires_after(kRequestTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code error, std::size_t) {
                             self->on_read(error);
                         });
    }

    void on_read(beast::error_code error) {
        if (error == http::error::header_limit || error == http::error::body_limit) {
            response_ = {};
            response_.version(11);
            response_.result(error == http::error::header_limit
                                 ? http::status::request_header_fields_too_large
                                 : http::status::payload_too_large);
            response_.set(http::field::content_type, "text/plain; charset=utf-8");
            response_.body() = "request too large\n";
            response_.keep_alive(false);
            response_.prepare_payload();
            write();
            return;
        }
        if (error) return close();  // closed by the client, timed out, or not HTTP
        const auto snapshot = shared_.snapshot();
        response_ = respond(parser_->get(), *snapshot);
        write();
    }

    void write() {
        stream_.expires_after(kRequestTimeout);
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code error, std::size_t) {
                              self->on_write(error);
                          });
    }

    void on_write(beast::error_code error) {
        if (error || !response_.keep_alive()) return close();
        response_ = {};
        read();
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    Shared& shared_;
    ConnectionCount& count_;
};

class Listener {
  public:
    Listener(asio::io_context& io, tcp::acceptor& acceptor, Shared& shared, ConnectionCount& count)
        : acceptor_(acceptor), retry_(io), shared_(shared), count_(count) {}

    void accept() {
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
            if (count_.open >= kMaxConnections) {
                beast::error_code ignored;
                socket.close(ignored);  // over the bound: refuse by closing
            } else {
                std::make_shared<Session>(std::move(socket), shared_, count_)->start();
            }
            accept();
        });
    }

  private:
    tcp::acceptor& acceptor_;
    asio::steady_timer retry_;
    Shared& shared_;
    ConnectionCount& count_;
};

// Binds --listen; "" or the one-line problem naming the flag.
std::string bind_listener(tcp::acceptor& acceptor, const std::string& listen) {
    const auto endpoint = parse_ip_endpoint(listen);
    if (!endpoint) return fmt::format("--listen: {}", endpoint.error().message());
    beast::error_code ec;
    const auto address = asio::ip::make_address(endpoint->address, ec);
    if (ec) return fmt::format("--listen {}: {}", listen, ec.message());
    const tcp::endpoint where(address, endpoint->port);
    acceptor.open(where.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(where, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use) {
        return fmt::format(
            "--listen {}: the port is already in use (another vpcprobe serve, "
            "or another exporter?)",
            listen);
    }
    if (ec) return fmt::format("--listen {}: cannot listen there: {}", listen, ec.message());
    return "";
}

// SIGHUP: re-parse the original command line, which re-reads the config file.
void reload(Shared& shared, int argc, const char* const* argv) {
    auto parsed = parse_command_line(argc, argv, probe_file_checks());
    if (!parsed) {
        log_event("reload",
                  "result=rejected kept=previous error=" + logfmt_value(parsed.error().message()));
        return;
    }
    Command command = std::move(*parsed);
    std::lock_guard lock(shared.mutex);
    std::string note;
    if (command.serve.listen != shared.command.serve.listen) {
        // The socket is bound once; moving it would need privileges we may have dropped.
        note = " note=" + logfmt_value("--listen changes take a restart; still listening on " +
                                       shared.command.serve.listen);
        command.serve.listen = shared.command.serve.listen;
    }
    if (command.serve.state_dir != shared.command.serve.state_dir ||
        command.serve.keep != shared.command.serve.keep) {
        // The history is opened once, by the scheduler thread that owns it.
        note +=
            " note=" + logfmt_value("--state-dir and --keep changes take a restart; still " +
                                    (shared.command.serve.state_dir.empty()
                                         ? std::string("without history")
                                         : "keeping history in " + shared.command.serve.state_dir));
        command.serve.state_dir = shared.command.serve.state_dir;
        command.serve.keep = shared.command.serve.keep;
    }
    shared.command = std::move(command);
    log_event("reload", "result=ok applies=next_run" + note);
}

}  // namespace

std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval,
                                            double unit_random) {
    // Integer milliseconds: the lowest wait is 90% of the interval, and the spread (20% of
    // it) is cut off one millisecond short so the range stays half-open however the double
    // rounds.
    const auto count = std::max<std::chrono::milliseconds::rep>(interval.count(), 1);
    const auto lowest = count - count / 10;
    const auto spread = count / 5;
    const double unit = std::clamp(unit_random, 0.0, 1.0);
    auto offset =
        static_cast<std::chrono::milliseconds::rep>(std::floor(static_cast<double>(spread) * unit));
    if (spread > 0) offset = std::min(offset, spread - 1);
    return std::chrono::milliseconds(std::max<std::chrono::milliseconds::rep>(lowest + offset, 1));
}

MetricsFormat negotiate_metrics_format(std::string_view accept) {
    auto trim = [](std::string_view text) {
        while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
            text.remove_prefix(1);
        while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
        return text;
    };
    auto lower = [](std::string_view text) {
        std::string out(text);
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    double openmetrics_q = 0;
    double text_q = 0;
    while (!accept.empty()) {
        const auto comma = accept.find(',');
        std::string_view range = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);

        const auto semicolon = range.find(';');
        const std::string type = lower(trim(range.substr(0, semicolon)));
        double q = 1;
        std::string_view parameters =
            semicolon == std::string_view::npos ? std::string_view{} : range.substr(semicolon);
        while (!parameters.empty()) {
            parameters.remove_prefix(1);  // the ';'
            const auto next = parameters.find(';');
            const std::string_view parameter = trim(parameters.substr(0, next));
            parameters =
                next == std::string_view::npos ? std::string_view{} : parameters.substr(next);
            if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
                parameter[1] == '=') {
                const std::string value(parameter.substr(2));
                char* end = nullptr;
                q = std::strtod(value.c_str(), &end);
                if (value.empty() || end != value.c_str() + value.size() || !(q >= 0)) q = 0;
                q = std::min(q, 1.0);
            }
        }
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

std::string check_log_line(const Report& report) {
    return fmt::format(
        "ts={} event=check duration={:.3f}s ok={} warning={} failed={} targets={} exit={}",
        log_timestamp(), report.agent.duration_ms / 1000.0, report.summary.ok,
        report.summary.warning, report.summary.failed, report.targets.size(), exit_code(report));
}

int run_serve(const Command& command, int argc, const char* const* argv) {
    std::optional<History> history;
    if (!command.serve.state_dir.empty()) {
        std::string error;
        history = History::open(command.serve.state_dir, command.serve.keep, error);
        if (!history) {
            fmt::print(stderr, "vpcprobe: {}\n", error);
            return kExitCannotRun;
        }
    }

    Shared shared;
    shared.command = command;
    shared.command_line = redacted_command_line(argc, argv);
    shared.latest = pending_snapshot();

    // Destroyed in reverse: the io_context (and the sessions its handlers hold) before the
    // count and state they point to.
    ConnectionCount count;
    asio::io_context io;
    tcp::acceptor acceptor(io);
    if (std::string problem = bind_listener(acceptor, command.serve.listen); !problem.empty()) {
        fmt::print(stderr, "vpcprobe: {}\n", problem);
        return kExitCannotRun;
    }
    Listener listener(io, acceptor, shared, count);
    listener.accept();

    asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
    std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code error,
                                                                int signal) {
        if (error) return;
        if (signal == SIGHUP) {
            reload(shared, argc, argv);
            signals.async_wait(on_signal);
            return;
        }
        log_event("stop", fmt::format("signal={}", signal == SIGTERM ? "SIGTERM" : "SIGINT"));
        beast::error_code ignored;
        acceptor.close(ignored);
        io.stop();
    };
    signals.async_wait(on_signal);

    log_event("listening",
              fmt::format("address={} interval={} jitter=10%", logfmt_value(command.serve.listen),
                          format_duration(command.serve.interval)));
    std::thread worker(scheduler, std::ref(shared), std::move(history));

    auto stop_worker = [&] {
        std::unique_lock lock(shared.mutex);
        shared.stopping = true;
        shared.wake.notify_all();
        if (!shared.wake.wait_for(lock, kStopBound, [&] { return shared.scheduler_done; })) {
            // The check in progress is still waiting on the network: its results would be
            // thrown away anyway, and stopping must not take as long as a slow check.
            lock.unlock();
            log_event("stopped", "abandoned=check_in_progress");
            std::fflush(stderr);
            std::_Exit(0);
        }
        lock.unlock();
        worker.join();
    };
    try {
        io.run();
    } catch (...) {
        stop_worker();
        throw;
    }
    stop_worker();
    log_event("stopped");
    return 0;
}

}  // namespace vpcprobe
