// SPDX-License-Identifier: Apache-2.0
// The JKS layout (all integers big-endian):
//   u32 magic 0xFEEDFEED, u32 version (1 or 2), u32 entry count, the entries, then a SHA-1 of
//   (password as UTF-16BE || "Mighty Aphrodite" || every preceding byte).
//   Entry: u32 tag, alias (u16 length + modified UTF-8), u64 timestamp (ms), then
//     tag 1 (private key): u32 length + EncryptedPrivateKeyInfo, u32 chain length, certificates;
//     tag 2 (trusted certificate): one certificate;
//     tag 3 (secret key): JCEKS only.
//   Certificate: (version 2: type as u16 length + text, "X.509") u32 length + DER.
// Key protection (OID 1.3.6.1.4.1.42.2.17.1.1): salt(20) || ciphertext || check(20), where the
// keystream's blocks are SHA-1(password || previous block), starting from the salt, and the
// check is SHA-1(password || plaintext).
#include "probes/tls/jks.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/text.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

constexpr std::uint32_t kJksMagic = 0xFEEDFEED;
constexpr std::uint32_t kJceksMagic = 0xCECECECE;
constexpr std::uint32_t kMaxEntries = 10000;
constexpr std::uint32_t kMaxChain = 1000;
constexpr std::uint32_t kMaxItemBytes = 1024 * 1024;  // one certificate or one protected key
constexpr std::size_t kDigestBytes = 20;
constexpr std::string_view kWhitener = "Mighty Aphrodite";
constexpr std::string_view kKeyProtectorOid = "1.3.6.1.4.1.42.2.17.1.1";

using Bytes = std::vector<unsigned char>;
using Digest = std::array<unsigned char, kDigestBytes>;

// Reads big-endian fields off the front of the input, refusing to go past its end.
class Reader {
  public:
    explicit Reader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

    std::size_t offset() const { return offset_; }
    std::size_t left() const { return bytes_.size() - offset_; }

    Result<std::uint64_t> number(std::size_t width, std::string_view what) {
        if (left() < width) return truncated(what);
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < width; ++i) value = (value << 8) | bytes_[offset_ + i];
        offset_ += width;
        return value;
    }

    Result<std::span<const unsigned char>> take(std::size_t count, std::string_view what) {
        if (left() < count) return truncated(what);
        auto part = bytes_.subspan(offset_, count);
        offset_ += count;
        return part;
    }

    // A u16-length modified UTF-8 string (Java's DataInput.readUTF).
    Result<std::string> utf(std::string_view what) {
        auto length = number(2, what);
        if (!length) return std::move(length).error();
        auto text = take(static_cast<std::size_t>(*length), what);
        if (!text) return std::move(text).error();
        return std::string(text->begin(), text->end());
    }

    // A u32-length item of at most `limit` bytes.
    Result<Bytes> item(std::string_view what, std::uint32_t limit) {
        auto length = number(4, what);
        if (!length) return std::move(length).error();
        if (*length > limit) {
            return Error(
                fmt::format("{} claims {} bytes, more than the {} allowed", what, *length, limit));
        }
        auto data = take(static_cast<std::size_t>(*length), what);
        if (!data) return std::move(data).error();
        return Bytes(data->begin(), data->end());
    }

  private:
    static Error truncated(std::string_view what) {
        return Error(fmt::format("the file ends in the middle of {} (truncated?)", what));
    }

    std::span<const unsigned char> bytes_;
    std::size_t offset_ = 0;
};

// The password as Java hashes it: each UTF-16 code unit, high byte first.
Bytes utf16be(const std::string& password) {
    Bytes out;
    out.reserve(password.size() * 2);
    auto push = [&out](std::uint32_t unit) {
        out.push_back(static_cast<unsigned char>(unit >> 8));
        out.push_back(static_cast<unsigned char>(unit & 0xFF));
    };
    const auto* text = reinterpret_cast<const unsigned char*>(password.data());
    const std::size_t size = password.size();
    for (std::size_t i = 0; i < size;) {
        const unsigned char lead = text[i];
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || i + length > size) {
            push(0xFFFD);  // not UTF-8: Java would never have seen this byte as such either
            ++i;
            continue;
        }
        std::uint32_t code = length == 1 ? lead : lead & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) code = (code << 6) | (text[i + k] & 0x3F);
        i += length;
        if (code >= 0x10000) {
            code -= 0x10000;
            push(0xD800 + (code >> 10));
            push(0xDC00 + (code & 0x3FF));
        } else {
            push(code);
        }
    }
    return out;
}

