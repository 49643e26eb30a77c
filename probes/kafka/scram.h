// SPDX-License-Identifier: Apache-2.0
// SCRAM client (RFC 5802 with the SHA-256 / SHA-512 hashes of RFC 7677, as Kafka's
// SCRAM-SHA-256 and SCRAM-SHA-512 mechanisms use it): builds the client-first and client-final
// messages and verifies the server's signature, so a broker that does not know the password
// cannot pass for one that does. No channel binding (gs2 header "n,,"), no authzid; the
// password is used as given (no SASLprep), as Kafka's own clients do.
//
// Errors never contain the username or the password. Nothing throws. The server's messages are
// untrusted input: every attribute is checked, and the iteration count is bounded so a hostile
// server cannot make the client spin.
//
// Threading: one ScramClient per authentication, used from one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

enum class ScramAlgorithm { sha256, sha512 };

// SCRAM-SHA-256 / SCRAM-SHA-512 (exact Kafka mechanism names); nullopt for anything else.
std::optional<ScramAlgorithm> scram_algorithm(std::string_view mechanism);

// The SCRAM saslname: ',' as "=2C" and '=' as "=3D" (RFC 5802 section 5.1).
std::string scram_escape_username(std::string_view username);

class ScramClient {
  public:
    // An empty client_nonce means a fresh random one (24 bytes from RAND_bytes, base64); tests
    // pass a fixed nonce to check against the RFC's test vectors.
    ScramClient(ScramAlgorithm algorithm, std::string username, std::string password,
                std::string client_nonce = {});
    ~ScramClient();
    ScramClient(const ScramClient&) = delete;
    ScramClient& operator=(const ScramClient&) = delete;

    // "n,,n=<escaped user>,r=<client nonce>".
    std::string client_first_message() const;

    // Takes the server-first message ("r=...,s=...,i=..."); returns the client-final message
    // with the proof, or an Error saying what was wrong with the server's message.
    Result<std::string> client_final_message(std::string_view server_first);

    // Checks the server-final message: ok when it carries the expected server signature
    // ("v=..."); an Error for an "e=..." refusal, a wrong signature or garbage.
    Result<void> verify_server_final(std::string_view server_final);

  private:
    ScramAlgorithm algorithm_;
    std::string username_;
    std::string password_;
    std::string client_nonce_;
    std::vector<std::uint8_t> expected_server_signature_;  // set by client_final_message
};

}  // namespace vpcprobe
