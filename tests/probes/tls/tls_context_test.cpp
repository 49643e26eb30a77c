// SPDX-License-Identifier: Apache-2.0
// TlsContext::create from the settings (probes/tls/tls_context.h) against a real TLS peer
// (tests/support/tls_server.h): the client's own trust store replaces the system store, so a
// handshake verifies with a keytool JKS store holding the peer's CA and is cert.untrusted with
// one holding another CA; --ca-file adds to it; the client identity is installed in the context;
// material() and check_tls_material() say which trust and certificate were used.
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "probes/tls/certificate_info.h"
#include "probes/tls/tls_context.h"
#include "probes/tls/tls_probe.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/scoped_env.h"
#include "tests/support/stores.h"
#include "tests/support/tls_server.h"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::test::LeafVariant;

namespace {

using vpcprobe::test::read_file;

using vpcprobe::test::ScopedEnv;

using vpcprobe::test::scratch_directory;
using vpcprobe::test::scratch_pki;

constexpr const char* kStorePassword = "store-secret-1";
constexpr const char* kTrustKey = "client.properties: ssl.truststore.location";

#define REQUIRE_KEYTOOL()                                                       \
    if (!vpcprobe::test::have_keytool()) {                                      \
        WARN("keytool is not installed: this test is skipped (install a JDK)"); \
        return;                                                                 \
    }

// A JKS trust store with the one CA certificate.
vpcprobe::StoreSource jks_trusting(const std::string& name, const std::string& ca_file) {
    const std::string path = scratch_directory().file(name);
    vpcprobe::test::keytool_import_certificate(path, "JKS", kStorePassword, "ca", ca_file);
    vpcprobe::StoreSource source;
    source.path = path;
    source.format = vpcprobe::StoreFormat::jks;
    source.password = vpcprobe::Secret(kStorePassword);
    source.named_by = kTrustKey;
    return source;
}

std::shared_ptr<vpcprobe::TlsContext> context_for(const vpcprobe::ProbeSettings& settings) {
    auto created = vpcprobe::TlsContext::create(settings);
    INFO((created ? std::string() : created.error().message()));
    REQUIRE(created);
    return *created;
}

vpcprobe::CertificateEvidence handshake(const asio::ip::tcp::endpoint& server,
                                        std::shared_ptr<vpcprobe::TlsContext> context) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(server);
    vpcprobe::TlsProbeOptions options;
    options.server_name = "localhost";
    bool completed = false;
    vpcprobe::CertificateEvidence result;
    vpcprobe::probe_tls(std::move(socket), std::move(context), options,
                        [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence certificate,
                            std::shared_ptr<vpcprobe::TlsStream>) {
                            completed = true;
                            INFO(tls.detail);
                            CHECK(tls.status == StageStatus::ok);
                            result = std::move(certificate);
                        });
    io.run_for(15s);
    REQUIRE(completed);
    return result;
}

}  // namespace

TEST_CASE("without a trust store: the system store plus --ca-file", "[tls_context]") {
    vpcprobe::ProbeSettings settings;
    CHECK(context_for(settings)->material().trust == "the system store");
    CHECK(context_for(settings)->material().trust_subjects.empty());
    CHECK_FALSE(context_for(settings)->material().client_certificate);

    settings.ca_files = {scratch_pki().ca_file()};
    const auto context = context_for(settings);
    CHECK(context->material().trust == "the system store and --ca-file " + scratch_pki().ca_file());
    CHECK(context->material().trust_subjects ==
          std::vector<std::string>{scratch_pki().root_subject()});

    vpcprobe::test::TestServer server(scratch_pki(),
                                      {vpcprobe::test::ServeMode::tls, LeafVariant::good});
    const auto certificate = handshake(server.endpoint(), context);
    INFO(certificate.detail);
    CHECK(certificate.status == StageStatus::ok);
}

namespace {

// A certificate directory as update-ca-certificates makes one: the PEM and its subject-hash link.
std::string hashed_directory_with(const vpcprobe::test::TempDir& dir, const std::string& ca_file) {
    const std::string path = dir.file("certs");
    std::filesystem::create_directories(path);
    std::filesystem::copy_file(ca_file, path + "/test-root.pem");
    const auto rehash = vpcprobe::test::run_command({"openssl", "rehash", path});
    INFO(rehash.err);
    REQUIRE(rehash.exit_code == 0);
    return path;
}

// How many certificates the context's store holds in memory.
int anchors_in(vpcprobe::TlsContext& context) {
    X509_STORE* store = SSL_CTX_get_cert_store(context.native().native_handle());
    return sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
}

}  // namespace

