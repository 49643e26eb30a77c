// SPDX-License-Identifier: Apache-2.0
// The brokers Kafka bootstraps advertise, as targets of the probe run: clients connect to what
// Metadata names, not to the bootstrap, so each valid broker (a host and a port in 1..65535)
// becomes a `kafka` target of origin "advertised", with the access and TLS of the bootstrap that
// named it. Each host:port is probed once per run, whether an input target or another
// bootstrap already has it, and at most max_advertised are added; the rest are counted as not
// probed (the report says so).
//
// Threading: no I/O; one thread (the engine's event loop) owns an instance.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/target.h"

namespace vpcprobe {

class AdvertisedBrokers {
  public:
    explicit AdvertisedBrokers(std::size_t max_advertised) : max_advertised_(max_advertised) {}

    // A target the run already has: a broker at its host:port is not added again.
    void add_known(const Target& target);

    // The targets to append to the run for `brokers`, as `bootstrap`'s Metadata listed them,
    // in that order: invalid ones skipped, host:port already in the run skipped, and beyond
    // max_advertised added in all counted in not_probed() instead.
    std::vector<Target> merge(const Target& bootstrap, const std::vector<KafkaBroker>& brokers);

    // Distinct advertised brokers left out by the bound.
    std::size_t not_probed() const { return not_probed_; }

  private:
    std::size_t max_advertised_;
    std::set<std::string> known_endpoints_;  // host:port of every target in the run, and of
                                             // the brokers left out
    std::size_t added_ = 0;
    std::size_t not_probed_ = 0;
};

}  // namespace vpcprobe
