// SPDX-License-Identifier: Apache-2.0
// The JKS reader (probes/tls/jks.h) on stores that keytool makes during the test from the
// certificates and keys of a throwaway PKI: entries and certificates as keytool wrote them, the
// integrity check (right, wrong and absent store password), the key protection (right and wrong
// key password, a key password other than the store's), and damaged input: every truncation,
// a flipped byte, JCEKS, absurd counts and lengths. Without keytool the tests skip, saying so.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "probes/tls/certificate_info.h"
#include "probes/tls/jks.h"
#include "probes/tls/key_stores.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/stores.h"

namespace {

using vpcprobe::test::scratch_directory;
using vpcprobe::test::scratch_pki;

using vpcprobe::test::LeafVariant;

constexpr const char* kStorePassword = "store-secret-1";
constexpr const char* kKeyPassword = "key-secret-22";

// Two trusted certificate entries: the PKI's root ("root") and the other root ("other").
const std::string& trust_jks() {
    static const std::string path = [] {
        const std::string file = scratch_directory().file("trust.jks");
        vpcprobe::test::keytool_import_certificate(file, "JKS", kStorePassword, "root",
                                                   scratch_pki().ca_file());
        vpcprobe::test::keytool_import_certificate(file, "JKS", kStorePassword, "other",
                                                   scratch_pki().directory() + "/other-ca.pem");
        return file;
    }();
    return path;
}

// One private key entry (the good leaf and its intermediate), its key under kKeyPassword.
const std::string& key_jks() {
    static const std::string path = [] {
        const auto& good = scratch_pki().credentials(LeafVariant::good);
        const std::string p12 = scratch_directory().file("key-source.p12");
        vpcprobe::test::openssl_export_pkcs12(p12, good.chain_file, good.key_file, kStorePassword,
                                              "client");
        const std::string file = scratch_directory().file("key.jks");
        vpcprobe::test::keytool_pkcs12_to_jks(p12, kStorePassword, file, kStorePassword,
                                              kKeyPassword);
        return file;
    }();
    return path;
}

#define REQUIRE_KEYTOOL()                                                       \
    if (!vpcprobe::test::have_keytool()) {                                      \
        WARN("keytool is not installed: this test is skipped (install a JDK)"); \
        return;                                                                 \
    }

std::string subject_of(const std::vector<unsigned char>& der) {
    const unsigned char* cursor = der.data();
    vpcprobe::X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
    REQUIRE(cert);
    return vpcprobe::subject_text(cert.get());
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a keytool trust store gives its trusted certificate entries", "[jks]") {
    REQUIRE_KEYTOOL();
    const auto bytes = vpcprobe::test::read_bytes(trust_jks());
    auto entries = vpcprobe::parse_jks(bytes, std::string(kStorePassword));
    INFO((entries ? std::string() : entries.error().message()));
    REQUIRE(entries);
    REQUIRE(entries->size() == 2);
    std::vector<std::string> aliases;
    for (const auto& entry : *entries) {
        CHECK_FALSE(entry.is_private_key);
        CHECK(entry.protected_key.empty());
        REQUIRE(entry.certificates.size() == 1);
        aliases.push_back(entry.alias);
        if (entry.alias == "root")
            CHECK(subject_of(entry.certificates[0]) == scratch_pki().root_subject());
        if (entry.alias == "other") {
            CHECK(subject_of(entry.certificates[0]) != scratch_pki().root_subject());
        }
    }
    std::sort(aliases.begin(), aliases.end());
    CHECK(aliases == std::vector<std::string>{"other", "root"});
}

TEST_CASE("a wrong store password fails the integrity check; no password skips it", "[jks]") {
    REQUIRE_KEYTOOL();
    const auto bytes = vpcprobe::test::read_bytes(trust_jks());
    auto wrong = vpcprobe::parse_jks(bytes, std::string("not-the-password"));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message() == "wrong password (the keystore's integrity check failed)");
    CHECK_FALSE(contains(wrong.error().message(), "not-the-password"));

    auto unchecked = vpcprobe::parse_jks(bytes, std::nullopt);
    REQUIRE(unchecked);
    CHECK(unchecked->size() == 2);

    // One changed byte inside an entry is caught by the digest.
    auto damaged = bytes;
    damaged[damaged.size() / 2] ^= 0x01;
    auto tampered = vpcprobe::parse_jks(damaged, std::string(kStorePassword));
    REQUIRE_FALSE(tampered);
}

