// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/fleet.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "core/address.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

// ---- The matrix ----------------------------------------------------------------------------

Result<void> check_distinct_names(const std::vector<AgentReport>& reports) {
    std::map<std::string, const AgentReport*> seen;
    for (const AgentReport& report : reports) {
        const auto [at, inserted] = seen.emplace(report.name, &report);
        if (!inserted && at->second->source == report.source && report.source != "-") {
            return Error(report.source + ": named twice");
        }
        if (!inserted) {
            return Error(report.source + ": agent " + quote(report.name) +
                         " is also the agent of " + at->second->source +
                         "; give each agent its own --agent-name");
        }
    }
    return {};
}

// The interface of a --rules export that holds one of the agent's source addresses.
const rules::Interface* interface_of(const AgentReport& report, const rules::RuleSet& rules) {
    for (const std::string& address : report.source_addresses) {
        const auto parsed = rules::Cidr::parse(address);
        if (!parsed) continue;
        for (const rules::Interface& interface : rules.interfaces) {
            for (const rules::Cidr& held : interface.addresses) {
                if (held.contains(*parsed)) return &interface;
            }
        }
    }
    return nullptr;
}

FleetAgent fleet_agent(const AgentReport& report, const rules::RuleSet* rules) {
    FleetAgent agent{report.name,
                     report.hostname,
                     report.source,
                     report.source_addresses,
                     report.resolvers,
                     report.labels,
                     report.started_at,
                     report.version,
                     "",
                     {}};
    if (rules == nullptr) return agent;
    if (const rules::Interface* interface = interface_of(report, *rules)) {
        agent.subnet = interface->subnet;
        agent.security_groups = interface->groups;
        std::sort(agent.security_groups.begin(), agent.security_groups.end());
    }
    return agent;
}

FleetCell cell_of(const ReadTarget& target) {
    return {target.status,        target.cause_code,    target.cause_stage,
            target.cause_summary, target.dns_addresses, target.dns_answered};
}

// Targets in the order agents first name them; one column per host:port.
std::vector<FleetTarget> matrix(const std::vector<AgentReport>& reports) {
    std::vector<FleetTarget> targets;
    std::map<std::string, std::size_t> column;
    for (std::size_t agent = 0; agent < reports.size(); ++agent) {
        for (const ReadTarget& read : reports[agent].targets) {
            const std::string key = target_key(read.host, read.port);
            auto [at, added] = column.emplace(key, targets.size());
            if (added) {
                targets.push_back({read.component, read.access, read.host, read.port,
                                   std::vector<std::optional<FleetCell>>(reports.size())});
            }
            auto& cell = targets[at->second].cells[agent];
            // A host:port an agent checked twice (as two components): its worse verdict.
            if (!cell || static_cast<int>(read.status) > static_cast<int>(cell->status)) {
                cell = cell_of(read);
            }
        }
    }
    return targets;
}

Summary count_cells(const std::vector<FleetTarget>& targets) {
    Summary summary;
    for (const FleetTarget& target : targets) {
        for (const auto& cell : target.cells) {
            if (!cell) continue;
            if (cell->status == StageStatus::ok) ++summary.ok;
            if (cell->status == StageStatus::warning) ++summary.warning;
            if (cell->status == StageStatus::failed) ++summary.failed;
        }
    }
    return summary;
}

// ---- Shared wording ------------------------------------------------------------------------

std::vector<std::string> names_of(const FleetReport& report,
                                  const std::vector<std::size_t>& agents) {
    std::vector<std::string> names;
    for (std::size_t agent : agents) names.push_back(report.agents[agent].name);
    return names;
}

// "app-a (10.61.1.2)": an agent and the address it probed from.
std::string agent_with_source(const FleetAgent& agent) {
    if (agent.source_addresses.empty()) return agent.name;
    return fmt::format("{} ({})", agent.name, agent.source_addresses.front());
}

std::string agents_with_sources(const FleetReport& report, const std::vector<std::size_t>& agents) {
    std::vector<std::string> out;
    for (std::size_t agent : agents) out.push_back(agent_with_source(report.agents[agent]));
    return join(out, ", ");
}

