// SPDX-License-Identifier: Apache-2.0
// client.dns.lookup=resolve_canonical_bootstrap_servers_only end to end on loopback
// (probes/engine/canonical_bootstraps.h): dnsmasq answers for the bootstrap name with three
// addresses (--address, so no PTR comes with them), two of which have PTR records naming hosts
// that resolve back (--host-record gives both records); TLS peers of the test PKI listen on the
// three addresses at one port. The client connects to the canonical names, so a certificate
// for those names and not for the bootstrap name is fine in this mode and a hostname mismatch
// in the default one; the opposite holds for a certificate that names the bootstrap only. The
// address without a PTR record is connected to by its address text, as the Java client does.
// A canonical target is a bootstrap to Kafka too (librdkafka's mock cluster): its Metadata's
// brokers follow.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "reports/diagnosis/diagnose.h"
#include "tests/support/dnsmasq.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_server.h"

using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::DnsLookup;
using vpcprobe::StageStatus;
using vpcprobe::Target;
using vpcprobe::TargetEvidence;
using vpcprobe::test::Dnsmasq;
using vpcprobe::test::DnsmasqConfig;
using vpcprobe::test::ServerSet;
using vpcprobe::test::TestPki;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const std::vector<std::string> kAddresses{"127.0.0.2", "127.0.0.3", "127.0.0.4"};

DnsmasqConfig zone() {
    DnsmasqConfig config;
    config.local_domains = {"test", "127.in-addr.arpa"};
    config.records = {{"canon-a.test", "127.0.0.2"}, {"canon-b.test", "127.0.0.3"}};
    for (const auto& address : kAddresses) {
        config.extra_args.push_back("--address=/boot.test/" + address);
    }
    return config;
}

// TLS peers presenting the PKI's good leaf on every address, all at one port.
struct Peers {
    Peers(const std::string& directory, std::vector<std::string> names)
        : pki(directory, std::move(names)), servers(pki) {
        port = servers.listen(kAddresses[0], 0, {}).port();
        for (std::size_t i = 1; i < kAddresses.size(); ++i) {
            servers.listen(kAddresses[i], port, {});
        }
        servers.start();
    }
    TestPki pki;
    ServerSet servers;
    std::uint16_t port = 0;
};

vpcprobe::EngineOptions options_for(const Dnsmasq& dns, const Peers& peers, DnsLookup lookup) {
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {dns.server()};
    options.settings.hosts_file = "";
    options.settings.ca_files = {peers.pki.ca_file()};
    options.settings.protocol_checks = false;  // the peers speak TLS only
    options.settings.timeout = 3s;
    options.settings.dns_lookup = lookup;
    return options;
}

Target bootstrap(std::uint16_t port) {
    Target target;
    target.component = "kafka";
    target.access = "vpc";
    target.host = "boot.test";
    target.port = port;
    target.origin = "bootstrap";
    target.tls = true;
    return target;
}

const TargetEvidence& find(const std::vector<TargetEvidence>& targets, const std::string& host) {
    auto found = std::find_if(targets.begin(), targets.end(),
                              [&](const TargetEvidence& t) { return t.target.host == host; });
    REQUIRE(found != targets.end());
    return *found;
}

// The hosts of the targets from `first` on, sorted: dnsmasq rotates the order of its answers.
std::vector<std::string> hosts_of(const std::vector<TargetEvidence>& targets,
                                  std::size_t first = 0) {
    std::vector<std::string> out;
    for (std::size_t i = first; i < targets.size(); ++i) out.push_back(targets[i].target.host);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted(std::vector<std::string> values) {
    std::sort(values.begin(), values.end());
    return values;
}

const vpcprobe::CanonicalName& name_of(const TargetEvidence& bootstrap,
                                       const std::string& address) {
    const auto& names = bootstrap.dns.canonical_names;
    auto found = std::find_if(names.begin(), names.end(),
                              [&](const auto& name) { return name.address == address; });
    REQUIRE(found != names.end());
    return *found;
}

vpcprobe::Report diagnosed(const vpcprobe::EngineRun& run) {
    vpcprobe::AgentInfo agent;
    return vpcprobe::diagnose(run.targets, agent);
}

StageStatus verdict_of(const vpcprobe::Report& report, const std::string& host) {
    for (const auto& target : report.targets) {
        if (target.target.host == host) return target.status;
    }
    FAIL("no target " << host);
    return StageStatus::skipped;
}

}  // namespace

