// SPDX-License-Identifier: Apache-2.0
// SASL credentials, read at the last moment from where the options say (agent/options.h,
// SaslOptions): a file or an environment variable, never the command line. The values go to
// the probe engine only; nothing here logs or echoes them, and error messages name the file
// or variable at fault, never its content.
// Pure apart from reading the environment and files; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "agent/settings/options.h"
#include "core/sasl.h"

namespace vpcprobe {

inline constexpr const char* kUsernameEnv = "VPCPROBE_SASL_USERNAME";
inline constexpr const char* kPasswordEnv = "VPCPROBE_SASL_PASSWORD";
inline constexpr std::size_t kMaxSecretBytes = 4096;

// nullopt with `error` set (one line naming the file, variable or key) when a credential is
// missing, empty, unreadable or too long; `warning` is set (and the credentials returned)
// when a password file is readable by other users.
std::optional<SaslCredentials> resolve_sasl_credentials(const SaslOptions& options,
                                                        std::string& error, std::string& warning);

// "" when the mechanism is one vpcprobe speaks, else a one-line problem listing those it does.
std::string sasl_mechanism_problem(const std::string& mechanism);

}  // namespace vpcprobe
