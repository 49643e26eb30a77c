// SPDX-License-Identifier: Apache-2.0
// The web configuration reader (agent/web_config.h): the exporter toolkit's files as its
// documentation writes them, the defaults it applies, and every input it refuses, each with
// the line and key its message names. The files' certificates are loaded by serve, not here
// (tests/integration/test_listener.py).
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>

#include "agent/basic_auth.h"
#include "agent/web_config.h"

using namespace vpcprobe;

namespace {

WebConfig parsed(const std::string& text) {
    auto config = parse_web_config(text, "web.yml", "/etc/vpcprobe");
    INFO(text);
    REQUIRE(config.ok());
    return *config;
}

std::string refusal(const std::string& text) {
    auto config = parse_web_config(text, "web.yml", "/etc/vpcprobe");
    INFO(text);
    REQUIRE_FALSE(config.ok());
    return config.error().message();
}

// Made by Python's crypt module (libxcrypt): crypt.crypt("s3cret", crypt.mksalt(
// crypt.METHOD_BLOWFISH, rounds=2**10)).
const std::string kHash = "$2b$10$dwAF49j.g/UgUh59IbYv7OUPGm4av1T85wuDJkVZ2zNbRBisf6RUm";

}  // namespace

TEST_CASE("web config: the exporter toolkit's example file") {
    const WebConfig config = parsed(
        "# A web configuration for vpcprobe serve\n"
        "---\n"
        "tls_server_config:\n"
        "  cert_file: server.crt   # relative to the file\n"
        "  key_file: '/etc/ssl/private/server.key'\n"
        "  client_ca_file: \"clients/ca.pem\"\n"
        "  client_auth_type: VerifyClientCertIfGiven\n"
        "  min_version: TLS13\n"
        "\n"
        "http_server_config:\n"
        "  http2: false\n"
        "  headers:\n"
        "    X-Frame-Options: deny\n"
        "    Strict-Transport-Security: \"max-age=31536000\"\n"
        "basic_auth_users:\n"
        "  prometheus: " +
        kHash +
        "\n"
        "  'other user': \"" +
        kHash + "\"\n");
    REQUIRE(config.tls);
    CHECK(config.tls->cert_file == "/etc/vpcprobe/server.crt");
    CHECK(config.tls->key_file == "/etc/ssl/private/server.key");
    CHECK(config.tls->client_ca_file == "/etc/vpcprobe/clients/ca.pem");
    CHECK(config.tls->client_auth == ClientAuth::verify_client_cert_if_given);
    CHECK(config.tls->min_version == TlsVersion::tls13);
    CHECK_FALSE(config.tls->max_version);
    REQUIRE(config.users.size() == 2);
    CHECK(config.users[0].name == "prometheus");
    CHECK(config.users[0].hash.reveal() == kHash);
    CHECK(config.users[1].name == "other user");
    REQUIRE(config.headers.size() == 2);
    CHECK(config.headers[0] == std::pair<std::string, std::string>("X-Frame-Options", "deny"));
    CHECK(config.headers[1].second == "max-age=31536000");
}

