// SPDX-License-Identifier: Apache-2.0
// SASL: the mechanisms vpcprobe speaks to Kafka, and the credentials a check authenticates with
// once they have been read from where the settings say (a file or the environment, never the
// command line). The values only ever go on the wire to a verified peer: no report, log or
// error holds them.
// Plain values and pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace vpcprobe {

struct SaslCredentials {
    std::string mechanism;  // "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"
    std::string username;
    std::string password;
};

// The mechanisms vpcprobe speaks, upper case, as the settings and the Kafka check name them.
inline constexpr std::string_view kSaslMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

// Whether vpcprobe speaks `mechanism` (upper case, exactly as in kSaslMechanisms).
bool sasl_mechanism_supported(std::string_view mechanism);

}  // namespace vpcprobe
