// SPDX-License-Identifier: Apache-2.0
// Basic authentication (agent/basic_auth.h) against bcrypt hashes made by a real tool: the
// tests run Python's crypt module (libxcrypt underneath, as htpasswd's and mkpasswd's hashes are
// checked by it) to make them, and libxcrypt's crypt_rn checks them. Also what a header that is
// not basic authentication gets, and that nothing returned holds the password.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "agent/basic_auth.h"

using namespace vpcprobe;

namespace {

// A bcrypt hash of `password` made by python3's crypt module, at the lowest cost bcrypt takes
// (4) so the tests stay fast; the prefix is $2b$ (Python) and, rewritten, $2y$ (htpasswd).
std::string bcrypt_by_python(const std::string& password) {
    const std::string command =
        "python3 -W ignore -c 'import crypt,sys; print(crypt.crypt(sys.argv[1], "
        "crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' '" +
        password + "'";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    REQUIRE(pipe);
    char line[128] = {};
    REQUIRE(std::fgets(line, sizeof line, pipe.get()) != nullptr);
    std::string hash(line);
    while (!hash.empty() && hash.back() == '\n') hash.pop_back();
    REQUIRE(hash.starts_with("$2b$04$"));
    REQUIRE(hash.size() == 60);
    return hash;
}

// "Basic " + base64("user:password").
std::string basic(const std::string& credentials) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "Basic ";
    std::size_t i = 0;
    for (; i + 2 < credentials.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(credentials[i]) << 16) |
                           (static_cast<unsigned char>(credentials[i + 1]) << 8) |
                           static_cast<unsigned char>(credentials[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
    }
    if (i < credentials.size()) {
        unsigned v = static_cast<unsigned char>(credentials[i]) << 16;
        if (i + 1 < credentials.size()) v |= static_cast<unsigned char>(credentials[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < credentials.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace

TEST_CASE("basic auth: crypt_rn checks a hash Python's crypt made") {
    const std::string hash = bcrypt_by_python("correct horse");
    CHECK(crypt_matches(Secret("correct horse"), Secret(hash)));
    CHECK_FALSE(crypt_matches(Secret("correct hors"), Secret(hash)));
    CHECK_FALSE(crypt_matches(Secret(""), Secret(hash)));
    // htpasswd -B writes $2y$: the same algorithm for these passwords.
    CHECK(crypt_matches(Secret("correct horse"), Secret("$2y$" + hash.substr(4))));
    // A hash crypt does not take is never a match.
    CHECK_FALSE(crypt_matches(Secret("x"), Secret("not a hash")));
    CHECK_FALSE(crypt_matches(Secret("x"), Secret("")));
}

TEST_CASE("basic auth: the user and password of an Authorization header") {
    const BasicCredentials credentials = parse_basic_authorization(basic("prom:pa:ss word"));
    CHECK(credentials.valid);
    CHECK(credentials.user == "prom");
    CHECK(credentials.password.reveal() == "pa:ss word");  // split at the first ':'
    CHECK(parse_basic_authorization("basic " + basic("a:b").substr(6)).valid);
    CHECK(parse_basic_authorization(basic("a:")).valid);
    CHECK_FALSE(parse_basic_authorization("").valid);
    CHECK_FALSE(parse_basic_authorization("Bearer abc").valid);
    CHECK_FALSE(parse_basic_authorization(basic("no colon")).valid);
    CHECK_FALSE(parse_basic_authorization("Basic not*base64").valid);
    CHECK_FALSE(parse_basic_authorization("Basic YWJj=").valid);  // wrong length
    CHECK_FALSE(parse_basic_authorization("Basic YQ=a").valid);   // padding inside
}

TEST_CASE("basic auth: only a configured user with the right password passes") {
    const std::string prom = bcrypt_by_python("s3cret");
    const std::string other = bcrypt_by_python("another");
    BasicAuth auth({{"prometheus", Secret(prom)}, {"grafana", Secret(other)}});
    REQUIRE(auth.required());
    CHECK(auth.allows(basic("prometheus:s3cret")));
    CHECK(auth.allows(basic("grafana:another")));
    CHECK_FALSE(auth.allows(basic("prometheus:another")));  // another user's password
    CHECK_FALSE(auth.allows(basic("prometheus:S3cret")));
    CHECK_FALSE(auth.allows(basic("nobody:s3cret")));
    CHECK_FALSE(auth.allows(basic("Prometheus:s3cret")));  // names are case-sensitive
    CHECK_FALSE(auth.allows(""));
    CHECK_FALSE(auth.allows("Bearer s3cret"));
    // Accepted credentials are remembered; that does not let a near miss through.
    CHECK(auth.allows(basic("prometheus:s3cret")));
    CHECK_FALSE(auth.allows(basic("prometheus:s3cret ")));
}

TEST_CASE("basic auth: no users, no authentication") {
    BasicAuth auth({});
    CHECK_FALSE(auth.required());
    CHECK(auth.allows(""));
}

TEST_CASE("basic auth: remembering is bounded and does not outlive a wrong guess") {
    const std::string hash = bcrypt_by_python("pw");
    std::vector<BasicAuthUser> users;
    for (int i = 0; i < 20; ++i) users.push_back({"user" + std::to_string(i), Secret(hash)});
    BasicAuth auth(users);
    for (int i = 0; i < 20; ++i) CHECK(auth.allows(basic("user" + std::to_string(i) + ":pw")));
    // The first ones were forgotten (only kRemembered are kept) and are checked again: still
    // right.
    CHECK(auth.allows(basic("user0:pw")));
    CHECK_FALSE(auth.allows(basic("user0:px")));
}
