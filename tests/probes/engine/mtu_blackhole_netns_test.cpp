// SPDX-License-Identifier: Apache-2.0
// MTU black hole retries through run_probes() (needs root): inside a private network namespace,
// TLS servers on 10.89.0.x (addresses on `lo`) present a certificate chain of a few KB, and
// nftables on the output hook plays a path that drops every packet from a server's port longer
// than N bytes, with no ICMP fragmentation-needed coming back. `lo` gets gso_max_segs 1 so the
// kernel hands each TCP segment to the hook on its own (it would otherwise pass one GSO
// super-packet of many segments, longer than N whatever the MSS). The cases:
//   10.89.0.1  no drop: the handshake completes, nothing is retried (mtu null)
//   10.89.0.2  length > 1300 dropped: tls.timeout kept, MSS 1200 completes
//   10.89.0.3  length > 1000 dropped: 1200 stalls too, 536 completes
//   10.89.0.4  every packet but the SYN-ACK dropped: a real stall, both clamps fail
//   10.89.0.5  a plaintext Schema Registry whose answer is a few KB, length > 1300 dropped: the
//              protocol exchange stalls, and MSS 1200 gets the answer
// and the finding network.mtu_blackhole_suspected follows the evidence. Without root every case
// skips.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "reports/diagnosis/diagnose.h"
#include "tests/support/http_server.h"
#include "tests/support/netns.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_server.h"

using namespace std::chrono_literals;
using vpcprobe::AddressEvidence;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::test::ServeSpec;
using vpcprobe::test::TestServer;

namespace {

constexpr auto kTimeout = 800ms;
const std::vector<std::string> kAddresses{"10.89.0.1", "10.89.0.2", "10.89.0.3", "10.89.0.4"};
const std::string kPlaintextHttp = "10.89.0.5";

bool skip_without_root() {
    if (vpcprobe::test::is_root()) return false;
    vpcprobe::test::skip_whole_test("needs root (private network namespace + nftables)");
}

// Names enough that the leaf alone is a few KB: the server's first flight is then far longer
// than any threshold here, in one segment or several.
std::vector<std::string> certificate_hosts() {
    std::vector<std::string> hosts = kAddresses;
    for (int i = 0; i < 40; ++i) {
        hosts.push_back(fmt::format("broker-{:02}.mtu-blackhole.vpcprobe-test.example", i));
    }
    return hosts;
}

const vpcprobe::test::TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const vpcprobe::test::TestPki instance(directory.path(), certificate_hosts());
    return instance;
}

std::string ruleset(const std::map<std::string, std::uint16_t>& ports) {
    return fmt::format(R"(
table inet vpcprobe_mtu_test {{
    chain output {{
        type filter hook output priority 0; policy accept;
        ip saddr 10.89.0.2 tcp sport {} meta length gt 1300 drop
        ip saddr 10.89.0.3 tcp sport {} meta length gt 1000 drop
        ip saddr 10.89.0.4 tcp sport {} tcp flags & syn == 0 drop
        ip saddr 10.89.0.5 tcp sport {} meta length gt 1300 drop
    }}
}}
)",
                       ports.at("10.89.0.2"), ports.at("10.89.0.3"), ports.at("10.89.0.4"),
                       ports.at(kPlaintextHttp));
}

// Schema Registry's answer to its check, in plaintext, padded to a few KB with a header so the
// answer alone is longer than the threshold.
vpcprobe::test::HttpServeSpec large_plaintext_answer() {
    auto spec = vpcprobe::test::component_spec("schema-registry");
    REQUIRE(spec.has_value());
    spec->tls = false;
    spec->response.headers.emplace_back("X-Padding", std::string(4000, 'p'));
    return *spec;
}

// The namespace, one TLS server per address and the rules, built in that order: sockets
// opened after entering the namespace live in it.
struct Lab {
    vpcprobe::test::NetNamespace netns;
    std::vector<std::unique_ptr<TestServer>> servers;
    vpcprobe::test::HttpServer http{pki()};
    std::map<std::string, std::uint16_t> ports;