TEST_CASE("the client connects to the canonical names, and so does the probe",
          "[engine][canonical]") {
    Dnsmasq dns(zone());
    vpcprobe::test::TempDir dir;
    Peers peers(dir.path(), {"canon-a.test", "canon-b.test"});  // not boot.test
    auto run = vpcprobe::run_probes(
        {bootstrap(peers.port)},
        options_for(dns, peers, DnsLookup::resolve_canonical_bootstrap_servers_only));
    REQUIRE(run.ok());
    INFO(dns.log());
    const std::string endpoint = "boot.test:" + std::to_string(peers.port);
    REQUIRE(run->targets.size() == 4);
    CHECK(run->targets[0].target.host == "boot.test");
    CHECK(hosts_of(run->targets, 1) ==
          std::vector<std::string>{"127.0.0.4", "canon-a.test", "canon-b.test"});

    const TargetEvidence& boot = run->targets[0];
    CHECK(boot.dns.status == StageStatus::ok);
    CHECK(sorted(boot.dns.addresses) == kAddresses);
    REQUIRE(boot.dns.canonical_names.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(boot.dns.canonical_names[i].address == boot.dns.addresses[i]);  // in DNS order
    }
    CHECK(name_of(boot, "127.0.0.2").name == "canon-a.test");
    CHECK(name_of(boot, "127.0.0.3").name == "canon-b.test");
    CHECK(name_of(boot, "127.0.0.4").name.empty());
    CHECK(name_of(boot, "127.0.0.4").cause == Cause::dns_nxdomain);
    // The bootstrap name itself is never connected to.
    REQUIRE(boot.addresses.size() == 3);
    for (const auto& address : boot.addresses) {
        CHECK(address.tcp.status == StageStatus::skipped);
        CHECK(address.tls.status == StageStatus::skipped);
        CHECK(address.certificate.status == StageStatus::skipped);
        CHECK(address.protocol.status == StageStatus::skipped);
        INFO(address.tcp.detail);
        CHECK(address.tcp.detail.starts_with(
            "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client connects to "
            "the canonical names "));
        CHECK(address.tcp.detail.ends_with(" instead"));
        for (const char* host : {"canon-a.test", "canon-b.test", "127.0.0.4"}) {
            CHECK(contains(address.tcp.detail, host));
        }
        CHECK(address.certificate.detail == address.tcp.detail);
    }
    CHECK(peers.servers.connections_accepted() == 3);  // one per canonical target

    for (const std::string host : {"canon-a.test", "canon-b.test"}) {
        const TargetEvidence& canonical = find(run->targets, host);
        INFO(host);
        CHECK(canonical.target.origin == "canonical");
        CHECK(canonical.target.canonical_of == endpoint);
        CHECK(canonical.target.port == peers.port);
        CHECK(canonical.target.component == "kafka");
        CHECK(canonical.target.access == "vpc");
        CHECK(canonical.target.tls);
        REQUIRE(canonical.addresses.size() == 1);
        CHECK(canonical.addresses[0].tls.status == StageStatus::ok);
        INFO(canonical.addresses[0].certificate.detail);
        CHECK(canonical.addresses[0].certificate.status == StageStatus::ok);
    }
    // No PTR record: the client verifies the certificate against the address text, which the
    // certificate does not cover. That is what the client would see.
    const TargetEvidence& literal = find(run->targets, "127.0.0.4");
    CHECK(literal.target.origin == "canonical");
    CHECK(literal.target.canonical_of == endpoint);
    REQUIRE(literal.addresses.size() == 1);
    CHECK(literal.addresses[0].certificate.status == StageStatus::failed);
    CHECK(literal.addresses[0].certificate.cause == Cause::cert_hostname_mismatch);

    const auto report = diagnosed(*run);
    CHECK(verdict_of(report, "boot.test") == StageStatus::ok);
    CHECK(verdict_of(report, "canon-a.test") == StageStatus::ok);
    CHECK(verdict_of(report, "canon-b.test") == StageStatus::ok);
    CHECK(verdict_of(report, "127.0.0.4") == StageStatus::failed);
}

