// SPDX-License-Identifier: Apache-2.0
// TCP path trace (probes/tcp/tcp_trace.h): one TTL at a time on one flow, each hop a probe_tcp()
// with its TTL set, so a hop's answer is classified where every other TCP answer is
// (probes/tcp/error_map_tcp.h). Kernel behaviour relied on (Linux 6.x, checked with routed
// network namespaces in tests/integration/test_paths.py):
// - an ICMP error for a SYN, time-exceeded included, ends the connecting socket (tcp_v4_err /
//   tcp_v6_err in SYN_SENT) and is queued with its offender on the error queue; when it comes
//   while connect() still holds the socket (a softirq on the same CPU) it is a soft error that
//   SO_ERROR reports, so either way the hop answers within its round trip;
// - closing a socket in SYN_SENT leaves no TIME_WAIT, so the next TTL can bind the same
//   address and port at once (SO_REUSEADDR covers a socket of ours still being torn down);
// - a second connecting socket with the same 4-tuple is refused (EADDRNOTAVAIL), which is why
//   the TTLs are not sent in parallel on one flow.
#include "probes/tcp/tcp_trace.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/post.hpp>

#include "core/address.h"
#include "probes/tcp/error_map_tcp.h"
#include "probes/tcp/tcp_probe.h"

namespace vpcprobe {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A router answers TTL expiry from its slow path, often rate-limited: ten times the slowest
// round trip seen (traceroute's "near" factor), and never less than this.
constexpr milliseconds kHopWaitFloor{100};
constexpr double kRttFactor = 10;

bool from_icmp(const std::optional<IcmpReport>& icmp) {
    return icmp && sent_by_network(*icmp);
}

std::string silent_range(int first, int last) {
    return first == last ? fmt::format("TTL {}", first) : fmt::format("TTL {} to {}", first, last);
}

class Trace : public std::enable_shared_from_this<Trace> {
  public:
    Trace(boost::asio::io_context& io, const boost::asio::ip::address& address, std::uint16_t port,
          const TraceOptions& options, TraceDone done)
        : io_(io),
          destination_(address),
          port_(port),
          options_(options),
          source_(options.bind),
          source_port_(options.source_port),
          done_(std::move(done)) {
        evidence_.max_hops = options.max_hops;
    }

    void start() {
        started_ = Clock::now();
        deadline_ = started_ + options_.budget;
        send_next();
    }

  private:
    void send_next() {
        if (ttl_ > options_.max_hops) {
            if (!evidence_.hops.empty() && !evidence_.hops.back().answered()) {
                return finish_silent();
            }
            return finish(TraceStop::max_hops,
                          fmt::format("routers answered up to TTL {} and {} never did",
                                      options_.max_hops, destination_.to_string()));
        }
        const auto left = std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now());
        if (left <= milliseconds(0)) return finish_silent();
        TcpProbeOptions hop;
        hop.timeout = hop_wait(left, slowest_rtt_ms_, options_.silent_hops_to_stop - silent_run_);
        hop.ttl = ttl_;
        hop.bind = source_;
        hop.source_port = source_port_;
        probe_tcp(
            io_, destination_, port_, hop,
            [self = shared_from_this()](TcpEvidence tcp, boost::asio::ip::tcp::socket socket) {
                self->on_hop(std::move(tcp), std::move(socket));
            });
    }

    void on_hop(TcpEvidence tcp, boost::asio::ip::tcp::socket socket) {
        if (tcp.status == StageStatus::ok) abort_connection(socket);
        if (!keep_flow(tcp)) return;
        TraceHop hop;
        hop.ttl = ttl_;
        if (tcp.status == StageStatus::ok || (tcp.cause == Cause::tcp_refused && !tcp.icmp)) {
            hop.address = destination_.to_string();
            hop.rtt_ms = tcp.ms;
            hop.reply = tcp.status == StageStatus::ok ? "syn-ack" : "rst";
            hop.cause = tcp.status == StageStatus::ok ? Cause::none : Cause::tcp_refused;
            evidence_.hops.push_back(hop);
            evidence_.reached = true;
            return finish(TraceStop::destination,
                          fmt::format("reached {} at hop {} (it answered with a {})", hop.address,
                                      ttl_, hop.reply == "rst" ? "RST" : "SYN-ACK"));
        }
        if (from_icmp(tcp.icmp)) return on_icmp(*tcp.icmp, tcp.cause, tcp.ms);
        if (tcp.cause == Cause::tcp_timeout) return on_silence();
        evidence_.hops.push_back(hop);
        finish(TraceStop::error, fmt::format("stopped at TTL {}: {}", ttl_, tcp.detail));
    }

    // The first probe took the failed probe's port when it could; one the kernel will not
    // give back (another socket took it) gives way to a fresh port, once. Returns false when
    // the trace has already moved on or ended.
    bool keep_flow(const TcpEvidence& tcp) {
        if (tcp.error_number == EADDRINUSE && ttl_ == 1 && source_port_ != 0 && !retried_port_) {
            retried_port_ = true;
            source_port_ = 0;
            send_next();
            return false;
        }
        if (source_port_ == 0 && tcp.local_port != 0) source_port_ = tcp.local_port;
        if (!source_ && !tcp.local_address.empty()) {
            boost::system::error_code ec;
            auto local = boost::asio::ip::make_address(tcp.local_address, ec);
            if (!ec) source_ = local;
        }
        if (evidence_.source_address.empty()) evidence_.source_address = tcp.local_address;
        evidence_.source_port = source_port_;
        return true;
    }

