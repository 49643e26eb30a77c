// SPDX-License-Identifier: Apache-2.0
// Resolver against real DNS servers on loopback: dnsmasq (tests/support/dnsmasq.h) for
// answers, NXDOMAIN, NODATA, SERVFAIL and REFUSED; a closed port for "not listening"; a UDP
// socket that never reads for timeouts. Nothing here talks to any other address.
#include "probes/dns/resolver.h"

#include <ares.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "probes/dns/answer_checks.h"
#include "tests/support/dnsmasq.h"
#include "tests/support/process.h"

using namespace std::chrono_literals;
using vpcprobe::CanonicalName;
using vpcprobe::Cause;
using vpcprobe::DnsEvidence;
using vpcprobe::Resolver;
using vpcprobe::ResolverOptions;
using vpcprobe::StageStatus;
using vpcprobe::test::Dnsmasq;
using vpcprobe::test::DnsmasqConfig;
using vpcprobe::test::SilentDnsServer;

namespace {

using Clock = std::chrono::steady_clock;

// Runs the loop until `done()` or `limit`; the resolver keeps descriptor waits open, so
// io.run() alone would not return.
void run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (!done() && Clock::now() < until) {
        if (io.stopped()) io.restart();
        io.run_one_for(20ms);
    }
}

void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
    run_until(
        io, [] { return false; }, duration);
}

// A resolver that must start; the test stops here if it does not.
std::unique_ptr<Resolver> started_resolver(boost::asio::io_context& io, ResolverOptions options) {
    auto created = Resolver::create(io, std::move(options));
    INFO((created ? std::string() : created.error().message()));
    REQUIRE(created.ok());
    return std::move(*created);
}

struct Timed {
    DnsEvidence evidence;
    std::chrono::milliseconds elapsed{};
};

Timed resolve_one(ResolverOptions options, const std::string& host) {
    boost::asio::io_context io;
    auto resolver = started_resolver(io, options);
    std::optional<DnsEvidence> result;
    const auto started = Clock::now();
    resolver->resolve(host, [&](DnsEvidence evidence) { result = std::move(evidence); });
    run_until(
        io, [&] { return result.has_value(); }, options.timeout + 5s);
    REQUIRE(result.has_value());
    return {std::move(*result),
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)};
}

ResolverOptions using_server(const std::string& server,
                             std::chrono::milliseconds timeout = 3000ms) {
    ResolverOptions options;
    options.servers = {server};
    options.timeout = timeout;
    options.hosts_file.clear();
    return options;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

DnsmasqConfig kafka_zone() {
    DnsmasqConfig config;
    config.records = {
        {"kafka-a.alikafka.aliyuncs.com", "10.1.0.1"},
        {"kafka-multi.alikafka.aliyuncs.com", "10.1.0.1"},
        {"kafka-multi.alikafka.aliyuncs.com", "10.1.0.2"},
        {"kafka-multi.alikafka.aliyuncs.com", "fd00::1"},
        {"kafka-multi.alikafka.aliyuncs.com", "fd00::2"},
    };
    config.nodata_names = {"nodata.alikafka.aliyuncs.com"};
    return config;
}

}  // namespace

TEST_CASE("a name with only an A record", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    const auto [evidence, elapsed] =
        resolve_one(using_server(dns.server()), "kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail << "\n" << dns.log());
    CHECK(evidence.status == StageStatus::ok);
    CHECK(evidence.cause == Cause::none);
    CHECK(evidence.source == "dns");
    CHECK(evidence.addresses == std::vector<std::string>{"10.1.0.1"});
    CHECK(evidence.ares_status_a == ARES_SUCCESS);
    CHECK(evidence.ares_status_aaaa == ARES_ENODATA);
    CHECK_FALSE(evidence.tcp_fallback.has_value());  // UDP answered: TCP is not asked
    CHECK(contains(evidence.detail, "kafka-a.alikafka.aliyuncs.com"));
    CHECK(contains(evidence.detail, "10.1.0.1"));
    CHECK(contains(evidence.detail, dns.server()));
    CHECK(evidence.ms > 0);
    CHECK(evidence.ms <= static_cast<double>(elapsed.count()) + 1);
    CHECK(elapsed < 1000ms);
    // Both families were really asked.
    CHECK(contains(dns.log(), "query[A] kafka-a.alikafka.aliyuncs.com"));
    CHECK(contains(dns.log(), "query[AAAA] kafka-a.alikafka.aliyuncs.com"));
}

TEST_CASE("a name with several A and AAAA records gets every address, A first", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    const auto evidence =
        resolve_one(using_server(dns.server()), "kafka-multi.alikafka.aliyuncs.com").evidence;
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::ok);
    REQUIRE(evidence.addresses.size() == 4);
    const std::set<std::string> v4(evidence.addresses.begin(), evidence.addresses.begin() + 2);
    const std::set<std::string> v6(evidence.addresses.begin() + 2, evidence.addresses.end());
    CHECK(v4 == std::set<std::string>{"10.1.0.1", "10.1.0.2"});
    CHECK(v6 == std::set<std::string>{"fd00::1", "fd00::2"});
    CHECK(evidence.ares_status_a == ARES_SUCCESS);
    CHECK(evidence.ares_status_aaaa == ARES_SUCCESS);
}