using MdContextPtr = std::unique_ptr<EVP_MD_CTX, FreeWith<EVP_MD_CTX_free>>;

// SHA-1 over the concatenation of the parts.
Digest sha1(std::initializer_list<std::span<const unsigned char>> parts) {
    Digest digest{};
    MdContextPtr context(EVP_MD_CTX_new());
    unsigned int length = 0;
    bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha1(), nullptr) == 1;
    for (const auto& part : parts) {
        ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1;
    // SHA-1 is always there for digests (it is not a legacy algorithm in OpenSSL 3); if it were
    // not, an all-zero digest fails every comparison, which is the safe way to fail.
    if (!ok) digest.fill(0);
    return digest;
}

std::span<const unsigned char> as_bytes(std::string_view text) {
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

Result<Bytes> read_certificate(Reader& in, std::uint32_t version, std::string_view what) {
    if (version == 2) {
        auto type = in.utf(what);
        if (!type) return std::move(type).error();
        if (*type != "X.509") {
            return Error(fmt::format("{} is of type {}, not X.509", what, quote(printable(*type))));
        }
    }
    return in.item(what, kMaxItemBytes);
}

Result<JksEntry> read_private_key_entry(Reader& in, std::uint32_t version, JksEntry entry) {
    const std::string where = "the private key of entry " + quote(printable(entry.alias));
    auto key = in.item(where, kMaxItemBytes);
    if (!key) return std::move(key).error();
    entry.protected_key = std::move(*key);
    auto chain = in.number(4, "the certificate count of entry " + quote(printable(entry.alias)));
    if (!chain) return std::move(chain).error();
    if (*chain > kMaxChain) {
        return Error(fmt::format("entry {} claims a chain of {} certificates",
                                 quote(printable(entry.alias)), *chain));
    }
    for (std::uint64_t i = 0; i < *chain; ++i) {
        auto cert = read_certificate(
            in, version,
            fmt::format("certificate {} of entry {}", i + 1, quote(printable(entry.alias))));
        if (!cert) return std::move(cert).error();
        entry.certificates.push_back(std::move(*cert));
    }
    return entry;
}

Result<JksEntry> read_entry(Reader& in, std::uint32_t version, std::uint64_t index) {
    auto tag = in.number(4, fmt::format("entry {}", index + 1));
    if (!tag) return std::move(tag).error();
    if (*tag == 3) {
        return Error("it holds a secret key entry, which only a JCEKS store can hold");
    }
    if (*tag != 1 && *tag != 2) {
        return Error(
            fmt::format("entry {} has the unknown tag {} (damaged file?)", index + 1, *tag));
    }
    JksEntry entry;
    auto alias = in.utf(fmt::format("the alias of entry {}", index + 1));
    if (!alias) return std::move(alias).error();
    entry.alias = std::move(*alias);
    if (auto timestamp = in.number(8, "the date of entry " + quote(printable(entry.alias)));
        !timestamp) {
        return std::move(timestamp).error();
    }
    if (*tag == 1) {
        entry.is_private_key = true;
        return read_private_key_entry(in, version, std::move(entry));
    }
    auto cert =
        read_certificate(in, version, "the certificate of entry " + quote(printable(entry.alias)));
    if (!cert) return std::move(cert).error();
    entry.certificates.push_back(std::move(*cert));
    return entry;
}

Result<void> check_integrity(std::span<const unsigned char> bytes, std::size_t body,
                             const std::string& password) {
    if (bytes.size() - body < kDigestBytes) {
        return Error("the file ends in the middle of its integrity digest (truncated?)");
    }
    const Bytes encoded = utf16be(password);
    const Digest expected = sha1({encoded, as_bytes(kWhitener), bytes.first(body)});
    if (CRYPTO_memcmp(expected.data(), bytes.data() + body, kDigestBytes) != 0) {
        return Error("wrong password (the keystore's integrity check failed)");
    }
    return {};
}

Result<Bytes> protected_key_blob(const JksEntry& entry) {
    const std::string alias = quote(printable(entry.alias));
    const unsigned char* cursor = entry.protected_key.data();
    std::unique_ptr<X509_SIG, FreeWith<X509_SIG_free>> info(
        d2i_X509_SIG(nullptr, &cursor, static_cast<long>(entry.protected_key.size())));
    if (!info) return Error("the private key of entry " + alias + " is not an encrypted key");
    const X509_ALGOR* algorithm = nullptr;
    const ASN1_OCTET_STRING* data = nullptr;
    X509_SIG_get0(info.get(), &algorithm, &data);
    const ASN1_OBJECT* oid = nullptr;
    X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
    std::array<char, 128> text{};
    OBJ_obj2txt(text.data(), static_cast<int>(text.size()), oid, 1);
    if (std::string_view(text.data()) != kKeyProtectorOid) {
        return Error(
            fmt::format("the private key of entry {} is protected by algorithm {}, not "
                        "the JKS key protection",
                        alias, text.data()));
    }
    const unsigned char* start = ASN1_STRING_get0_data(data);
    return Bytes(start, start + ASN1_STRING_length(data));
}

}  // namespace

