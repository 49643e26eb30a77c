// SPDX-License-Identifier: Apache-2.0
// The bags of a PKCS#12 store, read with OpenSSL but sorted the way Java's PKCS12 key store
// sorts them (probes/tls/key_stores.h uses it): certificates with the mark keytool puts on a
// trusted certificate entry (Oracle's trustedKeyUsage attribute), and private keys with the
// certificate whose localKeyID they share. OpenSSL's PKCS12_parse() takes the first key only and
// ignores the trust mark, which is why the bags are walked here.
// Pure functions: safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "probes/tls/key_stores.h"

namespace vpcprobe {

struct Pkcs12Certificate {
    X509Ptr cert;
    std::string local_key_id;   // raw bytes; "" when the bag has none
    bool java_trusted = false;  // a keytool trusted certificate entry
};

struct Pkcs12Key {
    EvpPkeyPtr key;  // null unless keys were asked for
    std::string local_key_id;
};

struct Pkcs12Contents {
    std::vector<Pkcs12Certificate> certificates;
    std::vector<Pkcs12Key> keys;
};

// Whether the bytes parse as a PKCS#12 structure at all (before any password).
bool looks_like_pkcs12(std::span<const unsigned char> bytes);

// The store's certificates and keys. store_password: checked against the MAC ("wrong password")
// and used for encrypted certificate bags; nullopt skips the MAC check, as Java does, and tries
// the empty password for encrypted bags. key_password: decrypts the private keys; nullopt leaves
// them undecrypted (a trust store needs only their certificates).
Result<Pkcs12Contents> read_pkcs12(std::span<const unsigned char> bytes,
                                   const std::optional<std::string>& store_password,
                                   const std::optional<std::string>& key_password);

}  // namespace vpcprobe
