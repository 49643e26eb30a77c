// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/findings.h"
#include "core/address.h"
#include "core/text.h"
#include "reports/diagnosis/mtu_blackhole.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace vpcprobe {

namespace {

// ---- Small helpers over the evidence ----

bool from_catalog(const TargetReport& target) {
    return !target.target.access.empty();
}

bool resolved(const TargetReport& target) {
    const DnsEvidence& dns = target.evidence.dns;
    return (dns.status == StageStatus::ok || dns.status == StageStatus::warning) &&
           !dns.addresses.empty();
}

// The DNS cause of a target whose name did not resolve, Cause::none when it resolved. A
// resolver that answered with no address is dns.nodata (as diagnose() says).
Cause dns_failure(const TargetReport& target) {
    const DnsEvidence& dns = target.evidence.dns;
    if (dns.status == StageStatus::failed) return dns.cause;
    if (dns.status != StageStatus::skipped && dns.addresses.empty()) return Cause::dns_nodata;
    return Cause::none;
}

bool name_does_not_exist(Cause cause) {
    return cause == Cause::dns_nxdomain || cause == Cause::dns_nodata;
}

// Appends `value` unless already there: keeps first-seen order, which is the targets' order.
void add_unique(std::vector<std::string>& values, const std::string& value) {
    if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

std::string plural(std::size_t n, const std::string& word) {
    if (n == 1) return fmt::format("{} {}", n, word);
    return fmt::format("{} {}{}", n, word, word.ends_with("s") ? "es" : "s");
}

std::string resolvers_of(const AgentInfo& agent) {
    return agent.resolvers.empty()
               ? "the system's default resolvers"
               : "resolver" + std::string(agent.resolvers.size() == 1 ? " " : "s ") +
                     join(agent.resolvers, ", ");
}

std::string sources_of(const AgentInfo& agent) {
    return agent.source_addresses.empty() ? "this host's addresses"
                                          : join(agent.source_addresses, ", ");
}

// ---- Address classes ----

// `unspecified` (0.0.0.0, ::) is no address at all: a DNS filter's answer (dns.sinkhole), never
// evidence of which resolver view answered.
enum class AddressClass { private_range, public_range, unspecified, unparsable };

// Private for this purpose: anything that is not routed on the Internet, i.e. what a VPC
// resolver hands out: RFC 1918, CGNAT 100.64/10 (Alibaba Cloud's 100.100.x services live
// there), loopback, link-local, 0.0.0.0/8; IPv6 ULA fc00::/7, loopback, link-local.
AddressClass classify(const std::string& text) {
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        const unsigned a = bytes[0], b = bytes[1];
        if (std::all_of(bytes.begin(), bytes.begin() + 4, [](unsigned char c) { return c == 0; })) {
            return AddressClass::unspecified;
        }
        const bool internal = a == 10 || (a == 172 && b >= 16 && b <= 31) ||
                              (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127) ||
                              a == 127 || (a == 169 && b == 254) || a == 0;
        return internal ? AddressClass::private_range : AddressClass::public_range;
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        if (std::all_of(bytes.begin(), bytes.end(), [](unsigned char c) { return c == 0; })) {
            return AddressClass::unspecified;
        }
        const bool loopback = std::all_of(bytes.begin(), bytes.begin() + 15,
                                          [](unsigned char c) { return c == 0; }) &&
                              bytes[15] <= 1;
        const bool unique_local = (bytes[0] & 0xFEu) == 0xFCu;
        const bool link_local = bytes[0] == 0xFEu && (bytes[1] & 0xC0u) == 0x80u;
        return loopback || unique_local || link_local ? AddressClass::private_range
                                                      : AddressClass::public_range;
    }
    return AddressClass::unparsable;
}

// ---- The patterns ----

// Catalog pub names that do not exist while Control Center's pub name resolves: the console
// enables Internet access for Control Center only, by default.
void internet_not_enabled(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    const TargetReport* control_center = nullptr;
    for (const auto& target : targets) {
        if (from_catalog(target) && target.target.access == "pub" &&
            target.target.component == "control-center" && resolved(target)) {
            control_center = &target;
            break;
        }
    }
    if (control_center == nullptr) return;
    Finding finding;
    finding.code = "access.internet_not_enabled";
    finding.severity = Severity::error;
    std::vector<std::string> hosts;
    for (const auto& target : targets) {
        if (!from_catalog(target) || target.target.access != "pub" ||
            target.target.component == "control-center") {
            continue;
        }
        const Cause cause = dns_failure(target);
        if (!name_does_not_exist(cause)) continue;
        add_unique(finding.components, target.target.component);
        add_unique(finding.targets, target.target.endpoint());
        if (std::find(hosts.begin(), hosts.end(), target.target.host) == hosts.end()) {
            hosts.push_back(target.target.host);
            finding.suspects.push_back(
                {"dns", target.target.host, "", "",
                 fmt::format("{} has no public DNS record ({})", target.target.host, code(cause))});
        }
    }
    if (finding.targets.empty()) return;
    finding.summary = fmt::format(
        "the Internet (pub) endpoints of {} do not resolve ({}) while Control Center's {} "
        "resolves to {}: Internet access is enabled for Control Center only",
        join(finding.components, ", "), join(hosts, ", "), control_center->target.host,
        join(control_center->evidence.dns.addresses, ", "));
    finding.remedy = fmt::format(
        "In the ApsaraMQ for Confluent console, open the instance's Access Links and Interfaces "
        "page and enable Internet access for: {}",
        join(finding.components, ", "));
    out.push_back(std::move(finding));
}

// No catalog name resolves at all: the instance ID is wrong, or this host asks a resolver
// that does not serve the VPC's names.
void instance_unresolvable(const std::vector<TargetReport>& targets, const AgentInfo& agent,
                           std::vector<Finding>& out) {
    Finding finding;
    finding.code = "dns.instance_unresolvable";
    finding.severity = Severity::error;
    std::vector<std::string> ids;
    std::vector<std::string> causes;
    std::size_t hosts = 0;
    std::vector<std::string> seen_hosts;
    for (const auto& target : targets) {
        if (!from_catalog(target)) continue;
        const Cause cause = dns_failure(target);
        if (cause == Cause::none) return;  // one catalog name resolves: the instance exists
        add_unique(finding.components, target.target.component);
        add_unique(finding.targets, target.target.endpoint());
        add_unique(causes, std::string(code(cause)));
        const std::string id = catalog_part_instance_id(target.target.host);
        if (!id.empty()) add_unique(ids, id);
        if (std::find(seen_hosts.begin(), seen_hosts.end(), target.target.host) ==
            seen_hosts.end()) {
            seen_hosts.push_back(target.target.host);
            ++hosts;
        }
    }
    if (finding.targets.empty()) return;
    for (const auto& resolver : agent.resolvers) {
        finding.suspects.push_back(
            {"dns", resolver, "", "",
             fmt::format("{} resolved none of the instance's names", resolver)});
    }
    if (agent.resolvers.empty()) {
        finding.suspects.push_back(
            {"dns", "", "", "", "the system's resolvers resolved none of the instance's names"});
    }
    const std::string id_text = ids.empty() ? "" : fmt::format(" of instance {}", join(ids, ", "));
    finding.summary =
        fmt::format("none of the {}{} resolves ({}) with {}", plural(hosts, "endpoint name"),
                    id_text, join(causes, ", "), resolvers_of(agent));
    finding.remedy = fmt::format(
        "Check the instance ID (these names use partInstanceId {}, from "
        "alikafka_confluent-cn-{}); if it is right, make this host use the VPC's resolver "
        "(Alibaba Cloud VPC DNS 100.100.2.136 and 100.100.2.138 in /etc/resolv.conf, or "
        "--dns-server)",
        ids.empty() ? "?" : join(ids, ", "), ids.empty() ? "?" : ids.front());
    out.push_back(std::move(finding));
}

// Per address, the ports whose SYNs were silently dropped (tcp.timeout) and the ports that
// answered (connected, or refused with a RST).
struct TcpOutcomes {
    std::map<std::string, std::set<std::uint16_t>> dropped;
    std::map<std::string, std::set<std::uint16_t>> answered;
};

TcpOutcomes tcp_outcomes(const std::vector<TargetReport>& targets) {
    TcpOutcomes outcomes;
    for (const auto& target : targets) {
        for (const auto& address : target.evidence.addresses) {
            const TcpEvidence& tcp = address.tcp;
            if (tcp.status == StageStatus::ok ||
                (tcp.status == StageStatus::failed && tcp.cause == Cause::tcp_refused)) {
                outcomes.answered[address.address].insert(target.target.port);
            } else if (tcp.status == StageStatus::failed && tcp.cause == Cause::tcp_timeout) {
                outcomes.dropped[address.address].insert(target.target.port);
            }
        }
    }
    return outcomes;
}

// The addresses that drop `port` and never answer on it: those that answer on another port
// (alive: the drop is the port's) and those probed on no other port (unproven: consistent with
// a rule on the port, but they could be down as a whole). An address that drops every port it
// was probed on says nothing about the port and is left out.
struct BlockedPort {
    std::uint16_t port = 0;
    std::vector<std::string> addresses;  // alive and unproven, in address order
    std::vector<std::string> unproven;
    std::set<std::uint16_t> answering_ports;
    std::size_t alive() const { return addresses.size() - unproven.size(); }
};

BlockedPort blocked_port(const TcpOutcomes& outcomes, std::uint16_t port) {
    BlockedPort blocked{port, {}, {}, {}};
    for (const auto& [address, ports] : outcomes.dropped) {
        if (!ports.contains(port)) continue;
        const auto it = outcomes.answered.find(address);
        if (it != outcomes.answered.end()) {
            if (it->second.contains(port)) continue;
            blocked.addresses.push_back(address);
            blocked.answering_ports.insert(it->second.begin(), it->second.end());
        } else if (ports.size() == 1) {
            blocked.addresses.push_back(address);
            blocked.unproven.push_back(address);
        }
    }
    return blocked;
}

// "…: a rule on port 8081, not the hosts", with how sure that is and why.
std::string port_blocked_summary(const BlockedPort& blocked) {
    const std::uint16_t port = blocked.port;
    std::vector<std::string> others;
    for (const std::uint16_t other : blocked.answering_ports) {
        others.push_back(fmt::format("tcp/{}", other));
    }
    const std::string dropped =
        fmt::format("SYNs to tcp/{} are silently dropped at {} ({})", port,
                    plural(blocked.addresses.size(), "address"), join(blocked.addresses, ", "));
    if (blocked.unproven.empty()) {
        return fmt::format(
            "{} while {} answer on the same addresses: a rule on port {}, not the hosts (certain: "
            "every one of them answers on another port)",
            dropped, join(others, ", "), port);
    }
    std::vector<std::string> alive;
    for (const auto& address : blocked.addresses) {
        if (std::find(blocked.unproven.begin(), blocked.unproven.end(), address) ==
            blocked.unproven.end()) {
            alive.push_back(address);
        }
    }
    return fmt::format(
        "{}; {} {} on {}, so the drop there is the port's: most likely a rule on port {}, not "
        "the hosts (likely, not proven: {} {} probed on no other port and could be down as a "
        "whole)",
        dropped, join(alive, ", "), alive.size() == 1 ? "answers" : "answer", join(others, ", "),
        port, join(blocked.unproven, ", "), blocked.unproven.size() == 1 ? "was" : "were");
}

Finding port_blocked_finding(const std::vector<TargetReport>& targets, const AgentInfo& agent,
                             const BlockedPort& blocked) {
    const std::uint16_t port = blocked.port;
    const std::string addresses = join(blocked.addresses, ", ");
    Finding finding;
    finding.code = "firewall.port_blocked";
    finding.severity = Severity::error;
    finding.confidence = blocked.unproven.empty() ? "certain" : "likely";
    for (const auto& target : targets) {
        if (target.target.port != port) continue;
        for (const auto& address : target.evidence.addresses) {
            if (std::find(blocked.addresses.begin(), blocked.addresses.end(), address.address) !=
                    blocked.addresses.end() &&
                address.tcp.cause == Cause::tcp_timeout) {
                add_unique(finding.components, target.target.component);
                add_unique(finding.targets, target.target.endpoint());
            }
        }
    }
    finding.summary = port_blocked_summary(blocked);
    finding.suspects.push_back(
        {"firewall", fmt::format("tcp/{}", port), "", "",
         fmt::format("a security group, network ACL or firewall drops tcp/{} to {}", port,
                     addresses)});
    finding.remedy = fmt::format(
        "Allow tcp/{} from {} to {} in the security group and network ACL (and any firewall) "
        "between this host and the instance",
        port, sources_of(agent), addresses);
    return finding;
}

// One port silently dropped at several addresses, at least one of which answers on another
// port: the filter is on the port, not the hosts.
void port_blocked(const std::vector<TargetReport>& targets, const AgentInfo& agent,
                  std::vector<Finding>& out) {
    // Most runs drop nothing: then there is no per-address table to build.
    const bool any_dropped = std::any_of(targets.begin(), targets.end(), [](const auto& target) {
        return std::any_of(
            target.evidence.addresses.begin(), target.evidence.addresses.end(),
            [](const AddressEvidence& address) { return address.tcp.cause == Cause::tcp_timeout; });
    });
    if (!any_dropped) return;
    const TcpOutcomes outcomes = tcp_outcomes(targets);
    std::set<std::uint16_t> dropped_ports;
    for (const auto& [address, ports] : outcomes.dropped) {
        dropped_ports.insert(ports.begin(), ports.end());
    }
    for (const std::uint16_t port : dropped_ports) {
        const BlockedPort blocked = blocked_port(outcomes, port);
        // Several addresses, and at least one proves the drop is the port's, not its host's.
        if (blocked.addresses.size() < 2 || blocked.alive() == 0) continue;
        out.push_back(port_blocked_finding(targets, agent, blocked));
    }
}

// vpc- names answered with public addresses, pub- names with private ones: the resolver is
// not the one these names are meant for (split-horizon DNS, a forwarder, /etc/hosts).
void vpc_name_public_address(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    Finding finding;
    finding.code = "dns.vpc_name_public_address";
    finding.severity = Severity::warning;
    std::vector<std::string> facts;
    std::vector<std::string> hosts;
    for (const auto& target : targets) {
        if (!from_catalog(target) || !resolved(target)) continue;
        const std::string& host = target.target.host;
        const bool vpc_name = host.starts_with("vpc-");
        const bool pub_name = host.starts_with("pub-");
        if (!vpc_name && !pub_name) continue;
        const AddressClass unexpected =
            vpc_name ? AddressClass::public_range : AddressClass::private_range;
        std::vector<std::string> wrong;
        for (const auto& address : target.evidence.dns.addresses) {
            if (classify(address) == unexpected) wrong.push_back(address);
        }
        if (wrong.empty()) continue;
        add_unique(finding.components, target.target.component);
        add_unique(finding.targets, target.target.endpoint());
        if (std::find(hosts.begin(), hosts.end(), host) != hosts.end()) continue;
        hosts.push_back(host);
        const std::string fact = fmt::format("{} resolved to {} {}", host,
                                             vpc_name ? "public" : "private", join(wrong, ", "));
        facts.push_back(fact);
        finding.suspects.push_back({"dns", host, "", "", fact});
    }
    if (finding.targets.empty()) return;
    finding.summary = fmt::format(
        "{}; a VPC name should resolve to a private address and a pub name to a public one: "
        "split-horizon DNS or the wrong resolver",
        join(facts, "; "));
    finding.remedy =
        "Resolve vpc- names with the VPC's resolver (Alibaba Cloud VPC DNS 100.100.2.136 and "
        "100.100.2.138) and pub- names with a public one; check /etc/resolv.conf, /etc/hosts and "
        "any conditional forwarding for alikafka.aliyuncs.com";
    out.push_back(std::move(finding));
}

bool chain_untrusted(Cause cause) {
    return cause == Cause::cert_untrusted || cause == Cause::cert_self_signed ||
           cause == Cause::cert_incomplete_chain;
}

// Several hostnames whose chains end at the same CA nobody trusts: something between here
// and the service re-signs TLS with its own CA.
void interception_suspected(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    // top issuer -> (hosts, target reports), in order of first appearance
    std::vector<std::pair<std::string, std::vector<const TargetReport*>>> by_issuer;
    for (const auto& target : targets) {
        for (const auto& address : target.evidence.addresses) {
            const CertificateEvidence& certificate = address.certificate;
            if (certificate.status != StageStatus::failed || !chain_untrusted(certificate.cause) ||
                certificate.chain.empty()) {
                continue;
            }
            const std::string& issuer = certificate.chain.back().issuer;
            auto it = std::find_if(by_issuer.begin(), by_issuer.end(),
                                   [&](const auto& entry) { return entry.first == issuer; });
            if (it == by_issuer.end()) it = by_issuer.insert(by_issuer.end(), {issuer, {}});
            if (std::find(it->second.begin(), it->second.end(), &target) == it->second.end()) {
                it->second.push_back(&target);
            }
        }
    }
    for (const auto& [issuer, reports] : by_issuer) {
        std::vector<std::string> hosts;
        for (const TargetReport* target : reports) add_unique(hosts, target->target.host);
        if (hosts.size() < 2) continue;
        Finding finding;
        finding.code = "tls.interception_suspected";
        finding.severity = Severity::error;
        for (const TargetReport* target : reports) {
            add_unique(finding.components, target->target.component);
            add_unique(finding.targets, target->target.endpoint());
        }
        finding.summary = fmt::format(
            "the certificates of {} hostnames ({}) all chain to the same untrusted issuer \"{}\": "
            "a TLS-inspecting middlebox or proxy is probably re-signing the connections",
            hosts.size(), join(hosts, ", "), issuer);
        finding.suspects.push_back({"certificate", issuer, "", "",
                                    fmt::format("untrusted CA \"{}\" signs the certificates of {}",
                                                issuer, join(hosts, ", "))});
        finding.remedy =
            "Bypass the TLS-inspecting proxy or middlebox for these hosts (a no-intercept rule for "
            "*.alikafka.aliyuncs.com); if the inspection is sanctioned, add its CA with --ca-file";
        out.push_back(std::move(finding));
    }
}

// Certificates of several hostnames not valid yet: the servers agree, so this host's clock is
// the odd one out.
void clock_skew(const std::vector<TargetReport>& targets, const AgentInfo& agent,
                std::vector<Finding>& out) {
    const bool know_now = agent.started_at != SystemTime{};
    Finding finding;
    finding.code = "clock.skew_suspected";
    finding.severity = Severity::error;
    std::vector<std::string> hosts;
    SystemTime earliest = SystemTime::max();
    for (const auto& target : targets) {
        for (const auto& address : target.evidence.addresses) {
            const CertificateEvidence& certificate = address.certificate;
            if (certificate.chain.empty()) continue;
            // The verifier reports only one cause; a chain that is also untrusted still lists
            // "not yet valid" among its verify errors.
            const bool flagged =
                certificate.cause == Cause::cert_not_yet_valid ||
                std::any_of(certificate.verify_errors.begin(), certificate.verify_errors.end(),
                            [](const VerifyError& error) {
                                return error.cause == Cause::cert_not_yet_valid;
                            });
            // The earliest start of validity still ahead of this host's clock, in any
            // certificate of the chain (an intermediate can be the one not valid yet).
            SystemTime ahead = SystemTime::max();
            for (const auto& info : certificate.chain) {
                if (know_now && info.not_before > agent.started_at) {
                    ahead = std::min(ahead, info.not_before);
                }
            }
            if (!flagged && ahead == SystemTime::max()) continue;
            add_unique(hosts, target.target.host);
            add_unique(finding.components, target.target.component);
            add_unique(finding.targets, target.target.endpoint());
            earliest = std::min(earliest, ahead);
        }
    }
    if (hosts.size() < 2) return;
    const std::string clock =
        know_now ? fmt::format(" while this host's clock said {}", rfc3339(agent.started_at)) : "";
    const std::string from =
        earliest == SystemTime::max() ? "" : fmt::format(" (valid from {})", rfc3339(earliest));
    finding.summary = fmt::format(
        "the certificates of {} hostnames ({}) are not valid yet{}{}: this host's clock is "
        "probably wrong",
        hosts.size(), join(hosts, ", "), from, clock);
    finding.remedy =
        "Check this host's clock and time sync: `timedatectl status` (System clock synchronized: "
        "yes), `chronyc tracking`; enable NTP with `timedatectl set-ntp true` or start chronyd";
    out.push_back(std::move(finding));
}

// A target's addresses by how TCP went: those that failed, and those that connected.
struct TcpSplit {
    std::vector<const AddressEvidence*> failed;
    std::vector<std::string> connected;
};

TcpSplit split_by_tcp(const TargetReport& target) {
    TcpSplit split;
    for (const auto& address : target.evidence.addresses) {
        if (address.tcp.status == StageStatus::ok) {
            split.connected.push_back(address.address);
        } else if (address.tcp.status == StageStatus::failed) {
            split.failed.push_back(&address);
        }
    }
    return split;
}

// What the targets of one host show so far: the addresses that failed at TCP (once each,
// with the fact and a suspect) and those that connected.
struct HostReachability {
    Finding finding;
    std::vector<std::string> failing;
    std::vector<std::string> reachable;
    std::vector<std::string> facts;
};

void add_split_target(HostReachability& host, const TargetReport& target, const TcpSplit& split) {
    add_unique(host.finding.components, target.target.component);
    add_unique(host.finding.targets, target.target.endpoint());
    for (const auto& address : split.connected) add_unique(host.reachable, address);
    for (const AddressEvidence* address : split.failed) {
        if (std::find(host.failing.begin(), host.failing.end(), address->address) !=
            host.failing.end()) {
            continue;
        }
        host.failing.push_back(address->address);
        const std::string_view cause = code(address->tcp.cause);
        host.facts.push_back(fmt::format("{} ({})", address->address, cause));
        const bool routing = address->tcp.cause == Cause::tcp_unreachable;
        host.finding.suspects.push_back(
            {routing ? "route" : "firewall", address->address, "", "",
             fmt::format("tcp/{} to {} failed with {} while {} connected", target.target.port,
                         address->address, cause, join(split.connected, ", "))});
    }
}

// The finding about `host` when some of its addresses connect and others fail at TCP on the
// same port: `targets` are the host's targets with both, in the report's order.
Finding partial_reachability_of(const std::string& host,
                                const std::vector<const TargetReport*>& targets) {
    HostReachability seen;
    for (const TargetReport* target : targets)
        add_split_target(seen, *target, split_by_tcp(*target));
    // Name as reachable only addresses that never failed, so no address is on both lists.
    std::erase_if(seen.reachable, [&](const std::string& address) {
        return std::find(seen.failing.begin(), seen.failing.end(), address) != seen.failing.end();
    });
    const std::string connecting = seen.reachable.empty()
                                       ? "other addresses connect"
                                       : fmt::format("{} connect{}", join(seen.reachable, ", "),
                                                     seen.reachable.size() == 1 ? "s" : "");
    Finding finding = std::move(seen.finding);
    finding.code = "network.partial_reachability";
    finding.severity = Severity::warning;
    finding.summary = fmt::format(
        "{} of {} fail at TCP ({}) while {}: one zone, subnet or interface is blocked",
        plural(seen.failing.size(), "address"), host, join(seen.facts, ", "), connecting);
    finding.remedy = fmt::format(
        "Check the security group, network ACL and route table of the subnets of {} (and the "
        "route from this host to them); the other addresses of {} are reachable",
        join(seen.failing, ", "), host);
    return finding;
}

// One name, several addresses, and on the same port some connect while others fail at TCP:
// one zone, subnet or ENI is blocked, not the service. One finding per such host, in the order
// the hosts first appear; a single pass over the targets, so a run of thousands stays linear.
void partial_reachability(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    std::unordered_map<std::string_view, std::vector<const TargetReport*>> split_targets;
    for (const auto& target : targets) {
        if (target.evidence.addresses.size() < 2) continue;
        const TcpSplit split = split_by_tcp(target);
        if (split.failed.empty() || split.connected.empty()) continue;
        split_targets[target.target.host].push_back(&target);
    }
    if (split_targets.empty()) return;
    for (const auto& target : targets) {
        const auto it = split_targets.find(target.target.host);
        if (it == split_targets.end() || it->second.empty()) continue;
        out.push_back(partial_reachability_of(target.target.host, it->second));
        it->second.clear();  // the host is done: its later targets were part of this finding
    }
}

// ---- Kafka: the brokers a bootstrap sends clients on to ----

// Why one advertised broker failed, in the words a Kafka operator would use, and who is
// suspected of it.
std::pair<std::string, Suspect> advertised_failure(const TargetReport& broker,
                                                   const TargetReport* bootstrap) {
    const std::string endpoint = broker.target.endpoint();
    const Cause cause = broker.cause ? broker.cause->code : Cause::none;
    const Stage stage = broker.cause ? broker.cause->stage : Stage::dns;
    if (stage == Stage::dns && cause != Cause::run_deadline) {
        return {fmt::format("{} ({}: the advertised name does not resolve from this host)",
                            endpoint, code(cause)),
                Suspect{"dns", broker.target.host, "", "",
                        fmt::format("the broker advertises '{}', which this host's resolvers "
                                    "cannot resolve",
                                    broker.target.host)}};
    }
    std::string address;
    if (const AddressEvidence* shown = broker.shown()) address = shown->address;
    bool bootstrap_public = false;
    if (bootstrap != nullptr) {
        for (const auto& a : bootstrap->evidence.addresses) {
            if (classify(a.address) == AddressClass::public_range) bootstrap_public = true;
        }
    }
    if (stage == Stage::tcp && !address.empty() &&
        classify(address) == AddressClass::private_range && bootstrap_public) {
        return {fmt::format("{} ({}: a private address, {}, while the bootstrap was reached at "
                            "a public one: an internal listener is advertised)",
                            endpoint, code(cause), address),
                Suspect{"route", address, "", "",
                        fmt::format("the broker advertises the private address {}, not routable "
                                    "from this network",
                                    address)}};
    }
    if (cause == Cause::tcp_timeout) {
        return {fmt::format("{} ({}: port {} is silently dropped at {})", endpoint, code(cause),
                            broker.target.port, address),
                Suspect{"firewall", fmt::format("tcp/{}", broker.target.port), "", "",
                        fmt::format("a security group, network ACL or firewall drops tcp/{} to {}",
                                    broker.target.port, address)}};
    }
    std::string kind = "service";
    if (stage == Stage::tcp && cause != Cause::tcp_refused) kind = "route";
    if (stage == Stage::certificate) kind = "certificate";
    return {fmt::format("{} ({})", endpoint, code(cause)),
            Suspect{kind, endpoint, "", "",
                    broker.cause ? broker.cause->summary : std::string(explain(cause))}};
}

// Brokers a bootstrap advertised, grouped by the bootstrap endpoint that named them, in the
// report's order; one pass, so thousands of targets with none advertised cost nothing more.
std::unordered_map<std::string_view, std::vector<const TargetReport*>> advertised_by_bootstrap(
    const std::vector<TargetReport>& targets) {
    std::unordered_map<std::string_view, std::vector<const TargetReport*>> by_bootstrap;
    for (const auto& target : targets) {
        if (target.target.origin == "advertised") {
            by_bootstrap[target.target.advertised_by].push_back(&target);
        }
    }
    return by_bootstrap;
}

void advertised_unreachable(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    const auto by_bootstrap = advertised_by_bootstrap(targets);
    if (by_bootstrap.empty()) return;
    for (const auto& bootstrap : targets) {
        if (bootstrap.target.origin == "advertised") continue;
        const std::string endpoint = bootstrap.target.endpoint();
        const auto named = by_bootstrap.find(endpoint);
        if (named == by_bootstrap.end()) continue;
        const std::vector<const TargetReport*>& advertised = named->second;
        std::vector<const TargetReport*> failed;
        for (const TargetReport* target : advertised) {
            if (target->status == StageStatus::failed) failed.push_back(target);
        }
        if (failed.empty()) continue;
        Finding finding;
        finding.code = "kafka.advertised_unreachable";
        finding.severity = Severity::error;
        finding.components.push_back("kafka");
        std::vector<std::string> reasons;
        for (const TargetReport* broker : failed) {
            auto [reason, suspect] = advertised_failure(*broker, &bootstrap);
            reasons.push_back(std::move(reason));
            add_unique(finding.targets, broker->target.endpoint());
            finding.suspects.push_back(std::move(suspect));
        }
        finding.summary = fmt::format(
            "bootstrap {} answers, but {} of the {} brokers it advertises cannot be reached from "
            "here: {}. Kafka clients connect to the advertised brokers after bootstrapping, so "
            "they will fail although the bootstrap works",
            endpoint, failed.size(), advertised.size(), join(reasons, "; "));
        finding.remedy =
            "Make every advertised broker reachable from this host: its name must resolve here "
            "(for Confluent Cloud PrivateLink / PNI, through the private DNS zone of the network) "
            "and its port must be allowed by the security groups, network ACLs and firewalls on "
            "the way. If an internal address or name is advertised, fix the broker's "
            "advertised.listeners (or the cluster's endpoint configuration) instead";
        out.push_back(std::move(finding));
    }
}

// A bootstrap proved a broker but its Metadata was not read, so the advertised brokers (what
// clients really connect to) went unchecked: say so, and how to enable it.
void advertised_not_checked(const std::vector<TargetReport>& targets, const AgentInfo& agent,
                            std::vector<Finding>& out) {
    if (!agent.follow_advertised) return;
    Finding finding;
    finding.code = "kafka.advertised_not_checked";
    finding.severity = Severity::info;
    std::vector<std::string> reasons;
    for (const auto& target : targets) {
        if (target.target.origin == "advertised") continue;
        for (const auto& address : target.evidence.addresses) {
            const auto& kafka = address.protocol.kafka;
            if (!kafka || kafka->metadata_checked || kafka->metadata_not_checked.empty() ||
                kafka->api_versions_version < 0)
                continue;
            add_unique(finding.components, target.target.component);
            add_unique(finding.targets, target.target.endpoint());
            add_unique(reasons, kafka->metadata_not_checked);
        }
    }
    if (finding.targets.empty()) return;
    finding.summary = fmt::format("the brokers advertised by {} were not checked: {}",
                                  join(finding.targets, ", "), join(reasons, ", "));
    finding.remedy =
        "Give vpcprobe SASL credentials so it can read Metadata and probe every advertised "
        "broker: a [sasl] table in the config (mechanism, username or username_env, "
        "password_file or password_env), or --sasl-mechanism with VPCPROBE_SASL_USERNAME and "
        "VPCPROBE_SASL_PASSWORD (or --sasl-password-file) in the environment";
    out.push_back(std::move(finding));
}

// TLS or the protocol exchange stalled after TCP connected, and a retry with a clamped MSS got
// through: full-size packets die on the way (docs/report.md, "MTU black holes"). One finding
// for every such address; a stall no clamp helped says nothing here.
void mtu_blackhole(const std::vector<TargetReport>& targets, std::vector<Finding>& out) {
    Finding finding;
    finding.code = "network.mtu_blackhole_suspected";
    finding.severity = Severity::error;
    std::vector<std::string> facts;
    int smallest_mss = 0;
    for (const auto& target : targets) {
        for (const auto& address : target.evidence.addresses) {
            if (!mtu_blackhole_suspected(address)) continue;
            const int mss = address.mtu->working_mss();
            add_unique(finding.components, target.target.component);
            add_unique(finding.targets, target.target.endpoint());
            facts.push_back(
                mtu_blackhole_fact(address, endpoint_text(address.address, target.target.port)));
            smallest_mss = smallest_mss == 0 ? mss : std::min(smallest_mss, mss);
            finding.suspects.push_back(
                {"route", address.address, "", "",
                 fmt::format("a router, tunnel or firewall between here and {} loses packets "
                             "over {} bytes, and the ICMP that would say so does not come back",
                             address.address, implied_path_mtu(mss, address.address))});
        }
    }
    if (facts.empty()) return;
    finding.summary = fmt::format(
        "TCP connects but full-size packets never arrive, while a clamped MSS gets through: a "
        "path MTU black hole (ICMP fragmentation-needed filtered): {}",
        join(facts, "; "));
    finding.remedy = mtu_blackhole_remedy(smallest_mss);
    out.push_back(std::move(finding));
}

}  // namespace

std::vector<Finding> find_patterns(const std::vector<TargetReport>& targets,
                                   const AgentInfo& agent) {
    std::vector<Finding> findings;
    internet_not_enabled(targets, findings);
    instance_unresolvable(targets, agent, findings);
    port_blocked(targets, agent, findings);
    vpc_name_public_address(targets, findings);
    interception_suspected(targets, findings);
    clock_skew(targets, agent, findings);
    partial_reachability(targets, findings);
    advertised_unreachable(targets, findings);
    advertised_not_checked(targets, agent, findings);
    mtu_blackhole(targets, findings);
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        if (a.severity != b.severity) return a.severity < b.severity;
        return a.code < b.code;
    });
    return findings;
}

}  // namespace vpcprobe
