// SPDX-License-Identifier: Apache-2.0
// probes/tls/lazy_bundle.h: a PEM bundle indexed by subject hash without parsing the
// certificates, checked against what `openssl x509 -subject_hash` says of each one (the name the
// hashed directory files it under), on the test PKI and on the system's own bundle.
#include "probes/tls/lazy_bundle.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/stores.h"

namespace {

using vpcprobe::test::read_file;

using vpcprobe::bundle_subject_hashes;
using vpcprobe::test::scratch_directory;
using vpcprobe::test::scratch_pki;

// What `openssl x509 -subject_hash` prints for each certificate of the file, in order
// (`openssl crl2pkcs7 | pkcs7 -print_certs` splits a bundle; one call per certificate keeps it
// simple).
std::vector<unsigned long> openssl_hashes(const std::string& bundle_text) {
    std::vector<unsigned long> hashes;
    const std::string begin = "-----BEGIN CERTIFICATE-----";
    const std::string end = "-----END CERTIFICATE-----";
    std::size_t at = 0;
    int index = 0;
    while ((at = bundle_text.find(begin, at)) != std::string::npos) {
        const std::size_t stop = bundle_text.find(end, at);
        REQUIRE(stop != std::string::npos);
        const std::string one = bundle_text.substr(at, stop + end.size() - at) + "\n";
        const std::string path =
            scratch_directory().write(fmt::format("lazy-bundle-{}.pem", index++), one);
        const auto result = vpcprobe::test::run_command(
            {"openssl", "x509", "-in", path, "-noout", "-subject_hash"});
        REQUIRE(result.exit_code == 0);
        hashes.push_back(std::stoul(result.out, nullptr, 16));
        at = stop;
    }
    return hashes;
}

}  // namespace

TEST_CASE("a bundle is indexed by the subject hash openssl gives each certificate",
          "[lazy_bundle]") {
    const std::string ours = read_file(scratch_pki().ca_file()) +
                             read_file(scratch_pki().directory() + "/other-ca.pem") +
                             read_file(scratch_pki().client_ca_file());
    const auto hashes = bundle_subject_hashes(ours);
    CHECK(hashes.size() == 3);
    CHECK(hashes == openssl_hashes(ours));
}

TEST_CASE("the system bundle is indexed whole and as openssl hashes it", "[lazy_bundle]") {
    const std::string system = "/etc/ssl/certs/ca-certificates.crt";
    if (!std::filesystem::exists(system)) {
        WARN("no " << system << " on this machine");
        return;
    }
    const std::string text = read_file(system);
    const auto hashes = bundle_subject_hashes(text);
    CHECK(hashes.size() > 100);
    CHECK(hashes == openssl_hashes(text));
}

TEST_CASE("what is not a certificate is left out of the index", "[lazy_bundle]") {
    const std::string ca = read_file(scratch_pki().ca_file());
    CHECK(bundle_subject_hashes("").empty());
    CHECK(bundle_subject_hashes("not PEM at all\n").empty());
    // A key block, a certificate block whose DER is cut short, and one real certificate.
    const std::string cut =
        "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK==\n-----END CERTIFICATE-----\n";
    const std::string key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK(bundle_subject_hashes(key + cut + ca).size() == 1);
    CHECK(bundle_subject_hashes(key + cut + ca) == bundle_subject_hashes(ca));
}
