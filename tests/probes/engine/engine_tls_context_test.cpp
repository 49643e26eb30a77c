// SPDX-License-Identifier: Apache-2.0
// run_probes() with a TLS context handed in (EngineOptions::tls_context, as `serve` does): the
// provider is asked once per run, at the first handshake, and the run uses what it gives; the
// Error it gives instead stops the run as a setup problem, word for word, as a context the run
// failed to build itself does. The peer accepts TCP and never answers the handshake, so the
// run ends at its deadline.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "probes/tls/tls_context.h"

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;

namespace {

struct SilentPeers {
    boost::asio::io_context io;  // never run: nothing is read or accepted
    tcp::acceptor listener{io, {make_address("127.0.0.1"), 0}};
    udp::socket dns{io, {make_address("127.0.0.1"), 0}};
};

std::vector<vpcprobe::Target> two_tls_targets(const SilentPeers& peers) {
    std::vector<vpcprobe::Target> targets;
    for (const char* component : {"kafka", "endpoint"}) {
        vpcprobe::Target target;
        target.component = component;
        target.host = "127.0.0.1";
        target.port = peers.listener.local_endpoint().port();
        target.origin = "argument";
        target.tls = true;
        targets.push_back(target);
    }
    return targets;
}

vpcprobe::EngineOptions short_run(const SilentPeers& peers) {
    vpcprobe::EngineOptions options;
    options.settings.timeout = 20s;
    options.settings.deadline = 300ms;
    options.settings.dns_servers = {"127.0.0.1:" +
                                    std::to_string(peers.dns.local_endpoint().port())};
    options.settings.hosts_file = "";
    return options;
}

}  // namespace

TEST_CASE("a run uses the TLS context it is handed, asking for it once") {
    SilentPeers peers;
    auto options = short_run(peers);
    auto handed = vpcprobe::TlsContext::create(options.settings);
    REQUIRE(handed);
    int asked = 0;
    options.tls_context = [&]() -> vpcprobe::Result<std::shared_ptr<vpcprobe::TlsContext>> {
        ++asked;
        return *handed;
    };
    auto run = vpcprobe::run_probes(two_tls_targets(peers), options);
    REQUIRE(run);
    CHECK(asked == 1);
    REQUIRE(run->tls);
    CHECK(run->tls->trust == (*handed)->material().trust);
    CHECK(handed->use_count() == 1);  // the run kept no reference once it ended
}

TEST_CASE("a run whose handed TLS context failed stops with that error") {
    SilentPeers peers;
    auto options = short_run(peers);
    options.settings.ca_files = {"/nonexistent/vpcprobe-test-ca.pem"};
    const auto own = vpcprobe::run_probes(two_tls_targets(peers), options);
    REQUIRE_FALSE(own);
    options.tls_context = [&options]() { return vpcprobe::TlsContext::create(options.settings); };
    const auto handed = vpcprobe::run_probes(two_tls_targets(peers), options);
    REQUIRE_FALSE(handed);
    CHECK(handed.error().message() == own.error().message());
    CHECK(handed.error().message().find("--ca-file /nonexistent/vpcprobe-test-ca.pem") !=
          std::string::npos);
}
