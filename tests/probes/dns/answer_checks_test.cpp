// SPDX-License-Identifier: Apache-2.0
// Answers that mislead (probes/dns/answer_checks.h), as pure functions: which addresses are
// unspecified or local, which names are this host's, and what check_answers() makes of a
// lookup's evidence. The resolver and engine tests cover the same through real dnsmasq answers.
#include "probes/dns/answer_checks.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using vpcprobe::AnswerOrigin;
using vpcprobe::Cause;
using vpcprobe::DnsEvidence;
using vpcprobe::StageStatus;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

DnsEvidence answered(std::vector<std::string> addresses, std::string source = "dns") {
    DnsEvidence evidence;
    evidence.status = StageStatus::ok;
    evidence.source = std::move(source);
    evidence.detail = "resolved";
    evidence.addresses = std::move(addresses);
    return evidence;
}

const AnswerOrigin kOneResolver{"10.20.0.2:53", "/etc/hosts"};

}  // namespace

TEST_CASE("unspecified addresses are 0.0.0.0 and :: in any spelling", "[dns][answers]") {
    for (const char* address : {"0.0.0.0", "::", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"}) {
        INFO(address);
        CHECK(vpcprobe::is_unspecified_address(address));
    }
    for (const char* address :
         {"0.0.0.1", "10.0.0.0", "::1", "::ffff:0.0.0.1", "fe80::", "", "x"}) {
        INFO(address);
        CHECK_FALSE(vpcprobe::is_unspecified_address(address));
    }
}

TEST_CASE("local addresses are loopback and link-local, both families", "[dns][answers]") {
    for (const char* address :
         {"127.0.0.1", "127.0.93.7", "127.255.255.254", "::1", "169.254.0.1", "169.254.169.254",
          "fe80::1", "febf::1", "fe80::1%eth0", "::ffff:127.0.0.1", "::ffff:169.254.1.1"}) {
        INFO(address);
        CHECK(vpcprobe::is_local_address(address));
    }
    for (const char* address : {"10.0.0.5", "128.0.0.1", "126.255.255.255", "169.253.0.1",
                                "169.255.0.1", "fec0::1", "fd00::1", "::2", "0.0.0.0", "::"}) {
        INFO(address);
        CHECK_FALSE(vpcprobe::is_local_address(address));
    }
}

TEST_CASE("this host's names: localhost, its hostname, its short name and FQDN", "[dns][answers]") {
    const auto own = vpcprobe::own_host_names("Build-7.corp.example",
                                              {"build-7.corp.example", "build-7.lan", "other.lan"});
    CHECK(own == std::vector<std::string>{"build-7.corp.example", "build-7", "build-7.lan"});
    for (const char* name :
         {"localhost", "LOCALHOST.", "kafka.localhost", "localhost.localdomain", "ip6-localhost",
          "ip6-loopback", "build-7", "build-7.corp.example.", "BUILD-7.lan"}) {
        INFO(name);
        CHECK(vpcprobe::is_own_host_name(name, own));
    }
    for (const char* name : {"kafka", "other.lan", "build-77", "localhost-kafka", "mylocalhost"}) {
        INFO(name);
        CHECK_FALSE(vpcprobe::is_own_host_name(name, own));
    }
    // A hosts file line whose first name does not extend the hostname gives no FQDN.
    CHECK(vpcprobe::own_host_names("build-7", {"localhost"}) ==
          std::vector<std::string>{"build-7"});
    CHECK(vpcprobe::own_host_names("", {"x"}).empty());
}

TEST_CASE("every answer unspecified: dns.sinkhole, failed, naming the resolver", "[dns][answers]") {
    auto evidence = answered({"0.0.0.0"});
    vpcprobe::check_answers(evidence, "vpc-kafka-x.example", kOneResolver, {});
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_sinkhole);
    CHECK(evidence.detail ==
          "the resolver 10.20.0.2:53 answered 0.0.0.0 for vpc-kafka-x.example: a DNS firewall or "
          "filter blocked this name; nothing was probed (0.0.0.0 is this host, not a server)");
    CHECK(evidence.addresses == std::vector<std::string>{"0.0.0.0"});
    CHECK(vpcprobe::addresses_to_probe(evidence).empty());
    CHECK(evidence.local_answers.empty());

    SECTION("both families, several resolvers") {
        auto both = answered({"0.0.0.0", "::"});
        vpcprobe::check_answers(both, "k", AnswerOrigin{"10.0.0.2:53, 10.0.0.3:53", ""}, {});
        CHECK(both.status == StageStatus::failed);
        CHECK(contains(both.detail,
                       "one of the resolvers (10.0.0.2:53, 10.0.0.3:53) answered "
                       "0.0.0.0, :: for k"));
    }
}

