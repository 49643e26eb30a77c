// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/certificate_info.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;

SystemTime to_system_time(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return SystemTime{};
    return std::chrono::system_clock::from_time_t(::timegm(&parts));
}

std::string ip_text(const ASN1_OCTET_STRING* raw) {
    const int length = ASN1_STRING_length(raw);
    if (length != 4 && length != 16) return "";
    std::array<char, INET6_ADDRSTRLEN> text{};
    const int family = length == 4 ? AF_INET : AF_INET6;
    if (::inet_ntop(family, ASN1_STRING_get0_data(raw), text.data(), text.size()) == nullptr) {
        return "";
    }
    return text.data();
}

std::vector<std::string> subject_alt_names(X509* cert) {
    std::vector<std::string> out;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names.get(), i);
        if (entry->type == GEN_DNS) {
            const ASN1_STRING* text = entry->d.dNSName;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                             static_cast<std::size_t>(ASN1_STRING_length(text)));
        } else if (entry->type == GEN_IPADD) {
            if (auto ip = ip_text(entry->d.iPAddress); !ip.empty()) out.push_back(std::move(ip));
        }
    }
    return out;
}

std::string sha256_hex(X509* cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1) return "";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

}  // namespace

bool append_der_sha256(std::string& key, X509* cert, const EVP_MD* sha256) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (cert == nullptr || sha256 == nullptr || X509_digest(cert, sha256, digest, &length) != 1) {
        return false;
    }
    key.append(reinterpret_cast<const char*>(digest), length);
    return true;
}

std::string name_text(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string subject_text(const X509* cert) {
    return name_text(X509_get_subject_name(cert));
}

CertificateInfo certificate_info(X509* cert) {
    CertificateInfo info;
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
    info.sans = subject_alt_names(cert);
    info.not_before = to_system_time(X509_get0_notBefore(cert));
    info.not_after = to_system_time(X509_get0_notAfter(cert));
    info.sha256 = sha256_hex(cert);
    info.self_issued = (X509_get_extension_flags(cert) & EXFLAG_SI) != 0;
    return info;
}

}  // namespace vpcprobe
