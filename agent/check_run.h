// SPDX-License-Identifier: Apache-2.0
// One check from settings to report: plan -> rules -> probe engine -> diagnosis -> attribution.
// Shared by `vpcprobe check` (once, then rendered and written) and `vpcprobe serve` (every
// interval, on its scheduler thread). Setup problems (a bad plan, unreadable rules or CA files,
// missing SASL credentials, a bad --bind) are not findings: they are an Error, one line naming
// the flag or file, and exit 3 for `check`.
//
// Threading: blocks the calling thread for the whole check (the engine drives its own
// io_context on it); calls on different threads share nothing.
#pragma once

#include <string>
#include <vector>

#include "agent/settings/settings.h"
#include "core/report.h"
#include "core/result.h"
#include "probes/engine/engine.h"

namespace vpcprobe {

struct CheckRun {
    Report report;
    // What deserves a word although the check ran, one line each: credentials read from a
    // file with loose permissions, say.
    std::vector<std::string> warnings;
};

// How this agent's reports name it: `[agent] name` or --agent-name, else the hostname.
std::string agent_name(const CheckOptions& options);

// `command_line` goes into the report as given (already redacted). `tls_context` hands the run
// a TLS context kept by the caller; unset, the run builds its own when it first needs one.
Result<CheckRun> run_check_once(const CheckOptions& options, const std::string& command_line,
                                TlsContextProvider tls_context = {});

}  // namespace vpcprobe