TEST_CASE("by default the bootstrap name is connected to and verified, as before",
          "[engine][canonical]") {
    Dnsmasq dns(zone());
    vpcprobe::test::TempDir dir;
    Peers peers(dir.path(), {"canon-a.test", "canon-b.test"});
    auto run = vpcprobe::run_probes({bootstrap(peers.port)},
                                    options_for(dns, peers, DnsLookup::use_all_dns_ips));
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() == 1);
    const TargetEvidence& boot = run->targets[0];
    CHECK(boot.dns.canonical_names.empty());
    CHECK_FALSE(contains(dns.log(), "PTR"));
    REQUIRE(boot.addresses.size() == 3);
    for (const auto& address : boot.addresses) {
        CHECK(address.tcp.status == StageStatus::ok);
        CHECK(address.certificate.status == StageStatus::failed);
        CHECK(address.certificate.cause == Cause::cert_hostname_mismatch);
    }
    CHECK(verdict_of(diagnosed(*run), "boot.test") == StageStatus::failed);
}

TEST_CASE("a certificate for the bootstrap name only fails in this mode, on the canonical names",
          "[engine][canonical]") {
    Dnsmasq dns(zone());
    vpcprobe::test::TempDir dir;
    Peers peers(dir.path(), {"boot.test"});

    auto plain = vpcprobe::run_probes({bootstrap(peers.port)},
                                      options_for(dns, peers, DnsLookup::use_all_dns_ips));
    REQUIRE(plain.ok());
    REQUIRE(plain->targets.size() == 1);
    CHECK(verdict_of(diagnosed(*plain), "boot.test") == StageStatus::ok);

    auto canonical = vpcprobe::run_probes(
        {bootstrap(peers.port)},
        options_for(dns, peers, DnsLookup::resolve_canonical_bootstrap_servers_only));
    REQUIRE(canonical.ok());
    REQUIRE(canonical->targets.size() == 4);
    const auto report = diagnosed(*canonical);
    CHECK(verdict_of(report, "boot.test") == StageStatus::ok);
    for (const std::string host : {"canon-a.test", "canon-b.test", "127.0.0.4"}) {
        INFO(host);
        const TargetEvidence& target = find(canonical->targets, host);
        REQUIRE(target.addresses.size() == 1);
        CHECK(target.addresses[0].certificate.cause == Cause::cert_hostname_mismatch);
        CHECK(verdict_of(report, host) == StageStatus::failed);
    }
}

TEST_CASE("only bootstraps are redirected; a bootstrap that does not resolve fails as usual",
          "[engine][canonical]") {
    Dnsmasq dns(zone());
    vpcprobe::test::TempDir dir;
    Peers peers(dir.path(), {"boot.test"});
    auto options = options_for(dns, peers, DnsLookup::resolve_canonical_bootstrap_servers_only);
    options.settings.max_addresses = 2;  // bounds the canonical names too
    Target argument = bootstrap(peers.port);
    argument.origin = "argument";
    Target missing = bootstrap(peers.port);
    missing.host = "missing.test";
    auto run = vpcprobe::run_probes({argument, missing, bootstrap(peers.port)}, options);
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() == 5);
    CHECK(run->targets[2].target.origin == "bootstrap");
    CHECK(run->targets[3].target.origin == "canonical");
    CHECK(run->targets[4].target.origin == "canonical");
    // The two canonical targets are those of the two addresses probed.
    std::vector<std::string> expected;
    for (const auto& name : run->targets[2].dns.canonical_names) expected.push_back(name.host());
    CHECK(hosts_of(run->targets, 3) == sorted(expected));
    CHECK(run->targets[0].dns.canonical_names.empty());
    CHECK(run->targets[0].addresses.size() == 2);
    CHECK(run->targets[0].addresses[0].tcp.status == StageStatus::ok);
    CHECK(run->targets[1].dns.cause == Cause::dns_nxdomain);
    CHECK(run->targets[1].dns.canonical_names.empty());
    CHECK(run->targets[2].dns.canonical_names.size() == 2);
    CHECK(run->targets[2].addresses_not_probed == 1);
    const auto report = diagnosed(*run);
    CHECK(report.targets[1].status == StageStatus::failed);
    CHECK(report.targets[2].status == StageStatus::ok);
}

TEST_CASE("--deadline during the reverse lookups marks the bootstrap's dns stage",
          "[engine][canonical][deadline]") {
    // The bootstrap is an address, which needs no query (Java too looks up the canonical name
    // of a literal); its PTR query goes to a server that never answers, so only the deadline
    // ends the run in time.
    vpcprobe::test::SilentDnsServer silent;
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {silent.server()};
    options.settings.hosts_file = "";
    options.settings.timeout = 20s;
    options.settings.deadline = 500ms;
    options.settings.tcp_only = true;
    options.settings.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    Target literal = bootstrap(9092);
    literal.host = "127.0.0.2";
    const auto started = std::chrono::steady_clock::now();
    auto run = vpcprobe::run_probes({literal}, options);
    CHECK(std::chrono::steady_clock::now() - started < 3s);
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() == 1);
    const TargetEvidence& boot = run->targets[0];
    CHECK(boot.dns.status == StageStatus::failed);
    CHECK(boot.dns.cause == Cause::run_deadline);
    REQUIRE(boot.dns.canonical_names.size() == 1);
    CHECK(boot.dns.canonical_names[0].address == "127.0.0.2");
    CHECK(boot.addresses.empty());
}