TEST_CASE("a name that does not exist is NXDOMAIN", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    const auto evidence =
        resolve_one(using_server(dns.server()), "vpc-kafka-nothere.alikafka.aliyuncs.com").evidence;
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_nxdomain);
    CHECK(evidence.addresses.empty());
    CHECK(evidence.ares_status_a == ARES_ENOTFOUND);
    CHECK(evidence.ares_status_aaaa == ARES_ENOTFOUND);
    CHECK_FALSE(evidence.tcp_fallback.has_value());
    CHECK(evidence.detail ==
          "vpc-kafka-nothere.alikafka.aliyuncs.com does not exist (NXDOMAIN) "
          "according to " +
              dns.server());
}

TEST_CASE("a name without A or AAAA records is NODATA", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    const auto evidence =
        resolve_one(using_server(dns.server()), "nodata.alikafka.aliyuncs.com").evidence;
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_nodata);
    CHECK(evidence.ares_status_a == ARES_ENODATA);
    CHECK(evidence.ares_status_aaaa == ARES_ENODATA);
    CHECK(contains(evidence.detail, "nodata.alikafka.aliyuncs.com"));
    CHECK(contains(evidence.detail, "NODATA"));
}

TEST_CASE("a resolver that fails is SERVFAIL", "[resolver]") {
    Dnsmasq upstream(kafka_zone());
    Dnsmasq validating(Dnsmasq::servfail_in_front_of(upstream));
    const auto [evidence, elapsed] =
        resolve_one(using_server(validating.server()), "kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail << "\n" << validating.log());
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_servfail);
    CHECK(evidence.ares_status_a == ARES_ESERVFAIL);
    CHECK(evidence.ares_status_aaaa == ARES_ESERVFAIL);
    CHECK(contains(evidence.detail, validating.server()));
    CHECK(contains(evidence.detail, "SERVFAIL"));
    CHECK(elapsed < 3000ms);  // an answer, not a timeout
}

TEST_CASE("a port where no resolver listens is refused, quickly", "[resolver]") {
    const auto port = vpcprobe::test::free_port("127.0.0.1", true);
    const std::string server = "127.0.0.1:" + std::to_string(port);
    const auto [evidence, elapsed] =
        resolve_one(using_server(server), "kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_refused);
    CHECK(evidence.ares_status_a == ARES_ECONNREFUSED);
    CHECK(evidence.ares_status_aaaa == ARES_ECONNREFUSED);
    CHECK(evidence.detail == "nothing listens for DNS at " + server +
                                 " (connection refused), so kafka-a.alikafka.aliyuncs.com was "
                                 "not resolved");
    CHECK(elapsed < 1000ms);  // ICMP port unreachable answers at once
}

TEST_CASE("a resolver that answers REFUSED is refused", "[resolver]") {
    Dnsmasq dns(kafka_zone());  // no upstream: names outside its zone are REFUSED
    const auto evidence = resolve_one(using_server(dns.server()), "broker.example.org").evidence;
    INFO(evidence.detail);
    CHECK(evidence.cause == Cause::dns_refused);
    CHECK(evidence.ares_status_a == ARES_EREFUSED);
    CHECK(evidence.ares_status_aaaa == ARES_EREFUSED);
    CHECK(evidence.detail == dns.server() + " refused to resolve broker.example.org (REFUSED)");
}

TEST_CASE("a resolver that never answers times out within the timeout", "[resolver]") {
    SilentDnsServer silent;
    const auto timeout = 1000ms;
    const auto [evidence, elapsed] =
        resolve_one(using_server(silent.server(), timeout), "kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail << " after " << elapsed.count() << "ms");
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_timeout);
    CHECK(evidence.ares_status_a == ARES_ETIMEOUT);
    CHECK(evidence.ares_status_aaaa == ARES_ETIMEOUT);
    CHECK(contains(evidence.detail, silent.server()));
    CHECK(contains(evidence.detail, "1s"));
    // Asked again over TCP, where nothing listens on the silent server's port.
    REQUIRE(evidence.tcp_fallback.has_value());
    CHECK_FALSE(evidence.tcp_fallback->answered);
    CHECK(evidence.tcp_fallback->ares_status_a == ARES_ECONNREFUSED);
    CHECK(contains(evidence.detail, "asked again over TCP"));
    CHECK(contains(evidence.detail, "connection refused"));
    CHECK(elapsed >= 700ms);  // c-ares really retried for most of the timeout
    CHECK(elapsed < timeout + 1s);
    CHECK(evidence.ms < static_cast<double>((timeout + 1s).count()));
}

TEST_CASE("the timeout bounds a call even when several resolvers stay silent", "[resolver]") {
    SilentDnsServer first;
    SilentDnsServer second;
    SilentDnsServer third;
    ResolverOptions options = using_server(first.server(), 600ms);
    options.servers.push_back(second.server());
    options.servers.push_back(third.server());
    boost::asio::io_context io;
    auto resolver = started_resolver(io, options);
    std::vector<DnsEvidence> results;
    const auto started = Clock::now();
    for (int i = 0; i < 20; ++i) {
        resolver->resolve("name-" + std::to_string(i) + ".alikafka.aliyuncs.com",
                          [&](DnsEvidence evidence) { results.push_back(std::move(evidence)); });
    }
    run_until(
        io, [&] { return results.size() == 20; }, 5s);
    const auto elapsed = Clock::now() - started;
    REQUIRE(results.size() == 20);
    CHECK(elapsed < 600ms + 1s);
    for (const auto& evidence : results) CHECK(evidence.cause == Cause::dns_timeout);
}

TEST_CASE("the next resolver is asked when the first is not listening", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    const auto dead = vpcprobe::test::free_port("127.0.0.1", true);
    ResolverOptions options = using_server("127.0.0.1:" + std::to_string(dead));
    options.servers.push_back(dns.server());
    const auto [evidence, elapsed] = resolve_one(options, "kafka-a.alikafka.aliyuncs.com");
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::ok);
    CHECK(evidence.addresses == std::vector<std::string>{"10.1.0.1"});
    CHECK(elapsed < 1000ms);
}

