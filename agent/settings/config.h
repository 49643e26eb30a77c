// SPDX-License-Identifier: Apache-2.0
// The TOML config file (-c/--config): the same settings as the command line, keys named after
// the long flags with underscores (`dns_servers`, `ca_files`, `warn_days`, ...), plus
// `targets` / `[[target]]` for explicit targets. Loading validates every value as strictly as
// the command line does and rejects unknown keys, so a typo is an error, never silently
// ignored. Relative paths (ca_files, rules, output) are relative to the config file's
// directory. Errors name the file, line and column.
// Pure apart from reading files; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "agent/settings/options.h"

namespace vpcprobe {

struct ConfigFile {
    // Defaults overlaid with the file's values. Explicit targets land in
    // options.config_targets as "HOST:PORT=COMPONENT" specs (origin "config"), `[[target]]`
    // tables after the `targets` array; options.config_file is the path as given.
    CheckOptions options;
    // Settings of `vpcprobe serve`, accepted here so one file can drive both commands.
    std::optional<std::chrono::milliseconds> interval;
    std::optional<std::string> listen;
    // History (agent/history.h): `state_dir` for serve and `vpcprobe history` (a relative path
    // is relative to the config file's directory), `keep` for serve.
    std::optional<std::string> state_dir;
    std::optional<std::size_t> keep;
};

struct ConfigError {
    std::string message;  // one line: "FILE:LINE:COLUMN: key: what is wrong" or "FILE: ..."
};

std::variant<ConfigFile, ConfigError> load_config(const std::string& path);

}  // namespace vpcprobe
