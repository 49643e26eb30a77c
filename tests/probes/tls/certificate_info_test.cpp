// SPDX-License-Identifier: Apache-2.0
// How a certificate is described (probes/tls/certificate_info.h), on certificates the test PKI
// issues: names in RFC 2253, DNS and IP SANs (IPv6 in its canonical, compressed form), validity
// and the digest.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/tls/certificate_info.h"
#include "probes/tls/openssl_handle.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

namespace {

using X509Ptr = std::unique_ptr<X509, vpcprobe::FreeWith<X509_free>>;

// The first certificate of a PEM file (a chain file: the leaf).
X509Ptr first_certificate(const std::string& path) {
    std::FILE* file = std::fopen(path.c_str(), "r");
    REQUIRE(file != nullptr);
    X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    REQUIRE(cert != nullptr);
    return X509Ptr(cert);
}

}  // namespace

TEST_CASE("a certificate's names, SANs, validity and digest", "[tls][certificate]") {
    vpcprobe::test::TempDir directory;
    const vpcprobe::test::TestPki pki(
        directory.path(), {"broker.example.test", "10.1.2.3", "2001:db8:0:0:1:0:0:1", "::1"});
    const auto& credentials = pki.credentials(vpcprobe::test::LeafVariant::good);
    const auto leaf = first_certificate(credentials.chain_file);

    const auto info = vpcprobe::certificate_info(leaf.get());
    CHECK(info.subject == credentials.chain_subjects.front());
    CHECK(info.subject == vpcprobe::subject_text(leaf.get()));
    CHECK(info.issuer == credentials.chain_subjects.at(1));
    CHECK(info.issuer == vpcprobe::name_text(X509_get_issuer_name(leaf.get())));
    // IP SANs as inet_ntop writes them: IPv6 compressed, the longest zero run elided.
    CHECK(info.sans ==
          std::vector<std::string>{"broker.example.test", "10.1.2.3", "2001:db8::1:0:0:1", "::1"});
    CHECK(info.not_before < info.not_after);
    CHECK(info.sha256.size() == 64);
    CHECK(info.sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK_FALSE(info.self_issued);
}
