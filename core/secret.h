// SPDX-License-Identifier: Apache-2.0
// A secret value read from a file, the environment or a Kafka client configuration (a SASL
// password, a store or key password, an inline private key): held only to be used, never
// shown. It has no formatter, no stream operator and no conversion to text; the one way to the
// value is reveal(), called only where the secret is used (a SASL exchange, a store's
// integrity check, a key's decryption). Reports, logs, errors and state files name where a
// secret came from, never what it is.
// A small value type: copy freely, safe from any thread.
#pragma once

#include <string>
#include <utility>

namespace vpcprobe {

class Secret {
  public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    const std::string& reveal() const { return value_; }
    bool empty() const { return value_.empty(); }

    friend bool operator==(const Secret&, const Secret&) = default;

  private:
    std::string value_;
};

}  // namespace vpcprobe
