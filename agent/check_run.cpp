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
        if (!loaded) {
            error = loaded.error().message();
            return std::nullopt;
        }
        rule_set = std::move(*loaded);
    }

    EngineOptions engine;
    engine.settings.dns_servers = options.dns_servers;
    engine.settings.ca_files = options.ca_files;
    engine.settings.hosts_file = options.hosts_file;
    engine.settings.timeout = options.timeout;
    engine.settings.deadline = options.deadline;
    engine.settings.bind = options.bind;
    engine.settings.warn_days = options.warn_days;
    engine.settings.concurrency = options.concurrency;
    engine.settings.max_addresses = options.max_addresses;
    engine.settings.tcp_only = options.tcp_only;
    engine.settings.follow_advertised = options.follow_advertised;
    engine.settings.protocol_checks = options.protocol_checks;
    if (options.sasl) {
        engine.sasl = resolve_sasl_credentials(*options.sasl, error, warning);
        if (!engine.sasl) return std::nullopt;
    }
    auto run = run_probes(plan, engine);
    if (!run) {
        error = run.error().message();
        return std::nullopt;
    }

    AgentInfo agent;
    static_cast<RunEvidence&>(agent) = *run;
    agent.hostname = local_hostname();
    agent.version = VPCPROBE_VERSION;
    agent.command_line = command_line;
    agent.sasl_mechanism = engine.sasl ? engine.sasl->mechanism : "";
    agent.follow_advertised = options.follow_advertised;
    Report report = diagnose(std::move(run->targets), std::move(agent));
    if (rule_set) attribute_to_rules(report, *rule_set);
    return report;
}

}  // namespace vpcprobe
