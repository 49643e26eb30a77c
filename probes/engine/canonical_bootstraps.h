// SPDX-License-Identifier: Apache-2.0
// Kafka's client.dns.lookup=resolve_canonical_bootstrap_servers_only as the Java client does
// it: every address of a bootstrap name is turned back into its canonical name (the resolver's
// canonical_name(): hosts file or PTR, kept only when it resolves back; else the address text),
// and the client connects to those names, verifying TLS against them, and never to the
// bootstrap name itself. So the engine probes each distinct canonical name as a target of its
// own (origin "canonical", canonical_of the bootstrap's host:port, with the bootstrap's port,
// component, access and TLS), and the bootstrap's own stages after dns are skipped, saying
// where the client goes instead. The canonical targets of one bootstrap are at most its
// addresses probed (max_addresses); a host:port already in the run is not added again.
//
// Threading: no I/O; one thread (the engine's event loop) owns an instance.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/evidence.h"
#include "core/probe_settings.h"
#include "core/target.h"

namespace vpcprobe {

class CanonicalBootstraps {
  public:
    explicit CanonicalBootstraps(DnsLookup lookup) : lookup_(lookup) {}

    // True when the client connects to `target`'s canonical names instead of its name: a
    // target of origin "bootstrap" under resolve_canonical_bootstrap_servers_only.
    bool redirects(const Target& target) const;

    // A target the run connects to: a canonical name at its host:port is not added again.
    void add_known(const Target& target);

    // The targets to append for `bootstrap` whose addresses have `names`: one per distinct
    // host the client connects to, in address order, host:port already in the run skipped.
    std::vector<Target> merge(const Target& bootstrap, const std::vector<CanonicalName>& names);

  private:
    DnsLookup lookup_;
    std::set<std::string> known_endpoints_;
};

// The distinct hosts the client connects to for `names`, in their order.
std::vector<std::string> canonical_hosts(const std::vector<CanonicalName>& names);

// The bootstrap's addresses (one per canonical name) with every stage after dns skipped and a
// detail naming the hosts the client connects to instead.
void mark_not_connected(TargetEvidence& bootstrap);

}  // namespace vpcprobe
