// SPDX-License-Identifier: Apache-2.0
// One check from options to report: plan -> rules -> probe engine -> diagnosis -> attribution.
// Shared by `vpcprobe check` (once, then rendered and written) and `vpcprobe serve` (every
// interval, on its scheduler thread). Setup problems (a bad plan, unreadable rules or CA files,
// missing SASL credentials, a bad --bind) are not findings: they come back through `error`,
// one line naming the flag or file, and are exit 3 for `check`.
//
// Threading: blocks the calling thread for the whole check (the engine drives its own
// io_context on it); calls on different threads share nothing.
#pragma once

#include <optional>
#include <string>

#include "agent/settings/options.h"
#include "core/report.h"

namespace vpcprobe {

// The report of one check, or nullopt with `error` set. `command_line` goes into the report
// as given (already redacted). `warning` is set (one line) when the check ran but something
// deserves a word, such as credentials read from a file with loose permissions.
std::optional<Report> run_check_once(const CheckOptions& options, const std::string& command_line,
                                     std::string& error, std::string& warning);

}  // namespace vpcprobe
