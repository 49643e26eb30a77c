// SPDX-License-Identifier: Apache-2.0
#include "tests/support/pki.h"

#include "probes/tls/openssl_handle.h"
#include "tests/support/process.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>

namespace vpcprobe::test {

namespace {

using vpcprobe::FreeWith;
using KeyPtr = std::unique_ptr<EVP_PKEY, FreeWith<EVP_PKEY_free>>;
using KeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, FreeWith<EVP_PKEY_CTX_free>>;
using CertPtr = std::unique_ptr<X509, FreeWith<X509_free>>;
using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, FreeWith<X509_EXTENSION_free>>;

[[noreturn]] void fail(const std::string& what) {
    const unsigned long code = ERR_get_error();
    std::string reason = code != 0 ? ERR_error_string(code, nullptr) : "no OpenSSL error";
    ERR_clear_error();
    throw std::runtime_error("test PKI: " + what + ": " + reason);
}

KeyPtr make_key() {
    KeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    if (!context || EVP_PKEY_keygen_init(context.get()) <= 0 ||
        EVP_PKEY_CTX_set_group_name(context.get(), "P-256") <= 0) {
        fail("EC key context");
    }
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_generate(context.get(), &key) <= 0) fail("EC key generation");
    return KeyPtr(key);
}

struct CertSpec {
    std::string common_name;
    std::string unit;                  // OU: which role or variant, so a subject says what it is
    long valid_from_seconds = -86400;  // relative to now
    long valid_until_seconds = 365L * 86400;
    bool is_ca = false;
    std::vector<std::string> names;  // SANs: DNS names and IP literals
    bool client = false;             // extendedKeyUsage clientAuth (else serverAuth)
};

void add_extension(X509* cert, X509V3_CTX* v3, int nid, const std::string& value) {
    ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, v3, nid, value.c_str()));
    if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
        fail("extension " + std::string(OBJ_nid2sn(nid)) + "=" + value);
    }
}

std::string san_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& host : names) {
        boost::system::error_code ec;
        boost::asio::ip::make_address(host, ec);
        if (!out.empty()) out += ",";
        out += (ec ? "DNS:" : "IP:") + host;
    }
    return out;
}

// issuer == nullptr: self-signed with subject_key.
CertPtr make_cert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
    CertPtr cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) fail("X509_new");

    std::uint64_t serial = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) fail("serial");
    serial &= 0x7fffffffffffffffULL;  // positive, as RFC 5280 wants
    if (ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial | 1) != 1) {
        fail("serial");
    }

    X509_NAME* subject = X509_get_subject_name(cert.get());
    const auto add_entry = [&](const char* field, const std::string& value) {
        if (X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                                       -1, 0) != 1) {
            fail(std::string("subject ") + field);
        }
    };
    add_entry("O", "vpcprobe test PKI");
    add_entry("OU", spec.unit);
    add_entry("CN", spec.common_name);
    const X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : subject;
    if (X509_set_issuer_name(cert.get(), issuer_name) != 1) fail("issuer name");

    if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, spec.valid_from_seconds, nullptr) ||
        !X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0, spec.valid_until_seconds, nullptr)) {
        fail("validity");
    }
    if (X509_set_pubkey(cert.get(), subject_key) != 1) fail("public key");

    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), &v3, NID_subject_key_identifier, "hash");
    if (issuer) add_extension(cert.get(), &v3, NID_authority_key_identifier, "keyid:always");
    if (spec.is_ca) {
        add_extension(cert.get(), &v3, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), &v3, NID_basic_constraints, "critical,CA:FALSE");
        // A self-signed leaf carries no key usage, as `openssl req -x509` makes them: with
        // digitalSignature only, OpenSSL would not even consider it self-signed.
        if (issuer) add_extension(cert.get(), &v3, NID_key_usage, "critical,digitalSignature");
        add_extension(cert.get(), &v3, NID_ext_key_usage,
                      spec.client ? "clientAuth" : "serverAuth");
        if (!spec.names.empty()) {
            add_extension(cert.get(), &v3, NID_subject_alt_name, san_list(spec.names));
        }
    }

    if (X509_sign(cert.get(), issuer ? issuer_key : subject_key, EVP_sha256()) <= 0) {
        fail("signing " + spec.common_name);
    }
    return cert;
}