TEST_CASE("the system store is looked up in the hashed directory, SSL_CERT_FILE and _DIR honoured",
          "[tls_context]") {
    vpcprobe::test::TestServer server(scratch_pki(),
                                      {vpcprobe::test::ServeMode::tls, LeafVariant::good});
    vpcprobe::test::TempDir dir;
    const std::string empty = dir.file("empty");
    std::filesystem::create_directories(empty);
    const vpcprobe::ProbeSettings system_store;  // no --ca-file, no trust store

    SECTION("an anchor in SSL_CERT_DIR's hashed directory is read when a chain asks for it") {
        ScopedEnv file("SSL_CERT_FILE", nullptr);
        ScopedEnv directory("SSL_CERT_DIR",
                            hashed_directory_with(dir, scratch_pki().ca_file()).c_str());
        const auto context = context_for(system_store);
        // Nothing read up front (OpenSSL's default would have parsed the whole bundle) ...
        CHECK(anchors_in(*context) == 0);
        const auto verified = handshake(server.endpoint(), context);
        INFO(verified.detail);
        CHECK(verified.status == StageStatus::ok);
        // ... and the one anchor the chain needed, once it did.
        CHECK(anchors_in(*context) == 1);
    }
    SECTION("a directory without it: untrusted, the default bundle is not read instead") {
        ScopedEnv file("SSL_CERT_FILE", nullptr);
        ScopedEnv directory("SSL_CERT_DIR", empty.c_str());
        const auto untrusted = handshake(server.endpoint(), context_for(system_store));
        CHECK(untrusted.cause == Cause::cert_untrusted);
    }
    SECTION("SSL_CERT_FILE is used as given") {
        ScopedEnv file("SSL_CERT_FILE", scratch_pki().ca_file().c_str());
        ScopedEnv directory("SSL_CERT_DIR", empty.c_str());
        const auto verified = handshake(server.endpoint(), context_for(system_store));
        INFO(verified.detail);
        CHECK(verified.status == StageStatus::ok);
    }
    SECTION("a bundle in SSL_CERT_FILE: only the anchor a chain asks for is parsed") {
        // Other anchors around ours, as in a system bundle: the other PKI's root, and the
        // system bundle itself when there is one.
        std::string bundle_text = read_file(scratch_pki().directory() + "/other-ca.pem") +
                                  read_file(scratch_pki().client_ca_file());
        if (std::filesystem::exists("/etc/ssl/certs/ca-certificates.crt")) {
            bundle_text += read_file("/etc/ssl/certs/ca-certificates.crt");
        }
        const std::string with_ours =
            dir.write("with-ours.pem", bundle_text + read_file(scratch_pki().ca_file()));
        const std::string without_ours = dir.write("without-ours.pem", bundle_text);
        ScopedEnv directory("SSL_CERT_DIR", empty.c_str());
        {
            ScopedEnv file("SSL_CERT_FILE", with_ours.c_str());
            const auto context = context_for(system_store);
            CHECK(anchors_in(*context) == 0);
            const auto verified = handshake(server.endpoint(), context);
            INFO(verified.detail);
            CHECK(verified.status == StageStatus::ok);
            CHECK(anchors_in(*context) == 1);
        }
        {
            ScopedEnv file("SSL_CERT_FILE", without_ours.c_str());
            const auto context = context_for(system_store);
            CHECK(handshake(server.endpoint(), context).cause == Cause::cert_untrusted);
            CHECK(anchors_in(*context) == 0);  // no anchor of that name to parse
        }
    }
}

TEST_CASE("the client's trust store replaces the system store", "[tls_context]") {
    REQUIRE_KEYTOOL();
    vpcprobe::test::TestServer server(scratch_pki(),
                                      {vpcprobe::test::ServeMode::tls, LeafVariant::good});

    vpcprobe::ProbeSettings settings;
    settings.tls.trust_store = jks_trusting("right.jks", scratch_pki().ca_file());
    const auto trusting = context_for(settings);
    CHECK(trusting->material().trust ==
          "the JKS trust store " + scratch_directory().file("right.jks") + " (" + kTrustKey + ")");
    CHECK(trusting->material().trust_subjects ==
          std::vector<std::string>{scratch_pki().root_subject()});
    const auto verified = handshake(server.endpoint(), trusting);
    INFO(verified.detail);
    CHECK(verified.status == StageStatus::ok);

    // Only the store's anchors count: a store with another CA does not verify the peer...
    settings.tls.trust_store =
        jks_trusting("wrong.jks", scratch_pki().directory() + "/other-ca.pem");
    const auto untrusted = handshake(server.endpoint(), context_for(settings));
    CHECK(untrusted.status == StageStatus::failed);
    CHECK(untrusted.cause == Cause::cert_untrusted);

    // ... and a --ca-file still adds its anchors to the store.
    settings.ca_files = {scratch_pki().ca_file()};
    const auto added = context_for(settings);
    CHECK(added->material().trust.find(" and --ca-file " + scratch_pki().ca_file()) !=
          std::string::npos);
    CHECK(added->material().trust_subjects.size() == 2);
    CHECK(handshake(server.endpoint(), added).status == StageStatus::ok);
}

TEST_CASE("the client identity is installed and described", "[tls_context]") {
    const auto& good = scratch_pki().credentials(LeafVariant::good);
    vpcprobe::ProbeSettings settings;
    vpcprobe::ClientIdentity identity;
    identity.certificate.path = good.chain_file;
    identity.certificate.named_by = "--client-cert";
    vpcprobe::StoreSource key;
    key.path = good.key_file;
    key.named_by = "--client-key";
    identity.key = key;
    settings.tls.identity = identity;

    const auto context = context_for(settings);
    X509* installed = SSL_CTX_get0_certificate(context->native().native_handle());
    REQUIRE(installed != nullptr);
    CHECK(vpcprobe::subject_text(installed) == good.chain_subjects.front());
    const auto& material = context->material();
    REQUIRE(material.client_certificate);
    CHECK(material.client_certificate->subject == good.chain_subjects.front());
    CHECK(material.client_certificate->issuer == good.chain_subjects.at(1));
    CHECK(material.client_certificate->sha256.size() == 64);
    CHECK(material.client_certificate_source == "--client-cert " + good.chain_file);

    auto checked = vpcprobe::check_tls_material(settings);
    REQUIRE(checked);
    CHECK(checked->client_certificate_source == material.client_certificate_source);

    identity.key->path = scratch_pki().credentials(LeafVariant::self_signed).key_file;
    settings.tls.identity = identity;
    auto mismatched = vpcprobe::check_tls_material(settings);
    REQUIRE_FALSE(mismatched);
    CHECK(mismatched.error().message().rfind("--client-cert " + good.chain_file + ": ", 0) == 0);
    CHECK(mismatched.error().message().find("does not match") != std::string::npos);
}
