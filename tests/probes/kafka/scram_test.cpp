// SPDX-License-Identifier: Apache-2.0
// SCRAM client (probes/kafka/scram.h): the RFC 7677 SCRAM-SHA-256 test vector byte for byte, a
// SCRAM-SHA-512 exchange checked against an independent computation by Python's hashlib/hmac,
// username escaping, server-signature verification and the refusal of malformed or hostile
// server messages, with errors that never contain the credentials.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "probes/kafka/scram.h"
#include "tests/support/process.h"

using vpcprobe::ScramAlgorithm;
using vpcprobe::ScramClient;

namespace {

// RFC 7677 section 3.
constexpr const char* kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr const char* kRfcClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr const char* kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

// The same exchange computed by Python's hashlib/hmac (an implementation independent of
// OpenSSL's SCRAM use here): prints the client-final message and the server-final message.
constexpr const char* kPythonScram = R"PY(
import base64, hashlib, hmac, sys
h, user, password, client_nonce, server_first = sys.argv[1:6]
attrs = dict(part.split('=', 1) for part in server_first.split(','))
salted = hashlib.pbkdf2_hmac(h, password.encode(), base64.b64decode(attrs['s']), int(attrs['i']))
client_key = hmac.new(salted, b'Client Key', h).digest()
stored_key = hashlib.new(h, client_key).digest()
without_proof = 'c=biws,r=' + attrs['r']
auth = ('n=' + user.replace('=', '=3D').replace(',', '=2C') + ',r=' + client_nonce + ',' +
        server_first + ',' + without_proof).encode()
signature = hmac.new(stored_key, auth, h).digest()
proof = bytes(a ^ b for a, b in zip(client_key, signature))
server_sig = hmac.new(hmac.new(salted, b'Server Key', h).digest(), auth, h).digest()
print(without_proof + ',p=' + base64.b64encode(proof).decode())
print('v=' + base64.b64encode(server_sig).decode())
)PY";

}  // namespace

