// SPDX-License-Identifier: Apache-2.0
// TCP probe against real firewall answers (needs root): inside a private network namespace,
// addresses on `lo` stand in for VPC endpoints, one listener on port 9095 serves them all, and
// nftables rules per destination address play the security group / firewall:
//   10.88.0.11  open            10.88.0.13  drop             10.88.0.14  reject admin-prohibited
//   10.88.0.15  reject (default port-unreachable)             10.88.0.16  reject host-unreachable
//   10.88.0.17  reject net-unreachable, and the same pattern under fd00::/64 for IPv6.
// Routes for 10.99.x.0/24 exist only inside the namespace (none, unreachable, prohibit,
// blackhole). Every case asserts the kernel's real answer (errno, ICMP type/code, offender).
// <linux/errqueue.h> uses struct timespec without including its definition.
#include <time.h>

#include <linux/errqueue.h>

#include <cerrno>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <catch2/catch.hpp>

#include "probes/tcp/tcp_probe.h"
#include "tests/support/netns.h"
#include "tests/support/process.h"

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::TcpEvidence;
using vpcprobe::TcpProbeOptions;

namespace {

constexpr std::uint16_t kPort = 9095;
constexpr std::uint16_t kClosedPort = 9096;
// Answers that are not a silent drop must come back long before the deadline.
constexpr auto kTimeout = 3000ms;
constexpr double kPromptMs = 1000;

const char* kRuleset = R"(
table inet vpcprobe_test {
    chain input {
        type filter hook input priority 0; policy accept;
        ip daddr 10.88.0.13 tcp dport 9095 drop
        ip daddr 10.88.0.14 tcp dport 9095 reject with icmp type admin-prohibited
        ip daddr 10.88.0.15 tcp dport 9095 reject
        ip daddr 10.88.0.16 tcp dport 9095 reject with icmp type host-unreachable
        ip daddr 10.88.0.17 tcp dport 9095 reject with icmp type net-unreachable
        ip6 daddr fd00::13 tcp dport 9095 drop
        ip6 daddr fd00::14 tcp dport 9095 reject with icmpv6 type admin-prohibited
        ip6 daddr fd00::15 tcp dport 9095 reject
        ip6 daddr fd00::16 tcp dport 9095 reject with icmpv6 type addr-unreachable
    }
}
)";

// The namespace, its addresses and rules, and listeners on 0.0.0.0:9095 and [::]:9095.
TcpProbeOptions options_with(std::chrono::milliseconds timeout,
                             std::optional<boost::asio::ip::address> bind) {
    TcpProbeOptions options;
    options.timeout = timeout;
    options.bind = bind;
    return options;
}

TcpProbeOptions default_options() {
    TcpProbeOptions options;
    options.timeout = kTimeout;
    return options;
}

struct Lab {
    vpcprobe::test::NetNamespace netns;
    boost::asio::io_context io;
    std::optional<tcp::acceptor> listener4;
    std::optional<tcp::acceptor> listener6;

    Lab() {
        for (int host = 11; host <= 17; ++host) {
            netns.add_address("10.88.0." + std::to_string(host) + "/32");
            netns.add_address("fd00::" + std::to_string(host) + "/128");
        }
        netns.load_nft(kRuleset);
        // Sockets are opened after entering the namespace, so they live in it.
        listener4.emplace(io, tcp::endpoint(make_address("0.0.0.0"), kPort));
        listener6.emplace(io);
        listener6->open(tcp::v6());
        listener6->set_option(boost::asio::ip::v6_only(true));
        listener6->bind({make_address("::"), kPort});
        listener6->listen();
    }

    TcpEvidence probe(const std::string& address, std::uint16_t port = kPort,
                      TcpProbeOptions options = default_options()) {
        std::optional<TcpEvidence> evidence;
        vpcprobe::probe_tcp(io, make_address(address), port, options,
                            [&](TcpEvidence e, tcp::socket) { evidence = std::move(e); });
        REQUIRE_FALSE(evidence.has_value());  // posted, never called inline
        io.restart();
        io.run_for(options.timeout + 5s);
        REQUIRE(evidence.has_value());
        INFO(evidence->detail);
        return std::move(*evidence);
    }
};

bool skip_without_root() {
    if (vpcprobe::test::is_root()) return false;
    vpcprobe::test::skip_whole_test("needs root (private network namespace + nftables)");
}

