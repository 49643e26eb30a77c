// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/pkcs12_store.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>

#include <array>

#include "probes/tls/error_map_tls.h"

namespace vpcprobe {

namespace {

using Pkcs12Ptr = std::unique_ptr<PKCS12, FreeWith<PKCS12_free>>;
void free_pkcs7_stack(STACK_OF(PKCS7) * stack) {
    sk_PKCS7_pop_free(stack, PKCS7_free);
}
void free_bag_stack(STACK_OF(PKCS12_SAFEBAG) * stack) {
    sk_PKCS12_SAFEBAG_pop_free(stack, PKCS12_SAFEBAG_free);
}
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), FreeWith<free_pkcs7_stack>>;
using BagStackPtr = std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), FreeWith<free_bag_stack>>;
using KeyInfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, FreeWith<PKCS8_PRIV_KEY_INFO_free>>;

// The attribute keytool puts on a trusted certificate entry (Oracle's trustedKeyUsage).
constexpr std::string_view kJavaTrustedOid = "2.16.840.1.113894.746875.1.1";

// Bounded above by the bytes they came from, so the int conversions of OpenSSL's API are safe.
int length_of(const std::string& text) {
    return static_cast<int>(text.size());
}

std::string oid_text(const ASN1_OBJECT* oid) {
    std::array<char, 128> text{};
    OBJ_obj2txt(text.data(), static_cast<int>(text.size()), oid, 1);
    return text.data();
}

Pkcs12Ptr parse_der(std::span<const unsigned char> bytes) {
    const unsigned char* cursor = bytes.data();
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(bytes.size())));
    ERR_clear_error();
    return p12;
}

std::string local_key_id(const PKCS12_SAFEBAG* bag) {
    const ASN1_TYPE* id = PKCS12_get_attr_gen(PKCS12_SAFEBAG_get0_attrs(bag), NID_localKeyID);
    if (id == nullptr || id->type != V_ASN1_OCTET_STRING) return "";
    const ASN1_OCTET_STRING* octets = id->value.octet_string;
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(octets)),
                       static_cast<std::size_t>(ASN1_STRING_length(octets)));
}

bool java_trusted(const PKCS12_SAFEBAG* bag) {
    const STACK_OF(X509_ATTRIBUTE)* attributes = PKCS12_SAFEBAG_get0_attrs(bag);
    for (int i = 0; i < sk_X509_ATTRIBUTE_num(attributes); ++i) {
        const X509_ATTRIBUTE* attribute = sk_X509_ATTRIBUTE_value(attributes, i);
        if (oid_text(X509_ATTRIBUTE_get0_object(const_cast<X509_ATTRIBUTE*>(attribute))) ==
            kJavaTrustedOid) {
            return true;
        }
    }
    return false;
}

Result<EvpPkeyPtr> decrypt_key(const PKCS12_SAFEBAG* bag, const std::string& password) {
    KeyInfoPtr decrypted;
    const PKCS8_PRIV_KEY_INFO* info = nullptr;
    if (PKCS12_SAFEBAG_get_nid(bag) == NID_pkcs8ShroudedKeyBag) {
        decrypted.reset(
            PKCS8_decrypt(PKCS12_SAFEBAG_get0_pkcs8(bag), password.c_str(), length_of(password)));
        ERR_clear_error();
        if (!decrypted) return Error("wrong key password (the private key does not decrypt)");
        info = decrypted.get();
    } else {
        info = PKCS12_SAFEBAG_get0_p8inf(bag);
    }
    EvpPkeyPtr key(EVP_PKCS82PKEY(info));
    ERR_clear_error();
    if (!key) return Error("the private key is damaged or of a type OpenSSL does not know");
    return key;
}

Result<void> add_bags(const STACK_OF(PKCS12_SAFEBAG) * bags,
                      const std::optional<std::string>& key_password, Pkcs12Contents& out) {
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
        const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
        const int type = PKCS12_SAFEBAG_get_nid(bag);
        if (type == NID_certBag) {
            X509Ptr cert(PKCS12_SAFEBAG_get1_cert(bag));
            ERR_clear_error();
            if (!cert) continue;  // an SDSI certificate or other: not X.509, as Java skips it
            out.certificates.push_back({std::move(cert), local_key_id(bag), java_trusted(bag)});
        } else if (type == NID_pkcs8ShroudedKeyBag || type == NID_keyBag) {
            Pkcs12Key key;
            key.local_key_id = local_key_id(bag);
            if (key_password) {
                auto decrypted = decrypt_key(bag, *key_password);
                if (!decrypted) return std::move(decrypted).error();
                key.key = std::move(*decrypted);
            }
            out.keys.push_back(std::move(key));
        }
    }
    return {};
}

Result<void> check_mac(PKCS12* p12, const std::optional<std::string>& store_password) {
    if (!store_password || !PKCS12_mac_present(p12)) return {};
    bool ok = PKCS12_verify_mac(p12, store_password->c_str(), length_of(*store_password)) == 1;
    // OpenSSL and Java differ on whether an empty password is "" or absent in the MAC key.
    if (!ok && store_password->empty()) ok = PKCS12_verify_mac(p12, nullptr, 0) == 1;
    ERR_clear_error();
    if (!ok) return Error("wrong password (the store's integrity check failed)");
    return {};
}

Result<BagStackPtr> open_encrypted(PKCS7* safe, const std::optional<std::string>& store_password) {
    const std::string password = store_password.value_or("");
    BagStackPtr bags(PKCS12_unpack_p7encdata(safe, password.c_str(), length_of(password)));
    if (!bags && password.empty()) bags.reset(PKCS12_unpack_p7encdata(safe, nullptr, 0));
    const unsigned long reason = ERR_peek_last_error();
    ERR_clear_error();
    if (bags) return bags;
    if (!store_password) {
        return Error("its certificates are encrypted and no store password is configured");
    }
    if (ERR_GET_REASON(reason) == ERR_R_UNSUPPORTED) {
        return Error(
            "its certificates are encrypted with an algorithm OpenSSL does not load "
            "without its legacy provider (RC2 or 3DES); re-create it with a current "
            "keytool or openssl pkcs12 -export");
    }
    return Error("wrong password (the certificates do not decrypt)");
}

}  // namespace

bool looks_like_pkcs12(std::span<const unsigned char> bytes) {
    return parse_der(bytes) != nullptr;
}

Result<Pkcs12Contents> read_pkcs12(std::span<const unsigned char> bytes,
                                   const std::optional<std::string>& store_password,
                                   const std::optional<std::string>& key_password) {
    Pkcs12Ptr p12 = parse_der(bytes);
    if (!p12) return Error("not a PKCS12 store (it does not parse as one)");
    if (auto mac = check_mac(p12.get(), store_password); !mac) return std::move(mac).error();
    Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
    ERR_clear_error();
    if (!safes) return Error("the PKCS12 store is damaged (its contents do not parse)");
    Pkcs12Contents contents;
    for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes.get(), i);
        const int type = OBJ_obj2nid(safe->type);
        BagStackPtr bags;
        if (type == NID_pkcs7_data) {
            bags.reset(PKCS12_unpack_p7data(safe));
            ERR_clear_error();
        } else if (type == NID_pkcs7_encrypted) {
            auto opened = open_encrypted(safe, store_password);
            if (!opened) return std::move(opened).error();
            bags = std::move(*opened);
        }
        if (!bags) continue;
        if (auto added = add_bags(bags.get(), key_password, contents); !added) {
            return std::move(added).error();
        }
    }
    return contents;
}

}  // namespace vpcprobe
