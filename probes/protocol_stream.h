// SPDX-License-Identifier: Apache-2.0
// The connected byte stream a protocol check talks over: the TLS stream after its handshake,
// or the bare TCP socket of a plaintext target (PLAINTEXT://, SASL_PLAINTEXT://). One type so
// the Kafka and HTTP checks (and Boost.Beast, which needs an AsyncReadStream/AsyncWriteStream)
// need not care which.
//
// It also keeps the one TLS fact only a read can show: a TLS 1.3 server checks the client
// certificate after the client's Finished, so its refusal (an alert) ends the first read of the
// protocol check (or, when the server closed at once and the check's request met a reset, waits
// in the receive queue: read then). alert_before_answer() gives it, for the engine to report it as
// the tls stage's failure (probes/tls/error_map_tls.h: alert_after_handshake) rather than as a
// protocol one.
//
// Threading: like the socket it wraps, use from the io_context's thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probes/tls/error_map_tls.h"
#include "probes/tls/tls_probe.h"

namespace vpcprobe {

class ProtocolStream {
  public:
    using executor_type = boost::asio::ip::tcp::socket::executor_type;

    explicit ProtocolStream(std::shared_ptr<TlsStream> tls) : tls_(std::move(tls)) {}
    explicit ProtocolStream(boost::asio::ip::tcp::socket socket) : plain_(std::move(socket)) {}

    bool is_tls() const { return tls_ != nullptr; }
    executor_type get_executor() { return lowest_layer().get_executor(); }
    boost::asio::ip::tcp::socket& lowest_layer() { return tls_ ? tls_->next_layer() : *plain_; }

    // Plain completion handlers only (void(error_code, std::size_t)); returns nothing.
    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        if (tls_) {
            tls_->async_read_some(
                buffers, [reads = reads_, handler = std::forward<Handler>(handler)](
                             const boost::system::error_code& ec, std::size_t bytes) mutable {
                    if (ec && reads->bytes == 0 && !reads->alert) reads->alert = received_alert(ec);
                    reads->bytes += bytes;
                    handler(ec, bytes);
                });
        } else {
            plain_->async_read_some(buffers, std::forward<Handler>(handler));
        }
    }
    template <class ConstBuffers, class Handler>
    void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        if (tls_) {
            tls_->async_write_some(
                buffers, [tls = tls_, reads = reads_, handler = std::forward<Handler>(handler)](
                             const boost::system::error_code& ec, std::size_t bytes) mutable {
                    if (!reset_before_answer(ec, *reads)) return handler(ec, bytes);
                    read_the_refusal(*tls, reads,
                                     [handler = std::move(handler), ec, bytes]() mutable {
                                         handler(ec, bytes);
                                     });
                });
        } else {
            plain_->async_write_some(buffers, std::forward<Handler>(handler));
        }
    }

    // Closes the socket; pending operations complete with operation_aborted. No TLS
    // close_notify: a probe must not wait on a peer that may be hostile or gone.
    void close() {
        boost::system::error_code ignored;
        lowest_layer().close(ignored);
    }

    // The one read a session gets when no protocol check reads it: waits up to `bound` for the
    // peer's first record, so that a TLS 1.3 server's refusal of our client certificate (an
    // alert one round trip after our Finished) is seen; alert_before_answer() then gives it.
    // Silence until the bound, application data, and a close or reset without an alert leave
    // no alert. `then` runs once, from the read's completion; the caller closes the stream.
    // Only for a TLS stream (a plaintext one calls `then` at once).
    void await_refusal(std::chrono::milliseconds bound, std::function<void()> then) {
        if (!tls_) return then();
        auto timer = std::make_shared<boost::asio::steady_timer>(get_executor());
        timer->expires_after(bound);
        // Silence until the bound: cancelling the socket ends the read (operation_aborted),
        // whose completion alone calls `then`.
        timer->async_wait([tls = tls_](const boost::system::error_code& ec) {
            if (ec) return;
            boost::system::error_code ignored;
            tls->next_layer().cancel(ignored);
        });
        auto* scratch = &reads_->scratch;
        tls_->async_read_some(boost::asio::buffer(*scratch),
                              [reads = reads_, timer, then = std::move(then)](
                                  const boost::system::error_code& ec, std::size_t bytes) {
                                  timer->cancel();
                                  if (ec && reads->bytes == 0 && !reads->alert) {
                                      reads->alert = received_alert(ec);
                                  }
                                  reads->bytes += bytes;
                                  then();
                              });
    }

    // The alert (its description, 0..255) a TLS peer ended the session with before sending a
    // byte of application data; nullopt when none did (or the stream is plaintext).
    std::optional<int> alert_before_answer() const { return reads_->alert; }

  private:
    // Shared with the read handlers in flight, which may complete after a move of the stream.
    struct ReadFacts {
        std::size_t bytes = 0;
        std::optional<int> alert;
        std::array<char, 512> scratch{};  // for read_the_refusal
    };

    // A server that refuses the session right after the handshake often closes at once, so the
    // request the check sends next meets a reset: the write fails before any read. Its alert
    // still waits in the socket's receive queue.
    static bool reset_before_answer(const boost::system::error_code& ec, const ReadFacts& reads) {
        return (ec == boost::asio::error::connection_reset ||
                ec == boost::asio::error::broken_pipe) &&
               reads.bytes == 0 && !reads.alert;
    }

    // Reads what the reset left (at once: the connection is gone) to record the alert, then
    // calls `then`.
    template <class Then>
    static void read_the_refusal(TlsStream& tls, std::shared_ptr<ReadFacts> reads, Then&& then) {
        auto* scratch = &reads->scratch;
        tls.async_read_some(boost::asio::buffer(*scratch),
                            [reads = std::move(reads), then = std::forward<Then>(then)](
                                const boost::system::error_code& ec, std::size_t bytes) mutable {
                                if (ec && bytes == 0) reads->alert = received_alert(ec);
                                then();
                            });
    }

    std::shared_ptr<TlsStream> tls_;
    std::shared_ptr<ReadFacts> reads_ = std::make_shared<ReadFacts>();
    std::optional<boost::asio::ip::tcp::socket> plain_;
};

// How a protocol check ends: the protocol stage's evidence. Called once, on the io_context's
// thread; the check has closed nothing — the caller owns and closes the stream.
using ProtocolDone = std::function<void(ProtocolEvidence)>;

}  // namespace vpcprobe
