// SPDX-License-Identifier: Apache-2.0
// TCP path trace: the rules that pick and pace it (wants_trace, hop_wait), and real traces on
// loopback and, as root, in a private network namespace with nftables playing the filter. Real
// routers on the way (TTL expiry, a router's reject) are in tests/integration/test_paths.py.
#include <cerrno>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "probes/tcp/tcp_trace.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::IcmpReport;
using vpcprobe::StageStatus;
using vpcprobe::TcpEvidence;
using vpcprobe::TraceEvidence;
using vpcprobe::TraceMode;
using vpcprobe::TraceOptions;
using vpcprobe::TraceStop;

namespace {

TraceEvidence run_trace(boost::asio::io_context& io, const std::string& address, std::uint16_t port,
                        const TraceOptions& options) {
    std::optional<TraceEvidence> evidence;
    vpcprobe::trace_tcp(io, make_address(address), port, options,
                        [&](TraceEvidence e) { evidence = std::move(e); });
    REQUIRE_FALSE(evidence.has_value());  // posted, never called inline
    io.restart();
    io.run_for(options.budget + 5s);
    REQUIRE(evidence.has_value());
    INFO(evidence->detail);
    return std::move(*evidence);
}

TcpEvidence failed(Cause cause) {
    TcpEvidence tcp;
    tcp.status = StageStatus::failed;
    tcp.cause = cause;
    tcp.address = "10.0.0.5";
    return tcp;
}

IcmpReport icmp_from(const std::string& offender) {
    IcmpReport icmp;
    icmp.origin = 2;  // SO_EE_ORIGIN_ICMP
    icmp.type = 3;
    icmp.code = 13;
    icmp.offender = offender;
    icmp.name = "admin-prohibited";
    return icmp;
}

}  // namespace

TEST_CASE("auto traces a silent drop and a router's ICMP, never a local failure", "[trace]") {
    CHECK(vpcprobe::wants_trace(TraceMode::automatic, failed(Cause::tcp_timeout)));

    auto by_router = failed(Cause::tcp_prohibited);
    by_router.icmp = icmp_from("10.50.1.2");
    CHECK(vpcprobe::wants_trace(TraceMode::automatic, by_router));

    // The destination's own reject says where already; always still traces it.
    auto by_destination = failed(Cause::tcp_prohibited);
    by_destination.icmp = icmp_from("10.0.0.5");
    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::automatic, by_destination));
    CHECK(vpcprobe::wants_trace(TraceMode::always, by_destination));

    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::automatic, failed(Cause::tcp_refused)));
    CHECK(vpcprobe::wants_trace(TraceMode::always, failed(Cause::tcp_refused)));

    // No route here, a local policy, out of descriptors: nothing left this host.
    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::always, failed(Cause::tcp_unreachable)));
    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::always, failed(Cause::tcp_error)));

    TcpEvidence connected;
    connected.status = StageStatus::ok;
    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::automatic, connected));
    CHECK(vpcprobe::wants_trace(TraceMode::always, connected));

    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::never, failed(Cause::tcp_timeout)));
    CHECK_FALSE(vpcprobe::wants_trace(TraceMode::always, TcpEvidence{}));  // skipped
}

TEST_CASE("a hop waits a multiple of the slowest round trip, within the budget's share",
          "[trace]") {
    using vpcprobe::hop_wait;
    // No hop answered yet: no scale, each TTL still needed gets an even share.
    CHECK(hop_wait(3000ms, 0, 5) == 600ms);
    CHECK(hop_wait(3000ms, 0, 1) == 3000ms);
    // Fast hops: the floor, so a router's slow path has time to answer.
    CHECK(hop_wait(3000ms, 0.2, 5) == 100ms);
    // Slow hops: ten times the slowest, capped by the share.
    CHECK(hop_wait(3000ms, 30, 5) == 301ms);
    CHECK(hop_wait(3000ms, 200, 5) == 600ms);
    // Whatever is left, never zero.
    CHECK(hop_wait(0ms, 5, 5) == 1ms);
    CHECK(hop_wait(1000ms, 0, 0) == 1000ms);
}