std::string describe(const InCommon& common) {
    std::vector<std::string> parts;
    if (!common.subnet.empty()) parts.push_back(fmt::format("source subnet {}", common.subnet));
    for (const AgentLabel& label : common.labels) {
        parts.push_back(fmt::format("label {}={}", label.name, label.value));
    }
    for (const std::string& group : common.security_groups) {
        parts.push_back(fmt::format("security group {}", group));
    }
    return join(parts, ", ");
}

bool all_at_stage(const FleetTarget& target, const std::vector<std::size_t>& agents,
                  std::string_view stage) {
    return std::all_of(agents.begin(), agents.end(), [&](std::size_t agent) {
        return target.cells[agent]->cause_stage == stage;
    });
}

// The addresses the agents resolved the target to, for remedies.
std::string resolved_addresses(const FleetTarget& target) {
    std::set<std::string> addresses;
    for (const auto& cell : target.cells) {
        if (cell) addresses.insert(cell->dns_addresses.begin(), cell->dns_addresses.end());
    }
    if (addresses.empty()) return target.host;
    return join(std::vector<std::string>(addresses.begin(), addresses.end()), ", ");
}

std::vector<std::string> causes_of(const FleetTarget& target,
                                   const std::vector<std::size_t>& agents) {
    std::vector<std::string> causes;
    for (std::size_t agent : agents) causes.push_back(target.cells[agent]->cause_code);
    return causes;
}

// "app-a: tcp.timeout, app-b: tcp.timeout".
std::string agents_and_causes(const FleetReport& report, const FleetTarget& target,
                              const std::vector<std::size_t>& agents) {
    std::vector<std::string> out;
    for (std::size_t agent : agents) {
        out.push_back(report.agents[agent].name + ": " + target.cells[agent]->cause_code);
    }
    return join(out, ", ");
}

// The agents that checked the target, split by whether it failed for them.
struct Split {
    std::vector<std::size_t> failing;
    std::vector<std::size_t> working;
};

Split split(const FleetTarget& target) {
    Split out;
    for (std::size_t agent = 0; agent < target.cells.size(); ++agent) {
        const auto& cell = target.cells[agent];
        if (!cell) continue;
        (cell->status == StageStatus::failed ? out.failing : out.working).push_back(agent);
    }
    return out;
}

// ---- fleet.blocked_from_all_agents ---------------------------------------------------------

std::string remedy_for_all(const FleetTarget& target) {
    const std::string endpoint = endpoint_text(target.host, target.port);
    std::vector<std::size_t> all;
    for (std::size_t agent = 0; agent < target.cells.size(); ++agent) {
        if (target.cells[agent]) all.push_back(agent);
    }
    if (all_at_stage(target, all, "dns")) {
        return fmt::format(
            "{} resolves from no agent: check the name's DNS record and, for a private "
            "endpoint, its private zone and the VPCs associated with it, before any agent's "
            "resolver",
            target.host);
    }
    if (all_at_stage(target, all, "tcp")) {
        return fmt::format(
            "look at the target's side first: the security group and network ACL in front of "
            "{} must allow tcp/{} from every agent's source, the endpoint (or its load "
            "balancer) must be up and listening on {}",
            resolved_addresses(target), target.port, endpoint);
    }
    return fmt::format(
        "every agent gets the same answer from {}: its TLS, certificate or service is at fault, "
        "not the agents' network; see each agent's cause below",
        endpoint);
}

FleetFinding blocked_from_all(const FleetReport& report, const FleetTarget& target,
                              const Split& agents) {
    FleetFinding found;
    Finding& finding = found.finding;
    finding.code = "fleet.blocked_from_all_agents";
    finding.severity = Severity::error;
    finding.summary = fmt::format(
        "{} {} fails from all {} agents that checked it ({}): the block is on the target's "
        "side, not the agents'",
        target.component, endpoint_text(target.host, target.port), agents.failing.size(),
        agents_and_causes(report, target, agents.failing));
    finding.components = {target.component};
    finding.targets = {endpoint_text(target.host, target.port)};
    finding.remedy = remedy_for_all(target);
    finding.confidence = "certain";
    found.failing_agents = names_of(report, agents.failing);
    found.failing_causes = causes_of(target, agents.failing);
    return found;
}

