// SPDX-License-Identifier: Apache-2.0
// The report model: the verdict of a check, built from the probe engine's evidence by
// diagnose() (reports/diagnosis/diagnose.h) and handed to the renderers (json_report.h,
// text_report.h, ...), which only format it and never decide anything themselves.
// The vocabulary (statuses, cause codes, exit codes) is the report's public one: docs/report.md
// ("Verdicts", "Cause codes", "Findings") and docs/report.schema.json.
//
// Plain values and pure functions: safe from any thread, copy freely.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cause.h"
#include "core/evidence.h"
#include "core/target.h"

namespace vpcprobe {

// A Kafka client configuration the check was made as (--client-config): which file, in which
// format, and which of its keys were used. Key names only, never a value.
struct ClientConfigInfo {
    std::string path;                        // as given
    std::string format;                      // "Java properties", "librdkafka", ...
    std::vector<std::string> keys_used;      // the keys applied, in file order
    std::vector<std::string> keys_not_used;  // ssl.* / sasl.* keys vpcprobe does not act on
    std::vector<std::string> notes;          // what could not be honoured, for people
    friend bool operator==(const ClientConfigInfo&, const ClientConfigInfo&) = default;
};

// One label of the agent (`[agent] labels` in the config): a Prometheus label name and any text.
// A struct rather than a std::pair, which not every standard library allows in every place.
struct AgentLabel {
    std::string name;
    std::string value;
    friend bool operator==(const AgentLabel&, const AgentLabel&) = default;
};

// Where and when the check ran, and with what; rendered as the report's "agent" (and "tool").
struct AgentInfo : RunEvidence {
    std::string hostname;
    // How the agent is named across reports (`--agent-name`, `[agent] name`; the hostname by
    // default): `merge` keys its matrix on it. Labels sorted by name, as configured.
    std::string name;
    std::vector<AgentLabel> labels;
    // The name reports show: `name`, or the hostname when nothing named the agent.
    const std::string& shown_name() const { return name.empty() ? hostname : name; }
    std::string version;            // vpcprobe's own version, "0.1.0"
    std::string command_line;       // as invoked, secrets already redacted by the caller
    std::string sasl_mechanism;     // SASL mechanism configured, "" for none
    bool follow_advertised = true;  // false with --no-advertised
    std::optional<ClientConfigInfo> client_config;  // null without --client-config
    // What the plan did with the targets asked for that a reader should know (the same
    // host:port given twice for one component, merged), one sentence each.
    std::vector<std::string> plan_notes;
};

// Something (a rule, a firewall, a resolver, ...) that may be what blocks a target.
// kind: "security-group", "security-group-rule", "network-acl-rule", "cloud-firewall-policy",
// "firewall", "route",
// "dns", "certificate" or "service" (docs/report.md, "Suspects"). Empty strings mean "unknown"
// (null in JSON).
struct Suspect {
    std::string kind;
    std::string id;         // "sg-0abc", "acl-12/100", an address
    std::string direction;  // "ingress" | "egress" | ""
    std::string rule;       // the rule itself, as the export says it
    std::string detail;     // one sentence for people
};

// The first thing that went wrong with a target.
struct TargetCause {
    Cause code = Cause::none;
    Stage stage = Stage::dns;  // the stage it was observed at (run.deadline can hit any stage)
    std::string summary;       // a sentence with the facts: "SYN to 10.0.0.5:9095 got no answer"
    std::vector<Suspect> suspects;
    // What to do, written from this target's own evidence (reports/diagnosis/remedies.h);
    // every cause has one once diagnose() has run.
    std::string remedy;
};

// The verdict on one target, with everything observed about it.
struct TargetReport {
    Target target;
    StageStatus status = StageStatus::ok;  // ok, warning or failed; never skipped
    std::optional<TargetCause> cause;      // set exactly when status is not ok
    TargetEvidence evidence;  // normalised by diagnose(): a run.deadline stage is "failed", a
                              // failed/warning stage always carries a cause
    // Index into evidence.addresses of the address whose tcp/tls/certificate/protocol stages
    // the report's single-address "stages" view (docs/report.md, "Verdicts") shows: the first
    // failing (or warning) address when the target is not ok, else 0. Meaningless when there
    // are no addresses.
    std::size_t shown_address = 0;

    // The address the "stages" view shows, or nullptr when none was probed (DNS failed).
    const AddressEvidence* shown() const;
};

enum class Severity { error, warning, info };
std::string_view name(Severity severity);  // "error", "warning", "info"

// Something the targets say together (docs/report.md, "Findings").
struct Finding {
    std::string code;  // "firewall.port_blocked", ...
    Severity severity = Severity::error;
    std::string summary;
    std::vector<std::string> components;
    std::vector<std::string> targets;  // "host:port"
    std::vector<Suspect> suspects;
    std::string remedy;
    // How sure the finding is, for findings drawn from partial evidence: "certain" (every
    // fact it needs was observed) or "likely" (some were not, the summary says which); ""
    // when the finding does not grade itself.
    std::string confidence;
};

struct Summary {
    int ok = 0;
    int warning = 0;
    int failed = 0;
    friend bool operator==(const Summary&, const Summary&) = default;
};

struct Report {
    int schema_version = 1;
    AgentInfo agent;
    std::vector<TargetReport> targets;
    std::vector<Finding> findings;
    Summary summary;
};

// The process exit status the report calls for (docs/report.md, "Exit codes"; the Nagios plugin
// convention): 0 when every target is ok, 1 with warnings only, 2 when any target
// failed. kExitCannotRun, "could not run as asked", is for the commands to return; a report
// never calls for it.
int exit_code(const Report& report);
inline constexpr int kExitCannotRun = 3;

}  // namespace vpcprobe
