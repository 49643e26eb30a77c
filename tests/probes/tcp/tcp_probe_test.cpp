// SPDX-License-Identifier: Apache-2.0
// TCP probe on loopback, no root needed: a real listener (connected), a closed port (RST), a
// listener whose accept queue is full (the kernel drops the SYN: a real silent drop), --bind.
// The firewall answers (ICMP) need nft in a namespace: tcp_probe_netns_test.cpp.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "probes/tcp/tcp_probe.h"
#include "tests/support/process.h"

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::TcpEvidence;
using vpcprobe::TcpProbeOptions;

namespace {

struct ProbeRun {
    TcpEvidence evidence;
    tcp::socket socket;
};

// Runs one probe to completion on `io`, checking on the way that the completion is posted
// rather than called from inside probe_tcp().
ProbeRun run_probe(boost::asio::io_context& io, const std::string& address, std::uint16_t port,
                   TcpProbeOptions options = {}) {
    std::optional<TcpEvidence> evidence;
    std::optional<tcp::socket> socket;
    vpcprobe::probe_tcp(io, make_address(address), port, options,
                        [&](TcpEvidence e, tcp::socket s) {
                            evidence = std::move(e);
                            socket.emplace(std::move(s));
                        });
    REQUIRE_FALSE(evidence.has_value());
    io.restart();
    io.run_for(options.timeout + 5s);
    REQUIRE(evidence.has_value());
    return {std::move(*evidence), std::move(*socket)};
}

bool ipv6_loopback_available(boost::asio::io_context& io) {
    boost::system::error_code ec;
    tcp::acceptor probe(io);
    probe.open(tcp::v6(), ec);
    if (!ec) probe.bind({make_address("::1"), 0}, ec);
    return !ec;
}

}  // namespace

TEST_CASE("a listening port connects and the socket is handed on", "[tcp]") {
    boost::asio::io_context io;
    tcp::acceptor acceptor(io, {make_address("127.0.0.1"), 0});
    auto port = acceptor.local_endpoint().port();

    auto run = run_probe(io, "127.0.0.1", port);
    const auto& tcp_evidence = run.evidence;
    CHECK(tcp_evidence.status == StageStatus::ok);
    CHECK(tcp_evidence.cause == Cause::none);
    CHECK(tcp_evidence.error_number == 0);
    CHECK_FALSE(tcp_evidence.icmp.has_value());
    CHECK(tcp_evidence.address == "127.0.0.1");
    CHECK(tcp_evidence.local_address == "127.0.0.1");
    CHECK(tcp_evidence.ms >= 0);
    CHECK(tcp_evidence.ms < 1000);
    CHECK_THAT(tcp_evidence.detail,
               Catch::Contains("connected to 127.0.0.1:" + std::to_string(port) + " from"));

    // The socket is connected, in plain (blocking) mode, with IP_RECVERR off again, and
    // carries bytes to the listener.
    REQUIRE(run.socket.is_open());
    CHECK(run.socket.remote_endpoint().port() == port);
    CHECK_FALSE(run.socket.non_blocking());
    const int flags = fcntl(run.socket.native_handle(), F_GETFL);
    REQUIRE(flags >= 0);
    CHECK((flags & O_NONBLOCK) == 0);  // the descriptor itself, not only Asio's idea of it
    int recverr = -1;
    socklen_t length = sizeof recverr;
    REQUIRE(getsockopt(run.socket.native_handle(), SOL_IP, IP_RECVERR, &recverr, &length) == 0);
    CHECK(recverr == 0);
    // Nagle off: the protocol stage's first small request must not wait for a delayed ACK.
    tcp::no_delay no_delay;
    run.socket.get_option(no_delay);
    CHECK(no_delay.value());
    auto accepted = acceptor.accept();
    CHECK(accepted.remote_endpoint() == run.socket.local_endpoint());
    boost::asio::write(run.socket, boost::asio::buffer("ping", 4));
    char received[4] = {};
    boost::asio::read(accepted, boost::asio::buffer(received));
    CHECK(std::string(received, 4) == "ping");
}

TEST_CASE("a caller that wants no socket gets the same verdict and a closed socket", "[tcp]") {
    boost::asio::io_context io;
    tcp::acceptor acceptor(io, {make_address("127.0.0.1"), 0});
    auto port = acceptor.local_endpoint().port();
    TcpProbeOptions options;
    options.hand_on = false;

    auto run = run_probe(io, "127.0.0.1", port, options);
    CHECK(run.evidence.status == StageStatus::ok);
    CHECK(run.evidence.cause == Cause::none);
    CHECK(run.evidence.error_number == 0);
    CHECK(run.evidence.local_address == "127.0.0.1");
    REQUIRE(run.evidence.local_port != 0);
    CHECK(run.evidence.detail == "connected to 127.0.0.1:" + std::to_string(port) +
                                     " from 127.0.0.1:" + std::to_string(run.evidence.local_port));
    CHECK_FALSE(run.socket.is_open());
    // The connection was made, from the port the evidence names, and the probe closed it.
    auto accepted = acceptor.accept();
    CHECK(accepted.remote_endpoint().port() == run.evidence.local_port);
    char byte = 0;
    boost::system::error_code ec;
    CHECK(boost::asio::read(accepted, boost::asio::buffer(&byte, 1), ec) == 0);
    CHECK(ec == boost::asio::error::eof);
}