    // `cause` is what the probe made of the ICMP (cause_from_connect).
    void on_icmp(const IcmpReport& icmp, Cause cause, double rtt_ms) {
        TraceHop hop;
        hop.ttl = ttl_;
        hop.address = icmp.offender;
        hop.rtt_ms = rtt_ms;
        hop.reply = is_time_exceeded(icmp) ? "time-exceeded" : icmp.name;
        if (!is_time_exceeded(icmp)) hop.cause = cause;
        evidence_.hops.push_back(hop);
        if (is_time_exceeded(icmp)) {
            slowest_rtt_ms_ = std::max(slowest_rtt_ms_, rtt_ms);
            silent_run_ = 0;
            ++ttl_;
            return send_next();
        }
        evidence_.reached = !icmp.offender.empty() && icmp.offender == destination_.to_string();
        finish(TraceStop::icmp, icmp_detail(icmp));
    }

    std::string icmp_detail(const IcmpReport& icmp) const {
        const std::string who = icmp.offender.empty() ? "an unnamed hop" : icmp.offender;
        if (evidence_.reached) {
            return fmt::format("{} itself answered ICMP {} at hop {}", who, icmp.name, ttl_);
        }
        const int distance = icmp.offender.empty() ? 0 : evidence_.hops_to(icmp.offender);
        if (distance != 0 && distance != ttl_) {
            return fmt::format("{}, {} hop{} away, answered ICMP {} to the SYN with TTL {}", who,
                               distance, distance == 1 ? "" : "s", icmp.name, ttl_);
        }
        return fmt::format("hop {}, {}, answered ICMP {}", ttl_, who, icmp.name);
    }

    void on_silence() {
        TraceHop hop;
        hop.ttl = ttl_;
        evidence_.hops.push_back(hop);
        ++silent_run_;
        if (silent_run_ >= options_.silent_hops_to_stop) return finish_silent();
        ++ttl_;
        send_next();
    }

    void finish_silent() {
        const TraceHop* last = evidence_.last_responding_hop();
        const int first_silent = last ? last->ttl + 1 : 1;
        const int last_tried = evidence_.hops.empty() ? 0 : evidence_.hops.back().ttl;
        if (last_tried < first_silent) {
            return finish(TraceStop::silence, "the trace's time ran out before the first TTL");
        }
        const std::string unanswered = silent_range(first_silent, last_tried);
        if (!last) {
            return finish(TraceStop::silence,
                          fmt::format("no hop answered ({} unanswered)", unanswered));
        }
        finish(TraceStop::silence, fmt::format("no answer past hop {}, {} ({} unanswered)",
                                               last->ttl, last->address, unanswered));
    }

    // The destination accepted a probe: end it with a RST rather than leave a half-used
    // connection on a server that may count them.
    static void abort_connection(boost::asio::ip::tcp::socket& socket) {
        boost::system::error_code ec;
        socket.set_option(boost::asio::socket_base::linger(true, 0), ec);
        socket.close(ec);
    }

    void finish(TraceStop stop, std::string detail) {
        evidence_.stopped = stop;
        evidence_.detail = std::move(detail);
        evidence_.ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        boost::asio::post(io_,
                          [done = std::move(done_), evidence = std::move(evidence_)]() mutable {
                              done(std::move(evidence));
                          });
    }

    boost::asio::io_context& io_;
    boost::asio::ip::address destination_;
    std::uint16_t port_;
    TraceOptions options_;
    std::optional<boost::asio::ip::address> source_;
    std::uint16_t source_port_;
    TraceDone done_;
    TraceEvidence evidence_;
    Clock::time_point started_;
    Clock::time_point deadline_;
    int ttl_ = 1;
    int silent_run_ = 0;  // unanswered TTLs in a row
    double slowest_rtt_ms_ = 0;
    bool retried_port_ = false;
};

}  // namespace

bool wants_trace(TraceMode mode, const TcpEvidence& tcp) {
    if (mode == TraceMode::never || tcp.status == StageStatus::skipped) return false;
    const bool router_answered = tcp.icmp && sent_by_network(*tcp.icmp) &&
                                 !tcp.icmp->offender.empty() && tcp.icmp->offender != tcp.address;
    if (tcp.status == StageStatus::failed) {
        if (tcp.cause == Cause::tcp_timeout || router_answered) return true;
        const bool destination_answered =
            tcp.cause == Cause::tcp_refused || (tcp.icmp && sent_by_network(*tcp.icmp));
        return mode == TraceMode::always && destination_answered;
    }
    return mode == TraceMode::always;
}

milliseconds hop_wait(milliseconds left, double slowest_rtt_ms, int silent_hops_needed) {
    const milliseconds share = left / std::max(1, silent_hops_needed);
    milliseconds wait = share;
    // Before any hop answered there is no scale to go by: each TTL gets its share.
    if (slowest_rtt_ms > 0) {
        const auto scaled = milliseconds(static_cast<long>(slowest_rtt_ms * kRttFactor) + 1);
        wait = std::min(share, std::max(kHopWaitFloor, scaled));
    }
    return std::max(wait, milliseconds(1));
}

void trace_tcp(boost::asio::io_context& io, const boost::asio::ip::address& address,
               std::uint16_t port, const TraceOptions& options, TraceDone done) {
    std::make_shared<Trace>(io, address, port, options, std::move(done))->start();
}

}  // namespace vpcprobe
