// SPDX-License-Identifier: Apache-2.0
#include "probes/kafka/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <utility>

#include <fmt/format.h>

#include "core/base64.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

using ByteVector = std::vector<std::uint8_t>;

// Kafka accepts 4096..16384 iterations; anything far above is a server trying to make the
// client burn CPU.
constexpr long kMinIterations = 1;
constexpr long kMaxIterations = 100000;
// A salt or nonce longer than this is not a SCRAM server's.
constexpr std::size_t kMaxAttributeBytes = 1024;

const EVP_MD* digest_of(ScramAlgorithm algorithm) {
    return algorithm == ScramAlgorithm::sha512 ? EVP_sha512() : EVP_sha256();
}

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return "";
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    const int written =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
    return out;
}

std::string base64_encode(const ByteVector& data) {
    return base64_encode(data.data(), data.size());
}

// Strict base64 (core/base64.h) of a SCRAM attribute, bounded; nullopt for anything else.
std::optional<ByteVector> base64_decode(std::string_view text) {
    if (text.empty() || text.size() > kMaxAttributeBytes) return std::nullopt;
    auto decoded = decode_base64(text);
    if (!decoded) return std::nullopt;
    return ByteVector(decoded->begin(), decoded->end());
}

ByteVector hmac(const EVP_MD* md, const ByteVector& key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    if (HMAC(md, key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
             &length) == nullptr) {
        return {};
    }
    return ByteVector(out.begin(), out.begin() + length);
}

ByteVector digest(const EVP_MD* md, const ByteVector& data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) return {};
    return ByteVector(out.begin(), out.begin() + length);
}

void cleanse(std::string& text) {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}
void cleanse(ByteVector& bytes) {
    if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

// The value of attribute `name` ("r", "s", ...) in a comma-separated SCRAM message.
std::optional<std::string_view> attribute(std::string_view message, char name) {
    std::size_t start = 0;
    while (start <= message.size()) {
        const std::size_t end = std::min(message.find(',', start), message.size());
        const std::string_view part = message.substr(start, end - start);
        if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
        start = end + 1;
    }
    return std::nullopt;
}

bool printable_nonce(std::string_view nonce) {
    for (const char c : nonce) {
        if (c < 0x21 || c > 0x7E || c == ',') return false;
    }
    return true;
}

// A server's text in an error, bounded and printable.
std::string shown(std::string_view text) {
    std::string out;
    for (const char c : text.substr(0, 80)) out.push_back(c >= 0x20 && c < 0x7F ? c : '.');
    return out;
}

// What the server-first message says, checked.
struct ServerFirst {
    std::string_view nonce;  // the client's nonce with the server's appended
    ByteVector salt;
    long iterations = 0;
};

// The iteration count: digits only, within kMinIterations..kMaxIterations.
Result<long> parse_iterations(std::string_view text) {
    if (text.empty() || text.size() > 9) {
        return Error(fmt::format("the server's iteration count {} is not a number in range",
                                 quote(shown(text))));
    }
    long iterations = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return Error(
                fmt::format("the server's iteration count {} is not a number", quote(shown(text))));
        }
        iterations = iterations * 10 + (c - '0');
    }
    if (iterations < kMinIterations || iterations > kMaxIterations) {
        return Error(fmt::format("the server's iteration count {} is out of range ({}..{})",
                                 iterations, kMinIterations, kMaxIterations));
    }
    return iterations;
}

Result<ServerFirst> parse_server_first(std::string_view message, std::string_view client_nonce) {
    if (message.substr(0, 2) == "e=") {
        return Error(fmt::format("the server refused: {}", shown(message.substr(2))));
    }
    if (message.substr(0, 2) == "m=") {
        return Error("the server demands an unsupported mandatory SCRAM extension");
    }
    if (message.substr(0, 2) != "r=") {
        return Error(fmt::format("the server's first message does not start with its nonce: {}",
                                 quote(shown(message))));
    }
    const auto nonce = attribute(message, 'r');
    const auto salt_text = attribute(message, 's');
    const auto iterations_text = attribute(message, 'i');
    if (!nonce || !salt_text || !iterations_text) {
        return Error("the server's first message lacks its nonce, salt or iteration count");
    }
    if (nonce->size() <= client_nonce.size() ||
        nonce->substr(0, client_nonce.size()) != client_nonce ||
        nonce->size() > kMaxAttributeBytes || !printable_nonce(*nonce)) {
        return Error("the server's nonce does not extend the client's nonce");
    }
    auto salt = base64_decode(*salt_text);
    if (!salt || salt->empty()) return Error("the server's salt is not valid base64");
    auto iterations = parse_iterations(*iterations_text);
    if (!iterations) return std::move(iterations).error();
    return ServerFirst{*nonce, std::move(*salt), *iterations};
}

