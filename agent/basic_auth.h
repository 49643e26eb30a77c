// SPDX-License-Identifier: Apache-2.0
// HTTP basic authentication for `vpcprobe serve`'s listener against the bcrypt hashes of its
// web configuration (agent/web_config.h), checked by the system's crypt (libxcrypt's
// crypt_rn), never by a bcrypt of our own. The answer to a request without valid credentials
// is a 401 with `WWW-Authenticate: Basic` (agent/serve_http.cpp). A password is only ever
// handed to crypt: never logged, never in an Error.
//
// A bcrypt check costs milliseconds of CPU by design (cost 10: about 50 ms), and Prometheus
// sends the same credentials on every scrape, so credentials that were accepted are
// remembered (at most kRemembered, compared in constant time) until the configuration
// changes; a wrong password is checked every time. An unknown user costs one check against a
// fixed hash, so the time of a refusal does not say whether the user exists.
//
// Threading: not thread-safe (serve uses one per configuration, on its HTTP thread).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "agent/web_config.h"
#include "core/secret.h"

namespace vpcprobe {

// The user and password of an `Authorization: Basic ...` header value (RFC 7617); `valid` is
// false when the header is not basic authentication or not base64 of "user:password".
struct BasicCredentials {
    std::string user;
    Secret password;
    bool valid = false;
};
BasicCredentials parse_basic_authorization(std::string_view header);

// Whether `password` matches the crypt(3) `hash`, compared in constant time. False for a hash
// crypt does not take.
bool crypt_matches(const Secret& password, const Secret& hash);

class BasicAuth {
  public:
    explicit BasicAuth(std::vector<BasicAuthUser> users) : users_(std::move(users)) {}

    // No users: every request is allowed.
    bool required() const { return !users_.empty(); }

    // Whether the Authorization header value carries a configured user's password.
    bool allows(std::string_view authorization);

    static constexpr std::size_t kRemembered = 16;

  private:
    std::vector<BasicAuthUser> users_;
    std::vector<Secret> accepted_;  // header values that passed, newest last
};

}  // namespace vpcprobe
