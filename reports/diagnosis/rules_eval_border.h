// SPDX-License-Identifier: Apache-2.0
// The filters of rules_eval.cpp that sit between the two ends' own rules: the NAT gateway's SNAT
// (which public address a private host reaches the Internet as) and Alibaba Cloud Firewall's
// policies (Internet border, VPC border). Internal to the rules evaluation; evaluate()
// (rules_eval.h) calls these in the order the packets meet them.
//
// Pure functions of their arguments: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/diagnosis/rules.h"
#include "reports/diagnosis/rules_eval.h"

namespace vpcprobe::rules::border {

// The public address(es) the host at `source` reaches the Internet as, and what says so.
struct PublicSource {
    std::vector<Cidr> addresses;  // a SNAT pool gives several
    std::string via;              // "snat-bp1... (ngw-bp1...)" or "--public-source"
};

// --public-source when given, the source itself when it is public, else the most specific Available
// SNAT entry covering the host (SourceCIDR by prefix length; a SourceVSwitchId without a CIDR ranks
// above every CIDR short of a /32). Adds the NAT step to `out` (and egress_as); nullopt when
// nothing says.
std::optional<PublicSource> public_source(const RuleSet& rules, const Flow& flow,
                                          const Cidr& source, const Interface* source_interface,
                                          Evaluation& out);

enum class PassResult { allowed, blocked, unknown };

// The enabled policies of `border`, by ascending Order, for tcp `source` -> `destination`:`port`
// (`source` nullopt: the public address is not known, so only policies from anywhere decide).
// First match wins; accept and log pass, drop blocks (a `cloud-firewall-policy` suspect); nothing
// matched is allowed. A policy that may match (location, domain, application, a book without its
// members, an unknown source) is a step and, when it drops, a possible suspect; when one comes
// before the deciding policy with another outcome, the result is unknown.
PassResult firewall(const RuleSet& rules, FirewallBorder border, const std::optional<Cidr>& source,
                    const Cidr& destination, int port, Evaluation& out);

}  // namespace vpcprobe::rules::border
