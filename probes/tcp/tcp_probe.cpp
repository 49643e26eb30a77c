// SPDX-License-Identifier: Apache-2.0
// TCP probe (probes/tcp/tcp_probe.h): one non-blocking connect under a deadline, with the ICMP
// error the kernel queues on the socket read back to tell the answers apart.
//
// Kernel behaviour this code is written against (Linux 6.x, checked in a network namespace
// with nft rules; see tests/probes/tcp/tcp_probe_netns_test.cpp); what the errno and the ICMP
// error mean is probes/tcp/error_map_tcp.h:
// - An ICMP error for a SYN is queued on the error queue (IP_RECVERR) and makes the socket
//   POLLERR. If the socket was not busy when the ICMP arrived the connect fails at once (hard
//   error). If it was (always the case on loopback, where the ICMP comes back while connect()
//   still holds the socket lock: LockDroppedIcmps), it is a *soft* error: the socket stays in
//   SYN_SENT, SO_ERROR reports (and clears) the soft errno, and the kernel retransmits the SYN
//   until one gets an answer or it gives up. Either way the ICMP is the answer to our SYN, so
//   a pending SO_ERROR with the queued ICMP settles the probe; a queued ICMP with no pending
//   error keeps us waiting (a later SYN may get through), and if the deadline passes the ICMP,
//   not "no answer", is the verdict.
// - A local routing verdict fails connect() synchronously, with nothing queued: ENETUNREACH
//   (no route), EHOSTUNREACH (`unreachable` route), EACCES (`prohibit` route), EINVAL
//   (`blackhole` route).
// - A local OUTPUT-chain drop does not fail connect(): the SYN retransmits until the deadline.
// - poll() reports POLLOUT only once the socket has left SYN_SENT, POLLERR whenever an error is
//   pending or queued, and POLLHUP once it is closed: POLLOUT alone is an established
//   connection with nothing to read from SO_ERROR or the error queue.
#include "probes/tcp/tcp_probe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/address.h"
#include "probes/tcp/error_map_tcp.h"
#include "probes/tcp/icmp_queue.h"

