// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/canonical_bootstraps.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {

namespace {

Target canonical_target(const Target& bootstrap, const std::string& host) {
    Target target;
    target.component = bootstrap.component;
    target.access = bootstrap.access;
    target.host = host;
    target.port = bootstrap.port;
    target.origin = "canonical";
    target.tls = bootstrap.tls;
    target.canonical_of = bootstrap.endpoint();
    return target;
}

}  // namespace

bool CanonicalBootstraps::redirects(const Target& target) const {
    return lookup_ == DnsLookup::resolve_canonical_bootstrap_servers_only &&
           target.origin == "bootstrap";
}

void CanonicalBootstraps::add_known(const Target& target) {
    known_endpoints_.insert(target.endpoint());
}

std::vector<Target> CanonicalBootstraps::merge(const Target& bootstrap,
                                               const std::vector<CanonicalName>& names) {
    std::vector<Target> added;
    for (const std::string& host : canonical_hosts(names)) {
        Target target = canonical_target(bootstrap, host);
        if (!known_endpoints_.insert(target.endpoint()).second) continue;
        added.push_back(std::move(target));
    }
    return added;
}

std::vector<std::string> canonical_hosts(const std::vector<CanonicalName>& names) {
    std::vector<std::string> hosts;
    for (const CanonicalName& name : names) {
        // Names compare without case, as DNS does; the first spelling is kept.
        const bool seen = std::any_of(hosts.begin(), hosts.end(), [&](const std::string& host) {
            return lower(host) == lower(name.host());
        });
        if (!seen && !name.host().empty()) hosts.push_back(name.host());
    }
    return hosts;
}

void mark_not_connected(TargetEvidence& bootstrap) {
    const auto& names = bootstrap.dns.canonical_names;
    const std::string detail = fmt::format(
        "client.dns.lookup=resolve_canonical_bootstrap_servers_only: the client connects to the "
        "canonical name{} {} instead",
        canonical_hosts(names).size() == 1 ? "" : "s", join(canonical_hosts(names), ", "));
    bootstrap.addresses.clear();
    for (const CanonicalName& name : names) {
        AddressEvidence address;
        address.address = name.address;
        for (StageResult* stage : std::initializer_list<StageResult*>{
                 &address.tcp, &address.tls, &address.certificate, &address.protocol}) {
            stage->status = StageStatus::skipped;
            stage->detail = detail;
        }
        bootstrap.addresses.push_back(std::move(address));
    }
}

}  // namespace vpcprobe
