// SPDX-License-Identifier: Apache-2.0
// The plan as `vpcprobe endpoints` prints it: the targets a check would probe, for people or
// for scripts. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/report.h"
#include "core/target.h"

namespace vpcprobe {

// A table for people: COMPONENT, ACCESS ("-" outside the catalog), HOST, PORT, ORIGIN, one
// line per target, then a count line; with a Kafka client configuration, the file the targets
// come from and what of it could not be honoured; then the plan's notes (a host:port named
// more than once, probed once), one "note: ..." line each.
std::string render_plan(const std::vector<Target>& plan,
                        const std::optional<ClientConfigInfo>& client_config = std::nullopt,
                        const std::vector<std::string>& notes = {});

// A JSON array of {"component", "access" (null outside the catalog), "host", "port",
// "endpoint", "origin"}, for scripts.
std::string render_plan_json(const std::vector<Target>& plan);

}  // namespace vpcprobe