namespace vpcprobe {

namespace {

using Clock = std::chrono::steady_clock;
using boost::asio::ip::tcp;

// Bounds on loops driven by the kernel: wakeups that settle nothing (re-armed waits), and
// entries read from the error queue in one go (one per retransmitted SYN at most).
constexpr int kMaxIdleWakeups = 32;
constexpr int kMaxQueuedErrors = 16;

// The address as inet_ntop writes it; IPv4 without going through printf (twice per probe).
std::string address_text(const boost::asio::ip::address& address) {
    if (!address.is_v4()) return address.to_string();
    const auto bytes = address.to_v4().to_bytes();
    return fmt::format("{}.{}.{}.{}", bytes[0], bytes[1], bytes[2], bytes[3]);
}

// An errno's text as Asio words it (its system category), as the messages always were.
std::string system_message(int error_number) {
    return boost::system::error_code(error_number, boost::asio::error::get_system_category())
        .message();
}

std::string errno_text(int error_number) {
    return std::strerror(error_number);
}

// Reads every queued error (bounded) and returns the first one, which answered our first SYN.
// The queue must be drained: an entry left behind keeps the socket POLLERR.
std::optional<QueuedIcmpError> drain_error_queue(int fd) {
    std::optional<QueuedIcmpError> first;
    for (int i = 0; i < kMaxQueuedErrors; ++i) {
        // The payload is the offending packet's headers; we only need the control message.
        std::array<char, 128> payload{};
        iovec iov{payload.data(), payload.size()};
        alignas(cmsghdr) std::array<unsigned char, 512> control{};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        message.msg_control = control.data();
        message.msg_controllen = control.size();
        const ssize_t received = recvmsg(fd, &message, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (received < 0) break;  // EAGAIN: empty
        const std::size_t filled = std::min<std::size_t>(message.msg_controllen, control.size());
        auto decoded = decode_error_queue_control(std::span(control.data(), filled));
        if (!decoded || first) continue;
        const std::size_t quoted =
            std::min<std::size_t>(static_cast<std::size_t>(received), payload.size());
        decode_quoted_ports(
            std::span(reinterpret_cast<const unsigned char*>(payload.data()), quoted), *decoded);
        decoded->report.name = icmp_name(decoded->report);
        first = std::move(decoded);
    }
    return first;
}

// One probe in flight. Owned by the handlers waiting on it (shared_ptr); everything runs on
// the io_context's thread, so `finished_` needs no lock: whichever of the connect wait and the
// deadline settles first wins, the other returns on seeing it.
class Attempt : public std::enable_shared_from_this<Attempt> {
  public:
    Attempt(boost::asio::io_context& io, const boost::asio::ip::address& address,
            std::uint16_t port, const TcpProbeOptions& options, TcpDone done)
        : io_(io),
          socket_(io),
          timer_(io),
          destination_(address, port),
          options_(options),
          done_(std::move(done)),
          started_(Clock::now()) {
        evidence_.address = address_text(address);
        endpoint_ = endpoint_text(evidence_.address, port);
    }

    ~Attempt() {
        if (fd_ >= 0) ::close(fd_);  // never adopted nor closed: the io_context went away
    }

    Attempt(const Attempt&) = delete;
    Attempt& operator=(const Attempt&) = delete;

    void start() {
        // Non-blocking from the start, and not on the reactor until there is something to wait
        // for: a connect answered inside connect() never needs it (see adopt()).
        fd_ = ::socket(destination_.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       IPPROTO_TCP);
        if (fd_ < 0) {
            const int error_number = errno;
            return finish_local_error(error_number,
                                      fmt::format("cannot open a socket to probe {}: {}", endpoint_,
                                                  system_message(error_number)));
        }
        enable_error_queue(true);
        if (!apply_socket_options()) return;
        if ((options_.bind || options_.source_port != 0) && !bind()) return;
        const int fd = fd_;
        if (::connect(fd, destination_.data(), static_cast<socklen_t>(destination_.size())) == 0) {
            return finish_connected();
        }
        int connect_errno = errno;
        record_local_address();
        if (connect_errno != EINPROGRESS && connect_errno != EINTR) {
            auto queued = drain_error_queue(fd);
            return finish_failed(connect_errno,
                                 queued ? std::optional(queued->report) : std::nullopt);
        }
        // A peer on this host has answered by the time connect() returns (the kernel ran the
        // handshake inside it): one poll() saves the deadline and the wait. Writable with no
        // error and no hang-up is connected with nothing queued (see the top of this file), so
        // there is nothing more to ask the socket.
        const short answer = readiness_now(fd);
        if ((answer & POLLOUT) != 0 && (answer & (POLLERR | POLLHUP)) == 0) {
            return finish_connected();
        }
        if (answer != 0 && settle_from_socket()) return;
        if (!adopt()) return;
        timer_.expires_after(options_.timeout);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
            self->on_deadline(error);
        });
        wait_for_answer();
    }

  private:
    // IP_RECVERR before connect, so that an ICMP error for the SYN is queued with its details;
    // off again before the socket is handed on, because with it on any ICMP error during an
    // established connection becomes fatal to it.
    void enable_error_queue(bool on) {
        int value = on ? 1 : 0;
        const int fd = descriptor();
        // Failing to set it only costs precision (errno alone still classifies), so go on.
        if (destination_.address().is_v4()) {
            ::setsockopt(fd, SOL_IP, IP_RECVERR, &value, sizeof value);
        } else {
            ::setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &value, sizeof value);
        }
    }