void check_icmp(const TcpEvidence& evidence, int origin, int type, int code,
                const std::string& offender) {
    REQUIRE(evidence.icmp.has_value());
    CHECK(evidence.icmp->origin == origin);
    CHECK(evidence.icmp->type == type);
    CHECK(evidence.icmp->code == code);
    CHECK(evidence.icmp->offender == offender);
}

}  // namespace

TEST_CASE("netns IPv4: open, refused, dropped and rejected ports", "[tcp][netns]") {
    if (skip_without_root()) return;
    Lab lab;

    SECTION("open port connects") {
        auto e = lab.probe("10.88.0.11");
        CHECK(e.status == StageStatus::ok);
        CHECK(e.cause == Cause::none);
        CHECK_FALSE(e.local_address.empty());
    }
    SECTION("no listener: RST, refused, no ICMP") {
        auto e = lab.probe("10.88.0.11", kClosedPort);
        CHECK(e.cause == Cause::tcp_refused);
        CHECK(e.error_number == ECONNREFUSED);
        CHECK_FALSE(e.icmp.has_value());
        CHECK(e.ms < kPromptMs);
    }
    SECTION("drop: timeout at the deadline") {
        auto e = lab.probe("10.88.0.13", kPort, options_with(1000ms, std::nullopt));
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::tcp_timeout);
        CHECK(e.error_number == ETIMEDOUT);
        CHECK_FALSE(e.icmp.has_value());
        CHECK(e.ms >= 1000);
        CHECK(e.ms < 1000 + 500);
        CHECK(e.detail == "SYN to 10.88.0.13:9095 got no answer in 1s: silently dropped");
        CHECK_FALSE(e.local_address.empty());
    }
    SECTION("reject admin-prohibited: prohibited, ICMP 3/13 from the rejecting host") {
        auto e = lab.probe("10.88.0.14");
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.error_number == EHOSTUNREACH);  // the errno alone would say "unreachable"
        check_icmp(e, SO_EE_ORIGIN_ICMP, 3, 13, "10.88.0.14");
        CHECK(e.detail ==
              "10.88.0.14 answered ICMP admin-prohibited for 10.88.0.14:9095: a firewall "
              "rejected it");
        CHECK(e.ms < kPromptMs);
        CHECK_FALSE(e.local_address.empty());
    }
    SECTION("plain reject (port-unreachable): prohibited, not refused") {
        auto e = lab.probe("10.88.0.15");
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.error_number == ECONNREFUSED);  // the errno alone would say "refused"
        check_icmp(e, SO_EE_ORIGIN_ICMP, 3, 3, "10.88.0.15");
        CHECK_THAT(e.detail, Catch::StartsWith("10.88.0.15 answered ICMP port-unreachable for "
                                               "10.88.0.15:9095: a firewall rejected it"));
        CHECK(e.ms < kPromptMs);
    }
    SECTION("reject host-unreachable: unreachable") {
        auto e = lab.probe("10.88.0.16");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == EHOSTUNREACH);
        check_icmp(e, SO_EE_ORIGIN_ICMP, 3, 1, "10.88.0.16");
        CHECK_THAT(e.detail, Catch::StartsWith(
                                 "10.88.0.16 answered ICMP host-unreachable for 10.88.0.16:9095"));
        CHECK(e.ms < kPromptMs);
    }
    SECTION("reject net-unreachable: unreachable") {
        auto e = lab.probe("10.88.0.17");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == ENETUNREACH);
        check_icmp(e, SO_EE_ORIGIN_ICMP, 3, 0, "10.88.0.17");
        CHECK(e.ms < kPromptMs);
    }
}