// ---- fleet.blocked_from_some_agents --------------------------------------------------------

std::string remedy_for_some(const FleetReport& report, const FleetTarget& target,
                            const Split& agents, const InCommon& common) {
    const std::string failing = join(names_of(report, agents.failing), ", ");
    const std::string working = join(names_of(report, agents.working), ", ");
    if (all_at_stage(target, agents.failing, "dns")) {
        return fmt::format(
            "{} do not resolve {} while {} do: give them the resolver {} use, or associate "
            "the private zone with their VPC",
            failing, target.host, working, agents.working.size() == 1 ? "it" : "they");
    }
    const std::string shared =
        common.empty() ? std::string() : fmt::format(" ({})", describe(common));
    if (all_at_stage(target, agents.failing, "tcp")) {
        return fmt::format(
            "compare the path of {}{} with that of {}, which {} through: allow tcp/{} to {} in "
            "the failing agents' security-group egress, their subnet's network ACL and route "
            "table, and in the target's ingress for their source addresses ({})",
            failing, shared, working, agents.working.size() == 1 ? "gets" : "get", target.port,
            resolved_addresses(target), agents_with_sources(report, agents.failing));
    }
    return fmt::format(
        "something on the path of {}{} changes what {} answers (a proxy, a TLS-inspecting "
        "firewall, another resolver): {} get through; see each agent's cause below",
        failing, shared, endpoint_text(target.host, target.port), working);
}

std::vector<Suspect> suspects_in_common(const FleetReport& report, const Split& agents,
                                        const InCommon& common) {
    std::vector<Suspect> suspects;
    const std::string failing = join(names_of(report, agents.failing), ", ");
    for (const std::string& group : common.security_groups) {
        suspects.push_back({"security-group", group, "egress", "",
                            fmt::format("attached to every failing agent ({}) and to none "
                                        "that gets through",
                                        failing)});
    }
    return suspects;
}

FleetFinding blocked_from_some(const FleetReport& report, const FleetTarget& target,
                               const Split& agents) {
    FleetFinding found;
    const InCommon common = in_common(report, agents.failing, agents.working);
    Finding& finding = found.finding;
    finding.code = "fleet.blocked_from_some_agents";
    finding.severity = Severity::error;
    finding.summary = fmt::format(
        "{} {} fails from {} of {} agents ({}) and works from {}: the block is on the failing "
        "agents' side or path{}",
        target.component, endpoint_text(target.host, target.port), agents.failing.size(),
        agents.failing.size() + agents.working.size(),
        agents_and_causes(report, target, agents.failing),
        join(names_of(report, agents.working), ", "),
        common.empty() ? std::string()
                       : fmt::format("; they have in common: {}", describe(common)));
    finding.components = {target.component};
    finding.targets = {endpoint_text(target.host, target.port)};
    finding.suspects = suspects_in_common(report, agents, common);
    finding.remedy = remedy_for_some(report, target, agents, common);
    finding.confidence = "certain";
    found.failing_agents = names_of(report, agents.failing);
    found.failing_causes = causes_of(target, agents.failing);
    found.working_agents = names_of(report, agents.working);
    found.in_common = common;
    return found;
}

// ---- What failing agents have in common ----------------------------------------------------

// The IPv4 network of `address` with `prefix` (8, 16 or 24) bits, nullopt for IPv6 or no
// address: source subnets are inferred on octet boundaries, as people write them.
std::optional<rules::Cidr> ipv4_network(const std::string& address, int prefix) {
    const auto parsed = rules::Cidr::parse(address);
    if (!parsed || parsed->v6) return std::nullopt;
    std::vector<std::string> octets;
    for (int i = 0; i < 4; ++i) {
        octets.push_back(i < prefix / 8 ? std::to_string(parsed->bytes[i]) : "0");
    }
    return rules::Cidr::parse(join(octets, ".") + "/" + std::to_string(prefix));
}

bool any_address_in(const FleetAgent& agent, const rules::Cidr& network) {
    return std::any_of(agent.source_addresses.begin(), agent.source_addresses.end(),
                       [&](const std::string& address) {
                           const auto parsed = rules::Cidr::parse(address);
                           return parsed && network.contains(*parsed);
                       });
}