TEST_CASE("on loopback the destination answers the first TTL", "[trace]") {
    boost::asio::io_context io;
    TraceOptions options;
    options.budget = 2000ms;

    SECTION("a closed port: RST at hop 1, from one source port") {
        auto trace = run_trace(io, "127.0.0.1", 1, options);
        CHECK(trace.stopped == TraceStop::destination);
        CHECK(trace.reached);
        REQUIRE(trace.hops.size() == 1);
        CHECK(trace.hops[0].ttl == 1);
        CHECK(trace.hops[0].address == "127.0.0.1");
        CHECK(trace.hops[0].reply == "rst");
        CHECK(trace.hops[0].cause == Cause::tcp_refused);
        CHECK(trace.source_port != 0);
        CHECK(trace.source_address == "127.0.0.1");
        REQUIRE(trace.last_responding_hop() != nullptr);
        CHECK(trace.last_responding_hop()->ttl == 1);
    }
    SECTION("a listener: SYN-ACK, and the connection is ended at once") {
        tcp::acceptor listener(io, tcp::endpoint(make_address("127.0.0.1"), 0));
        auto trace = run_trace(io, "127.0.0.1", listener.local_endpoint().port(), options);
        CHECK(trace.stopped == TraceStop::destination);
        REQUIRE(trace.hops.size() == 1);
        CHECK(trace.hops[0].reply == "syn-ack");
        CHECK(trace.hops[0].cause == Cause::none);
    }
    SECTION("the port the failed probe left from is the flow's port") {
        tcp::acceptor holder(io, tcp::endpoint(make_address("127.0.0.1"), 0));
        const auto free_port = holder.local_endpoint().port();
        holder.close();  // free again, as a failed probe's port is
        options.source_port = free_port;
        options.bind = make_address("127.0.0.1");
        auto trace = run_trace(io, "127.0.0.1", 1, options);
        CHECK(trace.source_port == free_port);
        CHECK(trace.reached);
    }
}

namespace {

const char* kDropRuleset = R"(
table inet vpcprobe_trace_test {
    chain input {
        type filter hook input priority 0; policy accept;
        ip daddr 10.89.7.13 tcp dport 9095 drop
        ip daddr 10.89.7.14 tcp dport 9095 reject with icmp type admin-prohibited
    }
}
)";

bool skip_without_root() {
    if (vpcprobe::test::is_root()) return false;
    vpcprobe::test::skip_whole_test("needs root (private network namespace + nftables)");
}

}  // namespace

TEST_CASE("netns: a silent drop ends in silence within the budget; a reject is named",
          "[trace][netns]") {
    if (skip_without_root()) return;
    vpcprobe::test::NetNamespace netns;
    netns.add_address("10.89.7.13/32");
    netns.add_address("10.89.7.14/32");
    netns.load_nft(kDropRuleset);
    boost::asio::io_context io;

    SECTION("dropped: every TTL silent, five in a row end it, within one budget") {
        TraceOptions options;
        options.budget = 1000ms;
        const auto started = std::chrono::steady_clock::now();
        auto trace = run_trace(io, "10.89.7.13", 9095, options);
        const auto took = std::chrono::steady_clock::now() - started;
        CHECK(trace.stopped == TraceStop::silence);
        CHECK_FALSE(trace.reached);
        CHECK(trace.last_responding_hop() == nullptr);
        REQUIRE(trace.hops.size() == 5);
        for (int i = 0; i < 5; ++i) {
            CHECK(trace.hops[i].ttl == i + 1);
            CHECK_FALSE(trace.hops[i].answered());
        }
        CHECK(trace.source_port != 0);
        CHECK(took < 1200ms);
        CHECK(took > 800ms);  // each silent TTL waited its share: no early give-up
    }
    SECTION("rejected by the destination's filter: stopped by the ICMP, reached") {
        TraceOptions options;
        options.budget = 1000ms;
        auto trace = run_trace(io, "10.89.7.14", 9095, options);
        CHECK(trace.stopped == TraceStop::icmp);
        CHECK(trace.reached);
        REQUIRE(trace.hops.size() == 1);
        CHECK(trace.hops[0].address == "10.89.7.14");
        CHECK(trace.hops[0].reply == "admin-prohibited");
        CHECK(trace.hops[0].cause == Cause::tcp_prohibited);  // as the probe maps it
    }
    SECTION("the highest TTL ends a silent trace there, as silence") {
        TraceOptions options;
        options.budget = 1000ms;
        options.max_hops = 2;
        auto trace = run_trace(io, "10.89.7.13", 9095, options);
        REQUIRE(trace.hops.size() == 2);
        CHECK(trace.stopped == TraceStop::silence);
        CHECK(trace.max_hops == 2);
    }
}