std::string to_pem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("PEM certificate");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string to_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        fail("PEM key");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

// The same one-line RFC 2253 form the TLS probe reports.
std::string subject_of(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0) {
        fail("subject text");
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

void write_file(const std::string& path, const std::string& content, bool secret) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << content;
        if (!out.flush()) throw std::runtime_error("test PKI: cannot write " + path);
    }
    if (secret) ::chmod(path.c_str(), 0600);
}

// A CA: its certificate and key.
struct Authority {
    KeyPtr key;
    CertPtr cert;
};

}  // namespace

std::string_view name(LeafVariant variant) {
    switch (variant) {
        case LeafVariant::good:
            return "good";
        case LeafVariant::expired:
            return "expired";
        case LeafVariant::not_yet_valid:
            return "not-yet-valid";
        case LeafVariant::wrong_host:
            return "wrong-host";
        case LeafVariant::no_intermediate:
            return "no-intermediate";
        case LeafVariant::self_signed:
            return "self-signed";
        case LeafVariant::unknown_ca:
            return "unknown-ca";
        case LeafVariant::expiring_soon:
            return "expiring-soon";
    }
    return "good";
}

std::string_view name(ClientVariant variant) {
    switch (variant) {
        case ClientVariant::good:
            return "good";
        case ClientVariant::other_ca:
            return "other-ca";
        case ClientVariant::expired:
            return "expired";
    }
    return "good";
}

std::optional<ClientVariant> client_variant_from_name(std::string_view text) {
    for (const auto variant : kAllClientVariants) {
        if (name(variant) == text) return variant;
    }
    return std::nullopt;
}

std::optional<LeafVariant> leaf_variant_from_name(std::string_view text) {
    for (const auto variant : kAllLeafVariants) {
        if (name(variant) == text) return variant;
    }
    return std::nullopt;
}

