// SPDX-License-Identifier: Apache-2.0
// The resolver's second try over TCP after a UDP timeout, against a real dnsmasq and real
// nftables rules (needs root): inside a private network namespace this test creates, dnsmasq
// listens on 127.0.0.1 (the namespace's own loopback) and nftables drops what reaches its
// port over UDP, over both transports, or nothing. Without root every case skips.
#include <ares.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "probes/dns/resolver.h"
#include "tests/support/dnsmasq.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"

using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::DnsEvidence;
using vpcprobe::Resolver;
using vpcprobe::ResolverOptions;
using vpcprobe::StageStatus;
using vpcprobe::test::Dnsmasq;
using vpcprobe::test::DnsmasqConfig;

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = 1000ms;
// Scheduling slack on a loaded two-core machine, on top of the bound under test.
constexpr auto kSlack = 1000ms;

bool skip_without_root() {
    if (vpcprobe::test::is_root()) return false;
    vpcprobe::test::skip_whole_test("needs root (private network namespace + nftables)");
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Drops whatever reaches dnsmasq's port over the listed transports ("udp", "tcp"). On the
// input hook: a drop on output fails the sender's sendmsg() with EPERM, which is no silence.
std::string dropping(std::uint16_t port, std::initializer_list<const char*> transports) {
    std::string rules;
    for (const char* transport : transports) {
        rules += fmt::format("        {} dport {} drop\n", transport, port);
    }
    return fmt::format(R"(
table inet vpcprobe_dns_test {{
    chain input {{
        type filter hook input priority 0; policy accept;
{}    }}
}}
)",
                       rules);
}

struct Timed {
    DnsEvidence evidence;
    std::chrono::milliseconds elapsed{};
};

// A private namespace with dnsmasq on its own 127.0.0.1; each case loads its rules.
struct Lab {
    vpcprobe::test::NetNamespace netns;
    Dnsmasq dns{zone()};

    static DnsmasqConfig zone() {
        DnsmasqConfig config;
        config.records = {{"kafka-a.alikafka.aliyuncs.com", "10.1.0.1"},
                          {"kafka-a.alikafka.aliyuncs.com", "fd00::1"}};
        return config;
    }

    Timed resolve(const std::string& host) {
        ResolverOptions options;
        options.servers = {dns.server()};
        options.timeout = kTimeout;
        options.hosts_file.clear();
        boost::asio::io_context io;
        auto created = Resolver::create(io, options);
        REQUIRE(created.ok());
        std::optional<DnsEvidence> result;
        const auto started = Clock::now();
        (*created)->resolve(host, [&](DnsEvidence evidence) { result = std::move(evidence); });
        const auto until = started + 2 * kTimeout + 5s;
        while (!result && Clock::now() < until) {
            if (io.stopped()) io.restart();
            io.run_one_for(20ms);
        }
        REQUIRE(result.has_value());
        INFO(result->detail);
        return {std::move(*result),
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)};
    }
};

}  // namespace

TEST_CASE("UDP to the resolver dropped, TCP answering: dns.timeout that says UDP is blocked",
          "[resolver][netns]") {
    if (skip_without_root()) return;
    Lab lab;
    lab.netns.load_nft(dropping(lab.dns.port(), {"udp"}));

    SECTION("TCP gives the addresses: recorded, not probed") {
        const auto [evidence, elapsed] = lab.resolve("kafka-a.alikafka.aliyuncs.com");
        INFO(evidence.detail << " after " << elapsed.count() << "ms\n" << lab.dns.log());
        // A client using the C library's resolver does not retry over TCP: it fails.
        CHECK(evidence.status == StageStatus::failed);
        CHECK(evidence.cause == Cause::dns_timeout);
        CHECK(evidence.ares_status_a == ARES_ETIMEOUT);
        CHECK(evidence.addresses.empty());
        REQUIRE(evidence.tcp_fallback.has_value());
        CHECK(evidence.tcp_fallback->answered);
        CHECK(evidence.tcp_fallback->cause == Cause::none);
        CHECK(evidence.tcp_fallback->ares_status_a == ARES_SUCCESS);
        CHECK(evidence.tcp_fallback->addresses == std::vector<std::string>{"10.1.0.1", "fd00::1"});
        const std::string port = fmt::format("/{}", lab.dns.port());
        CHECK(contains(evidence.detail, "no answer over UDP" + port + " from " + lab.dns.server()));
        CHECK(contains(evidence.detail, "over TCP" + port + " it answers (10.1.0.1, fd00::1)"));
        CHECK(contains(evidence.detail, "UDP" + port + " is blocked"));
        CHECK(elapsed >= kTimeout * 7 / 10);  // UDP really waited
        CHECK(elapsed < 2 * kTimeout + kSlack);
    }
    SECTION("TCP says NXDOMAIN: still an answer, so UDP alone is blocked") {
        const auto [evidence, elapsed] = lab.resolve("missing.alikafka.aliyuncs.com");
        CHECK(evidence.cause == Cause::dns_timeout);
        REQUIRE(evidence.tcp_fallback.has_value());
        CHECK(evidence.tcp_fallback->answered);
        CHECK(evidence.tcp_fallback->cause == Cause::dns_nxdomain);
        CHECK(evidence.tcp_fallback->addresses.empty());
        CHECK(contains(evidence.detail, "it answers (NXDOMAIN)"));
        CHECK(contains(evidence.detail, "is blocked"));
    }
}

TEST_CASE("both transports dropped: both were tried, within twice the timeout",
          "[resolver][netns]") {
    if (skip_without_root()) return;
    Lab lab;
    lab.netns.load_nft(dropping(lab.dns.port(), {"udp", "tcp"}));
    const auto [evidence, elapsed] = lab.resolve("kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail << " after " << elapsed.count() << "ms");
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_timeout);
    REQUIRE(evidence.tcp_fallback.has_value());
    CHECK_FALSE(evidence.tcp_fallback->answered);
    CHECK(evidence.tcp_fallback->cause == Cause::dns_timeout);
    CHECK(evidence.tcp_fallback->addresses.empty());
    CHECK(contains(evidence.detail, "asked again over TCP"));
    CHECK(contains(evidence.detail, "no answer within 1s either"));
    CHECK(contains(evidence.detail, "neither UDP nor TCP reaches the resolver"));
    // The UDP try really waited; how long the TCP try waits is up to c-ares, whose own
    // per-try timeout may end it before the bound (the detail above proves it was made).
    CHECK(elapsed >= kTimeout * 7 / 10);
    CHECK(elapsed < 2 * kTimeout + kSlack);
}

TEST_CASE("nothing dropped: no TCP query is made", "[resolver][netns]") {
    if (skip_without_root()) return;
    Lab lab;
    // TCP dropped, UDP open: were the resolver to ask over TCP here, it would wait a timeout.
    lab.netns.load_nft(dropping(lab.dns.port(), {"tcp"}));
    SECTION("an answer") {
        const auto [evidence, elapsed] = lab.resolve("kafka-a.alikafka.aliyuncs.com");
        CHECK(evidence.status == StageStatus::ok);
        CHECK_FALSE(evidence.tcp_fallback.has_value());
        CHECK(elapsed < kTimeout / 2);
    }
    SECTION("NXDOMAIN") {
        const auto [evidence, elapsed] = lab.resolve("missing.alikafka.aliyuncs.com");
        CHECK(evidence.cause == Cause::dns_nxdomain);
        CHECK_FALSE(evidence.tcp_fallback.has_value());
        CHECK(elapsed < kTimeout / 2);
    }
}
