// SPDX-License-Identifier: Apache-2.0
// The plan: the list of targets a check probes, built from validated CheckOptions (catalog
// expansion of --instance, --bootstrap, positional and config-file targets); rendered for
// `vpcprobe endpoints` by reports/render/plan_report.h. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/settings/options.h"
#include "core/target.h"

namespace vpcprobe {

// Order: catalog targets (instance x access: all vpc in table order, then pub), then
// --bootstrap (component "kafka", origin "bootstrap"), then positional targets (origin
// "argument"), then config-file targets (origin "config"). A target with the same host and
// port as an earlier one is dropped: the first one wins, with its component and origin.
// Returns an empty list and sets `error` when a spec or the instance ID is invalid (cli.cpp
// validates them first, so this is for options built elsewhere) or when nothing is left to
// check.
std::vector<Target> build_plan(const CheckOptions& options, std::string& error);

}  // namespace vpcprobe