TestPki::TestPki(std::string directory, std::vector<std::string> hosts)
    : directory_(std::move(directory)), hosts_(std::move(hosts)) {
    if (hosts_.empty()) throw std::runtime_error("test PKI: no host names given");
    std::filesystem::create_directories(directory_);
    constexpr long kDay = 86400;

    const auto make_authority = [](const std::string& common_name, const std::string& unit,
                                   const Authority* parent) {
        Authority authority{make_key(), nullptr};
        CertSpec spec{common_name, unit, -kDay, 3650 * kDay, true, {}};
        authority.cert = make_cert(spec, authority.key.get(), parent ? parent->cert.get() : nullptr,
                                   parent ? parent->key.get() : nullptr);
        return authority;
    };
    const Authority root = make_authority("vpcprobe test root CA", "root", nullptr);
    const Authority intermediate =
        make_authority("vpcprobe test intermediate CA", "intermediate", &root);
    const Authority other_root = make_authority("vpcprobe unknown root CA", "other-root", nullptr);
    const Authority other_intermediate =
        make_authority("vpcprobe unknown intermediate CA", "other-intermediate", &other_root);

    ca_file_ = directory_ + "/ca.pem";
    root_subject_ = subject_of(root.cert.get());
    write_file(ca_file_, to_pem(root.cert.get()), false);
    write_file(directory_ + "/other-ca.pem", to_pem(other_root.cert.get()), false);
    write_file(directory_ + "/intermediate.pem", to_pem(intermediate.cert.get()), false);

    for (const auto variant : kAllLeafVariants) {
        CertSpec spec{hosts_.front(), std::string("leaf ") + std::string(name(variant)),
                      -kDay,          365 * kDay,
                      false,          hosts_};
        const Authority* issuer = &intermediate;
        bool send_intermediate = true;
        switch (variant) {
            case LeafVariant::good:
                break;
            case LeafVariant::expired:
                spec.valid_from_seconds = -400 * kDay;
                spec.valid_until_seconds = -30 * kDay;
                break;
            case LeafVariant::not_yet_valid:
                spec.valid_from_seconds = 30 * kDay;
                spec.valid_until_seconds = 400 * kDay;
                break;
            case LeafVariant::wrong_host:
                spec.common_name = std::string(kWrongHostName);
                spec.names = {std::string(kWrongHostName)};
                break;
            case LeafVariant::no_intermediate:
                send_intermediate = false;
                break;
            case LeafVariant::self_signed:
                issuer = nullptr;
                send_intermediate = false;
                break;
            case LeafVariant::unknown_ca:
                issuer = &other_intermediate;
                break;
            case LeafVariant::expiring_soon:
                spec.valid_until_seconds = 10 * kDay;
                break;
        }
        const KeyPtr key = make_key();
        const CertPtr leaf = make_cert(spec, key.get(), issuer ? issuer->cert.get() : nullptr,
                                       issuer ? issuer->key.get() : nullptr);

        ServerCredentials credentials;
        const std::string base = directory_ + "/" + std::string(name(variant));
        credentials.key_file = base + ".key.pem";
        credentials.chain_file = base + ".chain.pem";
        std::string chain = to_pem(leaf.get());
        credentials.chain_subjects.push_back(subject_of(leaf.get()));
        if (send_intermediate) {
            chain += to_pem(issuer->cert.get());
            credentials.chain_subjects.push_back(subject_of(issuer->cert.get()));
        }
        write_file(credentials.key_file, to_pem(key.get()), true);
        write_file(credentials.chain_file, chain, false);
        credentials_.emplace(variant, std::move(credentials));
    }

    const Authority client_ca = make_authority("vpcprobe client CA", "client-ca", nullptr);
    client_ca_file_ = directory_ + "/client-ca.pem";
    client_ca_subject_ = subject_of(client_ca.cert.get());
    write_file(client_ca_file_, to_pem(client_ca.cert.get()), false);
    for (const auto variant : kAllClientVariants) {
        CertSpec spec{std::string(kClientCommonName),
                      "client " + std::string(name(variant)),
                      -kDay,
                      365 * kDay,
                      false,
                      {},
                      true};
        const Authority* issuer = variant == ClientVariant::other_ca ? &other_root : &client_ca;
        if (variant == ClientVariant::expired) {
            spec.valid_from_seconds = -400 * kDay;
            spec.valid_until_seconds = -30 * kDay;
        }
        const KeyPtr key = make_key();
        const CertPtr leaf = make_cert(spec, key.get(), issuer->cert.get(), issuer->key.get());
        ServerCredentials credentials;
        const std::string base = directory_ + "/client-" + std::string(name(variant));
        credentials.key_file = base + ".key.pem";
        credentials.chain_file = base + ".chain.pem";
        credentials.chain_subjects.push_back(subject_of(leaf.get()));
        write_file(credentials.key_file, to_pem(key.get()), true);
        write_file(credentials.chain_file, to_pem(leaf.get()), false);
        client_credentials_.emplace(variant, std::move(credentials));
    }
}

const ServerCredentials& TestPki::client_credentials(ClientVariant variant) const {
    return client_credentials_.at(variant);
}

const ServerCredentials& TestPki::credentials(LeafVariant variant) const {
    return credentials_.at(variant);
}

const std::string& pem_certificate() {
    static const std::string pem = [] {
        static TempDir pki_dir;
        const TestPki pki(pki_dir.path(), {"localhost"});
        std::ifstream stream(pki.ca_file());
        return std::string(std::istreambuf_iterator<char>(stream), {});
    }();
    return pem;
}

}  // namespace vpcprobe::test
