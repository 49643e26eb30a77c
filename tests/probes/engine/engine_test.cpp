// SPDX-License-Identifier: Apache-2.0
// run_probes() end to end on loopback, no root needed: --deadline stops a run whose peer
// accepts TCP and never answers the TLS handshake, and the report says which stage of each
// target was cut short. The listener never accepts: the kernel completes the TCP handshake from
// its backlog and the ClientHello waits in a buffer nobody reads. The DNS server is a UDP
// socket that never answers, so a name stays unresolved until the deadline.
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::Target;

namespace {

// A TCP peer that never says a word, and a DNS server that never answers.
struct SilentPeers {
    boost::asio::io_context io;  // never run: nothing is read or accepted
    tcp::acceptor listener{io, {make_address("127.0.0.1"), 0}};
    udp::socket dns{io, {make_address("127.0.0.1"), 0}};

    std::uint16_t tcp_port() const { return listener.local_endpoint().port(); }
    std::string dns_server() const {
        return "127.0.0.1:" + std::to_string(dns.local_endpoint().port());
    }
};

Target kafka_target(const std::string& host, std::uint16_t port) {
    Target target;
    target.component = "kafka";
    target.host = host;
    target.port = port;
    target.origin = "argument";
    target.tls = true;
    return target;
}

// Stage timeouts far beyond the deadline: only the deadline can end these runs in time.
vpcprobe::EngineOptions options_with_deadline(const SilentPeers& peers,
                                              std::chrono::milliseconds deadline) {
    vpcprobe::EngineOptions options;
    options.settings.timeout = 20s;
    options.settings.deadline = deadline;
    options.settings.dns_servers = {peers.dns_server()};
    options.settings.hosts_file = "";
    return options;
}

}  // namespace

TEST_CASE("--deadline cuts a stalled TLS handshake short and says so", "[engine][deadline]") {
    SilentPeers peers;
    auto options = options_with_deadline(peers, 800ms);
    options.settings.concurrency = 1;  // the second target never gets its turn
    const std::vector<Target> targets{kafka_target("127.0.0.1", peers.tcp_port()),
                                      kafka_target("127.0.0.1", peers.tcp_port())};

    const auto started = std::chrono::steady_clock::now();
    auto run = vpcprobe::run_probes(targets, options);
    const auto wall = std::chrono::steady_clock::now() - started;

    REQUIRE(run.ok());
    CHECK(wall >= 800ms);
    CHECK(wall < 3s);
    CHECK(run->duration_ms >= 800);
    CHECK(run->duration_ms < 3000);
    REQUIRE(run->targets.size() == 2);
    const std::string detail = "the run's --deadline of 800ms passed before this stage finished";

    const auto& stalled = run->targets[0];
    CHECK(stalled.dns.status == StageStatus::ok);
    REQUIRE(stalled.addresses.size() == 1);
    const auto& address = stalled.addresses[0];
    CHECK(address.tcp.status == StageStatus::ok);
    CHECK(address.tls.status == StageStatus::failed);
    CHECK(address.tls.cause == Cause::run_deadline);
    CHECK(address.tls.detail == detail);
    CHECK(address.certificate.cause == Cause::none);
    CHECK(address.protocol.cause == Cause::none);

    const auto& waiting = run->targets[1];
    CHECK(waiting.dns.status == StageStatus::failed);
    CHECK(waiting.dns.cause == Cause::run_deadline);
    CHECK(waiting.dns.detail == detail);
    CHECK(waiting.addresses.empty());

    CHECK(run->peak_targets == 1);
    CHECK(run->peak_sockets == 1);
}

TEST_CASE("--deadline cuts a DNS lookup short and says so", "[engine][deadline]") {
    SilentPeers peers;
    auto options = options_with_deadline(peers, 500ms);
    const std::vector<Target> targets{kafka_target("broker.never-answers.test", 9092)};

    auto run = vpcprobe::run_probes(targets, options);

    REQUIRE(run.ok());
    CHECK(run->duration_ms >= 500);
    CHECK(run->duration_ms < 2500);
    REQUIRE(run->targets.size() == 1);
    CHECK(run->targets[0].dns.status == StageStatus::failed);
    CHECK(run->targets[0].dns.cause == Cause::run_deadline);
    CHECK(run->targets[0].dns.detail ==
          "the run's --deadline of 500ms passed before this stage finished");
}

TEST_CASE("a run that ends before its deadline marks nothing", "[engine][deadline]") {
    SilentPeers peers;
    auto options = options_with_deadline(peers, 10s);
    options.settings.tcp_only = true;
    const std::vector<Target> targets{kafka_target("127.0.0.1", peers.tcp_port())};

    const auto started = std::chrono::steady_clock::now();
    auto run = vpcprobe::run_probes(targets, options);
    const auto wall = std::chrono::steady_clock::now() - started;

    REQUIRE(run.ok());
    CHECK(wall < 5s);  // not held up by the pending deadline
    REQUIRE(run->targets.size() == 1);
    REQUIRE(run->targets[0].addresses.size() == 1);
    CHECK(run->targets[0].addresses[0].tcp.status == StageStatus::ok);
    CHECK(run->targets[0].addresses[0].tls.detail == "not checked: --tcp-only");
    CHECK(run->targets[0].addresses[0].tls.cause == Cause::none);
}