TEST_CASE("SCRAM-SHA-256 reproduces the RFC 7677 test vector") {
    ScramClient client(ScramAlgorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    CHECK(client.client_first_message() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    const auto client_final = client.client_final_message(kRfcServerFirst);
    INFO((client_final ? std::string() : client_final.error().message()));
    REQUIRE(client_final);
    CHECK(*client_final == kRfcClientFinal);
    CHECK(client.verify_server_final(kRfcServerFinal).ok());
}

TEST_CASE("SCRAM-SHA-256 rejects a wrong server signature and server errors") {
    ScramClient client(ScramAlgorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    REQUIRE(client.client_final_message(kRfcServerFirst).ok());
    // One character of the signature changed.
    const auto wrong = client.verify_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().message().find("signature is wrong") != std::string::npos);
    const auto refused = client.verify_server_final("e=invalid-proof");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("invalid-proof") != std::string::npos);
    CHECK_FALSE(client.verify_server_final("garbage").ok());
    CHECK_FALSE(client.verify_server_final("v=!!!!").ok());
    CHECK_FALSE(client.verify_server_final("").ok());
}

TEST_CASE("SCRAM-SHA-512 matches an independent computation") {
    const std::string nonce = "fyko+d2lbbFgONRv9qkxdawL";
    const std::string server_first = "r=" + nonce + "3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    const std::string user = "alice=ops,eu";
    const std::string password = "correct horse battery staple";
    const auto python = vpcprobe::test::run_command(
        {"python3", "-c", kPythonScram, "sha512", user, password, nonce, server_first},
        std::chrono::seconds(30));
    INFO(python.err);
    REQUIRE(python.exit_code == 0);
    const std::size_t newline = python.out.find('\n');
    REQUIRE(newline != std::string::npos);
    const std::string expected_final = python.out.substr(0, newline);
    const std::string expected_server_final =
        python.out.substr(newline + 1, python.out.find('\n', newline + 1) - newline - 1);

    ScramClient client(ScramAlgorithm::sha512, user, password, nonce);
    CHECK(client.client_first_message() == "n,,n=alice=3Dops=2Ceu,r=" + nonce);
    const auto client_final = client.client_final_message(server_first);
    INFO((client_final ? std::string() : client_final.error().message()));
    REQUIRE(client_final);
    CHECK(*client_final == expected_final);
    // A SHA-512 proof is 64 bytes: 88 base64 characters.
    CHECK(client_final->size() - client_final->find(",p=") - 3 == 88);
    CHECK(client.verify_server_final(expected_server_final).ok());
}

TEST_CASE("SCRAM usernames are escaped") {
    CHECK(vpcprobe::scram_escape_username("plain") == "plain");
    CHECK(vpcprobe::scram_escape_username("a=b,c") == "a=3Db=2Cc");
    CHECK(vpcprobe::scram_escape_username(",,==") == "=2C=2C=3D=3D");
}

TEST_CASE("SCRAM mechanism names") {
    CHECK(vpcprobe::scram_algorithm("SCRAM-SHA-256") == ScramAlgorithm::sha256);
    CHECK(vpcprobe::scram_algorithm("SCRAM-SHA-512") == ScramAlgorithm::sha512);
    CHECK_FALSE(vpcprobe::scram_algorithm("scram-sha-256"));
    CHECK_FALSE(vpcprobe::scram_algorithm("PLAIN"));
}

TEST_CASE("SCRAM random nonces are fresh and printable") {
    ScramClient first(ScramAlgorithm::sha256, "u", "p");
    ScramClient second(ScramAlgorithm::sha256, "u", "p");
    const std::string a = first.client_first_message();
    const std::string b = second.client_first_message();
    CHECK(a != b);
    const std::string nonce = a.substr(a.find(",r=") + 3);
    CHECK(nonce.size() == 32);  // 24 random bytes, base64
    CHECK(nonce.find(',') == std::string::npos);
}

TEST_CASE("SCRAM refuses malformed or hostile server-first messages") {
    const std::string password = "s3cret-Pa55";
    const auto refuse = [&](const std::string& server_first, const std::string& expected) {
        ScramClient client(ScramAlgorithm::sha256, "someone", password, "clientnonce");
        const auto started = std::chrono::steady_clock::now();
        INFO(server_first);
        const auto refused = client.client_final_message(server_first);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
        REQUIRE_FALSE(refused.ok());
        const std::string& error = refused.error().message();
        INFO(error);
        CHECK(error.find(expected) != std::string::npos);
        CHECK(error.find(password) == std::string::npos);
        CHECK(error.find("someone") == std::string::npos);
    };
    refuse("r=othernonce123,s=QSXCR+Q6sek8bf92,i=4096", "does not extend");
    refuse("r=clientnonce,s=QSXCR+Q6sek8bf92,i=4096", "does not extend");  // nothing added
    refuse("r=clientnonceXYZ,i=4096", "lacks");
    refuse("r=clientnonceXYZ,s=QSXCR+Q6sek8bf92", "lacks");
    refuse("r=clientnonceXYZ,s=not*base64,i=4096", "salt");
    refuse("r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=999999999", "out of range");
    refuse("r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=0", "out of range");
    refuse("r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=-5", "not a number");
    refuse("r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=99999999999999999999", "not a number");
    refuse("m=ext,r=clientnonceXYZ,s=QSXCR+Q6sek8bf92,i=4096", "extension");
    refuse("e=unknown-user", "unknown-user");
    refuse("", "does not start");
    refuse("s=QSXCR+Q6sek8bf92,r=clientnonceXYZ,i=4096", "does not start");
}

TEST_CASE("SCRAM verification before the client-final message fails") {
    ScramClient client(ScramAlgorithm::sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    CHECK_FALSE(client.verify_server_final(kRfcServerFinal).ok());
}
