// SPDX-License-Identifier: Apache-2.0
#include "agent/basic_auth.h"

#include <crypt.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "core/base64.h"

namespace vpcprobe {

namespace {

// Constant time over the longer of the two: the comparison does not stop at the first
// difference, so its time does not say how much of a guess was right.
bool equal_constant_time(std::string_view a, std::string_view b) {
    const std::size_t length = std::max(a.size(), b.size());
    unsigned char difference = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < length; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        difference = static_cast<unsigned char>(difference | (x ^ y));
    }
    return difference == 0;
}

// A valid hash of a password nobody has, for unknown users (see the header).
constexpr const char* kDecoyHash = "$2b$10$jvM6XrVXcuwE7g0Y1xj7MuI.IUCapCsmDSmUit4YIIc5oEtCNixqO";

}  // namespace

BasicCredentials parse_basic_authorization(std::string_view header) {
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    const auto space = header.find(' ');
    if (space == std::string_view::npos) return {};
    std::string scheme(header.substr(0, space));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    if (scheme != "basic") return {};
    std::string_view encoded = header.substr(space + 1);
    while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
    while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
    auto decoded = decode_base64(encoded);
    if (!decoded) return {};
    const auto colon = decoded->find(':');
    if (colon == std::string::npos) return {};
    return BasicCredentials{decoded->substr(0, colon), Secret(decoded->substr(colon + 1)), true};
}

bool crypt_matches(const Secret& password, const Secret& hash) {
    // crypt_data is about 32 KiB: on the heap, not on the HTTP thread's stack.
    auto data = std::make_unique<crypt_data>();
    const char* computed =
        crypt_rn(password.reveal().c_str(), hash.reveal().c_str(), data.get(), sizeof(crypt_data));
    // crypt_rn answers nullptr (or, in some builds, a string starting with '*') for a hash it
    // does not take.
    const bool matches =
        computed != nullptr && computed[0] != '*' && equal_constant_time(computed, hash.reveal());
    // The work area holds the password's derived state.
    explicit_bzero(data.get(), sizeof(crypt_data));
    return matches;
}

bool BasicAuth::allows(std::string_view authorization) {
    if (!required()) return true;
    bool remembered = false;
    for (const Secret& accepted : accepted_) {
        remembered = equal_constant_time(accepted.reveal(), authorization) || remembered;
    }
    if (remembered) return true;

    const BasicCredentials credentials = parse_basic_authorization(authorization);
    if (!credentials.valid) return false;
    const auto user = std::find_if(users_.begin(), users_.end(), [&](const BasicAuthUser& u) {
        return equal_constant_time(u.name, credentials.user);
    });
    const Secret decoy(kDecoyHash);
    const bool matches =
        crypt_matches(credentials.password, user == users_.end() ? decoy : user->hash);
    if (!matches || user == users_.end()) return false;
    if (accepted_.size() == kRemembered) accepted_.erase(accepted_.begin());
    accepted_.emplace_back(std::string(authorization));
    return true;
}

}  // namespace vpcprobe
