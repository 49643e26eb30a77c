// SPDX-License-Identifier: Apache-2.0
// ScopedEnv: an environment variable set (or, with nullptr, unset) for one scope and restored
// after it, for tests of what reads the environment (SSL_CERT_FILE, SSL_CERT_DIR, ...).
// Not thread-safe (setenv is not); use from a test's own thread.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace vpcprobe::test {

class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* before = std::getenv(name)) before_ = before;
        if (value != nullptr) {
            ::setenv(name, value, 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (before_) {
            ::setenv(name_, before_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> before_;
};

}  // namespace vpcprobe::test
