// SPDX-License-Identifier: Apache-2.0
// HTTP check for the REST components (see http_probe.h for the verdicts): the socket side.
// One exchange object per probe owns the request, the read chunk, the stage timer and the
// HttpResponseReader (probes/http/http_response.h) that decides what the answer means; every
// handler holds the exchange alive through shared_from_this, and `finish` reports exactly once.
#include "probes/http/http_probe.h"

#include <array>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include "probes/http/http_response.h"

#ifndef VPCPROBE_VERSION
#define VPCPROBE_VERSION "unknown"
#endif

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using ErrorCode = boost::system::error_code;

// Appended piece by piece: GCC 12 at -O3 warns falsely on "[" + a temporary string
// (-Wrestrict, GCC bug 105651), which a Release build with -Werror turns into an error.
std::string host_header(const HttpProbeOptions& options) {
    const bool bracket = options.host.find(':') != std::string::npos && options.host.front() != '[';
    std::string host;
    if (bracket) host += '[';
    host += options.host;
    if (bracket) host += ']';
    if (options.port != 443 && options.port != 80) {
        host += ':';
        host += std::to_string(options.port);
    }
    return host;
}

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
  public:
    HttpExchange(std::shared_ptr<ProtocolStream> stream, const HttpProbeOptions& options,
                 const HttpComponentCheck& check, ProtocolDone done)
        : stream_(std::move(stream)),
          options_(options),
          check_(check),
          done_(std::move(done)),
          timer_(stream_->get_executor()),
          started_(std::chrono::steady_clock::now()),
          reader_(options, check) {}

    void start() {
        // A check that may need a second request keeps the connection open for it.
        prepare_request(check_.path, check_.follow_up_path.empty());
        timer_.expires_after(options_.timeout);
        timer_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (ec || self->finished_) return;
            self->timed_out_ = true;
            self->stream_->close();  // pending reads and writes complete with an error
        });
        http::async_write(*stream_, request_,
                          [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
                              self->on_written(ec);
                          });
    }

  private:
    void prepare_request(std::string_view path, bool last) {
        request_ = {};
        request_.version(11);
        request_.method(http::verb::get);
        request_.target(std::string(path));
        request_.set(http::field::host, host_header(options_));
        request_.set(http::field::user_agent, "vpcprobe/" VPCPROBE_VERSION);
        request_.set(http::field::accept, std::string(check_.accept));
        request_.set(http::field::connection, last ? "close" : "keep-alive");
        request_.prepare_payload();
    }

    // The first answer asks for the check's second request (http_response.h): it goes out on
    // the same connection, under the same deadline, and the reader reads its answer.
    void send_follow_up(std::string_view path) {
        prepare_request(path, true);
        if (reader_.on_follow_up_sent()) return finish();
        http::async_write(*stream_, request_,
                          [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
                              self->on_written(ec);
                          });
    }

    void on_written(const ErrorCode& ec) {
        if (timed_out_) {
            reader_.on_timeout();
        } else if (ec) {
            reader_.on_write_error(ec);
        }
        if (reader_.done()) return finish();
        read_more();
    }

    void read_more() {
        stream_->async_read_some(asio::buffer(chunk_),
                                 [self = shared_from_this()](const ErrorCode& ec, std::size_t n) {
                                     self->on_read(ec, n);
                                 });
    }

    // The reader sees the bytes first: a verdict they carry (not HTTP, too large) stands even
    // when the same read also ended in an error or the deadline.
    void on_read(const ErrorCode& ec, std::size_t n) {
        if (n > 0) reader_.on_bytes(std::string_view(chunk_.data(), n));
        if (const auto path = reader_.follow_up_path(); path && !timed_out_) {
            return send_follow_up(*path);
        }
        if (!reader_.done()) {
            if (timed_out_) {
                reader_.on_timeout();
            } else if (ec) {
                reader_.on_read_error(ec);
            }
        }
        if (reader_.done()) return finish();
        read_more();
    }

    void finish() {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        ProtocolEvidence evidence = reader_.take_evidence();
        evidence.ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                .count();
        asio::post(stream_->get_executor(),
                   [done = std::move(done_), evidence = std::move(evidence)]() mutable {
                       done(std::move(evidence));
                   });
    }

    std::shared_ptr<ProtocolStream> stream_;
    HttpProbeOptions options_;
    const HttpComponentCheck check_;  // a copy: the path may be chosen per host
    ProtocolDone done_;
    asio::steady_timer timer_;
    std::chrono::steady_clock::time_point started_;
    http::request<http::empty_body> request_;
    // One read's worth; what the parser has not consumed yet is kept by the reader.
    std::array<char, 8 * 1024> chunk_{};
    HttpResponseReader reader_;
    bool timed_out_ = false;
    bool finished_ = false;
};

}  // namespace

std::string_view http_check_path(std::string_view component) {
    HttpProbeOptions options;
    options.component = std::string(component);
    const auto check = choose_http_check(options);
    return check ? check->path : std::string_view{};
}

void probe_http(std::shared_ptr<ProtocolStream> stream, const HttpProbeOptions& options,
                ProtocolDone done) {
    const auto check = choose_http_check(options);
    if (!check) {
        asio::post(stream->get_executor(),
                   [done = std::move(done), evidence = no_http_check_evidence(options)]() mutable {
                       done(std::move(evidence));
                   });
        return;
    }
    std::make_shared<HttpExchange>(std::move(stream), options, *check, std::move(done))->start();
}

}  // namespace vpcprobe