TEST_CASE("netns IPv6: open, refused, dropped and rejected ports", "[tcp][netns]") {
    if (skip_without_root()) return;
    Lab lab;

    SECTION("open port connects") {
        auto e = lab.probe("fd00::11");
        CHECK(e.status == StageStatus::ok);
        CHECK_FALSE(e.local_address.empty());
    }
    SECTION("no listener: refused") {
        auto e = lab.probe("fd00::11", kClosedPort);
        CHECK(e.cause == Cause::tcp_refused);
        CHECK(e.error_number == ECONNREFUSED);
        CHECK_FALSE(e.icmp.has_value());
        CHECK_THAT(e.detail, Catch::StartsWith("[fd00::11]:9096 answered the SYN with a RST"));
    }
    SECTION("drop: timeout") {
        auto e = lab.probe("fd00::13", kPort, options_with(1000ms, std::nullopt));
        CHECK(e.cause == Cause::tcp_timeout);
        CHECK_FALSE(e.icmp.has_value());
        CHECK(e.ms >= 1000);
        CHECK(e.ms < 1000 + 500);
    }
    SECTION("reject admin-prohibited: prohibited, ICMPv6 1/1") {
        auto e = lab.probe("fd00::14");
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.error_number == EACCES);
        check_icmp(e, SO_EE_ORIGIN_ICMP6, 1, 1, "fd00::14");
        CHECK(e.detail ==
              "fd00::14 answered ICMP admin-prohibited for [fd00::14]:9095: a firewall "
              "rejected it");
        CHECK(e.ms < kPromptMs);
    }
    SECTION("plain reject (port-unreachable): prohibited") {
        auto e = lab.probe("fd00::15");
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.error_number == ECONNREFUSED);
        check_icmp(e, SO_EE_ORIGIN_ICMP6, 1, 4, "fd00::15");
        CHECK(e.ms < kPromptMs);
    }
    SECTION("reject addr-unreachable: unreachable") {
        auto e = lab.probe("fd00::16");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == EHOSTUNREACH);
        check_icmp(e, SO_EE_ORIGIN_ICMP6, 1, 3, "fd00::16");
        CHECK(e.ms < kPromptMs);
    }
}

TEST_CASE("netns routes: no route, unreachable, prohibit and blackhole", "[tcp][netns]") {
    if (skip_without_root()) return;
    // These destinations exist only in the namespace's routing table; nothing leaves it.
    Lab lab;
    lab.netns.ip({"route", "add", "unreachable", "10.99.1.0/24"});
    lab.netns.ip({"route", "add", "prohibit", "10.99.2.0/24"});
    lab.netns.ip({"route", "add", "blackhole", "10.99.3.0/24"});

    SECTION("no route at all") {
        auto e = lab.probe("10.99.0.1");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == ENETUNREACH);
        CHECK_FALSE(e.icmp.has_value());
        CHECK_THAT(e.detail, Catch::StartsWith("this host has no route to 10.99.0.1"));
        CHECK(e.local_address.empty());  // the kernel never picked a source
        CHECK(e.ms < kPromptMs);
    }
    SECTION("no IPv6 route") {
        auto e = lab.probe("fd00:99::1");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == ENETUNREACH);
        CHECK_FALSE(e.icmp.has_value());
    }
    SECTION("unreachable route") {
        auto e = lab.probe("10.99.1.1");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == EHOSTUNREACH);
        CHECK_FALSE(e.icmp.has_value());
    }
    SECTION("prohibit route") {
        auto e = lab.probe("10.99.2.1");
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.error_number == EACCES);
        CHECK_FALSE(e.icmp.has_value());
    }
    SECTION("blackhole route") {
        auto e = lab.probe("10.99.3.1");
        CHECK(e.cause == Cause::tcp_unreachable);
        CHECK(e.error_number == EINVAL);
        CHECK_THAT(e.detail, Catch::Contains("blackhole"));
    }
}

TEST_CASE("netns --bind: source address, on success and on failure", "[tcp][netns]") {
    if (skip_without_root()) return;
    Lab lab;

    SECTION("bind 10.88.0.12: the listener sees that source") {
        auto e = lab.probe("10.88.0.11", kPort, options_with(kTimeout, make_address("10.88.0.12")));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.local_address == "10.88.0.12");
        auto accepted = lab.listener4->accept();
        CHECK(accepted.remote_endpoint().address() == make_address("10.88.0.12"));
    }
    SECTION("bind fd00::12 for IPv6") {
        auto e = lab.probe("fd00::11", kPort, options_with(kTimeout, make_address("fd00::12")));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.local_address == "fd00::12");
        auto accepted = lab.listener6->accept();
        CHECK(accepted.remote_endpoint().address() == make_address("fd00::12"));
    }
    SECTION("bound probe that is rejected still reports its source") {
        auto e = lab.probe("10.88.0.14", kPort, options_with(kTimeout, make_address("10.88.0.12")));
        CHECK(e.cause == Cause::tcp_prohibited);
        CHECK(e.local_address == "10.88.0.12");
    }
    SECTION("bind to an address this host does not have") {
        auto e = lab.probe("10.88.0.11", kPort, options_with(kTimeout, make_address("10.88.0.99")));
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::tcp_error);
        CHECK(e.error_number == EADDRNOTAVAIL);
        CHECK_THAT(e.detail, Catch::StartsWith("cannot bind to 10.88.0.99"));
        CHECK(e.ms < kPromptMs);
    }
}
