// SPDX-License-Identifier: Apache-2.0
// The canonical names of a bootstrap become targets (probes/engine/canonical_bootstraps.h):
// only bootstraps under resolve_canonical_bootstrap_servers_only are redirected, each distinct
// host once per run (an address without a name as its own text), with the bootstrap's port,
// component, access and TLS; the bootstrap's own stages after dns are skipped, saying why.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/engine/canonical_bootstraps.h"

using vpcprobe::CanonicalBootstraps;
using vpcprobe::CanonicalName;
using vpcprobe::DnsLookup;
using vpcprobe::StageStatus;
using vpcprobe::Target;

namespace {

Target bootstrap(const std::string& host, std::uint16_t port) {
    Target target;
    target.component = "kafka";
    target.access = "pub";
    target.host = host;
    target.port = port;
    target.origin = "bootstrap";
    target.tls = false;
    return target;
}

CanonicalName named(const std::string& address, const std::string& name) {
    CanonicalName out;
    out.address = address;
    out.name = name;
    return out;
}

std::vector<std::string> endpoints(const std::vector<Target>& targets) {
    std::vector<std::string> out;
    for (const Target& target : targets) out.push_back(target.endpoint());
    return out;
}

}  // namespace

TEST_CASE("only bootstraps, and only in that mode, are redirected", "[engine][canonical]") {
    const CanonicalBootstraps canonical(DnsLookup::resolve_canonical_bootstrap_servers_only);
    CHECK(canonical.redirects(bootstrap("boot", 9092)));
    Target argument = bootstrap("boot", 9092);
    argument.origin = "argument";
    CHECK_FALSE(canonical.redirects(argument));
    argument.origin = "advertised";
    CHECK_FALSE(canonical.redirects(argument));
    argument.origin = "canonical";
    CHECK_FALSE(canonical.redirects(argument));
    const CanonicalBootstraps plain(DnsLookup::use_all_dns_ips);
    CHECK_FALSE(plain.redirects(bootstrap("boot", 9092)));
}

TEST_CASE("each distinct canonical host becomes a target of the bootstrap's kind",
          "[engine][canonical]") {
    CanonicalBootstraps canonical(DnsLookup::resolve_canonical_bootstrap_servers_only);
    const Target seed = bootstrap("boot.example", 9093);
    auto added = canonical.merge(seed, {named("10.0.0.5", "b-1.internal"),
                                        named("10.0.0.6", "B-1.Internal"),  // the same name
                                        named("10.0.0.7", ""), named("fd00::7", "")});
    CHECK(endpoints(added) ==
          std::vector<std::string>{"b-1.internal:9093", "10.0.0.7:9093", "[fd00::7]:9093"});
    const Target& target = added.at(0);
    CHECK(target.component == "kafka");
    CHECK(target.access == "pub");
    CHECK(target.port == 9093);
    CHECK(target.origin == "canonical");
    CHECK(target.tls == false);
    CHECK(target.canonical_of == "boot.example:9093");
    CHECK(target.advertised_by.empty());
    CHECK(target.node_id == -1);

    // A second bootstrap of the same cluster leads to the same names: nothing new; nor is a
    // target the run already connects to added again.
    CHECK(canonical.merge(bootstrap("boot2.example", 9093), {named("10.0.0.5", "b-1.internal")})
              .empty());
    canonical.add_known(bootstrap("b-2.internal", 9093));
    CHECK(canonical.merge(seed, {named("10.0.0.8", "b-2.internal")}).empty());
}

TEST_CASE("the bootstrap is not connected to, and says where the client goes instead",
          "[engine][canonical]") {
    vpcprobe::TargetEvidence evidence;
    evidence.target = bootstrap("boot.example", 9093);
    evidence.dns.status = StageStatus::ok;
    evidence.dns.canonical_names = {named("10.0.0.5", "b-1.internal"), named("10.0.0.7", "")};
    vpcprobe::mark_not_connected(evidence);
    REQUIRE(evidence.addresses.size() == 2);
    CHECK(evidence.addresses[0].address == "10.0.0.5");
    CHECK(evidence.addresses[1].address == "10.0.0.7");
    for (const auto& address : evidence.addresses) {
        for (const vpcprobe::StageResult* stage :
             {static_cast<const vpcprobe::StageResult*>(&address.tcp),
              static_cast<const vpcprobe::StageResult*>(&address.tls),
              static_cast<const vpcprobe::StageResult*>(&address.certificate),
              static_cast<const vpcprobe::StageResult*>(&address.protocol)}) {
            CHECK(stage->status == StageStatus::skipped);
            CHECK(stage->cause == vpcprobe::Cause::none);
            CHECK(stage->detail ==
                  "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client "
                  "connects to the canonical names b-1.internal, 10.0.0.7 instead");
        }
    }
    evidence.dns.canonical_names = {named("10.0.0.5", "b-1.internal")};
    vpcprobe::mark_not_connected(evidence);
    REQUIRE(evidence.addresses.size() == 1);
    CHECK(evidence.addresses[0].tls.detail ==
          "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client connects to "
          "the canonical name b-1.internal instead");
}