// RFC 5802 section 3: the client's proof, and the signature the server must answer with.
struct ScramKeys {
    ByteVector proof;
    ByteVector server_signature;
};

Result<ScramKeys> derive_keys(const EVP_MD* md, const std::string& password,
                              const ServerFirst& server, const std::string& auth_message) {
    const auto digest_size = static_cast<std::size_t>(EVP_MD_get_size(md));
    ByteVector salted_password(digest_size);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), server.salt.data(),
                          static_cast<int>(server.salt.size()), static_cast<int>(server.iterations),
                          md, static_cast<int>(salted_password.size()),
                          salted_password.data()) != 1) {
        return Error("PBKDF2 failed");
    }
    ByteVector client_key = hmac(md, salted_password, "Client Key");
    const ByteVector stored_key = digest(md, client_key);
    ByteVector server_key = hmac(md, salted_password, "Server Key");
    cleanse(salted_password);

    const ByteVector client_signature = hmac(md, stored_key, auth_message);
    ScramKeys keys;
    keys.server_signature = hmac(md, server_key, auth_message);
    cleanse(server_key);
    if (client_key.size() != digest_size || client_signature.size() != digest_size ||
        keys.server_signature.size() != digest_size) {
        cleanse(client_key);
        return Error("HMAC failed");
    }
    keys.proof.resize(digest_size);
    for (std::size_t i = 0; i < digest_size; ++i) {
        keys.proof[i] = static_cast<std::uint8_t>(client_key[i] ^ client_signature[i]);
    }
    cleanse(client_key);
    return keys;
}

}  // namespace

std::optional<ScramAlgorithm> scram_algorithm(std::string_view mechanism) {
    if (mechanism == "SCRAM-SHA-256") return ScramAlgorithm::sha256;
    if (mechanism == "SCRAM-SHA-512") return ScramAlgorithm::sha512;
    return std::nullopt;
}

std::string scram_escape_username(std::string_view username) {
    std::string out;
    out.reserve(username.size());
    for (const char c : username) {
        if (c == '=') {
            out += "=3D";
        } else if (c == ',') {
            out += "=2C";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

ScramClient::ScramClient(ScramAlgorithm algorithm, std::string username, std::string password,
                         std::string client_nonce)
    : algorithm_(algorithm),
      username_(std::move(username)),
      password_(std::move(password)),
      client_nonce_(std::move(client_nonce)) {
    if (client_nonce_.empty()) {
        std::array<std::uint8_t, 24> random{};
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) == 1) {
            client_nonce_ = base64_encode(random.data(), random.size());
        }
    }
}

ScramClient::~ScramClient() {
    cleanse(password_);
    cleanse(username_);
}

std::string ScramClient::client_first_message() const {
    return "n,,n=" + scram_escape_username(username_) + ",r=" + client_nonce_;
}

Result<std::string> ScramClient::client_final_message(std::string_view server_first) {
    if (client_nonce_.empty() || !printable_nonce(client_nonce_)) {
        return Error("no usable client nonce (random number generator failed)");
    }
    auto parsed = parse_server_first(server_first, client_nonce_);
    if (!parsed) return std::move(parsed).error();

    const std::string client_first_bare =
        "n=" + scram_escape_username(username_) + ",r=" + client_nonce_;
    const std::string final_without_proof = "c=biws,r=" + std::string(parsed->nonce);  // "n,,"
    const std::string auth_message =
        client_first_bare + "," + std::string(server_first) + "," + final_without_proof;
    auto keys = derive_keys(digest_of(algorithm_), password_, *parsed, auth_message);
    if (!keys) return std::move(keys).error();
    expected_server_signature_ = std::move(keys->server_signature);
    const std::string client_final = final_without_proof + ",p=" + base64_encode(keys->proof);
    return client_final;
}

Result<void> ScramClient::verify_server_final(std::string_view server_final) {
    if (server_final.substr(0, 2) == "e=") {
        return Error(fmt::format("the server refused: {}", shown(server_final.substr(2))));
    }
    const auto verifier = attribute(server_final, 'v');
    if (server_final.substr(0, 2) != "v=" || !verifier) {
        return Error(fmt::format("the server's final message carries no signature: {}",
                                 quote(shown(server_final))));
    }
    if (expected_server_signature_.empty()) {
        return Error("the server's final message came before the client's");
    }
    const auto signature = base64_decode(*verifier);
    if (!signature || signature->size() != expected_server_signature_.size() ||
        CRYPTO_memcmp(signature->data(), expected_server_signature_.data(), signature->size()) !=
            0) {
        return Error("the server's signature is wrong: it does not know the password");
    }
    return {};
}

}  // namespace vpcprobe
