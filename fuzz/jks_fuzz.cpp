// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the JKS reader (probes/tls/jks.h), as a Kafka client's trust store and key
// store reach it: parse_jks with the store password "changeit" (the integrity check runs) or with
// none (it is skipped), then recover_jks_key on every private key entry with "changeit". Aborts if
// an entry breaks the reader's own bounds (a trusted entry with a protected key or with other than
// one certificate, a certificate over 1 MiB). A key entry's protected key may be empty: the file
// says so, and recovering it is an Error.
//
// Threading: libFuzzer calls this from one thread; the reader holds no state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "probes/tls/jks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::span<const unsigned char> store(data + 1, size - 1);
    const std::optional<std::string> password =
        (data[0] & 1) != 0 ? std::optional<std::string>("changeit") : std::nullopt;
    auto entries = vpcprobe::parse_jks(store, password);
    if (!entries) return 0;
    for (const auto& entry : *entries) {
        if (!entry.is_private_key && !entry.protected_key.empty()) std::abort();
        if (!entry.is_private_key && entry.certificates.size() != 1) std::abort();
        for (const auto& cert : entry.certificates) {
            if (cert.size() > 1024 * 1024) std::abort();
        }
        if (entry.is_private_key) (void)vpcprobe::recover_jks_key(entry, "changeit");
    }
    return 0;
}
