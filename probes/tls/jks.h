// SPDX-License-Identifier: Apache-2.0
// A reader of Java KeyStore files as `keytool -storetype JKS` writes them:
// the trusted-certificate and private-key entries, the store's keyed SHA-1 integrity check and
// Sun's key protection (a SHA-1 keystream), so a Kafka client's JKS trust store and key store
// load without a JVM. JCEKS stores (secret keys, another key protection) are refused with the
// keytool command that converts them.
//
// Input is hostile: every length is checked against what is left of it, counts are capped, and a
// damaged file is an Error, never a crash or a large allocation. Errors name entries by alias and
// never hold a password or key bytes.
// Pure functions: safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

struct JksEntry {
    std::string alias;  // as stored (keytool lower-cases it), modified UTF-8 bytes
    bool is_private_key = false;
    // DER certificates: a private key's chain, leaf first, or the one trusted certificate.
    std::vector<std::vector<unsigned char>> certificates;
    // A private key entry's EncryptedPrivateKeyInfo (DER), still protected by the key password;
    // empty for a trusted certificate. recover_jks_key() opens it.
    std::vector<unsigned char> protected_key;
};

// The entries of a JKS file, in file order. store_password: the store's password, checked
// against the file's integrity digest ("wrong password" when it does not match); nullopt skips
// the check, as Java's KeyStore.load does for a null password (a client whose trust store has no
// password configured still loads it).
Result<std::vector<JksEntry>> parse_jks(std::span<const unsigned char> bytes,
                                        const std::optional<std::string>& store_password);

// The PKCS#8 PrivateKeyInfo (DER) of a private key entry, decrypted with the key password;
// "wrong key password" when the key's check digest does not match.
Result<std::vector<unsigned char>> recover_jks_key(const JksEntry& entry,
                                                   const std::string& key_password);

// Whether the bytes start as a JKS file (0xFEEDFEED) or a JCEKS file (0xCECECECE) does.
bool starts_as_jks(std::span<const unsigned char> bytes);
bool starts_as_jceks(std::span<const unsigned char> bytes);

}  // namespace vpcprobe
