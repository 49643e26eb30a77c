// SPDX-License-Identifier: Apache-2.0
// The Kafka client's configuration as a source of settings: each key lands where the client
// would use it, the command line wins over it and it wins over the TOML file, what vpcprobe
// cannot honour is said, and every error names the file, line and key without a secret.
#include "agent/settings/client_settings.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "agent/file_checks.h"
#include "agent/settings/cli.h"
#include "agent/settings/plan.h"
#include "tests/support/command_line.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace vpcprobe;

namespace {

constexpr const char* kPassword = "pa$$-w0rd-never-shown";

Result<Command> parse(std::vector<std::string> args) {
    return test::parse_arguments(std::move(args));
}

Command parse_ok(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (!result) FAIL("usage error: " << result.error().message());
    return *result;
}

// The one-line usage error, which must never hold the password.
std::string parse_error(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (result) FAIL("expected a usage error");
    const std::string message = result.error().message();
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find(kPassword) == std::string::npos);
    return message;
}

std::string write(const test::TempDir& dir, const std::string& name, const std::string& text) {
    return dir.write(name, text);
}

std::string jaas(const std::string& module, const std::string& user) {
    return "org.apache.kafka.common.security." + module + " required username=\"" + user +
           "\" password=\"" + kPassword + "\";";
}