TEST_CASE("a hosts file entry 0.0.0.0 is a local block", "[dns][answers]") {
    auto evidence = answered({"0.0.0.0"}, "hosts-file");
    vpcprobe::check_answers(evidence, "ads.example", kOneResolver, {});
    CHECK(evidence.status == StageStatus::failed);
    CHECK(evidence.cause == Cause::dns_sinkhole);
    CHECK(contains(evidence.detail, "the hosts file /etc/hosts maps ads.example to 0.0.0.0"));
    CHECK_FALSE(contains(evidence.detail, "10.20.0.2"));  // no resolver was asked
}

TEST_CASE("unspecified beside real answers: only the real ones are probed, dns warns",
          "[dns][answers]") {
    auto evidence = answered({"0.0.0.0", "10.1.0.5", "::"});
    vpcprobe::check_answers(evidence, "k.example", kOneResolver, {});
    CHECK(evidence.status == StageStatus::warning);
    CHECK(evidence.cause == Cause::dns_sinkhole);
    CHECK(evidence.detail ==
          "the resolver 10.20.0.2:53 answered 0.0.0.0, :: beside 10.1.0.5 for k.example: a DNS "
          "firewall or filter answers for part of this name; only 10.1.0.5 is probed");
    CHECK(evidence.addresses == std::vector<std::string>{"0.0.0.0", "10.1.0.5", "::"});
    CHECK(vpcprobe::addresses_to_probe(evidence) == std::vector<std::string>{"10.1.0.5"});
}

TEST_CASE("local answers are recorded for another host's name only", "[dns][answers]") {
    auto evidence = answered({"127.0.93.1", "10.0.0.1", "fe80::5"});
    vpcprobe::check_answers(evidence, "kafka.example", kOneResolver, {"build-7"});
    CHECK(evidence.status == StageStatus::ok);
    CHECK(evidence.cause == Cause::none);
    CHECK(evidence.detail == "resolved");
    CHECK(evidence.local_answers == std::vector<std::string>{"127.0.93.1", "fe80::5"});
    CHECK(vpcprobe::addresses_to_probe(evidence) == evidence.addresses);

    for (const char* own : {"localhost", "build-7", "x.localhost"}) {
        auto mine = answered({"127.0.0.1", "::1"}, "hosts-file");
        vpcprobe::check_answers(mine, own, kOneResolver, {"build-7"});
        INFO(own);
        CHECK(mine.local_answers.empty());
    }
}

TEST_CASE("a literal and a failed lookup are left as they are", "[dns][answers]") {
    auto literal = answered({"0.0.0.0"}, "literal");
    vpcprobe::check_answers(literal, "0.0.0.0", kOneResolver, {});
    CHECK(literal.status == StageStatus::ok);
    CHECK(literal.cause == Cause::none);
    CHECK(vpcprobe::addresses_to_probe(literal) == std::vector<std::string>{"0.0.0.0"});

    DnsEvidence failed;
    failed.status = StageStatus::failed;
    failed.cause = Cause::dns_nxdomain;
    failed.source = "dns";
    vpcprobe::check_answers(failed, "k", kOneResolver, {});
    CHECK(failed.cause == Cause::dns_nxdomain);
    CHECK(vpcprobe::addresses_to_probe(failed).empty());
}
