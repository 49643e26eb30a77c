// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the PKCS#12 bag walk (probes/tls/pkcs12_store.h), as a Kafka client's
// PKCS12 trust store or key store reaches it: read_pkcs12 with the store password "changeit"
// (the MAC is checked) or with none (it is skipped, and encrypted bags get the empty password),
// and the keys decrypted with "changeit" or left alone. Aborts if a certificate or key the
// walk returns is null, or a key is returned that was not asked for.
//
// Threading: libFuzzer calls this from one thread; the reader holds no state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "probes/tls/pkcs12_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::span<const unsigned char> store(data + 1, size - 1);
    const std::optional<std::string> store_password =
        (data[0] & 1) != 0 ? std::optional<std::string>("changeit") : std::nullopt;
    const bool want_keys = (data[0] & 2) == 0;
    const std::optional<std::string> key_password =
        want_keys ? std::optional<std::string>("changeit") : std::nullopt;
    (void)vpcprobe::looks_like_pkcs12(store);
    auto contents = vpcprobe::read_pkcs12(store, store_password, key_password);
    if (!contents) return 0;
    for (const auto& certificate : contents->certificates) {
        if (!certificate.cert) std::abort();
    }
    for (const auto& key : contents->keys) {
        if (!want_keys && key.key) std::abort();
    }
    return 0;
}