bool has_note(const CheckOptions& options, const std::string& words) {
    REQUIRE(options.client_config);
    for (const std::string& note : options.client_config->notes) {
        if (note.find(words) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a Java client.properties gives the bootstrap, the protocol and the JAAS credentials") {
    test::TempDir dir;
    const std::string path = write(dir, "client.properties",
                                   "# written as Java users write them\n"
                                   "bootstrap.servers = b1.example.com:9092,\\\n"
                                   "    b2.example.com:9092\n"
                                   "security.protocol:sasl_ssl\n"
                                   "sasl.mechanism=PLAIN\n"
                                   "sasl.jaas.config=" +
                                       jaas("plain.PlainLoginModule", "alice") +
                                       "\n"
                                       "linger.ms=5\n"
                                       "ssl.cipher.suites=TLS_AES_128_GCM_SHA256\n");
    const Command command = parse_ok({"check", "--client-config", path});
    const CheckOptions& options = command.options;
    CHECK(options.bootstrap ==
          std::vector<std::string>{"b1.example.com:9092", "b2.example.com:9092"});
    CHECK(options.security_protocol == "SASL_SSL");
    REQUIRE(options.sasl);
    CHECK(options.sasl->mechanism == "PLAIN");
    CHECK(options.sasl->username == "alice");
    REQUIRE(options.sasl->password);
    CHECK(options.sasl->password->reveal() == kPassword);
    REQUIRE(options.client_config);
    CHECK(options.client_config->format == "Java properties");
    CHECK(options.client_config->keys_used ==
          std::vector<std::string>{"bootstrap.servers", "security.protocol", "sasl.mechanism",
                                   "sasl.jaas.config"});
    // Producer tuning is not about the connection; a cipher list is, and is named.
    CHECK(options.client_config->keys_not_used == std::vector<std::string>{"ssl.cipher.suites"});

    const auto plan = build_plan(options);
    REQUIRE(plan);
    REQUIRE(plan->targets.size() == 2);
    CHECK(plan->targets.at(0).tls);
    CHECK(plan->targets.at(0).origin == "bootstrap");
    CHECK(plan->targets.at(0).component == "kafka");
}

TEST_CASE("the command line wins over the client configuration, which wins over the TOML file") {
    test::TempDir dir;
    const std::string client = write(dir, "client.properties",
                                     "bootstrap.servers=from-client.example.com:9092\n"
                                     "security.protocol=SASL_PLAINTEXT\n"
                                     "sasl.mechanism=SCRAM-SHA-512\n"
                                     "sasl.jaas.config=" +
                                         jaas("scram.ScramLoginModule", "client-user") + "\n");
    const std::string toml = write(dir, "vpcprobe.toml",
                                   "bootstrap = \"from-toml.example.com:9092\"\n"
                                   "timeout = \"7s\"\n"
                                   "client_config = \"client.properties\"\n"
                                   "[sasl]\nmechanism = \"PLAIN\"\nusername = \"toml-user\"\n"
                                   "password_env = \"SOME_VARIABLE\"\n");

    const Command from_files = parse_ok({"check", "-c", toml});
    CHECK(from_files.options.bootstrap == std::vector<std::string>{"from-client.example.com:9092"});
    CHECK(from_files.options.probe.timeout == std::chrono::seconds(7));  // TOML still applies
    REQUIRE(from_files.options.sasl);
    CHECK(from_files.options.sasl->mechanism == "SCRAM-SHA-512");
    CHECK(from_files.options.sasl->username == "client-user");
    CHECK_FALSE(from_files.options.sasl->password_env);  // the client's password replaces it
    auto plan = build_plan(from_files.options);
    REQUIRE(plan);
    CHECK_FALSE(plan->targets.at(0).tls);  // SASL_PLAINTEXT

    test::TempDir secrets;
    const std::string password_file = write(secrets, "kafka.pw", "from-the-command-line\n");
    const Command with_flags =
        parse_ok({"check", "-c", toml, "--bootstrap", "SSL://from-flag.example.com:9093",
                  "--sasl-mechanism", "scram-sha-256", "--sasl-password-file", password_file});
    CHECK(with_flags.options.bootstrap ==
          std::vector<std::string>{"SSL://from-flag.example.com:9093"});
    CHECK(with_flags.options.sasl->mechanism == "SCRAM-SHA-256");
    CHECK(with_flags.options.sasl->password_file == password_file);
    CHECK_FALSE(with_flags.options.sasl->password);
    plan = build_plan(with_flags.options);
    REQUIRE(plan);
    CHECK(plan->targets.at(0).tls);  // an explicit scheme is not the client's to change
}

TEST_CASE("what a client would do that vpcprobe cannot is said, not silently changed") {
    test::TempDir dir;
    SECTION("SASL settings under a protocol without SASL are not used") {
        const std::string path = write(dir, "c.properties",
                                       "bootstrap.servers=b:9093\nsecurity.protocol=SSL\n"
                                       "sasl.mechanism=PLAIN\nsasl.jaas.config=" +
                                           jaas("plain.PlainLoginModule", "u") + "\n");
        const Command command = parse_ok({"check", "--client-config", path});
        CHECK_FALSE(command.options.sasl);
        CHECK(has_note(command.options, "does not authenticate"));
    }
    SECTION("no sasl.mechanism means the client's default, GSSAPI") {
        const std::string path = write(dir, "c.properties",
                                       "bootstrap.servers=b:9093\nsecurity.protocol=SASL_SSL\n"
                                       "sasl.jaas.config=" +
                                           jaas("plain.PlainLoginModule", "u") + "\n");
        const Command command = parse_ok({"check", "--client-config", path});
        REQUIRE(command.options.sasl);
        CHECK(command.options.sasl->mechanism == "GSSAPI");
        CHECK(has_note(command.options, "default is GSSAPI"));
        CHECK(has_note(command.options, "PlainLoginModule"));
        CHECK(has_note(command.options, "not one vpcprobe speaks"));
    }
    SECTION("a login module vpcprobe does not speak is named with its mechanism") {
        const std::string path = write(
            dir, "c.properties",
            "bootstrap.servers=b:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
            "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
            "OAuthBearerLoginModule required clientId=\"c\" clientSecret=\"s\";\n");
        const Command command = parse_ok({"check", "--client-config", path});
        REQUIRE(command.options.sasl);
        CHECK(command.options.sasl->mechanism == "OAUTHBEARER");
        CHECK_FALSE(command.options.sasl->password);
        CHECK(has_note(command.options,
                       "OAUTHBEARER (sasl.jaas.config: OAuthBearerLoginModule) is "
                       "not one vpcprobe speaks"));
    }
    SECTION("no security.protocol means PLAINTEXT, as for the client") {
        const std::string path = write(dir, "c.properties", "bootstrap.servers=b:9093\n");
        const Command command = parse_ok({"check", "--client-config", path});
        const auto plan = build_plan(command.options);
        REQUIRE(plan);
        CHECK_FALSE(plan->targets.at(0).tls);
    }
    SECTION("an empty endpoint identification algorithm turns hostname checks into warnings") {
        const std::string path =
            write(dir, "c.properties",
                  "bootstrap.servers=b:9093\nsecurity.protocol=SSL\n"
                  "ssl.endpoint.identification.algorithm=\n"
                  "client.dns.lookup=resolve_canonical_bootstrap_servers_only\n");
        const Command command = parse_ok({"check", "--client-config", path});
        CHECK_FALSE(command.options.probe.tls.verify_hostname);
        CHECK(command.options.probe.dns_lookup ==
              DnsLookup::resolve_canonical_bootstrap_servers_only);
        CHECK(has_note(command.options, "does not verify hostnames"));
        CHECK(has_note(command.options, "canonical names"));
    }
    SECTION("a near miss of a key is named with the key it resembles") {
        const std::string path = write(dir, "c.properties",
                                       "bootstrap.servers=b:9093\n"
                                       "ssl.truststore.locaton=/etc/kafka/trust.jks\n");
        const Command command = parse_ok({"check", "--client-config", path});
        CHECK(has_note(command.options, "ssl.truststore.location"));
        CHECK(command.options.client_config->keys_not_used ==
              std::vector<std::string>{"ssl.truststore.locaton"});
    }
}

TEST_CASE("a librdkafka file gives credentials and a PEM trust store that replaces the system's") {
    test::TempDir dir;
    const std::string ca = write(dir, "ca.pem", test::pem_certificate());
    const std::string path = write(dir, "kcat.conf",
                                   "metadata.broker.list=b1:9093\n"
                                   "security.protocol=SASL_SSL\n"
                                   "sasl.mechanisms=SCRAM-SHA-256\n"
                                   "sasl.username=bob\n"
                                   "sasl.password=" +
                                       std::string(kPassword) +
                                       "\n"
                                       "ssl.ca.location=" +
                                       ca +
                                       "\n"
                                       "ssl.endpoint.identification.algorithm=none\n"
                                       "enable.ssl.certificate.verification=false\n");
    const Command command = parse_ok({"check", "--client-config", path});
    const CheckOptions& options = command.options;
    CHECK(options.client_config->format == "librdkafka");
    CHECK(options.bootstrap == std::vector<std::string>{"b1:9093"});
    REQUIRE(options.sasl);
    CHECK(options.sasl->username == "bob");
    CHECK(options.sasl->password->reveal() == kPassword);
    REQUIRE(options.probe.tls.trust_store);
    CHECK(options.probe.tls.trust_store->path == ca);
    CHECK(options.probe.tls.trust_store->format == StoreFormat::pem);
    CHECK(options.probe.tls.trust_store->named_by.find("ssl.ca.location") != std::string::npos);
    CHECK_FALSE(options.probe.tls.verify_hostname);
    CHECK_FALSE(options.probe.tls.verify_certificate);
    CHECK(has_note(options, "does not verify certificates"));
}

TEST_CASE("a cluster link's inline key store lands as PEM text with its key password") {
    // As Java users write PEM in a properties value: the line breaks as "\n" escapes.
    const std::string chain = R"(-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----)";
    const std::string key =
        R"(-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----)";
    test::TempDir dir;
    const std::string path =
        write(dir, "inline.properties",
              "bootstrap.servers=b:9093\nsecurity.protocol=SSL\n"
              "ssl.keystore.type=PEM\nssl.keystore.certificate.chain=" +
                  chain + "\nssl.keystore.key=" + key + "\nssl.key.password=" + kPassword + "\n");
    Settings settings;
    REQUIRE(client_settings::apply_client_config_file(path, settings, FileChecks{}));
    REQUIRE(settings.options.tls.identities.size() == 1);
    const IdentityKeys& identity = settings.options.tls.identities.front();
    REQUIRE(identity.certificate.inline_pem);
    CHECK(identity.certificate.inline_pem->reveal() ==
          "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    REQUIRE(identity.inline_key);
    CHECK(identity.inline_key->reveal().find("ENCRYPTED PRIVATE KEY") != std::string::npos);
    CHECK(identity.key_password->reveal() == kPassword);
    CHECK(identity.key_named_by.find("inline.properties:5: ssl.keystore.key") != std::string::npos);
}

TEST_CASE("a cluster link's JSON configs are a client configuration") {
    test::TempDir dir;
    const std::string path = write(dir, "link.json",
                                   R"({"source_cluster_id": "lkc-abc12", "configs": [
                   {"name": "bootstrap.servers", "value": "pkc-1.example.com:9092"},
                   {"name": "security.protocol", "value": "SASL_SSL"},
                   {"name": "sasl.mechanism", "value": "PLAIN"},
                   {"name": "sasl.jaas.config", "value": "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"KEY\" password=\"pa$$-w0rd-never-shown\";"}]})");
    const Command command = parse_ok({"check", "--client-config", path});
    CHECK(command.options.client_config->format == "cluster link JSON");
    CHECK(command.options.bootstrap == std::vector<std::string>{"pkc-1.example.com:9092"});
    CHECK(command.options.sasl->username == "KEY");
}

TEST_CASE("the client's stores and certificate land in the TLS settings") {
    test::TempDir dir;
    const std::string store = write(dir, "trust.jks", "not read by these settings tests");
    const std::string keystore = write(dir, "client.p12", "not read either");
    const std::string path =
        write(dir, "c.properties",
              "bootstrap.servers=b:9093\nsecurity.protocol=SSL\n"
              "ssl.truststore.location=" +
                  store + "\nssl.truststore.password=" + kPassword + "\nssl.keystore.location=" +
                  keystore + "\nssl.keystore.type=pkcs12\nssl.keystore.password=" + kPassword +
                  "\nssl.key.password=" + kPassword + "\n");
    // Without the TLS layer's check, only where everything lands is seen here; loading the stores
    // is tested in tests/probes/tls and end to end in tests/integration.
    Settings settings;
    REQUIRE(client_settings::apply_client_config_file(path, settings, FileChecks{}));
    CHECK(settings.options.tls.trust.location == store);
    CHECK(settings.options.tls.trust.password->reveal() == kPassword);
    REQUIRE(settings.options.tls.identities.size() == 1);
    const IdentityKeys& identity = settings.options.tls.identities.front();
    CHECK(identity.source == Source::client_config);
    CHECK(identity.certificate.location == keystore);
    CHECK(identity.certificate.type == "PKCS12");
    CHECK(identity.key_password_named_by.find("ssl.key.password") != std::string::npos);
}

TEST_CASE("bad client configurations are usage errors naming the file, line and key") {
    test::TempDir dir;
    const auto error_of = [&](const std::string& content) {
        const std::string path = write(dir, "bad.properties", content);
        return parse_error({"check", "--client-config", path});
    };
    std::string message = error_of("bootstrap.servers=b:9093\nsecurity.protocol=TLS\n");
    CHECK(message.find("bad.properties:2") != std::string::npos);
    CHECK(message.find("security.protocol") != std::string::npos);
    CHECK(message.find("PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL") != std::string::npos);

    message = error_of(
        "bootstrap.servers=b:9093\nsecurity.protocol=SASL_SSL\n"
        "sasl.mechanism=PLAIN\nsasl.jaas.config=" +
        jaas("plain.PlainLoginModule", "u").substr(0, 70) + " password=\"" + kPassword + "\"\n");
    CHECK(message.find("bad.properties:4") != std::string::npos);
    CHECK(message.find("sasl.jaas.config") != std::string::npos);

    message = error_of("bootstrap.servers=b:9093\nsasl.mechanism=KERBEROS5\n");
    CHECK(message.find("sasl.mechanism") != std::string::npos);

    message = error_of("bootstrap.servers=b:9093\nssl.truststore.location=" + dir.file("none.jks") +
                       "\n");
    CHECK(message.find("ssl.truststore.location") != std::string::npos);

    message = error_of(
        "bootstrap.servers=b:9093\nssl.truststore.type=PEM\n"
        "ssl.truststore.certificates=" +
        std::string("-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----") +
        "\nssl.truststore.password=" + kPassword + "\n");
    CHECK(message.find("PEM trust store has no password") != std::string::npos);

    message = error_of("bootstrap.servers=b:9093\nclient.dns.lookup=first_ip\n");
    CHECK(message.find("client.dns.lookup") != std::string::npos);

    message =
        error_of("bootstrap.servers=b:9093\nssl.truststore.password=${vault:secret/kafka:pw}\n");
    CHECK(message.find("ssl.truststore.password") != std::string::npos);
}

TEST_CASE(
    "--client-cert replaces the client configuration's key store; a key password file joins "
    "the TOML file's certificate") {
    test::TempDir dir;
    test::TempDir pki_dir;
    const test::TestPki pki(pki_dir.path(), {"localhost"});
    const auto& good = pki.credentials(test::LeafVariant::good);
    const std::string store = write(dir, "client.p12", "a key store");
    const std::string client = write(
        dir, "c.properties",
        "bootstrap.servers=b:9093\nssl.keystore.location=" + store + "\nssl.keystore.password=x\n");
    const std::string key_password = write(dir, "key.pw", "the key's password\n");
    const Command command = parse_ok({"check", "--client-config", client, "--client-cert",
                                      good.chain_file, "--client-key", good.key_file});
    REQUIRE(command.options.probe.tls.identity);
    CHECK(command.options.probe.tls.identity->certificate.path == good.chain_file);
    CHECK(command.options.probe.tls.identity->certificate.format == StoreFormat::pem);
    REQUIRE(command.options.probe.tls.identity->key);
    CHECK(command.options.probe.tls.identity->key->path == good.key_file);

    const std::string toml = write(dir, "v.toml",
                                   "bootstrap = \"b:9093\"\nclient_cert = \"" + good.chain_file +
                                       "\"\nclient_key = \"" + good.key_file + "\"\n");
    const Command joined =
        parse_ok({"check", "-c", toml, "--client-key-password-file", key_password});
    REQUIRE(joined.options.probe.tls.identity);
    CHECK(joined.options.probe.tls.identity->certificate.path == good.chain_file);
    REQUIRE(joined.options.probe.tls.identity->key_password);
    CHECK(joined.options.probe.tls.identity->key_password->reveal() == "the key's password");
}