    Lab() {
        netns.ip({"link", "set", "dev", "lo", "gso_max_segs", "1"});
        for (const auto& address : kAddresses) {
            netns.add_address(address + "/32");
            servers.push_back(std::make_unique<TestServer>(pki(), ServeSpec{}, address));
            ports[address] = servers.back()->port();
        }
        netns.add_address(kPlaintextHttp + "/32");
        ports[kPlaintextHttp] = http.listen(kPlaintextHttp, 0, large_plaintext_answer()).port();
        http.start();
        netns.load_nft(ruleset(ports));
    }

    vpcprobe::EngineRun run(bool tcp_only = false) {
        std::vector<vpcprobe::Target> targets;
        for (const auto& address : kAddresses) {
            vpcprobe::Target target;
            target.component = "endpoint";  // no protocol check: TLS is the stage tested
            target.host = address;
            target.port = ports.at(address);
            target.origin = "argument";
            target.tls = true;
            targets.push_back(target);
        }
        vpcprobe::Target registry;
        registry.component = "schema-registry";
        registry.host = kPlaintextHttp;
        registry.port = ports.at(kPlaintextHttp);
        registry.origin = "argument";
        registry.tls = false;
        targets.push_back(registry);
        vpcprobe::EngineOptions options;
        options.settings.timeout = kTimeout;
        options.settings.ca_files = {pki().ca_file()};
        options.settings.hosts_file = "";
        options.settings.dns_servers = {"127.0.0.1:9"};
        options.settings.tcp_only = tcp_only;
        auto run = vpcprobe::run_probes(targets, options);
        REQUIRE(run);
        REQUIRE(run->targets.size() == kAddresses.size() + 1);
        return std::move(*run);
    }
};

const AddressEvidence& address_of(const vpcprobe::EngineRun& run, const std::string& address) {
    for (const auto& target : run.targets) {
        if (target.target.host == address) {
            REQUIRE(target.addresses.size() == 1);
            return target.addresses[0];
        }
    }
    FAIL("no target " << address);
    throw std::logic_error("unreachable");
}

void check_stalled(const AddressEvidence& address) {
    INFO(address.tls.detail);
    CHECK(address.tcp.status == StageStatus::ok);
    CHECK(address.tls.status == StageStatus::failed);
    CHECK(address.tls.cause == Cause::tls_timeout);
    REQUIRE(address.mtu.has_value());
    CHECK(address.mtu->stalled_stage == "tls");
    // Nothing came back to teach the kernel a smaller MTU: it still holds lo's 65536, as
    // IP_MTU gives it (capped at the largest IPv4 packet).
    CHECK(address.mtu->kernel_path_mtu == 65535);
}

