// SPDX-License-Identifier: Apache-2.0
// run_probes() with answers that mislead (probes/dns/answer_checks.h), against a real dnsmasq
// on loopback. A connection to 0.0.0.0:P reaches a listener on 127.0.0.1:P, so each test keeps
// one there, never accepting: a connection in its backlog would be the probe reaching this
// host for a name a DNS filter blocked. Real answers point at 127.0.93.x listeners at the same
// port.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "reports/diagnosis/diagnose.h"
#include "tests/support/dnsmasq.h"

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using vpcprobe::Cause;
using vpcprobe::DnsLookup;
using vpcprobe::StageStatus;
using vpcprobe::Target;
using vpcprobe::TargetEvidence;
using vpcprobe::test::Dnsmasq;
using vpcprobe::test::DnsmasqConfig;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Listeners that never accept: one on 127.0.0.1 (where 0.0.0.0 leads) and one on 127.0.93.10,
// at one port.
struct Listeners {
    boost::asio::io_context io;  // never run
    tcp::acceptor this_host{io, {make_address("127.0.0.1"), 0}};
    tcp::acceptor real{io, {make_address("127.0.93.10"), port()}};

    std::uint16_t port() const { return this_host.local_endpoint().port(); }

    // Whether a connection is waiting in the acceptor's backlog.
    static bool reached(tcp::acceptor& acceptor) {
        acceptor.non_blocking(true);
        boost::system::error_code ec;
        tcp::socket socket(acceptor.get_executor());
        acceptor.accept(socket, ec);
        return !ec;
    }
};

DnsmasqConfig zone() {
    DnsmasqConfig config;
    config.local_domains = {"test"};
    config.records = {
        {"blocked.test", "0.0.0.0"},
        {"mixed.test", "0.0.0.0"},
        {"mixed.test", "127.0.93.10"},
        {"loop.test", "127.0.93.10"},
    };
    config.extra_args = {"--address=/nulled.test/#"};  // 0.0.0.0 and ::
    return config;
}

Target kafka_target(const std::string& host, std::uint16_t port) {
    Target target;
    target.component = "kafka";
    target.access = "vpc";
    target.host = host;
    target.port = port;
    target.origin = "bootstrap";
    target.tls = false;
    return target;
}

vpcprobe::EngineOptions tcp_only(const Dnsmasq& dns) {
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {dns.server()};
    options.settings.hosts_file = "";
    options.settings.timeout = 3s;
    options.settings.tcp_only = true;
    return options;
}

vpcprobe::Report diagnosed(const vpcprobe::EngineRun& run) {
    return vpcprobe::diagnose(run.targets, vpcprobe::AgentInfo{});
}

}  // namespace

TEST_CASE("a name a DNS filter answers 0.0.0.0 or :: for is not probed", "[engine][sinkhole]") {
    Dnsmasq dns(zone());
    Listeners listeners;
    for (const std::string host : {"blocked.test", "nulled.test"}) {
        auto run = vpcprobe::run_probes({kafka_target(host, listeners.port())}, tcp_only(dns));
        REQUIRE(run.ok());
        INFO(host << "\n" << dns.log());
        REQUIRE(run->targets.size() == 1);
        const TargetEvidence& target = run->targets[0];
        CHECK(target.dns.status == StageStatus::failed);
        CHECK(target.dns.cause == Cause::dns_sinkhole);
        CHECK(target.dns.addresses.front() == "0.0.0.0");
        CHECK(contains(target.dns.detail, "the resolver " + dns.server() + " answered 0.0.0.0"));
        CHECK(target.addresses.empty());
        CHECK(target.addresses_not_probed == 0);
        CHECK_FALSE(Listeners::reached(listeners.this_host));

        const auto report = diagnosed(*run);
        CHECK(report.targets[0].status == StageStatus::failed);
        REQUIRE(report.targets[0].cause);
        CHECK(report.targets[0].cause->code == Cause::dns_sinkhole);
        CHECK(report.targets[0].cause->stage == vpcprobe::Stage::dns);
    }
}

TEST_CASE("0.0.0.0 beside a real answer: only the real one is probed, the target warns",
          "[engine][sinkhole]") {
    Dnsmasq dns(zone());
    Listeners listeners;
    auto run = vpcprobe::run_probes({kafka_target("mixed.test", listeners.port())}, tcp_only(dns));
    REQUIRE(run.ok());
    INFO(dns.log());
    const TargetEvidence& target = run->targets.at(0);
    CHECK(target.dns.status == StageStatus::warning);
    CHECK(target.dns.cause == Cause::dns_sinkhole);
    CHECK(target.dns.addresses.size() == 2);
    REQUIRE(target.addresses.size() == 1);
    CHECK(target.addresses[0].address == "127.0.93.10");
    CHECK(target.addresses[0].tcp.status == StageStatus::ok);
    CHECK(Listeners::reached(listeners.real));
    CHECK_FALSE(Listeners::reached(listeners.this_host));
    // A loopback answer for a name not this host's own is recorded too.
    CHECK(target.dns.local_answers == std::vector<std::string>{"127.0.93.10"});

    const auto report = diagnosed(*run);
    CHECK(report.targets[0].status == StageStatus::warning);
    REQUIRE(report.targets[0].cause);
    CHECK(report.targets[0].cause->code == Cause::dns_sinkhole);
}

TEST_CASE("canonical names are looked up for the real answers only", "[engine][sinkhole]") {
    Dnsmasq dns(zone());
    Listeners listeners;
    auto options = tcp_only(dns);
    options.settings.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    auto run = vpcprobe::run_probes({kafka_target("mixed.test", listeners.port())}, options);
    REQUIRE(run.ok());
    INFO(dns.log());
    REQUIRE(run->targets.size() == 2);  // the bootstrap and the address it leads to
    const TargetEvidence& boot = run->targets[0];
    REQUIRE(boot.dns.canonical_names.size() == 1);
    CHECK(boot.dns.canonical_names[0].address == "127.0.93.10");
    REQUIRE(boot.addresses.size() == 1);
    CHECK(boot.addresses[0].address == "127.0.93.10");
    CHECK(run->targets[1].target.host == "127.0.93.10");
    CHECK_FALSE(contains(dns.log(), "0.0.0.0.in-addr.arpa"));  // no PTR query for 0.0.0.0
    CHECK_FALSE(Listeners::reached(listeners.this_host));
}

TEST_CASE("a blocked name as the canonical mode's bootstrap fails like any other",
          "[engine][sinkhole]") {
    Dnsmasq dns(zone());
    Listeners listeners;
    auto options = tcp_only(dns);
    options.settings.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    auto run = vpcprobe::run_probes({kafka_target("blocked.test", listeners.port())}, options);
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() == 1);
    CHECK(run->targets[0].dns.cause == Cause::dns_sinkhole);
    CHECK(run->targets[0].dns.canonical_names.empty());
    CHECK(run->targets[0].addresses.empty());
    CHECK_FALSE(Listeners::reached(listeners.this_host));
}

TEST_CASE("a literal 0.0.0.0 target is probed as written", "[engine][sinkhole]") {
    Dnsmasq dns(zone());
    Listeners listeners;
    auto run = vpcprobe::run_probes({kafka_target("0.0.0.0", listeners.port())}, tcp_only(dns));
    REQUIRE(run.ok());
    const TargetEvidence& target = run->targets.at(0);
    CHECK(target.dns.source == "literal");
    CHECK(target.dns.status == StageStatus::ok);
    REQUIRE(target.addresses.size() == 1);
    CHECK(target.addresses[0].tcp.status == StageStatus::ok);
    CHECK(Listeners::reached(listeners.this_host));
}