// The longest /24, /16 or /8 holding a source address of every failing agent and none of a
// working one's; "" when there is none.
std::string inferred_subnet(const FleetReport& report, const std::vector<std::size_t>& failing,
                            const std::vector<std::size_t>& working) {
    if (failing.empty() || report.agents[failing.front()].source_addresses.empty()) return "";
    for (int prefix : {24, 16, 8}) {
        const auto network =
            ipv4_network(report.agents[failing.front()].source_addresses.front(), prefix);
        if (!network) return "";
        const bool shared = std::all_of(failing.begin(), failing.end(), [&](std::size_t agent) {
            return any_address_in(report.agents[agent], *network);
        });
        if (!shared) continue;
        const bool distinct = std::none_of(working.begin(), working.end(), [&](std::size_t agent) {
            return any_address_in(report.agents[agent], *network);
        });
        return distinct ? network->text : "";
    }
    return "";
}

// The subnet the --rules exports give every failing agent and no working one, else inferred.
std::string common_subnet(const FleetReport& report, const std::vector<std::size_t>& failing,
                          const std::vector<std::size_t>& working) {
    const std::string& first = report.agents[failing.front()].subnet;
    const bool exported =
        !first.empty() && std::all_of(failing.begin(), failing.end(), [&](std::size_t agent) {
            return report.agents[agent].subnet == first;
        });
    const bool distinct = std::none_of(working.begin(), working.end(), [&](std::size_t agent) {
        return report.agents[agent].subnet == first;
    });
    if (exported && distinct) return first;
    return inferred_subnet(report, failing, working);
}

std::vector<AgentLabel> common_labels(const FleetReport& report,
                                      const std::vector<std::size_t>& failing,
                                      const std::vector<std::size_t>& working) {
    const auto has = [&](std::size_t agent, const AgentLabel& label) {
        const auto& labels = report.agents[agent].labels;
        return std::find(labels.begin(), labels.end(), label) != labels.end();
    };
    std::vector<AgentLabel> common;
    for (const AgentLabel& label : report.agents[failing.front()].labels) {
        const bool shared = std::all_of(failing.begin(), failing.end(),
                                        [&](std::size_t agent) { return has(agent, label); });
        const bool distinct = std::none_of(working.begin(), working.end(),
                                           [&](std::size_t agent) { return has(agent, label); });
        if (shared && distinct) common.push_back(label);
    }
    return common;
}

std::vector<std::string> common_groups(const FleetReport& report,
                                       const std::vector<std::size_t>& failing,
                                       const std::vector<std::size_t>& working) {
    const auto has = [&](std::size_t agent, const std::string& group) {
        const auto& groups = report.agents[agent].security_groups;
        return std::find(groups.begin(), groups.end(), group) != groups.end();
    };
    std::vector<std::string> common;
    for (const std::string& group : report.agents[failing.front()].security_groups) {
        const bool shared = std::all_of(failing.begin(), failing.end(),
                                        [&](std::size_t agent) { return has(agent, group); });
        const bool distinct = std::none_of(working.begin(), working.end(),
                                           [&](std::size_t agent) { return has(agent, group); });
        if (shared && distinct) common.push_back(group);
    }
    return common;
}

}  // namespace

InCommon in_common(const FleetReport& report, const std::vector<std::size_t>& failing,
                   const std::vector<std::size_t>& working) {
    InCommon common;
    if (failing.empty()) return common;
    common.subnet = common_subnet(report, failing, working);
    common.labels = common_labels(report, failing, working);
    common.security_groups = common_groups(report, failing, working);
    return common;
}

std::vector<FleetFinding> blocked_from_all_agents(const FleetReport& report) {
    std::vector<FleetFinding> found;
    for (const FleetTarget& target : report.targets) {
        const Split agents = split(target);
        if (agents.failing.size() >= 2 && agents.working.empty()) {
            found.push_back(blocked_from_all(report, target, agents));
        }
    }
    return found;
}

std::vector<FleetFinding> blocked_from_some_agents(const FleetReport& report) {
    std::vector<FleetFinding> found;
    for (const FleetTarget& target : report.targets) {
        const Split agents = split(target);
        if (!agents.failing.empty() && !agents.working.empty()) {
            found.push_back(blocked_from_some(report, target, agents));
        }
    }
    return found;
}

