// SPDX-License-Identifier: Apache-2.0
#include "agent/check_run.h"

#include <unistd.h>

#include <optional>
#include <utility>

#include "agent/settings/credentials.h"
#include "agent/settings/plan.h"
#include "core/sasl.h"
#include "probes/engine/engine.h"
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

std::string agent_name(const CheckOptions& options) {
    return options.agent_name.empty() ? local_hostname() : options.agent_name;
}

Result<CheckRun> run_check_once(const CheckOptions& options, const std::string& command_line,
                                TlsContextProvider tls_context) {
    auto plan = build_plan(options);
    if (!plan) return std::move(plan).error();
    // Rules files are read before any traffic: a malformed export is exit 3, not a late surprise.
    std::optional<rules::RuleSet> rule_set;
    if (!options.rules_files.empty()) {
        auto loaded = rules::load_rules(options.rules_files);
        if (!loaded) return std::move(loaded).error();
        rule_set = std::move(*loaded);
    }

    CheckRun check;
    EngineOptions engine;
    engine.settings = options.probe;
    engine.tls_context = std::move(tls_context);
    if (options.sasl && !sasl_mechanism_supported(options.sasl->mechanism)) {
        // Only a client configuration gets here (the other sources refuse such a mechanism);
        // its notes say what is not checked.
        engine.sasl_handshake_only = options.sasl->mechanism;
    } else if (options.sasl) {
        auto resolved = resolve_sasl_credentials(*options.sasl);
        if (!resolved && options.client_config) {
            // Say which client configuration asked for SASL, and what it could have given.
            return std::move(resolved).error().context(
                options.client_config->path + ": security.protocol " +
                options.security_protocol.value_or("") + " with SASL " + options.sasl->mechanism +
                " needs sasl.jaas.config (username and password), or sasl.username and "
                "sasl.password");
        }
        if (!resolved) return std::move(resolved).error();
        engine.sasl = std::move(resolved->credentials);
        check.warnings = std::move(resolved->warnings);
    }
    auto run = run_probes(plan->targets, engine);
    if (!run) return std::move(run).error();

    AgentInfo agent;
    static_cast<RunEvidence&>(agent) = *run;
    agent.hostname = local_hostname();
    agent.name = agent_name(options);
    agent.labels = options.agent_labels;
    agent.version = VPCPROBE_VERSION;
    agent.command_line = command_line;
    agent.sasl_mechanism = engine.sasl ? engine.sasl->mechanism : engine.sasl_handshake_only;
    agent.client_config = options.client_config;
    agent.follow_advertised = options.probe.follow_advertised;
    agent.plan_notes = std::move(plan->notes);
    check.report = diagnose(std::move(run->targets), std::move(agent));
    if (rule_set) attribute_to_rules(check.report, *rule_set, options.public_source);
    return check;
}

}  // namespace vpcprobe