bool starts_as_jks(std::span<const unsigned char> bytes) {
    Reader in(bytes);
    auto magic = in.number(4, "");
    return magic && *magic == kJksMagic;
}

bool starts_as_jceks(std::span<const unsigned char> bytes) {
    Reader in(bytes);
    auto magic = in.number(4, "");
    return magic && *magic == kJceksMagic;
}

Result<std::vector<JksEntry>> parse_jks(std::span<const unsigned char> bytes,
                                        const std::optional<std::string>& store_password) {
    if (starts_as_jceks(bytes)) {
        return Error(
            "this is a JCEKS store, which is not read here; convert it with keytool "
            "-importkeystore -srcstoretype JCEKS -deststoretype PKCS12 and use the PKCS12 store");
    }
    if (!starts_as_jks(bytes)) return Error("not a JKS store (it does not start with 0xFEEDFEED)");
    Reader in(bytes);
    (void)in.number(4, "the magic number");
    auto version = in.number(4, "the version");
    if (!version) return std::move(version).error();
    if (*version != 1 && *version != 2) {
        return Error(fmt::format("JKS version {} is not one keytool writes (1 or 2)", *version));
    }
    auto count = in.number(4, "the entry count");
    if (!count) return std::move(count).error();
    if (*count > kMaxEntries) {
        return Error(
            fmt::format("it claims {} entries, more than the {} allowed", *count, kMaxEntries));
    }
    std::vector<JksEntry> entries;
    for (std::uint64_t i = 0; i < *count; ++i) {
        auto entry = read_entry(in, static_cast<std::uint32_t>(*version), i);
        if (!entry) return std::move(entry).error();
        entries.push_back(std::move(*entry));
    }
    if (store_password) {
        if (auto checked = check_integrity(bytes, in.offset(), *store_password); !checked) {
            return std::move(checked).error();
        }
    }
    return entries;
}

Result<std::vector<unsigned char>> recover_jks_key(const JksEntry& entry,
                                                   const std::string& key_password) {
    if (!entry.is_private_key) {
        return Error("entry " + quote(printable(entry.alias)) + " holds no private key");
    }
    auto blob = protected_key_blob(entry);
    if (!blob) return std::move(blob).error();
    if (blob->size() < 2 * kDigestBytes) {
        return Error("the private key of entry " + quote(printable(entry.alias)) +
                     " is too short to be one");
    }
    const std::span<const unsigned char> whole(*blob);
    const auto salt = whole.first(kDigestBytes);
    const auto cipher = whole.subspan(kDigestBytes, whole.size() - 2 * kDigestBytes);
    const auto check = whole.last(kDigestBytes);
    const Bytes password = utf16be(key_password);

    Bytes plain(cipher.size());
    Digest block{};
    std::memcpy(block.data(), salt.data(), kDigestBytes);
    for (std::size_t at = 0; at < cipher.size(); at += kDigestBytes) {
        block = sha1({password, block});
        const std::size_t n = std::min(kDigestBytes, cipher.size() - at);
        for (std::size_t i = 0; i < n; ++i) plain[at + i] = cipher[at + i] ^ block[i];
    }
    OPENSSL_cleanse(block.data(), block.size());
    const Digest expected = sha1({password, plain});
    if (CRYPTO_memcmp(expected.data(), check.data(), kDigestBytes) != 0) {
        OPENSSL_cleanse(plain.data(), plain.size());
        return Error("wrong key password for entry " + quote(printable(entry.alias)) +
                     " (the key's check digest does not match)");
    }
    return plain;
}

}  // namespace vpcprobe
