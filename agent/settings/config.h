// SPDX-License-Identifier: Apache-2.0
// The TOML config file (-c/--config) as a source of settings: the same settings as the command
// line, keys named after the long flags with underscores (`dns_servers`, `ca_files`,
// `warn_days`, ...), plus `targets` / `[[target]]` for explicit targets and the `[sasl]` table.
// Every key is applied through the setting table (agent/settings/setting_table.h), so values
// are validated exactly as on the command line; unknown keys are errors (a typo is never
// silently ignored), with a "did you mean". Relative paths are relative to the config file's
// directory. Errors name the file, line and column.
// Pure apart from reading files; thread-safe.
#pragma once

#include <string>

#include "agent/settings/settings.h"
#include "agent/settings/validate.h"
#include "core/result.h"

namespace vpcprobe {

// Applies the file at `path` over `into` (the defaults, normally). options.config_file is the
// path as given. The Error is one line: "FILE:LINE:COLUMN: key: what is wrong" or "FILE: ...".
Result<void> apply_config_file(const std::string& path, Settings& into, const FileChecks& checks);

// The defaults with the file applied.
Result<Settings> load_config(const std::string& path, const FileChecks& checks);

}  // namespace vpcprobe
