// SPDX-License-Identifier: Apache-2.0
// Trust stores and client identities (probes/tls/key_stores.h) as the real tools make them
// during the test: PEM files and text, keytool JKS and PKCS12 trust stores, an openssl PKCS12
// key store, a JKS key store converted from it by keytool with its own key password, encrypted
// PEM keys. Checks the anchors and subjects loaded and every error a user can meet (missing
// file, wrong type, wrong store or key password, no or several key entries, a key that does not
// match), each naming the setting and file and never holding a password. Tests that need
// keytool skip, saying so, when it is not installed.
#include <chrono>
#include <fstream>

#include <catch2/catch.hpp>

#include "probes/tls/certificate_info.h"
#include "probes/tls/key_stores.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/stores.h"

namespace {

using vpcprobe::test::scratch_directory;
using vpcprobe::test::scratch_pki;

using vpcprobe::ClientIdentity;
using vpcprobe::Secret;
using vpcprobe::StoreFormat;
using vpcprobe::StoreSource;
using vpcprobe::test::LeafVariant;

constexpr const char* kStorePassword = "store-secret-1";
constexpr const char* kKeyPassword = "key-secret-22";
constexpr const char* kTrustKey = "client.properties: ssl.truststore.location";
constexpr const char* kKeyStoreKey = "client.properties: ssl.keystore.location";

std::string other_ca() {
    return scratch_pki().directory() + "/other-ca.pem";
}

const vpcprobe::test::ServerCredentials& good() {
    return scratch_pki().credentials(LeafVariant::good);
}

#define REQUIRE_KEYTOOL()                                                       \
    if (!vpcprobe::test::have_keytool()) {                                      \
        WARN("keytool is not installed: this test is skipped (install a JDK)"); \
        return;                                                                 \
    }

std::string keytool_trust_store(const std::string& name, const std::string& type) {
    const std::string file = scratch_directory().file(name);
    if (!std::ifstream(file)) {
        vpcprobe::test::keytool_import_certificate(file, type, kStorePassword, "root",
                                                   scratch_pki().ca_file());
        vpcprobe::test::keytool_import_certificate(file, type, kStorePassword, "other", other_ca());
    }
    return file;
}

std::string client_p12() {
    const std::string file = scratch_directory().file("client.p12");
    if (!std::ifstream(file)) {
        vpcprobe::test::openssl_export_pkcs12(file, good().chain_file, good().key_file,
                                              kStorePassword, "client");
    }
    return file;
}

std::string client_jks() {
    const std::string file = scratch_directory().file("client.jks");
    if (!std::ifstream(file)) {
        vpcprobe::test::keytool_pkcs12_to_jks(client_p12(), kStorePassword, file, kStorePassword,
                                              kKeyPassword);
    }
    return file;
}

StoreSource store(const std::string& path, StoreFormat format, const char* named_by,
                  std::optional<std::string> password = std::string(kStorePassword)) {
    StoreSource source;
    source.path = path;
    source.format = format;
    source.named_by = named_by;
    if (password) source.password = Secret(*password);
    return source;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool starts_with(const std::string& text, const std::string& start) {
    return text.rfind(start, 0) == 0;
}

// The error of a load that must fail, with the checks every such error must pass.
template <typename Loaded>
std::string failure(const vpcprobe::Result<Loaded>& result, const std::string& start) {
    REQUIRE_FALSE(result);
    const std::string message = result.error().message();
    INFO(message);
    CHECK(starts_with(message, start));
    CHECK_FALSE(contains(message, kStorePassword));
    CHECK_FALSE(contains(message, kKeyPassword));
    CHECK(message.find('\n') == std::string::npos);
    return message;
}

template <typename Loaded>
void require_ok(const vpcprobe::Result<Loaded>& result) {
    INFO((result ? std::string() : result.error().message()));
    REQUIRE(result);
}

}  // namespace

TEST_CASE("a PEM trust store loads from a file and from inline text", "[stores]") {
    auto from_file = vpcprobe::load_trust_store(
        store(scratch_pki().ca_file(), StoreFormat::pem, "--ca-file", std::nullopt));
    require_ok(from_file);
    CHECK(from_file->subjects == std::vector<std::string>{scratch_pki().root_subject()});
    CHECK(from_file->anchors.size() == 1);
    CHECK(from_file->description ==
          "the PEM trust store " + scratch_pki().ca_file() + " (--ca-file)");

    StoreSource inline_source;
    inline_source.inline_pem = Secret(slurp(scratch_pki().ca_file()) + slurp(other_ca()));
    inline_source.named_by = "client.properties: ssl.truststore.certificates";
    auto inline_trust = vpcprobe::load_trust_store(inline_source);
    require_ok(inline_trust);
    CHECK(inline_trust->anchors.size() == 2);
    CHECK(inline_trust->subjects.front() == scratch_pki().root_subject());
    CHECK(inline_trust->description ==
          "the PEM trust store given inline (client.properties: ssl.truststore.certificates)");
}

TEST_CASE("a keytool JKS or PKCS12 trust store gives its trusted entries", "[stores]") {
    REQUIRE_KEYTOOL();
    for (const auto& [type, format] :
         {std::pair{"JKS", StoreFormat::jks}, std::pair{"PKCS12", StoreFormat::pkcs12}}) {
        const std::string path = keytool_trust_store(std::string("trust.") + type, type);
        auto trust = vpcprobe::load_trust_store(store(path, format, kTrustKey));
        INFO(type);
        require_ok(trust);
        CHECK(trust->anchors.size() == 2);
        CHECK(std::count(trust->subjects.begin(), trust->subjects.end(),
                         scratch_pki().root_subject()) == 1);
        CHECK(trust->description ==
              std::string("the ") + type + " trust store " + path + " (" + kTrustKey + ")");

        // No password configured: Java loads it without the integrity check, and so do we
        // (a PKCS12 store's certificates are encrypted, so it cannot be read at all).
        auto no_password = vpcprobe::load_trust_store(store(path, format, kTrustKey, std::nullopt));
        if (format == StoreFormat::jks) {
            require_ok(no_password);
            CHECK(no_password->anchors.size() == 2);
        } else {
            const auto message = failure(no_password, std::string(kTrustKey) + " " + path + ": ");
            CHECK(contains(message, "no store password"));
        }

        auto wrong = vpcprobe::load_trust_store(store(path, format, kTrustKey, "wrong-password"));
        const auto message = failure(wrong, std::string(kTrustKey) + " " + path + ": ");
        CHECK(contains(message, "wrong password"));
        CHECK_FALSE(contains(message, "wrong-password"));
    }
}

TEST_CASE("a key store as trust store trusts the first certificate of its key entry", "[stores]") {
    REQUIRE_KEYTOOL();
    auto trust = vpcprobe::load_trust_store(store(client_jks(), StoreFormat::jks, kTrustKey));
    require_ok(trust);
    CHECK(trust->subjects == std::vector<std::string>{good().chain_subjects.front()});

    // openssl pkcs12 -export marks no certificate as trusted: Java trusts its key's leaf only.
    auto p12 = vpcprobe::load_trust_store(store(client_p12(), StoreFormat::pkcs12, kTrustKey));
    require_ok(p12);
    CHECK(p12->subjects == std::vector<std::string>{good().chain_subjects.front()});
}

TEST_CASE("a store whose content is not its configured type", "[stores]") {
    REQUIRE_KEYTOOL();
    const std::string p12 = keytool_trust_store("trust.PKCS12", "PKCS12");
    const std::string jks = keytool_trust_store("trust.JKS", "JKS");

    // Java's JKS and PKCS12 key store types each load the other format too.
    auto p12_as_jks = vpcprobe::load_trust_store(store(p12, StoreFormat::jks, kTrustKey));
    require_ok(p12_as_jks);
    CHECK(p12_as_jks->anchors.size() == 2);
    CHECK(starts_with(p12_as_jks->description, "the PKCS12 trust store "));
    auto jks_as_p12 = vpcprobe::load_trust_store(store(jks, StoreFormat::pkcs12, kTrustKey));
    require_ok(jks_as_p12);
    CHECK(starts_with(jks_as_p12->description, "the JKS trust store "));

    auto jks_as_pem = vpcprobe::load_trust_store(store(jks, StoreFormat::pem, kTrustKey));
    CHECK(contains(failure(jks_as_pem, std::string(kTrustKey) + " " + jks + ": "),
                   "this looks like a JKS store; set ssl.truststore.type=JKS"));
    auto pem_as_jks =
        vpcprobe::load_trust_store(store(scratch_pki().ca_file(), StoreFormat::jks, kTrustKey));
    CHECK(
        contains(failure(pem_as_jks, std::string(kTrustKey) + " " + scratch_pki().ca_file() + ": "),
                 "this looks like a PEM file; set ssl.truststore.type=PEM"));

    auto bytes = vpcprobe::test::read_bytes(jks);
    bytes[0] = bytes[1] = bytes[2] = bytes[3] = 0xCE;
    const std::string jceks = scratch_directory().file("trust.jceks");
    vpcprobe::test::write_bytes(jceks, bytes);
    auto jceks_store = vpcprobe::load_trust_store(store(jceks, StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(jceks_store, std::string(kTrustKey) + " " + jceks + ": "),
                   "-deststoretype PKCS12"));
}

TEST_CASE("missing, empty, endless and truncated store files", "[stores]") {
    const std::string missing = scratch_directory().file("no-such.jks");
    auto none = vpcprobe::load_trust_store(store(missing, StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(none, std::string(kTrustKey) + " " + missing + ": "), "no such file"));

    const std::string empty = scratch_directory().file("empty.jks");
    vpcprobe::test::write_bytes(empty, {});
    auto empty_store = vpcprobe::load_trust_store(store(empty, StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(empty_store, std::string(kTrustKey) + " "), "empty"));

    const auto started = std::chrono::steady_clock::now();
    auto endless = vpcprobe::load_trust_store(store("/dev/zero", StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(endless, std::string(kTrustKey) + " /dev/zero: "), "8 MiB"));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

    auto directory_store =
        vpcprobe::load_trust_store(store(scratch_directory().path(), StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(directory_store, std::string(kTrustKey) + " "), "directory"));

    if (!vpcprobe::test::have_keytool()) return;
    auto bytes = vpcprobe::test::read_bytes(keytool_trust_store("trust.JKS", "JKS"));
    bytes.resize(bytes.size() / 2);
    const std::string cut = scratch_directory().file("cut.jks");
    vpcprobe::test::write_bytes(cut, bytes);
    auto truncated = vpcprobe::load_trust_store(store(cut, StoreFormat::jks, kTrustKey));
    CHECK(contains(failure(truncated, std::string(kTrustKey) + " " + cut + ": "), "truncated"));
}

TEST_CASE("a PEM identity: certificate and key files, encrypted or not, or one file", "[stores]") {
    ClientIdentity identity;
    identity.certificate =
        store(good().chain_file, StoreFormat::pem, "--client-cert", std::nullopt);
    identity.key = store(good().key_file, StoreFormat::pem, "--client-key", std::nullopt);
    auto plain = vpcprobe::load_client_identity(identity);
    require_ok(plain);
    REQUIRE(plain->chain.size() == good().chain_subjects.size());
    CHECK(vpcprobe::subject_text(plain->chain.front().get()) == good().chain_subjects.front());
    CHECK(plain->source == "--client-cert " + good().chain_file);
    CHECK(plain->description == "the PEM certificate " + good().chain_file + " (--client-cert)");

    const std::string encrypted = scratch_directory().file("client.enc.key.pem");
    vpcprobe::test::openssl_encrypt_key(good().key_file, encrypted, kKeyPassword);
    identity.key = store(encrypted, StoreFormat::pem, "--client-key", std::nullopt);
    identity.key_password = Secret(kKeyPassword);
    identity.key_password_named_by = "--client-key-password-file";
    require_ok(vpcprobe::load_client_identity(identity));

    identity.key_password = Secret("not-it-at-all");
    auto wrong = vpcprobe::load_client_identity(identity);
    const auto message = failure(wrong, "--client-key " + encrypted + ": ");
    CHECK(contains(message, "wrong key password"));
    CHECK(contains(message, "--client-key-password-file"));
    CHECK_FALSE(contains(message, "not-it-at-all"));

    identity.key_password.reset();
    auto no_password = vpcprobe::load_client_identity(identity);
    CHECK(contains(failure(no_password, "--client-key " + encrypted + ": "),
                   "no key password is configured"));

    // Certificate and key in one PEM text, given inline.
    ClientIdentity combined;
    combined.certificate.inline_pem = Secret(slurp(good().chain_file) + slurp(good().key_file));
    combined.certificate.named_by = "client.properties: ssl.keystore.certificate.chain";
    require_ok(vpcprobe::load_client_identity(combined));

    ClientIdentity no_key;
    no_key.certificate = store(good().chain_file, StoreFormat::pem, "--client-cert", std::nullopt);
    CHECK(contains(failure(vpcprobe::load_client_identity(no_key), "--client-cert "),
                   "no PEM private key"));
}

TEST_CASE("a key that does not match the certificate is refused, naming the certificate",
          "[stores]") {
    ClientIdentity identity;
    identity.certificate =
        store(good().chain_file, StoreFormat::pem, "--client-cert", std::nullopt);
    identity.key = store(scratch_pki().credentials(LeafVariant::self_signed).key_file,
                         StoreFormat::pem, "--client-key", std::nullopt);
    auto loaded = vpcprobe::load_client_identity(identity);
    CHECK(contains(
        failure(loaded, "--client-cert " + good().chain_file + ": "),
        "the private key does not match the certificate " + good().chain_subjects.front()));
}

TEST_CASE("a JKS key store: its one key entry with its own key password", "[stores]") {
    REQUIRE_KEYTOOL();
    ClientIdentity identity;
    identity.certificate = store(client_jks(), StoreFormat::jks, kKeyStoreKey);
    identity.key_password = Secret(kKeyPassword);
    identity.key_password_named_by = "client.properties: ssl.key.password";
    auto loaded = vpcprobe::load_client_identity(identity);
    require_ok(loaded);
    REQUIRE(loaded->chain.size() == good().chain_subjects.size());
    for (std::size_t i = 0; i < loaded->chain.size(); ++i) {
        CHECK(vpcprobe::subject_text(loaded->chain[i].get()) == good().chain_subjects[i]);
    }
    CHECK(loaded->description == "the JKS key store " + client_jks() + " (" + kKeyStoreKey + ")");

    // Without ssl.key.password the store's password is tried, which is not this key's.
    identity.key_password.reset();
    auto store_password = vpcprobe::load_client_identity(identity);
    CHECK(contains(failure(store_password, std::string(kKeyStoreKey) + " " + client_jks() + ": "),
                   "wrong key password"));

    identity.key_password = Secret(kKeyPassword);
    identity.certificate.password = Secret("wrong-store-pw");
    auto wrong_store = vpcprobe::load_client_identity(identity);
    CHECK(contains(failure(wrong_store, std::string(kKeyStoreKey) + " "), "wrong password"));
}

TEST_CASE("key stores with no key entry or several", "[stores]") {
    REQUIRE_KEYTOOL();
    ClientIdentity trust_only;
    trust_only.certificate =
        store(keytool_trust_store("trust.JKS", "JKS"), StoreFormat::jks, kKeyStoreKey);
    CHECK(contains(failure(vpcprobe::load_client_identity(trust_only), kKeyStoreKey),
                   "no private key entry"));

    // A second key entry (another leaf) under another alias.
    const std::string several = scratch_directory().file("several.jks");
    vpcprobe::test::keytool_pkcs12_to_jks(client_p12(), kStorePassword, several, kStorePassword,
                                          kStorePassword);
    const std::string second = scratch_directory().file("second.p12");
    const auto& other = scratch_pki().credentials(LeafVariant::expiring_soon);
    vpcprobe::test::openssl_export_pkcs12(second, other.chain_file, other.key_file, kStorePassword,
                                          "second");
    vpcprobe::test::keytool_pkcs12_to_jks(second, kStorePassword, several, kStorePassword,
                                          kStorePassword);
    ClientIdentity identity;
    identity.certificate = store(several, StoreFormat::jks, kKeyStoreKey);
    const auto message = failure(vpcprobe::load_client_identity(identity), kKeyStoreKey);
    CHECK(contains(message, "several private key entries"));
    CHECK(contains(message, "'client'"));
    CHECK(contains(message, "'second'"));
}

TEST_CASE("an openssl PKCS12 key store gives its key and chain", "[stores]") {
    ClientIdentity identity;
    identity.certificate = store(client_p12(), StoreFormat::pkcs12, kKeyStoreKey);
    auto loaded = vpcprobe::load_client_identity(identity);
    require_ok(loaded);
    REQUIRE(loaded->chain.size() == good().chain_subjects.size());
    CHECK(vpcprobe::subject_text(loaded->chain.front().get()) == good().chain_subjects.front());
    CHECK(starts_with(loaded->description, "the PKCS12 key store "));

    identity.certificate.password = Secret("wrong-store-pw");
    CHECK(contains(failure(vpcprobe::load_client_identity(identity), kKeyStoreKey),
                   "wrong password"));

    // A key password that is not the key's: PKCS12 keys are under it when it is set.
    identity.certificate.password = Secret(kStorePassword);
    identity.key_password = Secret("wrong-key-pw");
    CHECK(contains(failure(vpcprobe::load_client_identity(identity), kKeyStoreKey),
                   "wrong key password"));
}
