// SPDX-License-Identifier: Apache-2.0
// Test support: a throwaway PKI made fresh per run with the OpenSSL 3 API (docs/architecture.md,
// "Testing on one machine"): a root CA, an intermediate, and one server leaf per failure the TLS
// probe must tell apart (expired, not yet valid, wrong host, missing intermediate, self-signed,
// unknown CA, expiring soon); and for mutual TLS a client CA with client certificates (one it
// issued, one from another CA, an expired one). Everything is written as PEM files into one
// directory so test servers, testpeer and the vpcprobe binary (--ca-file DIR/ca.pem) can use it.
//
// Threading: build on one thread; afterwards the object is read-only and may be shared.
// Construction throws std::runtime_error when OpenSSL or the file system fails (tests only).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vpcprobe::test {

enum class LeafVariant {
    good,             // root -> intermediate -> leaf; the server sends leaf + intermediate
    expired,          // like good, but expired 30 days ago
    not_yet_valid,    // like good, but valid from 30 days in the future
    wrong_host,       // like good, but its only SAN is wrong.example.invalid
    no_intermediate,  // like good, but the server sends the leaf alone
    self_signed,      // a self-signed leaf for the right names
    unknown_ca,       // a second root (not in ca.pem) -> its intermediate -> leaf; sends 2
    expiring_soon,    // like good, but expires in 10 days
};

inline constexpr LeafVariant kAllLeafVariants[] = {
    LeafVariant::good,       LeafVariant::expired,         LeafVariant::not_yet_valid,
    LeafVariant::wrong_host, LeafVariant::no_intermediate, LeafVariant::self_signed,
    LeafVariant::unknown_ca, LeafVariant::expiring_soon,
};

// "good", "expired", "not-yet-valid", "wrong-host", "no-intermediate", "self-signed",
// "unknown-ca", "expiring-soon" (the spelling testpeer's --serve tls:VARIANT takes).
std::string_view name(LeafVariant variant);
std::optional<LeafVariant> leaf_variant_from_name(std::string_view text);

// The client certificates for mutual TLS (all with extendedKeyUsage clientAuth).
enum class ClientVariant {
    good,      // issued by the client CA (DIR/client-ca.pem), which test servers verify against
    other_ca,  // issued by the root clients do not trust (other-ca.pem), not the client CA
    expired,   // issued by the client CA, expired 30 days ago
};

inline constexpr ClientVariant kAllClientVariants[] = {ClientVariant::good, ClientVariant::other_ca,
                                                       ClientVariant::expired};

// "good", "other-ca", "expired".
std::string_view name(ClientVariant variant);
std::optional<ClientVariant> client_variant_from_name(std::string_view text);

// The common name of every client certificate.
inline constexpr std::string_view kClientCommonName = "vpcprobe test client";

// The host name no variant but wrong_host covers.
inline constexpr std::string_view kWrongHostName = "wrong.example.invalid";

// What a TLS server of one variant presents (or a client, for mutual TLS).
struct ServerCredentials {
    std::string key_file;    // PEM private key of the leaf
    std::string chain_file;  // PEM chain the server sends: leaf first, then intermediates
    // Subjects (one-line RFC 2253, as the probe reports them) of the certificates in
    // chain_file, leaf first.
    std::vector<std::string> chain_subjects;
};

class TestPki {
  public:
    // hosts: DNS names and IP literals the leaves cover (DNS or IP SANs); at least one.
    // Writes DIR/ca.pem (the trusted root), DIR/other-ca.pem (the root clients do not trust),
    // DIR/intermediate.pem and DIR/<variant>.key.pem + DIR/<variant>.chain.pem; for mutual
    // TLS DIR/client-ca.pem and DIR/client-<variant>.key.pem + DIR/client-<variant>.chain.pem
    // (the chain is the leaf alone: its issuer is the client CA itself).
    TestPki(std::string directory, std::vector<std::string> hosts);

    const std::string& directory() const { return directory_; }
    const std::string& ca_file() const { return ca_file_; }  // the root to trust
    const std::vector<std::string>& hosts() const { return hosts_; }
    const ServerCredentials& credentials(LeafVariant variant) const;
    const std::string& root_subject() const { return root_subject_; }
    // The CA test servers verify client certificates against, and its subject (RFC 2253).
    const std::string& client_ca_file() const { return client_ca_file_; }
    const std::string& client_ca_subject() const { return client_ca_subject_; }
    const ServerCredentials& client_credentials(ClientVariant variant) const;

  private:
    std::string directory_;
    std::vector<std::string> hosts_;
    std::string ca_file_;
    std::string root_subject_;
    std::map<LeafVariant, ServerCredentials> credentials_;
    std::string client_ca_file_;
    std::string client_ca_subject_;
    std::map<ClientVariant, ServerCredentials> client_credentials_;
};

// A real PEM certificate (the root of a throwaway PKI made once per test process), for tests
// of code that only needs a valid PEM file.
const std::string& pem_certificate();

}  // namespace vpcprobe::test