namespace {

// The answers agents got for one host, each distinct set of addresses with its agents.
struct HostAnswers {
    std::string host;
    std::vector<std::string> components;
    std::vector<std::string> targets;
    std::map<std::vector<std::string>, std::vector<std::string>> agents_by_answer;
};

std::vector<HostAnswers> answers_by_host(const FleetReport& report) {
    std::vector<HostAnswers> hosts;
    std::map<std::string, std::size_t> index;
    for (const FleetTarget& target : report.targets) {
        if (is_ip_literal(target.host)) continue;  // never looked up
        auto [at, added] = index.emplace(lower(target.host), hosts.size());
        if (added) hosts.push_back({target.host, {}, {}, {}});
        HostAnswers& host = hosts[at->second];
        if (std::find(host.components.begin(), host.components.end(), target.component) ==
            host.components.end()) {
            host.components.push_back(target.component);
        }
        host.targets.push_back(endpoint_text(target.host, target.port));
        for (std::size_t agent = 0; agent < target.cells.size(); ++agent) {
            const auto& cell = target.cells[agent];
            if (!cell || !cell->dns_answered || cell->dns_addresses.empty()) continue;
            auto& agents = host.agents_by_answer[cell->dns_addresses];
            const std::string& name = report.agents[agent].name;
            if (std::find(agents.begin(), agents.end(), name) == agents.end()) {
                agents.push_back(name);
            }
        }
    }
    return hosts;
}

FleetFinding dns_finding(const HostAnswers& host) {
    FleetFinding found;
    std::vector<std::string> said;
    for (const auto& [addresses, agents] : host.agents_by_answer) {
        found.answers.push_back({addresses, agents});
        said.push_back(fmt::format("{} {} {}", join(agents, ", "),
                                   agents.size() == 1 ? "gets" : "get", join(addresses, ", ")));
    }
    Finding& finding = found.finding;
    finding.code = "fleet.inconsistent_dns";
    finding.severity = Severity::warning;
    finding.summary = fmt::format(
        "{} resolves to different addresses from different agents ({}): split-horizon DNS, or "
        "a forwarder or resolver rule that answers some agents otherwise",
        host.host, join(said, "; "));
    finding.components = host.components;
    finding.targets = host.targets;
    finding.suspects = {{"dns", host.host, "", "",
                         "the agents' resolvers disagree on this name (each agent's resolvers "
                         "are in its report)"}};
    finding.remedy = fmt::format(
        "make every agent's resolver answer {} alike: associate the private zone with each "
        "agent's VPC, or correct the forwarder or resolver rule that sends some agents to "
        "another zone; then the agents check the same addresses",
        host.host);
    finding.confidence = "certain";
    return found;
}

}  // namespace

std::vector<FleetFinding> inconsistent_dns(const FleetReport& report) {
    std::vector<FleetFinding> found;
    for (const HostAnswers& host : answers_by_host(report)) {
        if (host.agents_by_answer.size() >= 2) found.push_back(dns_finding(host));
    }
    return found;
}

Result<FleetReport> merge_reports(std::vector<AgentReport> reports, AgentInfo merged_by,
                                  const rules::RuleSet* rules) {
    if (auto distinct = check_distinct_names(reports); !distinct) return distinct.error();
    FleetReport merged;
    merged.merged_by = std::move(merged_by);
    for (const AgentReport& report : reports) merged.agents.push_back(fleet_agent(report, rules));
    merged.targets = matrix(reports);
    merged.summary = count_cells(merged.targets);
    for (auto&& findings : {blocked_from_all_agents(merged), blocked_from_some_agents(merged),
                            inconsistent_dns(merged)}) {
        merged.findings.insert(merged.findings.end(), findings.begin(), findings.end());
    }
    for (const AgentReport& report : reports) {
        for (const Finding& finding : report.findings) {
            FleetFinding attributed;
            attributed.finding = finding;
            attributed.agent = report.name;
            merged.findings.push_back(std::move(attributed));
        }
    }
    merged.reports = std::move(reports);
    return merged;
}

}  // namespace vpcprobe
