// SPDX-License-Identifier: Apache-2.0
// The trust files and their signatures (probes/tls/trust_files.h) on real files: a file
// rewritten in place, replaced by a rename, removed or created, and a directory whose entries
// changed are each seen as changed, naming the path; nothing changed is nothing. The files a
// context is built from follow the settings and SSL_CERT_FILE / SSL_CERT_DIR.
#include "probes/tls/trust_files.h"

#include <openssl/x509.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/process.h"
#include "tests/support/scoped_env.h"

using vpcprobe::file_signature;
using vpcprobe::ProbeSettings;
using vpcprobe::trust_file_paths;
using vpcprobe::TrustFiles;
using vpcprobe::test::TempDir;

namespace {

using vpcprobe::test::ScopedEnv;

// File times come from the kernel's coarse clock (a few milliseconds a tick): waiting longer
// than a tick makes the next change carry a later time.
void let_the_clock_tick() {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
}

}  // namespace

TEST_CASE("trust files: a signature is what stat says, or missing") {
    TempDir dir;
    const std::string path = dir.write("ca.pem", "twelve bytes");
    const auto signature = file_signature(path);
    CHECK(signature.present);
    CHECK(signature.size == 12);
    CHECK(signature.inode != 0);
    CHECK(signature == file_signature(path));
    CHECK_FALSE(file_signature(dir.file("absent.pem")).present);
    CHECK(file_signature(dir.file("absent.pem")) == vpcprobe::FileSignature{});
}

TEST_CASE("trust files: nothing changed is nothing") {
    TempDir dir;
    const std::string a = dir.write("a.pem", "a");
    const std::string b = dir.write("b.pem", "b");
    const TrustFiles files({a, b, dir.file("missing.pem"), dir.path()});
    CHECK_FALSE(files.first_changed());
    CHECK_FALSE(TrustFiles().first_changed());
}

TEST_CASE("trust files: a file rewritten in place is a change") {
    TempDir dir;
    const std::string a = dir.write("a.pem", "a");
    const std::string b = dir.write("b.pem", "same size 1");
    const TrustFiles files({a, b});
    const auto before = file_signature(b);
    let_the_clock_tick();
    SECTION("same size, same inode, later time") {
        dir.write("b.pem", "same size 2");
        CHECK(file_signature(b).inode == before.inode);
        CHECK(file_signature(b).size == before.size);
        CHECK(files.first_changed() == b);
    }
    SECTION("another size") {
        dir.write("b.pem", "longer than before");
        CHECK(files.first_changed() == b);
    }
}

TEST_CASE("trust files: a file replaced by a rename is a change") {
    TempDir dir;
    const std::string ca = dir.write("ca.pem", "old");
    const std::string next = dir.write("ca.pem.new", "new");
    const TrustFiles files({ca});
    // A rename keeps the new file's times, which may be older than the old file's: the inode
    // is what tells them apart.
    REQUIRE(std::rename(next.c_str(), ca.c_str()) == 0);
    CHECK(files.first_changed() == ca);
}

TEST_CASE("trust files: a file removed, or one that appears, is a change") {
    TempDir dir;
    const std::string ca = dir.write("ca.pem", "x");
    const TrustFiles present({ca});
    const TrustFiles missing({dir.file("later.pem")});
    REQUIRE(::unlink(ca.c_str()) == 0);
    CHECK(present.first_changed() == ca);
    dir.write("later.pem", "y");
    CHECK(missing.first_changed() == dir.file("later.pem"));
}

TEST_CASE("trust files: a directory whose entries changed is a change") {
    TempDir dir;
    const std::string certs = dir.file("certs");
    const std::string anchor = dir.write("certs/9d66eef0.0", "anchor");
    const TrustFiles files({dir.write("other.pem", "o"), certs});
    CHECK_FALSE(files.first_changed());
    let_the_clock_tick();
    SECTION("a link added (update-ca-certificates)") {
        REQUIRE(::symlink(anchor.c_str(), (certs + "/0a1b2c3d.0").c_str()) == 0);
        CHECK(files.first_changed() == certs);
    }
    SECTION("an entry removed") {
        REQUIRE(::unlink(anchor.c_str()) == 0);
        CHECK(files.first_changed() == certs);
    }
}

TEST_CASE("trust files: the files a context is built from follow the settings") {
    const ScopedEnv no_file("SSL_CERT_FILE", nullptr);
    const ScopedEnv no_dir("SSL_CERT_DIR", nullptr);
    ProbeSettings settings;
    settings.ca_files = {"/x/one.pem", "/x/two.pem", "/x/one.pem"};

    SECTION("the system store: OpenSSL's default directory and bundle") {
        CHECK(trust_file_paths(settings) == std::vector<std::string>{"/x/one.pem", "/x/two.pem",
                                                                     X509_get_default_cert_dir(),
                                                                     X509_get_default_cert_file()});
    }
    SECTION("SSL_CERT_FILE replaces the bundle, the default directory stays") {
        const ScopedEnv file("SSL_CERT_FILE", "/env/bundle.pem");
        CHECK(trust_file_paths(settings) == std::vector<std::string>{"/x/one.pem", "/x/two.pem",
                                                                     "/env/bundle.pem",
                                                                     X509_get_default_cert_dir()});
    }
    SECTION("SSL_CERT_DIR: each directory of the list") {
        const ScopedEnv file("SSL_CERT_FILE", "/env/bundle.pem");
        const ScopedEnv dir("SSL_CERT_DIR", "/env/a:/env/b");
        CHECK(trust_file_paths(settings) == std::vector<std::string>{"/x/one.pem", "/x/two.pem",
                                                                     "/env/bundle.pem", "/env/a",
                                                                     "/env/b"});
    }
    SECTION("the client's trust store replaces the system store; the identity's files") {
        vpcprobe::StoreSource trust;
        trust.path = "/client/truststore.jks";
        settings.tls.trust_store = trust;
        vpcprobe::ClientIdentity identity;
        identity.certificate.path = "/client/cert.pem";
        identity.key = vpcprobe::StoreSource{};
        identity.key->path = "/client/key.pem";
        settings.tls.identity = identity;
        CHECK(trust_file_paths(settings) ==
              std::vector<std::string>{"/x/one.pem", "/x/two.pem", "/client/truststore.jks",
                                       "/client/cert.pem", "/client/key.pem"});
    }
    SECTION("stores given inline have no file") {
        settings.ca_files.clear();
        settings.tls.trust_store = vpcprobe::StoreSource{};
        settings.tls.trust_store->inline_pem = vpcprobe::Secret("-----BEGIN CERTIFICATE-----");
        CHECK(trust_file_paths(settings).empty());
    }
}
