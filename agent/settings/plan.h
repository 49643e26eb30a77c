// SPDX-License-Identifier: Apache-2.0
// The plan: the list of targets a check probes, built from validated CheckOptions (catalog
// expansion of --instance, --bootstrap, positional and config-file targets), with a note for
// each host:port named more than once; rendered for `vpcprobe endpoints` by
// reports/render/plan_report.h. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/settings/settings.h"
#include "core/result.h"
#include "core/target.h"

namespace vpcprobe {

struct Plan {
    std::vector<Target> targets;
    // One sentence per host:port named more than once and probed once, for the report's plan
    // (AgentInfo::plan_notes): "127.0.0.1:9092 was given twice for kafka (TARGET and
    // --bootstrap); probed once".
    std::vector<std::string> notes;
};

// Order: catalog targets (instance x access: all vpc in table order, then pub), then
// --bootstrap (component "kafka", origin "bootstrap"), then the explicit targets (origin
// "argument" from the command line, "config" from the config file).
//
// One host:port is one listener, so it is probed once (docs/configuration.md, "Targets"):
// what a spec leaves unsaid (a component guessed from the port, TLS by default) takes what
// another spec of the same host:port says, and the first one keeps its place and origin. Two
// specs that say different things (two components, or a scheme with TLS and one without) are
// an Error naming the host:port and both, with where each was named.
// An Error too when a spec or the instance ID is invalid (the settings validate them first, so
// this is for options built elsewhere) or when nothing is left to check.
Result<Plan> build_plan(const CheckOptions& options);

}  // namespace vpcprobe
