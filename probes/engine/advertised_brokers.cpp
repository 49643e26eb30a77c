// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/advertised_brokers.h"

namespace vpcprobe {

namespace {

bool valid(const KafkaBroker& broker) {
    return !broker.host.empty() && broker.port >= 1 && broker.port <= 65535;
}

Target advertised_target(const Target& bootstrap, const KafkaBroker& broker) {
    Target target;
    target.component = "kafka";
    target.access = bootstrap.access;
    target.host = broker.host;
    target.port = static_cast<std::uint16_t>(broker.port);
    target.origin = "advertised";
    target.tls = bootstrap.tls;
    target.advertised_by = bootstrap.endpoint();
    target.node_id = broker.node_id;
    return target;
}

}  // namespace

void AdvertisedBrokers::add_known(const Target& target) {
    known_endpoints_.insert(target.endpoint());
}

std::vector<Target> AdvertisedBrokers::merge(const Target& bootstrap,
                                             const std::vector<KafkaBroker>& brokers) {
    std::vector<Target> added;
    for (const KafkaBroker& broker : brokers) {
        if (!valid(broker)) continue;
        Target target = advertised_target(bootstrap, broker);
        // A broker left out by the bound stays known, so a second bootstrap naming it does not
        // count it again.
        if (!known_endpoints_.insert(target.endpoint()).second) continue;
        if (added_ >= max_advertised_) {
            ++not_probed_;
            continue;
        }
        ++added_;
        added.push_back(std::move(target));
    }
    return added;
}

}  // namespace vpcprobe
