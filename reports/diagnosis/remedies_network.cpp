// SPDX-License-Identifier: Apache-2.0
// Remedies for the dns and tcp stages (reports/diagnosis/remedies_facts.h).
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/text.h"
#include "reports/diagnosis/path_reading.h"
#include "reports/diagnosis/remedies_facts.h"

namespace vpcprobe::remedy {

namespace {

// ---- DNS ----

bool from_catalog(const Facts& facts) {
    return facts.target.target.origin == "catalog" && facts.component.vpc_port != 0;
}

// A pub name of a component whose Internet access the console switches on (all but Control
// Center, on by default).
bool internet_access_switch(const Facts& facts) {
    return from_catalog(facts) && facts.target.target.access == "pub" &&
           facts.target.target.component != "control-center";
}

std::string internet_access_remedy(const Facts& facts, std::string_view how) {
    return fmt::format(
        "{} {} for {}: enable Internet access for {} in the ApsaraMQ for Confluent console "
        "(the instance's Access Links and Interfaces page), then check that the name resolves",
        facts.host, how, resolvers_text(facts.agent), facts.component.title);
}

// A vpc- (or other catalog) name that does not exist: the instance ID, or the wrong resolver.
std::string catalog_name_remedy(const Facts& facts, std::string_view how) {
    const std::string id = catalog_part_instance_id(facts.host);
    return fmt::format(
        "{} {} for {}: check the instance ID (this name carries partInstanceId {}); if it is "
        "right, resolve with the VPC's resolver (Alibaba Cloud VPC DNS 100.100.2.136 and "
        "100.100.2.138 in /etc/resolv.conf, or --dns-server) instead of {}",
        facts.host, how, resolvers_text(facts.agent), id.empty() ? "?" : id,
        facts.agent.resolvers.empty() ? std::string("the system's default")
                                      : join(facts.agent.resolvers, ", "));
}

std::string missing_name_remedy(const Facts& facts, std::string_view how) {
    if (internet_access_switch(facts)) return internet_access_remedy(facts, how);
    if (from_catalog(facts)) return catalog_name_remedy(facts, how);
    return fmt::format(
        "{} {} for {}: check the spelling of the name, or resolve it with a resolver that serves "
        "its zone (--dns-server, or /etc/resolv.conf)",
        facts.host, how, resolvers_text(facts.agent));
}

std::string sinkhole_remedy(const Facts& facts) {
    const auto& addresses = facts.target.evidence.dns.addresses;
    return fmt::format(
        "a DNS firewall or filter rule at {} blocked {} (it answered {}): ask its operators to "
        "allow {}, or resolve it with the VPC's own resolver (--dns-server) if the filter is not "
        "meant for it",
        resolvers_text(facts.agent), facts.host,
        addresses.empty() ? std::string("0.0.0.0") : join(addresses, ", "), facts.host);
}

// ---- TCP ----

bool names_a_rule(const Suspect& suspect) {
    return suspect.kind == "security-group" || suspect.kind == "security-group-rule" ||
           suspect.kind == "network-acl-rule" || suspect.kind == "route";
}

// "sg-0abc (ingress), acl-12/100 (ingress)": the suspects rules attribution named.
std::vector<std::string> named_rules(const Facts& facts, bool& egress_named) {
    std::vector<std::string> out;
    egress_named = false;
    for (const auto& suspect : facts.target.cause->suspects) {
        if (!names_a_rule(suspect) || suspect.id.empty()) continue;
        std::string text = suspect.id;
        if (suspect.kind == "network-acl-rule" && !suspect.rule.empty()) {
            text += fmt::format(" entry {}", suspect.rule);
        }
        if (!suspect.direction.empty()) text += fmt::format(" ({})", suspect.direction);
        if (suspect.direction == "egress") egress_named = true;
        bool seen = false;
        for (const auto& known : out) seen = seen || known == text;
        if (!seen) out.push_back(std::move(text));
    }
    return out;
}

// A `firewall` suspect from attribution: the exports allow the flow, or cannot decide it.
const Suspect* firewall_suspect(const Facts& facts) {
    for (const auto& suspect : facts.target.cause->suspects) {
        if (suspect.kind == "firewall") return &suspect;
    }
    return nullptr;
}

std::string allow_flow(const Facts& facts) {
    return fmt::format("allow tcp/{} from {}", facts.port, facts.source);
}

const TcpEvidence& shown_tcp(const Facts& facts) {
    static const TcpEvidence kNoTcp{};
    return facts.shown ? facts.shown->tcp : kNoTcp;
}

// Where to look, from the path trace of a SYN nothing answered (docs/report.md, "Path trace").
// Routers answering means the SYN left this host: its egress filters let the flow out (the
// trace used the probe's own port, so a filter on the 5-tuple saw the same flow). Nothing
// answering is ambiguous: the SYN stopped here, or the routers do not answer TTL expiry (cloud
// VPC routers do not), and the remedy says both.
std::string timeout_path_advice(const Facts& facts) {
    const TcpEvidence& tcp = shown_tcp(facts);
    const path::Reading reading = path::read(tcp);
    if (reading.trace == nullptr) return "";
    if (reading.trace->stopped == TraceStop::destination) {
        return fmt::format(
            "; the path trace reached {} at hop {} a moment later, so the drop comes and goes: "
            "a rate limit or connection-tracking table on the way, or a listener whose backlog "
            "was full",
            facts.address, reading.last->ttl);
    }
    if (reading.left_host) {
        const std::string got = fmt::format(
            "; the path trace{} got answers up to hop {}, {}, so the SYN gets past this host's "
            "egress filters",
            reading.own_port ? " (sent from this probe's own port)" : "", reading.last->ttl,
            reading.last->address);
        if (reading.last_near_destination) {
            return got + fmt::format(
                             ": {} is in the endpoint's subnet (by its /24 or /64), so the "
                             "endpoint's security group and network ACL come first",
                             reading.last->address);
        }
        return got + fmt::format(
                         ": look from {} on: its own forwarding filter (a router that answers "
                         "TTL expiry may still drop what it forwards) or that of hop {} (a "
                         "transit router, VPN or firewall on the way), before the endpoint's own",
                         reading.last->address, reading.last->ttl + 1);
    }
    if (reading.silent_from_start) {
        return "; no hop answered the path trace: either the SYN never leaves this host (its "
               "security group's egress rules, its host firewall, its subnet's network ACL "
               "outbound) or the routers on the way do not answer TTL expiry (cloud VPC "
               "routers do not), and the trace cannot tell the two apart: check this host's "
               "egress first";
    }
    return "";
}

// The probe's SYN got nothing back, but the trace's SYN on the same flow met an ICMP error
// from a router (a router limits the ICMP errors it sends, so one probe's can go missing):
// that router, not the endpoint, is where to look. "" when the trace says no such thing.
std::string router_answered_trace(const Facts& facts) {
    const path::Reading reading = path::read(shown_tcp(facts));
    if (reading.trace == nullptr || reading.trace->stopped != TraceStop::icmp ||
        reading.last == nullptr || reading.last->address == facts.address) {
        return "";
    }
    const TraceHop& hop = *reading.last;
    const int distance = reading.trace->hops_to(hop.address);
    const std::string heard = fmt::format(
        "the probe's SYN got no answer, but the path trace's SYN on the same port was answered "
        "by {}, {}, not the destination, with ICMP {} (the probe's own answer was likely lost to "
        "the router's ICMP rate limit)",
        hop.address, path::hops_away(distance > 0 ? distance : hop.ttl), hop.reply);
    if (hop.cause == Cause::tcp_prohibited) {
        return fmt::format(
            "{}: {} to {} in the rules of {} (a router, transit router, VPN "
            "gateway or network firewall on the path)",
            heard, allow_flow(facts), facts.address, hop.address);
    }
    return fmt::format("{}: {}; check the routes of {} toward {} (peering, transit router, VPN)",
                       heard, path::unreachable_meaning(hop.reply, facts.address), hop.address,
                       facts.address);
}

// The Cloud Firewall policies attribution named (their AclUuid), "" when none: Internet-border
// policies see this host's public (SNAT) address, not facts.source, so they get their own
// sentence (docs/rules.md, "How a flow is evaluated").
std::string cloud_firewall_remedy(const Facts& facts) {
    std::vector<std::string> policies;
    for (const auto& suspect : facts.target.cause->suspects) {
        if (suspect.kind != "cloud-firewall-policy" || suspect.id.empty()) continue;
        if (std::find(policies.begin(), policies.end(), suspect.id) == policies.end()) {
            policies.push_back(suspect.id);
        }
    }
    if (policies.empty()) return "";
    return fmt::format(
        "in Cloud Firewall, allow tcp/{} to {} from the address the suspect names (this host's "
        "public or SNAT address for the Internet border) with an accept policy ordered before "
        "{}, or narrow that policy",
        facts.port, facts.address, join(policies, " and "));
}

std::string timeout_remedy(const Facts& facts) {
    if (std::string router = router_answered_trace(facts); !router.empty()) return router;
    if (std::string firewall = cloud_firewall_remedy(facts); !firewall.empty()) {
        bool egress_named = false;
        const std::vector<std::string> rules = named_rules(facts, egress_named);
        if (rules.empty()) return firewall;
        return fmt::format("{}; and {} to {} in {}", firewall, allow_flow(facts), facts.address,
                           join(rules, " and "));
    }
    bool egress_named = false;
    const std::vector<std::string> rules = named_rules(facts, egress_named);
    const path::Reading reading = path::read(shown_tcp(facts));
    // A trace that got answers from routers says the egress is not it: no need to send the
    // reader back to this host's rules unless the exports named them.
    const bool egress_cleared = reading.left_host && reading.own_port;
    if (!rules.empty()) {
        return fmt::format("{} to {} in {}{}{}", allow_flow(facts), facts.address,
                           join(rules, " and "),
                           egress_named || egress_cleared ? "" : " and in this host's egress rules",
                           timeout_path_advice(facts));
    }
    std::string text = fmt::format(
        "{} (or its subnet) to {} in the security group and network ACL of the {} endpoint{}",
        allow_flow(facts), facts.address, facts.component.title,
        egress_cleared ? "" : ", and in this host's egress rules");
    text += timeout_path_advice(facts);
    if (const Suspect* firewall = firewall_suspect(facts)) {
        text += fmt::format("; the rules given with --rules: {}", firewall->detail);
    }
    return text;
}

// "the firewall at 10.50.2.2, 2 hops away, rejected it (ICMP admin-prohibited)": who sent the
// ICMP error, and how far away the path trace found it.
std::string who_sent(const Facts& facts, std::string_view what, std::string_view verb) {
    const TcpEvidence& tcp = shown_tcp(facts);
    std::string icmp;
    if (tcp.icmp) {
        icmp = tcp.icmp->name.empty()
                   ? fmt::format("ICMP type {} code {}", tcp.icmp->type, tcp.icmp->code)
                   : fmt::format("ICMP {}", tcp.icmp->name);
    }
    const std::string how = icmp.empty() ? "" : fmt::format(" ({})", icmp);
    if (!tcp.icmp || tcp.icmp->offender.empty()) {
        return fmt::format("a {} on the path {}{}", what, verb, how);
    }
    if (tcp.icmp->offender == facts.address) {
        return fmt::format("the host {} itself {}{}", facts.address, verb, how);
    }
    const int distance = tcp.trace ? tcp.trace->hops_to(tcp.icmp->offender) : 0;
    const std::string away =
        distance > 0 ? fmt::format(", {},", path::hops_away(distance)) : std::string(",");
    return fmt::format("the {} at {}{} not the destination, {}{}", what, tcp.icmp->offender, away,
                       verb, how);
}

// Where a router's reject is configured: on that router, or on the transit, VPN or firewall
// appliance it stands for; the destination's own rules are not in it.
bool sent_by_router(const Facts& facts) {
    const TcpEvidence& tcp = shown_tcp(facts);
    return tcp.icmp && !tcp.icmp->offender.empty() && tcp.icmp->offender != facts.address;
}

std::string prohibited_remedy(const Facts& facts) {
    bool egress_named = false;
    const std::vector<std::string> rules = named_rules(facts, egress_named);
    const std::string where =
        rules.empty() ? std::string("in its rules") : "in " + join(rules, " and ");
    // A router's reject is configured on the path, not in the endpoint's own rules.
    const std::string operators =
        rules.empty() && sent_by_router(facts)
            ? "a router, transit router, VPN gateway or network firewall on the path, not the "
              "endpoint's security group; or have its operators do so"
            : "or have its operators do so";
    return fmt::format("{}: {} to {} {} ({})", who_sent(facts, "firewall", "rejected it"),
                       allow_flow(facts), facts.address, where, operators);
}

std::string unreachable_remedy(const Facts& facts) {
    const bool icmp = facts.shown != nullptr && facts.shown->tcp.icmp.has_value();
    const std::string who = icmp ? who_sent(facts, "router", "said it is unreachable")
                                 : std::string("this host has no route for it");
    std::string text = fmt::format(
        "{}: there is no route from {} to {}; check the route tables of this host's subnet and "
        "of the VPC for a route to {} (peering, transit router, VPN), and that the {} endpoint "
        "still exists at that address",
        who, facts.source, facts.address, facts.address, facts.component.title);
    if (sent_by_router(facts)) {
        text += fmt::format("; start with the routes of {}, the hop that said so",
                            shown_tcp(facts).icmp->offender);
    }
    return text;
}

std::string refused_remedy(const Facts& facts) {
    const std::uint16_t expected = catalog_port(facts);
    if (expected != 0 && expected != facts.port) {
        return fmt::format(
            "nothing listens on port {} at {}: {} is not {}'s port for {} access; use {}",
            facts.port, facts.address, facts.port, facts.component.named,
            facts.target.target.access, expected);
    }
    if (expected == facts.port) {
        return fmt::format(
            "nothing listens on port {} at {}, {}'s port for {} access: the {} service there is "
            "down "
            "or restarting; check the component's state in the console",
            facts.port, facts.address, facts.component.named, facts.target.target.access,
            facts.component.title);
    }
    return fmt::format(
        "nothing listens on port {} at {}: the {} service there may be down or restarting, or the "
        "port "
        "is wrong; check the service's state and its listener configuration",
        facts.port, facts.address, facts.component.title);
}

std::string tcp_error_remedy(const Facts& facts) {
    const TcpEvidence& tcp = shown_tcp(facts);
    const std::string why = tcp.detail.empty() ? std::string("no address was probed") : tcp.detail;
    return fmt::format(
        "the connection to {} could not even be attempted from this host ({}): fix that locally "
        "(the descriptor limit, a --bind address this host has, --concurrency) and run again",
        facts.endpoint, why);
}

// A resolver that never answered: over UDP only (no TCP retry was made: the run's deadline),
// over neither, or over TCP only, which the C library's resolver never tries after a UDP
// timeout, so clients on this host fail until UDP/53 is open.
std::string timeout_remedy(const Facts& facts, const std::string& resolvers) {
    const auto& tcp = facts.target.evidence.dns.tcp_fallback;
    if (tcp && tcp->answered) {
        const std::string would = tcp->addresses.empty()
                                      ? std::string("")
                                      : fmt::format(" (it gives {})", join(tcp->addresses, ", "));
        return fmt::format(
            "{} answers over TCP/53 but not over UDP/53{}: allow udp/53 from {} to it and back "
            "(security group or network ACL, both directions: an ACL is stateless) and check "
            "this host's firewall; clients here resolve {} over UDP and do not retry over TCP, "
            "so they fail until UDP/53 is open",
            resolvers, would, facts.source, facts.host);
    }
    if (tcp) {
        return fmt::format(
            "{} answers neither over UDP/53 nor over TCP/53: check that this host reaches it at "
            "all (its route, security group and network ACL, that the resolver runs), or use a "
            "resolver that answers (/etc/resolv.conf, or --dns-server)",
            resolvers);
    }
    return fmt::format(
        "no answer from {} for {}: check that this host reaches them on udp/53 and tcp/53 "
        "(security group, network ACL, host firewall), or use --dns-server",
        resolvers, facts.host);
}

}  // namespace

std::string dns_remedy(Cause cause, const Facts& facts) {
    const std::string resolvers = resolvers_text(facts.agent);
    switch (cause) {
        case Cause::dns_nxdomain:
            return missing_name_remedy(facts, "does not exist");
        case Cause::dns_nodata:
            return missing_name_remedy(facts, "has no A or AAAA record");
        case Cause::dns_servfail:
            return fmt::format(
                "{} failed to resolve {} (SERVFAIL): check its forwarding for this zone and that "
                "it reaches the zone's servers, or resolve with the VPC's resolver (--dns-server)",
                resolvers, facts.host);
        case Cause::dns_refused:
            return fmt::format(
                "{} refused the query for {} or does not listen: point this host at a resolver "
                "that serves it (/etc/resolv.conf, or --dns-server)",
                resolvers, facts.host);
        case Cause::dns_timeout:
            return timeout_remedy(facts, resolvers);
        case Cause::dns_error:
            return fmt::format(
                "the lookup of {} failed ({}): check the name and /etc/resolv.conf, then ask {} "
                "directly (dig {})",
                facts.host,
                facts.target.evidence.dns.detail.empty() ? std::string("no detail")
                                                         : facts.target.evidence.dns.detail,
                resolvers, facts.host);
        case Cause::dns_sinkhole:
            return sinkhole_remedy(facts);
        default:
            return "";
    }
}

std::string tcp_remedy(Cause cause, const Facts& facts) {
    switch (cause) {
        case Cause::tcp_timeout:
            return timeout_remedy(facts);
        case Cause::tcp_refused:
            return refused_remedy(facts);
        case Cause::tcp_prohibited:
            return prohibited_remedy(facts);
        case Cause::tcp_unreachable:
            return unreachable_remedy(facts);
        case Cause::tcp_error:
            return tcp_error_remedy(facts);
        default:
            return "";
    }
}

}  // namespace vpcprobe::remedy
