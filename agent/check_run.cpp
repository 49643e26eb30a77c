// SPDX-License-Identifier: Apache-2.0
#include "agent/check_run.h"

#include <unistd.h>

#include <utility>
#include <variant>

#include "agent/settings/credentials.h"
#include "agent/settings/plan.h"
#include "probes/engine.h"
#include "reports/diagnosis/attribution.h"
#include "reports/diagnosis/diagnose.h"
#include "reports/diagnosis/rules.h"

namespace vpcprobe {

namespace {

std::string local_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

}  // namespace

std::optional<Report> run_check_once(const CheckOptions& options, const std::string& command_line,
                                     std::string& error, std::string& warning) {
    error.clear();
    warning.clear();
    auto plan = build_plan(options, error);
    if (!error.empty()) return std::nullopt;
    // Rules files are read before any traffic: a malformed export is exit 3, not a late surprise.
    std::optional<rules::RuleSet> rule_set;
    if (!options.rules_files.empty()) {
        auto loaded = rules::load_rules(options.rules_files);
        if (auto* failure = std::get_if<rules::RulesError>(&loaded)) {
            error = failure->message;
            return std::nullopt;
        }
        rule_set = std::move(std::get<rules::RuleSet>(loaded));
    }

    EngineOptions engine;
    engine.dns_servers = options.dns_servers;
    engine.ca_files = options.ca_files;
    engine.timeout = options.timeout;
    engine.deadline = options.deadline;
    engine.bind = options.bind;
    engine.warn_days = options.warn_days;
    engine.concurrency = options.concurrency;
    engine.max_addresses = options.max_addresses;
    engine.tcp_only = options.tcp_only;
    engine.follow_advertised = options.follow_advertised;
    engine.protocol_checks = options.protocol_checks;
    if (options.sasl) {
        engine.sasl = resolve_sasl_credentials(*options.sasl, error, warning);
        if (!engine.sasl) return std::nullopt;
    }
    auto run = run_probes(plan, engine, error);
    if (!run) return std::nullopt;

    AgentInfo agent;
    agent.hostname = local_hostname();
    agent.source_addresses = run->source_addresses;
    agent.resolvers = run->resolvers;
    agent.started_at = run->started_at;
    agent.duration_ms = run->duration_ms;
    agent.version = VPCPROBE_VERSION;
    agent.command_line = command_line;
    agent.sasl_mechanism = engine.sasl ? engine.sasl->mechanism : "";
    agent.follow_advertised = options.follow_advertised;
    agent.advertised_not_probed = run->advertised_not_probed;
    agent.concurrency = run->concurrency;
    agent.socket_budget = run->socket_budget;
    agent.descriptor_limit = run->descriptor_limit;
    agent.peak_targets = run->peak_targets;
    agent.peak_sockets = run->peak_sockets;
    agent.queued_for_socket = run->queued_for_socket;
    Report report = diagnose(std::move(run->targets), std::move(agent));
    if (rule_set) attribute_to_rules(report, *rule_set);
    return report;
}

}  // namespace vpcprobe