TEST_CASE("a name the hosts file gives an address is its canonical name, even the bootstrap's",
          "[engine][canonical]") {
    // The usual single-broker case: the name resolves to an address whose name is the same
    // name. The client connects to it, so it is probed, as a canonical target.
    vpcprobe::test::SilentDnsServer silent;  // nothing may need DNS here
    vpcprobe::test::TempDir dir;
    Peers peers(dir.path(), {"boot.test"});
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {silent.server()};
    options.settings.hosts_file = dir.file("hosts");
    {
        std::ofstream out(options.settings.hosts_file);
        out << "127.0.0.2 boot.test\n";
    }
    options.settings.ca_files = {peers.pki.ca_file()};
    options.settings.protocol_checks = false;
    options.settings.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    auto run = vpcprobe::run_probes({bootstrap(peers.port)}, options);
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() == 2);
    const TargetEvidence& boot = run->targets[0];
    REQUIRE(boot.dns.canonical_names.size() == 1);
    CHECK(boot.dns.canonical_names[0].name == "boot.test");
    CHECK(boot.dns.canonical_names[0].source == "hosts-file");
    const TargetEvidence& canonical = run->targets[1];
    CHECK(canonical.target.host == "boot.test");
    CHECK(canonical.target.origin == "canonical");
    REQUIRE(canonical.addresses.size() == 1);
    CHECK(canonical.addresses[0].certificate.status == StageStatus::ok);
    const auto report = diagnosed(*run);
    CHECK(report.targets[0].status == StageStatus::ok);
    CHECK(report.targets[1].status == StageStatus::ok);
}

TEST_CASE("a canonical target is a bootstrap to Kafka: its Metadata's brokers follow",
          "[engine][canonical][kafka]") {
    // librdkafka's mock cluster listens on 127.0.0.1, plaintext; the bootstrap name resolves
    // there and the address's PTR record names kcanon.test.
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    REQUIRE(handle != nullptr);
    rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, 2);
    REQUIRE(cluster != nullptr);
    const std::string first = rd_kafka_mock_cluster_bootstraps(cluster);
    const auto port =
        static_cast<std::uint16_t>(std::stoi(first.substr(first.rfind(':', first.find(',')) + 1)));

    DnsmasqConfig config;
    config.local_domains = {"test", "127.in-addr.arpa"};
    config.records = {{"kcanon.test", "127.0.0.1"}};
    config.extra_args = {"--address=/kboot.test/127.0.0.1"};
    Dnsmasq dns(config);
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {dns.server()};
    options.settings.hosts_file = "";
    options.settings.dns_lookup = DnsLookup::resolve_canonical_bootstrap_servers_only;
    Target boot = bootstrap(port);
    boot.host = "kboot.test";
    boot.tls = false;
    auto run = vpcprobe::run_probes({boot}, options);
    rd_kafka_mock_cluster_destroy(cluster);
    rd_kafka_destroy(handle);
    REQUIRE(run.ok());
    INFO(dns.log());
    REQUIRE(run->targets.size() == 4);  // the bootstrap, its canonical name, two brokers
    const TargetEvidence& canonical = run->targets[1];
    CHECK(canonical.target.host == "kcanon.test");
    CHECK(canonical.target.tls == false);
    REQUIRE(canonical.addresses.size() == 1);
    const auto& protocol = canonical.addresses[0].protocol;
    INFO(protocol.detail);
    REQUIRE(protocol.kafka);
    CHECK(protocol.kafka->metadata_checked);
    CHECK(protocol.kafka->brokers.size() == 2);
    for (std::size_t i = 2; i < 4; ++i) {
        CHECK(run->targets[i].target.origin == "advertised");
        CHECK(run->targets[i].target.advertised_by == "kcanon.test:" + std::to_string(port));
    }
    // The bootstrap itself spoke no Kafka.
    CHECK(run->targets[0].addresses.at(0).protocol.status == StageStatus::skipped);
}