const vpcprobe::Finding* mtu_finding(const vpcprobe::Report& report) {
    for (const auto& finding : report.findings) {
        if (finding.code == "network.mtu_blackhole_suspected") return &finding;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("a path that drops full-size packets is retried with a clamped MSS",
          "[engine][mtu][netns]") {
    if (skip_without_root()) return;
    Lab lab;
    const auto started = std::chrono::steady_clock::now();
    const vpcprobe::EngineRun run = lab.run();
    const auto wall = std::chrono::steady_clock::now() - started;

    SECTION("no drop: the handshake completes and nothing is retried") {
        const auto& open = address_of(run, "10.89.0.1");
        CHECK(open.tls.status == StageStatus::ok);
        CHECK_FALSE(open.mtu.has_value());
    }
    SECTION("packets over 1300 bytes dropped: MSS 536 gets through, and 1200 too") {
        const auto& address = address_of(run, "10.89.0.2");
        check_stalled(address);
        REQUIRE(address.mtu->attempts.size() == 2);
        CHECK(address.mtu->attempts[0].mss == 536);
        CHECK(address.mtu->attempts[0].completed);
        CHECK(address.mtu->attempts[0].cause == Cause::none);
        CHECK(address.mtu->attempts[0].ms > 0);
        CHECK(address.mtu->attempts[1].mss == 1200);
        CHECK(address.mtu->attempts[1].completed);
        CHECK(address.mtu->working_mss() == 1200);
    }
    SECTION("packets over 1000 bytes dropped: 536 gets through, 1200 stalls") {
        const auto& address = address_of(run, "10.89.0.3");
        check_stalled(address);
        REQUIRE(address.mtu->attempts.size() == 2);
        CHECK(address.mtu->attempts[0].mss == 536);
        CHECK(address.mtu->attempts[0].completed);
        CHECK(address.mtu->attempts[1].mss == 1200);
        CHECK_FALSE(address.mtu->attempts[1].completed);
        CHECK(address.mtu->attempts[1].cause == Cause::tls_timeout);
        CHECK(address.mtu->attempts[1].ms >= 700);
        CHECK(address.mtu->working_mss() == 536);
    }
    SECTION("everything after the SYN-ACK dropped: the smallest clamp stalls, no other is tried") {
        const auto& address = address_of(run, "10.89.0.4");
        check_stalled(address);
        REQUIRE(address.mtu->attempts.size() == 1);
        CHECK(address.mtu->attempts[0].mss == 536);
        CHECK_FALSE(address.mtu->attempts[0].completed);
        CHECK(address.mtu->attempts[0].cause == Cause::tls_timeout);
        CHECK(address.mtu->working_mss() == 0);
    }
    SECTION("a plaintext answer over 1300 bytes dropped: the protocol stalls, MSS 1200 gets it") {
        const auto& address = address_of(run, kPlaintextHttp);
        INFO(address.protocol.detail);
        CHECK(address.tcp.status == StageStatus::ok);
        CHECK(address.tls.status == StageStatus::skipped);
        CHECK(address.protocol.cause == Cause::protocol_timeout);
        REQUIRE(address.mtu.has_value());
        CHECK(address.mtu->stalled_stage == "protocol");
        REQUIRE(address.mtu->attempts.size() == 2);
        CHECK(address.mtu->attempts[0].mss == 536);
        CHECK(address.mtu->attempts[0].completed);
        CHECK(address.mtu->attempts[1].mss == 1200);
        CHECK(address.mtu->attempts[1].completed);
        CHECK(address.mtu->working_mss() == 1200);
    }
    SECTION("the finding names the addresses a clamp rescued, and only those") {
        const vpcprobe::Report report = vpcprobe::diagnose(run.targets, vpcprobe::AgentInfo{});
        const vpcprobe::Finding* finding = mtu_finding(report);
        REQUIRE(finding != nullptr);
        CHECK(finding->targets ==
              std::vector<std::string>{fmt::format("10.89.0.2:{}", lab.ports.at("10.89.0.2")),
                                       fmt::format("10.89.0.3:{}", lab.ports.at("10.89.0.3")),
                                       fmt::format("10.89.0.5:{}", lab.ports.at(kPlaintextHttp))});
        for (const auto& target : report.targets) {
            if (target.target.host == "10.89.0.1") continue;
            REQUIRE(target.cause.has_value());
            // What a client would see.
            CHECK(target.cause->code ==
                  (target.target.tls ? Cause::tls_timeout : Cause::protocol_timeout));
        }
    }
    SECTION("the addresses run in parallel: three timeouts at most, not one per retry") {
        CHECK(wall < 3 * kTimeout + 1s);
    }
}

TEST_CASE("--tcp-only makes no MTU retry", "[engine][mtu][netns]") {
    if (skip_without_root()) return;
    Lab lab;
    const vpcprobe::EngineRun run = lab.run(true);
    for (const auto& address : kAddresses) {
        CHECK_FALSE(address_of(run, address).mtu.has_value());
    }
    CHECK_FALSE(address_of(run, kPlaintextHttp).mtu.has_value());
}