    // The per-probe IP and TCP options; false (and finished) when the kernel refuses one,
    // since a trace hop without its TTL or a clamped retry without its MSS would measure
    // something else than asked.
    bool apply_socket_options() {
        const int fd = descriptor();
        const bool v4 = destination_.address().is_v4();
        auto set = [&](int level, int name, int value, const char* what) {
            if (::setsockopt(fd, level, name, &value, sizeof value) == 0) return true;
            const int error_number = errno;
            finish_local_error(error_number, fmt::format("cannot set {} to probe {}: {}", what,
                                                         endpoint_, errno_text(error_number)));
            return false;
        };
        if (options_.ttl) {
            if (v4 && !set(SOL_IP, IP_TTL, *options_.ttl, "the TTL")) return false;
            if (!v4 && !set(SOL_IPV6, IPV6_UNICAST_HOPS, *options_.ttl, "the hop limit")) {
                return false;
            }
        }
        if (options_.max_segment &&
            !set(IPPROTO_TCP, TCP_MAXSEG, *options_.max_segment, "the MSS")) {
            return false;
        }
        if (options_.source_port != 0 && !set(SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR")) {
            return false;
        }
        return true;
    }

    bool bind() {
        const auto source = options_.bind ? *options_.bind
                            : destination_.address().is_v4()
                                ? boost::asio::ip::address(boost::asio::ip::address_v4::any())
                                : boost::asio::ip::address(boost::asio::ip::address_v6::any());
        if (source.is_v4() != destination_.address().is_v4()) {
            finish_local_error(
                EAFNOSUPPORT,
                fmt::format("cannot bind to {} to probe {}: {} is {} and the destination is {}",
                            source.to_string(), endpoint_, source.to_string(),
                            source.is_v4() ? "IPv4" : "IPv6", source.is_v4() ? "IPv6" : "IPv4"));
            return false;
        }
        const tcp::endpoint local(source, options_.source_port);
        if (::bind(descriptor(), local.data(), static_cast<socklen_t>(local.size())) != 0) {
            const boost::system::error_code ec(errno, boost::asio::error::get_system_category());
            const std::string what =
                options_.source_port == 0
                    ? source.to_string()
                    : vpcprobe::endpoint_text(source.to_string(), options_.source_port);
            finish_local_error(ec.value(),
                               fmt::format("cannot bind to {} to probe {}: {}{}", what, endpoint_,
                                           ec.message(), bind_failure_hint(ec.value())));
            return false;
        }
        if (options_.bind) evidence_.local_address = source.to_string();
        return true;
    }

    int descriptor() { return fd_ >= 0 ? fd_ : socket_.native_handle(); }

    // Gives the descriptor to the Asio socket, which registers it with the reactor: needed to
    // wait on it or to hand it on. False (and finished) when the reactor refuses it.
    bool adopt() {
        if (fd_ < 0) return true;
        boost::system::error_code ec;
        socket_.assign(destination_.protocol(), fd_, ec);
        if (ec) {
            finish_local_error(ec.value(),
                               fmt::format("cannot probe {}: {}", endpoint_, ec.message()));
            return false;
        }
        fd_ = -1;
        return true;
    }

    void wait_for_answer() {
        socket_.async_wait(tcp::socket::wait_write,
                           [self = shared_from_this()](const boost::system::error_code& error) {
                               self->on_wakeup(error);
                           });
    }

    // Writable (connected, or failed for good) or POLLERR (an error was queued).
    void on_wakeup(const boost::system::error_code& error) {
        if (finished_ || error == boost::asio::error::operation_aborted) return;
        if (settle_from_socket()) return;
        // Nothing settled: a queued ICMP with no pending error while the kernel keeps
        // retrying, or a spurious wakeup. Wait again; the deadline bounds it all.
        if (++idle_wakeups_ < kMaxIdleWakeups) wait_for_answer();
    }

    void on_deadline(const boost::system::error_code& error) {
        if (finished_ || error == boost::asio::error::operation_aborted) return;
        // The answer may have come in the same instant; the socket says.
        if (settle_from_socket()) return;
        if (queued_) {
            // An ICMP answered a SYN but the kernel, taking it as a soft error, kept retrying
            // and nothing better came: the ICMP is the verdict, not "no answer".
            return finish_failed(queued_->error_number, queued_->report);
        }
        finish_failed(ETIMEDOUT, std::nullopt);
    }

    // The socket's readiness without waiting (POLLOUT, POLLERR, POLLHUP; 0 for none yet): the
    // same readiness the wait for an answer asks for.
    static short readiness_now(int fd) {
        pollfd ready{fd, POLLOUT, 0};
        return ::poll(&ready, 1, 0) > 0 ? ready.revents : 0;
    }

    // Returns true when the socket's state settles the probe (and finishes it).
    bool settle_from_socket() {
        const int fd = descriptor();
        auto queued = drain_error_queue(fd);
        // The kernel found this socket by the header the ICMP quoted; one that names another
        // source port is not about our SYN.
        if (queued && local_ && queued->quoted_source_port != 0 &&
            queued->quoted_source_port != local_->port()) {
            queued.reset();
        }
        if (queued && !queued_) queued_ = queued;
        int pending = 0;
        socklen_t length = sizeof pending;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) != 0) pending = errno;
        if (pending != 0) {
            finish_failed(pending, queued_ ? std::optional(queued_->report) : std::nullopt);
            return true;
        }
        sockaddr_storage peer{};
        socklen_t peer_length = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0) {
            finish_connected();
            return true;
        }
        return false;
    }

    // Once the kernel chose our end (at connect()), it stays: asked once per probe.
    void record_local_address() {
        if (local_) return;
        tcp::endpoint local;
        auto length = static_cast<socklen_t>(local.capacity());
        if (::getsockname(descriptor(), local.data(), &length) != 0) return;
        local.resize(length);
        // Before an attempt, or after one the kernel refused at once, the socket has no local
        // end (0.0.0.0:0); keep what --bind said then.
        if (local.port() != 0 && !local.address().is_unspecified()) {
            evidence_.local_address = address_text(local.address());
            evidence_.local_port = local.port();
            local_ = local;
        }
    }

    void finish_connected() {
        record_local_address();
        if (options_.hand_on) {
            if (!adopt()) return;
            ready_for_next_stage();
        }
        evidence_.status = StageStatus::ok;
        evidence_.cause = Cause::none;
        evidence_.error_number = 0;
        evidence_.detail =
            local_ ? fmt::format("connected to {} from {}", endpoint_,
                                 endpoint_text(evidence_.local_address, evidence_.local_port))
                   : fmt::format("connected to {}", endpoint_);
        deliver(options_.hand_on);
    }

    // The socket as the next stage wants it: no error queue, blocking (a plain Asio socket),
    // no Nagle.
    void ready_for_next_stage() {
        enable_error_queue(false);
        drain_error_queue(descriptor());
        boost::system::error_code ec;
        socket_.non_blocking(false, ec);
        // The stages after this one are small request/answer exchanges: with Nagle on, the
        // first request after a TLS 1.3 handshake waits for the peer's delayed ACK (~40 ms).
        socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    }

    void finish_failed(int error_number, std::optional<IcmpReport> icmp) {
        evidence_.error_number = error_number;
        evidence_.icmp = std::move(icmp);
        evidence_.cause = cause_from_connect(error_number, evidence_.icmp);
        // A failure must carry a cause even if the kernel said something unheard of.
        if (evidence_.cause == Cause::none) evidence_.cause = Cause::tcp_error;
        evidence_.status = StageStatus::failed;
        evidence_.detail = connect_failure_detail(evidence_, endpoint_, options_.timeout);
        deliver(false);
    }

    void finish_local_error(int error_number, std::string detail) {
        evidence_.error_number = error_number;
        evidence_.cause = Cause::tcp_error;
        evidence_.status = StageStatus::failed;
        evidence_.detail = std::move(detail);
        deliver(false);
    }

    // Completions are always posted, never run inside probe_tcp(). `hand_on`: the caller gets
    // the socket; otherwise it is closed here.
    void deliver(bool hand_on) {
        finished_ = true;
        evidence_.ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        boost::system::error_code ec;
        timer_.cancel();
        tcp::socket handed_on(io_);
        if (hand_on) {
            socket_.cancel(ec);  // no wait of ours may stay pending on a socket we give away
            handed_on = std::move(socket_);
        } else if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        } else {
            socket_.close(ec);
        }
        boost::asio::post(io_, [done = std::move(done_), evidence = std::move(evidence_),
                                socket = std::move(handed_on)]() mutable {
            done(std::move(evidence), std::move(socket));
        });
    }

    boost::asio::io_context& io_;
    int fd_ = -1;         // the socket until adopt() gives it to socket_
    tcp::socket socket_;  // holds it from adopt() on: to wait on it, or to hand it on
    boost::asio::steady_timer timer_;
    tcp::endpoint destination_;
    std::string endpoint_;
    TcpProbeOptions options_;
    TcpDone done_;
    Clock::time_point started_;
    TcpEvidence evidence_;
    std::optional<QueuedIcmpError> queued_;  // first ICMP seen while still connecting
    std::optional<tcp::endpoint> local_;     // our end once the kernel chose it
    int idle_wakeups_ = 0;
    bool finished_ = false;
};

}  // namespace

void probe_tcp(boost::asio::io_context& io, const boost::asio::ip::address& address,
               std::uint16_t port, const TcpProbeOptions& options, TcpDone done) {
    std::make_shared<Attempt>(io, address, port, options, std::move(done))->start();
}

}  // namespace vpcprobe
