// SPDX-License-Identifier: Apache-2.0
// Strict base64 decoding (RFC 4648's standard alphabet, padded), for the two places outside
// input arrives base64-encoded: SCRAM's server messages (probes/kafka/scram.cpp) and the
// credentials of an `Authorization: Basic` header (agent/basic_auth.cpp). One decoder, so
// both refuse the same malformed input the same way.
//
// Pure function: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vpcprobe {

// The bytes `text` encodes; nullopt unless it is whole groups of four characters of the
// standard alphabet, with '=' padding only at the very end ("", "Zg==", "Zm8=", "Zm9v").
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace vpcprobe
