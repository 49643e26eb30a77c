// SPDX-License-Identifier: Apache-2.0
// The brokers a bootstrap advertises become targets: invalid ones skipped, each host:port once
// per run (input targets included), at most max_advertised, the rest counted as not probed.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/engine/advertised_brokers.h"

using vpcprobe::AdvertisedBrokers;
using vpcprobe::KafkaBroker;
using vpcprobe::Target;

namespace {

Target bootstrap(const std::string& host, std::uint16_t port) {
    Target target;
    target.component = "kafka";
    target.access = "vpc";
    target.host = host;
    target.port = port;
    target.origin = "bootstrap";
    target.tls = false;
    return target;
}

KafkaBroker broker(std::int32_t node_id, const std::string& host, std::int32_t port) {
    KafkaBroker b;
    b.node_id = node_id;
    b.host = host;
    b.port = port;
    return b;
}

std::vector<std::string> endpoints(const std::vector<Target>& targets) {
    std::vector<std::string> out;
    for (const Target& target : targets) out.push_back(target.endpoint());
    return out;
}

}  // namespace

TEST_CASE("an advertised broker becomes a kafka target of its bootstrap's kind",
          "[engine][advertised]") {
    AdvertisedBrokers advertised(64);
    const Target seed = bootstrap("boot.example", 9092);
    advertised.add_known(seed);
    auto added = advertised.merge(seed, {broker(7, "b7.example", 9093)});
    REQUIRE(added.size() == 1);
    const Target& target = added[0];
    CHECK(target.component == "kafka");
    CHECK(target.access == "vpc");
    CHECK(target.host == "b7.example");
    CHECK(target.port == 9093);
    CHECK(target.origin == "advertised");
    CHECK(target.tls == false);  // a plaintext bootstrap advertises plaintext listeners
    CHECK(target.advertised_by == "boot.example:9092");
    CHECK(target.node_id == 7);
    CHECK(advertised.not_probed() == 0);
}

TEST_CASE("brokers without a host or with a port outside 1..65535 are skipped",
          "[engine][advertised]") {
    AdvertisedBrokers advertised(64);
    auto added =
        advertised.merge(bootstrap("boot", 9092),
                         {broker(1, "", 9092), broker(2, "b2", 0), broker(3, "b3", -1),
                          broker(4, "b4", 65536), broker(5, "b5", 65535), broker(6, "b6", 1)});
    CHECK(endpoints(added) == std::vector<std::string>{"b5:65535", "b6:1"});
    CHECK(advertised.not_probed() == 0);  // invalid is not "beyond the bound"
}

TEST_CASE("each host:port is probed once per run", "[engine][advertised]") {
    AdvertisedBrokers advertised(64);
    const Target seed = bootstrap("boot", 9092);
    Target input = bootstrap("b1", 9092);  // also given on the command line
    advertised.add_known(seed);
    advertised.add_known(input);
    Target v6 = bootstrap("fd00::1", 9092);
    advertised.add_known(v6);

    auto first = advertised.merge(
        seed, {broker(0, "boot", 9092), broker(1, "b1", 9092), broker(2, "b2", 9092),
               broker(2, "b2", 9092), broker(3, "b2", 9093), broker(4, "fd00::1", 9092)});
    CHECK(endpoints(first) == std::vector<std::string>{"b2:9092", "b2:9093"});

    // A second bootstrap of the same cluster names the same brokers: nothing new.
    auto second =
        advertised.merge(bootstrap("boot2", 9092), {broker(1, "b1", 9092), broker(2, "b2", 9092)});
    CHECK(second.empty());
    CHECK(advertised.not_probed() == 0);
}

TEST_CASE("beyond max_advertised brokers are counted, once each, as not probed",
          "[engine][advertised]") {
    AdvertisedBrokers advertised(2);
    const Target seed = bootstrap("boot", 9092);
    auto first = advertised.merge(seed, {broker(1, "b1", 9092), broker(2, "b2", 9092),
                                         broker(3, "b3", 9092), broker(4, "b4", 9092)});
    CHECK(endpoints(first) == std::vector<std::string>{"b1:9092", "b2:9092"});
    CHECK(advertised.not_probed() == 2);

    // Named again by another bootstrap: already counted.
    auto again =
        advertised.merge(bootstrap("boot2", 9092), {broker(3, "b3", 9092), broker(5, "b5", 9092)});
    CHECK(again.empty());
    CHECK(advertised.not_probed() == 3);

    AdvertisedBrokers none(0);
    CHECK(none.merge(seed, {broker(1, "b1", 9092)}).empty());
    CHECK(none.not_probed() == 1);
}