TEST_CASE("a private key entry decrypts with its own key password, not the store's", "[jks]") {
    REQUIRE_KEYTOOL();
    const auto bytes = vpcprobe::test::read_bytes(key_jks());
    auto entries = vpcprobe::parse_jks(bytes, std::string(kStorePassword));
    INFO((entries ? std::string() : entries.error().message()));
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    const auto& entry = entries->front();
    CHECK(entry.alias == "client");
    CHECK(entry.is_private_key);
    const auto& good = scratch_pki().credentials(LeafVariant::good);
    REQUIRE(entry.certificates.size() == good.chain_subjects.size());
    for (std::size_t i = 0; i < entry.certificates.size(); ++i) {
        CHECK(subject_of(entry.certificates[i]) == good.chain_subjects[i]);
    }

    auto pkcs8 = vpcprobe::recover_jks_key(entry, kKeyPassword);
    INFO((pkcs8 ? std::string() : pkcs8.error().message()));
    REQUIRE(pkcs8);
    const unsigned char* cursor = pkcs8->data();
    vpcprobe::EvpPkeyPtr key(
        d2i_AutoPrivateKey(nullptr, &cursor, static_cast<long>(pkcs8->size())));
    REQUIRE(key);
    const unsigned char* leaf_cursor = entry.certificates[0].data();
    vpcprobe::X509Ptr leaf(
        d2i_X509(nullptr, &leaf_cursor, static_cast<long>(entry.certificates[0].size())));
    REQUIRE(leaf);
    CHECK(X509_check_private_key(leaf.get(), key.get()) == 1);

    auto wrong = vpcprobe::recover_jks_key(entry, kStorePassword);
    REQUIRE_FALSE(wrong);
    CHECK(contains(wrong.error().message(), "wrong key password"));
    CHECK(contains(wrong.error().message(), "'client'"));
    CHECK_FALSE(contains(wrong.error().message(), kStorePassword));
}

TEST_CASE("every truncation of a store is an error, never a crash", "[jks]") {
    REQUIRE_KEYTOOL();
    for (const std::string& path : {trust_jks(), key_jks()}) {
        const auto bytes = vpcprobe::test::read_bytes(path);
        for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
            const std::span<const unsigned char> part(bytes.data(), cut);
            auto parsed = vpcprobe::parse_jks(part, std::string(kStorePassword));
            INFO("cut at " << cut);
            REQUIRE_FALSE(parsed);
            if (cut >= 12) CHECK(contains(parsed.error().message(), "truncated"));
        }
    }
}

TEST_CASE("a JCEKS store is refused with the command that converts it", "[jks]") {
    REQUIRE_KEYTOOL();
    auto bytes = vpcprobe::test::read_bytes(trust_jks());
    bytes[0] = bytes[1] = bytes[2] = bytes[3] = 0xCE;
    auto parsed = vpcprobe::parse_jks(bytes, std::string(kStorePassword));
    REQUIRE_FALSE(parsed);
    CHECK(contains(parsed.error().message(), "JCEKS"));
    CHECK(contains(parsed.error().message(), "keytool -importkeystore"));
    CHECK(contains(parsed.error().message(), "-deststoretype PKCS12"));
}

TEST_CASE("absurd counts and lengths are refused without allocating them", "[jks]") {
    const std::vector<unsigned char> header = {0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2};
    SECTION("a huge entry count") {
        auto bytes = header;
        bytes.insert(bytes.end(), {0xFF, 0xFF, 0xFF, 0xFF});
        auto parsed = vpcprobe::parse_jks(bytes, std::nullopt);
        REQUIRE_FALSE(parsed);
        CHECK(contains(parsed.error().message(), "entries"));
    }
    SECTION("a certificate claiming 4 GiB") {
        auto bytes = header;
        // one entry, tag 2, alias "a", timestamp, type "X.509", length 0xFFFFFFFF
        bytes.insert(bytes.end(),
                     {0, 0, 0, 1, 0, 0, 0,   2,   0,   1,   'a', 0,    0,    0,    0,
                      0, 0, 0, 0, 0, 5, 'X', '.', '5', '0', '9', 0xFF, 0xFF, 0xFF, 0xFF});
        auto parsed = vpcprobe::parse_jks(bytes, std::nullopt);
        REQUIRE_FALSE(parsed);
        CHECK(contains(parsed.error().message(), "allowed"));
    }
    SECTION("a certificate longer than what is left") {
        auto bytes = header;
        bytes.insert(bytes.end(), {0, 0, 0, 1, 0, 0,   0,   2,   0,   1,   'a', 0, 0, 0, 0,   0,
                                   0, 0, 0, 0, 5, 'X', '.', '5', '0', '9', 0,   0, 1, 0, 0x30});
        auto parsed = vpcprobe::parse_jks(bytes, std::nullopt);
        REQUIRE_FALSE(parsed);
        CHECK(contains(parsed.error().message(), "truncated"));
    }
    SECTION("an unknown tag and an unknown version") {
        auto bytes = header;
        bytes.insert(bytes.end(), {0, 0, 0, 1, 0, 0, 0, 9});
        CHECK_FALSE(vpcprobe::parse_jks(bytes, std::nullopt));
        auto version = header;
        version[7] = 3;
        version.insert(version.end(), {0, 0, 0, 0});
        auto parsed = vpcprobe::parse_jks(version, std::nullopt);
        REQUIRE_FALSE(parsed);
        CHECK(contains(parsed.error().message(), "version 3"));
    }
    SECTION("not a keystore at all") {
        const std::vector<unsigned char> text = {'h', 'e', 'l', 'l', 'o'};
        CHECK_FALSE(vpcprobe::parse_jks(text, std::nullopt));
        CHECK_FALSE(vpcprobe::parse_jks({}, std::nullopt));
    }
}