TEST_CASE("IP literals are answered without a query", "[resolver]") {
    SilentDnsServer silent;  // any query would time out
    boost::asio::io_context io;
    auto resolver = started_resolver(io, using_server(silent.server()));
    std::vector<DnsEvidence> results;
    for (const char* host : {"10.0.0.5", "::1", "fd00:0:0::0001", "fe80::1%lo"}) {
        resolver->resolve(host, [&](DnsEvidence evidence) { results.push_back(evidence); });
    }
    CHECK(results.empty());  // completions are posted, never called from inside resolve()
    run_until(
        io, [&] { return results.size() == 4; }, 2s);
    REQUIRE(results.size() == 4);
    const std::vector<std::string> expected = {"10.0.0.5", "::1", "fd00::1", "fe80::1%lo"};
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO(results[i].detail);
        CHECK(results[i].status == StageStatus::ok);
        CHECK(results[i].source == "literal");
        CHECK(results[i].addresses == std::vector<std::string>{expected[i]});
        CHECK(results[i].ares_status_a == 0);
        CHECK(results[i].ares_status_aaaa == 0);
        CHECK(results[i].ms < 100);
    }
}

TEST_CASE("the hosts file answers before DNS", "[resolver]") {
    Dnsmasq dns(kafka_zone());
    vpcprobe::test::TempDir dir;
    const std::string hosts = dir.file("hosts");
    {
        std::ofstream out(hosts);
        out << "# a comment line\n"
               "127.0.0.1 localhost\n"
               "10.9.0.1   Pinned.AliKafka.aliyuncs.com  pinned-alias  # trailing comment\n"
               "fd00::9    pinned.alikafka.aliyuncs.com\n"
               "10.9.0.2   pinned.alikafka.aliyuncs.com\n"
               "not-an-address  broken.alikafka.aliyuncs.com\n";
    }
    ResolverOptions options = using_server(dns.server());
    options.hosts_file = hosts;

    SECTION("a listed name, any case, every entry, IPv4 first") {
        const auto evidence = resolve_one(options, "PINNED.alikafka.aliyuncs.com.").evidence;
        INFO(evidence.detail);
        CHECK(evidence.status == StageStatus::ok);
        CHECK(evidence.source == "hosts-file");
        CHECK(evidence.addresses == std::vector<std::string>{"10.9.0.1", "10.9.0.2", "fd00::9"});
        CHECK(contains(evidence.detail, hosts));
        // DNS was never asked.
        CHECK_FALSE(contains(dns.log(), "pinned"));
    }
    SECTION("an alias on the same line") {
        const auto evidence = resolve_one(options, "pinned-alias").evidence;
        CHECK(evidence.source == "hosts-file");
        CHECK(evidence.addresses == std::vector<std::string>{"10.9.0.1"});
    }
    SECTION("a name not listed goes to DNS") {
        const auto evidence = resolve_one(options, "kafka-a.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.source == "dns");
        CHECK(evidence.addresses == std::vector<std::string>{"10.1.0.1"});
    }
    SECTION("a malformed line is ignored") {
        const auto evidence = resolve_one(options, "broken.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.source == "dns");
        CHECK(evidence.cause == Cause::dns_nxdomain);
    }
    SECTION("no hosts file (\"\") skips it") {
        options.hosts_file.clear();
        const auto evidence = resolve_one(options, "pinned.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.source == "dns");
        CHECK(evidence.cause == Cause::dns_nxdomain);
    }
}

TEST_CASE("500 concurrent lookups on one resolver all complete correctly", "[resolver]") {
    DnsmasqConfig config;
    constexpr int kNames = 50;
    for (int i = 0; i < kNames; ++i) {
        if (i % 5 == 4) continue;  // every fifth name is NXDOMAIN
        config.records.emplace_back("host-" + std::to_string(i) + ".alikafka.aliyuncs.com",
                                    "10.2.0." + std::to_string(i + 1));
    }
    Dnsmasq dns(config);
    boost::asio::io_context io;
    auto resolver = started_resolver(io, using_server(dns.server(), 5000ms));
    constexpr int kLookups = 500;
    std::vector<std::optional<DnsEvidence>> results(kLookups);
    int completed = 0;
    const auto started = Clock::now();
    for (int i = 0; i < kLookups; ++i) {
        resolver->resolve("host-" + std::to_string(i % kNames) + ".alikafka.aliyuncs.com",
                          [&, i](DnsEvidence evidence) {
                              results[i] = std::move(evidence);
                              ++completed;
                          });
    }
    run_until(
        io, [&] { return completed == kLookups; }, 20s);
    const auto elapsed = Clock::now() - started;
    REQUIRE(completed == kLookups);
    INFO("500 lookups took "
         << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << "ms");
    CHECK(elapsed < 5s);
    int ok = 0;
    for (int i = 0; i < kLookups; ++i) {
        const int name = i % kNames;
        INFO("lookup " << i << ": " << results[i]->detail);
        if (name % 5 == 4) {
            CHECK(results[i]->cause == Cause::dns_nxdomain);
        } else {
            CHECK(results[i]->cause == Cause::none);
            CHECK(results[i]->addresses ==
                  std::vector<std::string>{"10.2.0." + std::to_string(name + 1)});
            ++ok;
        }
    }
    CHECK(ok == 400);
}

TEST_CASE("destroying the resolver with queries in flight is safe and silent", "[resolver]") {
    SECTION("queries waiting for a silent resolver") {
        SilentDnsServer silent;
        boost::asio::io_context io;
        int called = 0;
        {
            auto resolver = started_resolver(io, using_server(silent.server(), 500ms));
            for (int i = 0; i < 300; ++i) {  // some wait in the queue, some are on the wire
                resolver->resolve("name-" + std::to_string(i) + ".alikafka.aliyuncs.com",
                                  [&](DnsEvidence) { ++called; });
            }
            run_for(io, 100ms);
        }
        run_for(io, 1000ms);  // past every deadline and c-ares timeout
        CHECK(called == 0);
    }
    SECTION("answers arriving while it is destroyed") {
        Dnsmasq dns(kafka_zone());
        boost::asio::io_context io;
        int called = 0;
        int called_before = 0;
        {
            auto resolver = started_resolver(io, using_server(dns.server()));
            for (int i = 0; i < 1000; ++i) {
                resolver->resolve(i % 2 ? "kafka-a.alikafka.aliyuncs.com" : "10.0.0.1",
                                  [&](DnsEvidence) { ++called; });
            }
            // Stop when some DNS answers came back: others are posted, on the wire or queued.
            run_until(
                io, [&] { return called >= 550; }, 5s);
            called_before = called;
        }
        run_for(io, 500ms);
        CHECK(called_before >= 550);
        CHECK(called_before < 1000);
        CHECK(called == called_before);
    }
    SECTION("from inside a completion") {
        Dnsmasq dns(kafka_zone());
        boost::asio::io_context io;
        auto resolver = started_resolver(io, using_server(dns.server()));
        int called = 0;
        for (int i = 0; i < 50; ++i) {
            resolver->resolve(i == 0 ? "10.0.0.1" : "kafka-multi.alikafka.aliyuncs.com",
                              [&](DnsEvidence) {
                                  ++called;
                                  resolver.reset();
                              });
        }
        run_until(
            io, [&] { return resolver == nullptr; }, 2s);
        run_for(io, 300ms);
        CHECK(resolver == nullptr);
        CHECK(called == 1);
    }
}

TEST_CASE("servers() lists the resolvers in use as addr:port", "[resolver]") {
    boost::asio::io_context io;
    ResolverOptions options;
    options.servers = {"127.0.0.1:5353", "::1", "[::1]:5300", "127.0.0.2"};
    auto resolver = started_resolver(io, options);
    CHECK(resolver->servers() ==
          std::vector<std::string>{"127.0.0.1:5353", "[::1]:53", "[::1]:5300", "127.0.0.2:53"});
}

TEST_CASE("without servers the system's resolvers are used", "[resolver]") {
    boost::asio::io_context io;  // nothing is resolved: no query leaves this host
    auto resolver = started_resolver(io, ResolverOptions{});
    CHECK_FALSE(resolver->servers().empty());
    for (const auto& server : resolver->servers()) CHECK(contains(server, ":"));
}

TEST_CASE("an invalid server string is an error naming it", "[resolver]") {
    for (const std::string bad :
         {"1.2.3.4:99999", "1.2.3.4:0", "resolver.example.com", "[::1", "[::1]:x", "1.2.3.4:", "",
          "1.2.3.4,5.6.7.8", "[1.2.3.4]:53", "300.1.1.1"}) {
        INFO("server \"" << bad << "\"");
        boost::asio::io_context io;
        ResolverOptions options;
        options.servers = {"127.0.0.1", bad};
        auto created = Resolver::create(io, options);
        REQUIRE_FALSE(created.ok());
        CHECK(contains(created.error().message(), "\"" + bad + "\""));
        CHECK(created.error().message().find('\n') == std::string::npos);
    }
}

TEST_CASE("a hosts file that cannot be read is an error; a missing one is empty", "[resolver]") {
    vpcprobe::test::TempDir dir;
    boost::asio::io_context io;
    SECTION("a directory where the file should be") {
        ResolverOptions options = using_server("127.0.0.1:53");
        options.hosts_file = dir.path();
        auto created = Resolver::create(io, options);
        REQUIRE_FALSE(created.ok());
        INFO(created.error().message());
        CHECK(contains(created.error().message(), "cannot read the hosts file " + dir.path()));
    }
    SECTION("no file at all") {
        ResolverOptions options = using_server("127.0.0.1:53");
        options.hosts_file = dir.file("absent");
        CHECK(Resolver::create(io, options).ok());
    }
}

TEST_CASE("running out of descriptors is said as such, never as a refusing resolver",
          "[resolver]") {
    Dnsmasq dns(kafka_zone());
    boost::asio::io_context io;
    auto resolver = started_resolver(io, using_server(dns.server(), 2000ms));

    // Take every descriptor left under a lowered soft limit; c-ares opens its socket only for
    // the first query, so that is what fails.
    rlimit saved{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    std::vector<int> held;
    const int probe = ::dup(0);
    REQUIRE(probe >= 0);
    ::close(probe);
    rlimit lowered = saved;
    lowered.rlim_cur = static_cast<rlim_t>(probe + 8);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    for (int i = 0; i < 64; ++i) {
        const int fd = ::dup(0);
        if (fd < 0) break;
        held.push_back(fd);
    }
    std::optional<DnsEvidence> result;
    resolver->resolve("kafka-a.alikafka.aliyuncs.com",
                      [&](DnsEvidence evidence) { result = std::move(evidence); });
    run_until(
        io, [&] { return result.has_value(); }, 5s);
    for (const int fd : held) ::close(fd);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);

    REQUIRE(result.has_value());
    INFO(result->detail);
    CHECK(result->cause == Cause::dns_error);
    CHECK(contains(result->detail, "out of file descriptors"));
    CHECK(contains(result->detail, "ulimit -n"));

    // With descriptors back, the same resolver answers.
    std::optional<DnsEvidence> again;
    resolver->resolve("kafka-a.alikafka.aliyuncs.com",
                      [&](DnsEvidence evidence) { again = std::move(evidence); });
    run_until(
        io, [&] { return again.has_value(); }, 5s);
    REQUIRE(again.has_value());
    CHECK(again->status == StageStatus::ok);
}

// --- canonical names (client.dns.lookup=resolve_canonical_bootstrap_servers_only) ---------

namespace {

// --host-record gives a name both its A (or AAAA) and its PTR record; --ptr-record a PTR alone.
DnsmasqConfig reverse_zone() {
    DnsmasqConfig config;
    config.local_domains = {"test", "127.in-addr.arpa"};
    config.records = {
        {"canon-a.test", "127.0.0.2"},
        {"elsewhere.test", "127.0.0.9"},
        {"canon6.test", "fd00::5"},
    };
    config.extra_args = {
        "--ptr-record=5.0.0.127.in-addr.arpa,elsewhere.test",  // resolves to 127.0.0.9 instead
        "--ptr-record=6.0.0.127.in-addr.arpa,nowhere.test",    // does not resolve at all
    };
    return config;
}

CanonicalName canonical_one(ResolverOptions options, const std::string& address) {
    boost::asio::io_context io;
    auto resolver = started_resolver(io, options);
    std::optional<CanonicalName> result;
    resolver->canonical_name(address, [&](CanonicalName name) { result = std::move(name); });
    run_until(
        io, [&] { return result.has_value(); }, options.timeout + 5s);
    REQUIRE(result.has_value());
    return std::move(*result);
}

}  // namespace

TEST_CASE("an address whose PTR names a host that resolves back has that canonical name",
          "[resolver][canonical]") {
    Dnsmasq dns(reverse_zone());
    const CanonicalName canonical = canonical_one(using_server(dns.server()), "127.0.0.2");
    INFO(canonical.detail << "\n" << dns.log());
    CHECK(canonical.address == "127.0.0.2");
    CHECK(canonical.name == "canon-a.test");
    CHECK(canonical.reverse_name == "canon-a.test");
    CHECK(canonical.host() == "canon-a.test");
    CHECK(canonical.source == "dns");
    CHECK(canonical.ares_status == ARES_SUCCESS);
    CHECK(canonical.cause == Cause::none);
    CHECK(canonical.detail == "the PTR record of 127.0.0.2 names canon-a.test (via " +
                                  dns.server() + "), which resolves back to it");
    CHECK(canonical.ms > 0);
    CHECK(contains(dns.log(), "query[PTR] 2.0.0.127.in-addr.arpa"));
    CHECK(contains(dns.log(), "query[A] canon-a.test"));  // the check that it leads back
}

TEST_CASE("an IPv6 address is asked under ip6.arpa", "[resolver][canonical]") {
    Dnsmasq dns(reverse_zone());
    const CanonicalName canonical = canonical_one(using_server(dns.server()), "FD00:0::5");
    INFO(canonical.detail << "\n" << dns.log());
    CHECK(canonical.address == "fd00::5");
    CHECK(canonical.name == "canon6.test");
}

TEST_CASE("an address without a PTR record has no canonical name: the client uses the address",
          "[resolver][canonical]") {
    Dnsmasq dns(reverse_zone());
    const CanonicalName canonical = canonical_one(using_server(dns.server()), "127.0.0.4");
    INFO(canonical.detail << "\n" << dns.log());
    CHECK(canonical.name.empty());
    CHECK(canonical.reverse_name.empty());
    CHECK(canonical.host() == "127.0.0.4");
    CHECK(canonical.ares_status == ARES_ENOTFOUND);
    CHECK(canonical.cause == Cause::dns_nxdomain);
    CHECK(canonical.detail == "127.0.0.4 has no PTR record (NXDOMAIN from " + dns.server() +
                                  "); the client uses 127.0.0.4 itself as the name");
}

TEST_CASE("a PTR name that does not lead back to the address is not taken, as in Java",
          "[resolver][canonical]") {
    Dnsmasq dns(reverse_zone());
    const auto options = using_server(dns.server());
    SECTION("it resolves to another address") {
        const CanonicalName canonical = canonical_one(options, "127.0.0.5");
        INFO(canonical.detail << "\n" << dns.log());
        CHECK(canonical.reverse_name == "elsewhere.test");
        CHECK(canonical.name.empty());
        CHECK(canonical.host() == "127.0.0.5");
        CHECK(canonical.cause == Cause::none);  // the PTR query itself answered
        CHECK(contains(canonical.detail, "but that name resolves to 127.0.0.9, not to 127.0.0.5"));
        CHECK(contains(canonical.detail, "the client uses 127.0.0.5 itself"));
    }
    SECTION("it does not resolve") {
        const CanonicalName canonical = canonical_one(options, "127.0.0.6");
        INFO(canonical.detail << "\n" << dns.log());
        CHECK(canonical.reverse_name == "nowhere.test");
        CHECK(canonical.name.empty());
        CHECK(contains(canonical.detail, "but that name does not resolve"));
        CHECK(contains(canonical.detail, "nowhere.test does not exist (NXDOMAIN)"));
    }
}

TEST_CASE("the hosts file gives an address its first name before DNS is asked",
          "[resolver][canonical]") {
    Dnsmasq dns(reverse_zone());
    vpcprobe::test::TempDir dir;
    ResolverOptions options = using_server(dns.server());
    options.hosts_file = dir.file("hosts");
    {
        std::ofstream out(options.hosts_file);
        out << "127.0.0.7 Pinned.test pinned-alias\n"
               "127.0.0.2 from-file.test\n";
    }
    const CanonicalName pinned = canonical_one(options, "127.0.0.7");
    INFO(pinned.detail << "\n" << dns.log());
    CHECK(pinned.name == "Pinned.test");
    CHECK(pinned.source == "hosts-file");
    CHECK(pinned.ares_status == 0);
    CHECK(pinned.detail ==
          "127.0.0.7 is Pinned.test in " + options.hosts_file + ", which resolves back to it");
    // The file wins over the PTR record DNS has for the same address.
    const CanonicalName overridden = canonical_one(options, "127.0.0.2");
    CHECK(overridden.name == "from-file.test");
    CHECK_FALSE(contains(dns.log(), "PTR"));
}

TEST_CASE("a reverse lookup nobody answers ends within the timeout", "[resolver][canonical]") {
    SilentDnsServer silent;
    const auto started = Clock::now();
    const CanonicalName canonical =
        canonical_one(using_server(silent.server(), 600ms), "127.0.0.4");
    const auto elapsed = Clock::now() - started;
    INFO(canonical.detail);
    CHECK(elapsed < 1500ms);
    CHECK(canonical.name.empty());
    CHECK(canonical.ares_status == ARES_ETIMEOUT);
    CHECK(canonical.cause == Cause::dns_timeout);
    CHECK(contains(canonical.detail, "no answer to the PTR query for 127.0.0.4"));
    CHECK(contains(canonical.detail, "the client uses 127.0.0.4 itself"));
}

// --- answers that mislead (probes/dns/answer_checks.h) ---------------------------------------

TEST_CASE("a name a DNS filter answers 0.0.0.0 for is dns.sinkhole, naming the resolver",
          "[resolver][sinkhole]") {
    DnsmasqConfig config = kafka_zone();
    config.records.push_back({"blocked.alikafka.aliyuncs.com", "0.0.0.0"});
    config.records.push_back({"blocked6.alikafka.aliyuncs.com", "::"});
    // dnsmasq's own "null address" form: 0.0.0.0 for A and :: for AAAA.
    config.extra_args.push_back("--address=/nulled.alikafka.aliyuncs.com/#");
    Dnsmasq dns(config);

    SECTION("A 0.0.0.0") {
        const auto evidence =
            resolve_one(using_server(dns.server()), "blocked.alikafka.aliyuncs.com").evidence;
        INFO(evidence.detail << "\n" << dns.log());
        CHECK(evidence.status == StageStatus::failed);
        CHECK(evidence.cause == Cause::dns_sinkhole);
        CHECK(evidence.source == "dns");
        CHECK(evidence.addresses == std::vector<std::string>{"0.0.0.0"});
        CHECK(contains(evidence.detail, "the resolver " + dns.server() +
                                            " answered 0.0.0.0 for "
                                            "blocked.alikafka.aliyuncs.com"));
        CHECK(contains(evidence.detail, "a DNS firewall or filter blocked this name"));
        CHECK(vpcprobe::addresses_to_probe(evidence).empty());
    }
    SECTION("AAAA ::") {
        const auto evidence =
            resolve_one(using_server(dns.server()), "blocked6.alikafka.aliyuncs.com").evidence;
        INFO(evidence.detail << "\n" << dns.log());
        CHECK(evidence.status == StageStatus::failed);
        CHECK(evidence.cause == Cause::dns_sinkhole);
        CHECK(evidence.addresses == std::vector<std::string>{"::"});
        CHECK(contains(evidence.detail, "answered :: for blocked6.alikafka.aliyuncs.com"));
    }
    SECTION("both families") {
        const auto evidence =
            resolve_one(using_server(dns.server()), "nulled.alikafka.aliyuncs.com").evidence;
        INFO(evidence.detail << "\n" << dns.log());
        CHECK(evidence.status == StageStatus::failed);
        CHECK(evidence.cause == Cause::dns_sinkhole);
        CHECK(evidence.addresses == std::vector<std::string>{"0.0.0.0", "::"});
    }
}

TEST_CASE("0.0.0.0 beside a real address: dns warns with dns.sinkhole, the real one is probed",
          "[resolver][sinkhole]") {
    DnsmasqConfig config = kafka_zone();
    config.records.push_back({"mixed.alikafka.aliyuncs.com", "0.0.0.0"});
    config.records.push_back({"mixed.alikafka.aliyuncs.com", "10.1.0.9"});
    Dnsmasq dns(config);
    const auto evidence =
        resolve_one(using_server(dns.server()), "mixed.alikafka.aliyuncs.com").evidence;
    INFO(evidence.detail << "\n" << dns.log());
    CHECK(evidence.status == StageStatus::warning);
    CHECK(evidence.cause == Cause::dns_sinkhole);
    std::vector<std::string> answers = evidence.addresses;
    std::sort(answers.begin(), answers.end());  // dnsmasq rotates its answers
    CHECK(answers == std::vector<std::string>{"0.0.0.0", "10.1.0.9"});
    CHECK(vpcprobe::addresses_to_probe(evidence) == std::vector<std::string>{"10.1.0.9"});
    CHECK(contains(evidence.detail, "answered 0.0.0.0 beside 10.1.0.9"));
    CHECK(contains(evidence.detail, "only 10.1.0.9 is probed"));
}

TEST_CASE("a hosts file entry 0.0.0.0 is dns.sinkhole from the hosts file",
          "[resolver][sinkhole]") {
    Dnsmasq dns(kafka_zone());
    vpcprobe::test::TempDir dir;
    const std::string hosts = dir.file("hosts");
    {
        std::ofstream out(hosts);
        out << "0.0.0.0 kafka-a.alikafka.aliyuncs.com\n";
    }
    ResolverOptions options = using_server(dns.server());
    options.hosts_file = hosts;
    const auto evidence = resolve_one(options, "kafka-a.alikafka.aliyuncs.com").evidence;
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_sinkhole);
    CHECK(evidence.source == "hosts-file");
    CHECK(evidence.addresses == std::vector<std::string>{"0.0.0.0"});
    CHECK(contains(evidence.detail,
                   "the hosts file " + hosts + " maps kafka-a.alikafka.aliyuncs.com to 0.0.0.0"));
    CHECK_FALSE(contains(evidence.detail, dns.server()));
    CHECK_FALSE(contains(dns.log(), "kafka-a"));  // DNS, which has a real answer, was not asked
}

TEST_CASE("an IP literal 0.0.0.0 is not an answer and is left to be probed as written",
          "[resolver][sinkhole]") {
    ResolverOptions options;
    options.hosts_file.clear();
    const auto evidence = resolve_one(options, "0.0.0.0").evidence;
    CHECK(evidence.status == StageStatus::ok);
    CHECK(evidence.source == "literal");
    CHECK(vpcprobe::addresses_to_probe(evidence) == std::vector<std::string>{"0.0.0.0"});
}

TEST_CASE("a loopback answer for another host's name is recorded; localhost's is not",
          "[resolver][local]") {
    DnsmasqConfig config = kafka_zone();
    config.records.push_back({"loop.alikafka.aliyuncs.com", "127.0.93.1"});
    config.records.push_back({"loop.alikafka.aliyuncs.com", "10.1.0.7"});
    config.records.push_back({"link.alikafka.aliyuncs.com", "fe80::7"});
    Dnsmasq dns(config);
    char hostname[256] = {};
    REQUIRE(::gethostname(hostname, sizeof(hostname) - 1) == 0);
    vpcprobe::test::TempDir dir;
    const std::string hosts = dir.file("hosts");
    {
        std::ofstream out(hosts);
        out << "127.0.0.1 localhost\n::1 localhost ip6-localhost\n127.0.1.1 " << hostname
            << "\n127.0.93.2 pinned-loop.alikafka.aliyuncs.com\n";
    }
    ResolverOptions options = using_server(dns.server());
    options.hosts_file = hosts;

    SECTION("from DNS") {
        const auto evidence = resolve_one(options, "loop.alikafka.aliyuncs.com").evidence;
        INFO(evidence.detail << "\n" << dns.log());
        CHECK(evidence.status == StageStatus::ok);
        CHECK(evidence.cause == Cause::none);
        CHECK(evidence.local_answers == std::vector<std::string>{"127.0.93.1"});
        CHECK(vpcprobe::addresses_to_probe(evidence).size() == 2);  // still probed
    }
    SECTION("link-local, from DNS") {
        const auto evidence = resolve_one(options, "link.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.local_answers == std::vector<std::string>{"fe80::7"});
    }
    SECTION("from the hosts file") {
        const auto evidence = resolve_one(options, "pinned-loop.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.source == "hosts-file");
        CHECK(evidence.local_answers == std::vector<std::string>{"127.0.93.2"});
    }
    SECTION("not for a real answer") {
        const auto evidence = resolve_one(options, "kafka-a.alikafka.aliyuncs.com").evidence;
        CHECK(evidence.local_answers.empty());
    }
    SECTION("not for localhost, nor this host's own name") {
        for (const std::string& name :
             {std::string("localhost"), std::string("ip6-localhost"), std::string(hostname)}) {
            const auto evidence = resolve_one(options, name).evidence;
            INFO(name << ": " << evidence.detail);
            CHECK(evidence.status == StageStatus::ok);
            CHECK_FALSE(evidence.addresses.empty());
            CHECK(evidence.local_answers.empty());
        }
    }
    SECTION("not for a literal") {
        const auto evidence = resolve_one(options, "127.0.93.3").evidence;
        CHECK(evidence.local_answers.empty());
    }
}
