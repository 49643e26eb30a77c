// SPDX-License-Identifier: Apache-2.0
// SASL credentials, read at the last moment from where the settings say (SaslOptions in
// agent/settings/settings.h): a file or an environment variable, never the command line. The values
// go to the probe engine only; nothing here logs or echoes them, and error messages name the file
// or variable at fault, never its content.
// Pure apart from reading the environment and files; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/settings/settings.h"
#include "core/result.h"
#include "core/sasl.h"

namespace vpcprobe {

inline constexpr const char* kUsernameEnv = "VPCPROBE_SASL_USERNAME";
inline constexpr const char* kPasswordEnv = "VPCPROBE_SASL_PASSWORD";
inline constexpr std::size_t kMaxSecretBytes = 4096;

struct ResolvedCredentials {
    SaslCredentials credentials;
    std::vector<std::string> warnings;  // e.g. a password file other users can read
};

// The credentials, or an Error (one line naming the file, variable or key) when one is missing,
// empty, unreadable or too long.
Result<ResolvedCredentials> resolve_sasl_credentials(const SaslOptions& options);

// A secret held in a file: its one line (a trailing newline removed), at most kMaxSecretBytes.
// The Error quotes the path and says what is wrong (missing, a directory, empty, several lines,
// too long), never the content. `what` names the secret in messages ("password").
Result<std::string> read_secret_file(const std::string& path, const std::string& what);

// Whether vpcprobe speaks the mechanism; the Error lists those it does.
Result<void> check_sasl_mechanism(const std::string& mechanism);

}  // namespace vpcprobe