TEST_CASE("web config: defaults as the exporter toolkit's") {
    SECTION("an empty file (or comments only) is plain HTTP without authentication") {
        CHECK(parsed("") == WebConfig{});
        CHECK(parsed("# nothing yet\n\n") == WebConfig{});
        CHECK(parsed("basic_auth_users:\ntls_server_config:\n  cert_file: a\n  key_file: b\n")
                  .users.empty());
    }
    SECTION("client CAs without a policy require and verify a client certificate") {
        const WebConfig config =
            parsed("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n");
        CHECK(config.tls->client_auth == ClientAuth::require_and_verify_client_cert);
        CHECK(config.tls->min_version == TlsVersion::tls12);
    }
    SECTION("no client CAs: no client certificate asked for") {
        CHECK(parsed("tls_server_config:\n  cert_file: a\n  key_file: b\n").tls->client_auth ==
              ClientAuth::no_client_cert);
    }
    SECTION("every policy by its Go name") {
        CHECK(parsed("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                     "  client_auth_type: RequireAnyClientCert\n")
                  .tls->client_auth == ClientAuth::require_any_client_cert);
        CHECK(parsed("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                     "  client_auth_type: RequestClientCert\n")
                  .tls->client_auth == ClientAuth::request_client_cert);
        CHECK(parsed("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n"
                     "  client_auth_type: RequireAndVerifyClientCert\n  max_version: TLS12\n")
                  .tls->max_version == TlsVersion::tls12);
    }
    SECTION("CRLF line ends and a path without a directory") {
        auto config = parse_web_config("tls_server_config:\r\n  cert_file: a\r\n  key_file: b\r\n",
                                       "web.yml", "");
        REQUIRE(config.ok());
        CHECK(config->tls->cert_file == "a");
    }
}

TEST_CASE("web config: every refusal names the line and the key") {
    const std::string tls = "tls_server_config:\n  cert_file: a\n  key_file: b\n";
    const auto check = [](const std::string& text, const std::string& message) {
        CHECK(refusal(text) == message);
    };
    check("tls_config:\n  cert_file: a\n",
          "web.yml:1: tls_config: unknown key; the web configuration has tls_server_config, "
          "basic_auth_users and http_server_config");
    check(tls + "  client_auth_type: Sometimes\n",
          "web.yml:4: tls_server_config.client_auth_type: 'Sometimes' is not one of "
          "NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
          "RequireAndVerifyClientCert");
    check(tls + "  min_version: TLS14\n",
          "web.yml:4: tls_server_config.min_version: 'TLS14' is not one of TLS10, TLS11, "
          "TLS12, TLS13");
    check(tls + "  certfile: c\n",
          "web.yml:4: tls_server_config.certfile: unknown key; tls_server_config has cert_file, "
          "key_file, client_ca_file, client_auth_type, min_version and max_version");
    check(tls + "  cipher_suites: x\n",
          "web.yml:4: tls_server_config.cipher_suites: not supported by vpcprobe "
          "(docs/serve.md, \"Web configuration\")");
    check("tls_server_config:\n  key_file: b\n",
          "web.yml:1: tls_server_config: cert_file is required");
    check("tls_server_config:\n  cert_file: a\n",
          "web.yml:1: tls_server_config: key_file is required");
    check(tls + "  client_auth_type: RequireAndVerifyClientCert\n",
          "web.yml:1: tls_server_config.client_auth_type: verifying client certificates needs "
          "client_ca_file");
    check(tls + "  client_ca_file: c\n  client_auth_type: NoClientCert\n",
          "web.yml:1: tls_server_config.client_ca_file: client CAs are given but "
          "client_auth_type is NoClientCert");
    check(tls + "  min_version: TLS13\n  max_version: TLS12\n",
          "web.yml:1: tls_server_config.max_version: older than min_version");
    check(tls + "  cert_file: again\n", "web.yml:4: tls_server_config.cert_file: given twice");
    check("tls_server_config: yes\n", "web.yml:1: tls_server_config: a map is expected");
    check("tls_server_config:\n  cert_file:\n    nested: x\n  key_file: b\n",
          "web.yml:2: tls_server_config.cert_file: a single value is expected, not a map");
    check("basic_auth_users:\n  prometheus: secret\n",
          "web.yml:2: basic_auth_users.prometheus: not a bcrypt hash ($2y$, $2b$ or $2a$ and 56 "
          "more characters; htpasswd -nBC 10 USER makes one)");
    check("basic_auth_users:\n  'a:b': " + kHash + "\n",
          "web.yml:2: basic_auth_users.a:b: a user name cannot hold ':' (basic authentication "
          "splits there)");
    check("http_server_config:\n  headers:\n    Set-Cookie: x\n",
          "web.yml:3: http_server_config.headers.Set-Cookie: not a header the web configuration "
          "sets; one of Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
          "X-XSS-Protection, Content-Security-Policy");
    check("http_server_config:\n  http2: maybe\n",
          "web.yml:2: http_server_config.http2: true or false");
    check("http_server_config:\n  keep_alive: true\n",
          "web.yml:2: http_server_config.keep_alive: unknown key; http_server_config has headers "
          "and http2");
}

TEST_CASE("web config: YAML it does not take is refused, not guessed at") {
    const auto check = [](const std::string& text, const std::string& message) {
        CHECK(refusal(text) == message);
    };
    check("tls_server_config:\n\tcert_file: a\n",
          "web.yml:2: a tab in the indentation (YAML indents with spaces)");
    check("tls_server_config:\n  cert_file: a\n   key_file: b\n",
          "web.yml:3: tls_server_config: unexpected indentation");
    check("  tls_server_config:\n", "web.yml:1: unexpected indentation");
    check("basic_auth_users:\n  - prometheus\n",
          "web.yml:2: basic_auth_users: a list; this file has none (maps of single values only)");
    check("tls_server_config: {cert_file: a}\n",
          "web.yml:1: tls_server_config: a YAML form this file does not use (starts with '{'); "
          "write a single value, quoted if need be");
    check("tls_server_config:\n  cert_file: &anchor a\n",
          "web.yml:2: tls_server_config.cert_file: a YAML form this file does not use (starts "
          "with '&'); write a single value, quoted if need be");
    check("tls_server_config:\n  cert_file: |\n    a\n",
          "web.yml:2: tls_server_config.cert_file: a YAML form this file does not use (starts "
          "with '|'); write a single value, quoted if need be");
    check("tls_server_config:\n  cert_file: \"a\n",
          "web.yml:2: tls_server_config.cert_file: a quoted value without its closing quote");
    check("tls_server_config:\n  cert_file: \"a\" b\n",
          "web.yml:2: tls_server_config.cert_file: text after the closing quote");
    check("tls_server_config:\n  cert_file: \"a\\x41\"\n",
          "web.yml:2: tls_server_config.cert_file: the escape \\x is not supported");
    check("tls_server_config:\n  cert_file: a: b\n",
          "web.yml:2: tls_server_config.cert_file: a value holding \": \" must be quoted");
    check("just words\n", "web.yml:1: not a \"key: value\" line");
    check("a: 1\n---\nb: 2\n", "web.yml:2: a second YAML document (one is expected)");
}

TEST_CASE("web config: quoted scalars as YAML reads them") {
    const WebConfig config = parsed(
        "tls_server_config:\n"
        "  cert_file: 'it''s.pem'\n"
        "  key_file: \"dir\\\\k#ey.pem\"  # a comment after a quoted value\n");
    CHECK(config.tls->cert_file == "/etc/vpcprobe/it's.pem");
    CHECK(config.tls->key_file == "/etc/vpcprobe/dir\\k#ey.pem");
}

TEST_CASE("web config: no refusal shows a hash") {
    const std::string hash_like = "$2b$10$" + std::string(50, 'a');  // 57 characters
    const std::string message = refusal("basic_auth_users:\n  prometheus: " + hash_like + "\n");
    CHECK(message.find(hash_like) == std::string::npos);
    CHECK(message.find("$2b$10$aaa") == std::string::npos);
}

TEST_CASE("web config: read_web_config names the file and resolves against its folder") {
    auto missing = read_web_config("/nonexistent/web.yml");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message().starts_with("/nonexistent/web.yml: "));
}

TEST_CASE("web config: the sample in docs/serve.md reads, and its hash is a real one") {
    std::ifstream in(std::string(VPCPROBE_SOURCE_DIR) + "/docs/serve.md");
    REQUIRE(in);
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto section = doc.find("## Web configuration");
    REQUIRE(section != std::string::npos);
    const auto start = doc.find("```yaml\n", section);
    REQUIRE(start != std::string::npos);
    const auto end = doc.find("```\n", start + 8);
    const std::string sample = doc.substr(start + 8, end - start - 8);
    const WebConfig config = parsed(sample);
    REQUIRE(config.tls);
    CHECK(config.tls->cert_file == "/etc/vpcprobe/vpcprobe.crt");
    CHECK(config.tls->client_auth == ClientAuth::no_client_cert);
    REQUIRE(config.users.size() == 1);
    CHECK(config.users[0].name == "prometheus");
    CHECK(crypt_matches(Secret("change-me"), config.users[0].hash));
    CHECK(config.headers.size() == 1);
}
