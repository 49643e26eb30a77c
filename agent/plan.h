// The plan: the list of targets a check probes, built from validated CheckOptions (catalog
// expansion of --instance, --bootstrap, positional and config-file targets), and its
// rendering for `vpcprobe endpoints`. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/options.h"
#include "probes/target.h"

namespace vpcprobe {

// Order: catalog targets (instance x access: all vpc in table order, then pub), then
// --bootstrap (component "kafka", origin "bootstrap"), then positional targets (origin
// "argument"), then config-file targets (origin "config"). A target with the same host and
// port as an earlier one is dropped: the first one wins, with its component and origin.
// Returns an empty list and sets `error` when a spec or the instance ID is invalid (cli.cpp
// validates them first, so this is for options built elsewhere) or when nothing is left to
// check.
std::vector<Target> build_plan(const CheckOptions& options, std::string& error);

// A table for people: COMPONENT, ACCESS ("-" outside the catalog), HOST, PORT, ORIGIN, one
// line per target, then a count line.
std::string render_plan(const std::vector<Target>& plan);

// A JSON array of {"component", "access" (null outside the catalog), "host", "port",
// "endpoint", "origin"}, for scripts.
std::string render_plan_json(const std::vector<Target>& plan);

}  // namespace vpcprobe
