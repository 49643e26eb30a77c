// SPDX-License-Identifier: Apache-2.0
#include "agent/basic_auth.h"

#include <crypt.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>

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

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard base64 with padding, as RFC 7617 sends it; nullopt when it is not.
std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            const bool last_group = i + 4 == text.size();
            if (c == '=' && last_group && j >= 2 && (j == 3 || text[i + 3] == '=')) {
                ++padding;
                v[j] = 0;
                continue;
            }
            if (padding > 0 || (v[j] = base64_value(c)) < 0) return std::nullopt;
        }
        const unsigned bits = (static_cast<unsigned>(v[0]) << 18) |
                              (static_cast<unsigned>(v[1]) << 12) |
                              (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out += static_cast<char>((bits >> 16) & 0xff);
        if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
        if (padding < 1) out += static_cast<char>(bits & 0xff);
    }
    return out;
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
