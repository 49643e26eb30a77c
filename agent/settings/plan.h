// SPDX-License-Identifier: Apache-2.0
// The plan: the list of targets a check probes, built from validated CheckOptions (catalog
// expansion of --instance, --bootstrap, positional and config-file targets); rendered for
// `vpcprobe endpoints` by reports/render/plan_report.h. Pure functions; thread-safe.
#pragma once

#include <vector>

#include "agent/settings/settings.h"
#include "core/result.h"
#include "core/target.h"

namespace vpcprobe {

// Order: catalog targets (instance x access: all vpc in table order, then pub), then
// --bootstrap (component "kafka", origin "bootstrap"), then the explicit targets (origin
// "argument" from the command line, "config" from the config file). A target with the same
// host and port as an earlier one is dropped: the first one wins, with its component and
// origin. An Error when a spec or the instance ID is invalid (the settings validate them
// first, so this is for options built elsewhere) or when nothing is left to check.
Result<std::vector<Target>> build_plan(const CheckOptions& options);

}  // namespace vpcprobe