TEST_CASE("a closed port is refused by a RST, with no ICMP", "[tcp]") {
    boost::asio::io_context io;
    auto port = vpcprobe::test::free_port("127.0.0.1", false);

    auto run = run_probe(io, "127.0.0.1", port);
    CHECK(run.evidence.status == StageStatus::failed);
    CHECK(run.evidence.cause == Cause::tcp_refused);
    CHECK(run.evidence.error_number == ECONNREFUSED);
    CHECK_FALSE(run.evidence.icmp.has_value());
    CHECK(run.evidence.address == "127.0.0.1");
    CHECK(run.evidence.local_address == "127.0.0.1");  // known even though it failed
    CHECK_THAT(run.evidence.detail, Catch::Contains("127.0.0.1:" + std::to_string(port) +
                                                    " answered the SYN with a RST"));
    CHECK(run.evidence.ms < 1000);
    CHECK_FALSE(run.socket.is_open());
}

TEST_CASE("a SYN the peer drops times out at the deadline", "[tcp]") {
    // A listener with a backlog of 0 holds one connection in its accept queue; once that is
    // full the kernel silently drops further SYNs, exactly what a drop rule does.
    boost::asio::io_context io;
    tcp::acceptor acceptor(io);
    acceptor.open(tcp::v4());
    acceptor.bind({make_address("127.0.0.1"), 0});
    acceptor.listen(0);
    auto port = acceptor.local_endpoint().port();
    tcp::socket filler(io);
    filler.connect({make_address("127.0.0.1"), port});

    TcpProbeOptions options;
    options.timeout = 300ms;
    auto run = run_probe(io, "127.0.0.1", port, options);
    CHECK(run.evidence.status == StageStatus::failed);
    CHECK(run.evidence.cause == Cause::tcp_timeout);
    CHECK(run.evidence.error_number == ETIMEDOUT);
    CHECK_FALSE(run.evidence.icmp.has_value());
    CHECK(run.evidence.detail ==
          "SYN to 127.0.0.1:" + std::to_string(port) + " got no answer in 300ms: silently dropped");
    CHECK(run.evidence.ms >= 300);
    CHECK(run.evidence.ms < 300 + 500);
    CHECK(run.evidence.local_address == "127.0.0.1");
    CHECK_FALSE(run.socket.is_open());
}

TEST_CASE("IPv6 loopback: connected and refused", "[tcp]") {
    boost::asio::io_context io;
    if (!ipv6_loopback_available(io)) {
        WARN("SKIPPED: ::1 is not available on this host");
        return;
    }
    tcp::acceptor acceptor(io, {make_address("::1"), 0});
    auto port = acceptor.local_endpoint().port();
    auto ok = run_probe(io, "::1", port);
    CHECK(ok.evidence.status == StageStatus::ok);
    CHECK(ok.evidence.local_address == "::1");
    CHECK_THAT(ok.evidence.detail, Catch::Contains("connected to [::1]:" + std::to_string(port)));

    auto closed = vpcprobe::test::free_port("::1", false);
    auto refused = run_probe(io, "::1", closed);
    CHECK(refused.evidence.cause == Cause::tcp_refused);
    CHECK(refused.evidence.error_number == ECONNREFUSED);
    CHECK_FALSE(refused.evidence.icmp.has_value());
    CHECK_THAT(refused.evidence.detail, Catch::Contains("[::1]:" + std::to_string(closed)));
}

TEST_CASE("--bind sets the source address", "[tcp]") {
    // All of 127.0.0.0/8 is local on Linux, so 127.0.0.2 is a second source on loopback.
    boost::asio::io_context io;
    tcp::acceptor acceptor(io, {make_address("127.0.0.1"), 0});
    auto port = acceptor.local_endpoint().port();
    TcpProbeOptions options;
    options.bind = make_address("127.0.0.2");

    auto run = run_probe(io, "127.0.0.1", port, options);
    CHECK(run.evidence.status == StageStatus::ok);
    CHECK(run.evidence.local_address == "127.0.0.2");
    auto accepted = acceptor.accept();
    CHECK(accepted.remote_endpoint().address() == make_address("127.0.0.2"));
}

TEST_CASE("--bind of the other family is a local error naming the address", "[tcp]") {
    boost::asio::io_context io;
    tcp::acceptor acceptor(io, {make_address("127.0.0.1"), 0});
    TcpProbeOptions options;
    options.bind = make_address("::1");

    auto run = run_probe(io, "127.0.0.1", acceptor.local_endpoint().port(), options);
    CHECK(run.evidence.status == StageStatus::failed);
    CHECK(run.evidence.cause == Cause::tcp_error);
    CHECK(run.evidence.error_number == EAFNOSUPPORT);
    CHECK_THAT(run.evidence.detail, Catch::StartsWith("cannot bind to ::1"));
    CHECK_FALSE(run.socket.is_open());
}
