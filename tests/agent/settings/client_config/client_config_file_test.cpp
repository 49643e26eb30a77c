// SPDX-License-Identifier: Apache-2.0
// read_client_config / parse_client_config: which format a file is in, its entries and their
// positions, config providers, the read bound, and errors that never hold a value.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "agent/settings/client_config/client_config_file.h"
#include "tests/support/process.h"

namespace {

using vpcprobe::ClientConfigFile;
using vpcprobe::ClientConfigFormat;
using vpcprobe::parse_client_config;
using vpcprobe::read_client_config;

struct Expected {
    std::string key;
    std::string value;
    std::string position;
    std::string provider = "";
};

void check_entries(const ClientConfigFile& file, const std::vector<Expected>& expected) {
    REQUIRE(file.entries.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("entry " << i);
        CHECK(file.entries[i].key == expected[i].key);
        CHECK(file.entries[i].value == expected[i].value);
        CHECK(file.entries[i].position == expected[i].position);
        CHECK(file.entries[i].provider == expected[i].provider);
    }
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// The error of parsing `text`, checked to hold none of `secrets`.
std::string parse_error(const std::string& text, const std::vector<std::string>& secrets = {}) {
    const auto parsed = parse_client_config(text, "client.properties");
    REQUIRE_FALSE(parsed.ok());
    for (const std::string& secret : secrets) {
        CHECK(parsed.error().message().find(secret) == std::string::npos);
    }
    return parsed.error().message();
}

}  // namespace

TEST_CASE("client config: format names") {
    CHECK(vpcprobe::format_name(ClientConfigFormat::java_properties) == "Java properties");
    CHECK(vpcprobe::format_name(ClientConfigFormat::librdkafka) == "librdkafka");
    CHECK(vpcprobe::format_name(ClientConfigFormat::cluster_link_json) == "cluster link JSON");
    CHECK(vpcprobe::format_name(ClientConfigFormat::json_object) == "JSON");
}

TEST_CASE("client config: a Java client.properties") {
    const auto file = parse_client_config(
        "# Confluent Cloud\nbootstrap.servers=pkc-1.aws.confluent.cloud:9092\n"
        "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
        "  username='KEY' password='SECRET';\n",
        "cc.properties");
    REQUIRE(file.ok());
    CHECK(file->path == "cc.properties");
    CHECK(file->format == ClientConfigFormat::java_properties);
    check_entries(*file,
                  {{"bootstrap.servers", "pkc-1.aws.confluent.cloud:9092", "cc.properties:2: "},
                   {"security.protocol", "SASL_SSL", "cc.properties:3: "},
                   {"sasl.mechanism", "PLAIN", "cc.properties:4: "},
                   {"sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required "
                    "username='KEY' password='SECRET';",
                    "cc.properties:5: "}});
}

TEST_CASE("client config: librdkafka only with a librdkafka key and no Java one") {
    const auto librdkafka = parse_client_config(
        "bootstrap.servers=b:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\n"
        "sasl.username=alice\nsasl.password = x\n",
        "kcat.conf");
    REQUIRE(librdkafka.ok());
    CHECK(librdkafka->format == ClientConfigFormat::librdkafka);
    // Read by librdkafka's rules: nothing around '=' is trimmed.
    CHECK(librdkafka->entries.back().key == "sasl.password ");
    CHECK(librdkafka->entries.back().value == " x");
    CHECK(librdkafka->entries.back().position == "kcat.conf:5: ");

    for (const char* java_key :
         {"sasl.jaas.config=x", "ssl.truststore.location=/t.jks", "ssl.keystore.type=PEM",
          "ssl.keystore.key=k", "ssl.keystore.certificate.chain=c"}) {
        INFO(java_key);
        const auto mixed =
            parse_client_config(std::string("ssl.ca.location=/ca.pem\n") + java_key, "f");
        REQUIRE(mixed.ok());
        CHECK(mixed->format == ClientConfigFormat::java_properties);
    }
    for (const char* key :
         {"metadata.broker.list", "sasl.username", "sasl.password", "sasl.mechanisms",
          "ssl.ca.location", "ssl.ca.pem", "ssl.certificate.location", "ssl.certificate.pem",
          "ssl.key.location", "ssl.key.pem", "enable.ssl.certificate.verification"}) {
        INFO(key);
        const auto only = parse_client_config(std::string(key) + "=v\n", "f");
        REQUIRE(only.ok());
        CHECK(only->format == ClientConfigFormat::librdkafka);
    }
    const auto common =
        parse_client_config("bootstrap.servers=b:9092\nssl.keystore.location=k\n", "f");
    REQUIRE(common.ok());
    CHECK(common->format == ClientConfigFormat::java_properties);
}

TEST_CASE("client config: a librdkafka file is read by its own rules") {
    // Java would refuse the "\u" here; librdkafka has no escapes.
    const auto stray = parse_client_config("sasl.username=alice\nsasl.password=a\\u\n", "f");
    REQUIRE(stray.ok());
    CHECK(stray->format == ClientConfigFormat::librdkafka);
    CHECK(stray->entries[1].value == "a\\u");
    // A line Java reads as a key alone is an error for librdkafka.
    CHECK(parse_error("sasl.username=alice\n\nsecret-in-a-line\n", {"secret"}) ==
          "client.properties: line 3: expected property=value");
    // No config providers in librdkafka: the text stays.
    const auto literal = parse_client_config("sasl.username=${env:HOME}\n", "f");
    REQUIRE(literal.ok());
    CHECK(literal->entries[0].value == "${env:HOME}");
    CHECK(literal->entries[0].provider.empty());
}

TEST_CASE("client config: Java syntax errors name the file and line, not the value") {
    CHECK(parse_error("a=1\nssl.key.password=s3cret\\uZZZZ\n", {"s3cret"}) ==
          "client.properties: line 2: ssl.key.password: malformed \\uxxxx escape in the value "
          "(\\u takes four hexadecimal digits)");
    CHECK(parse_error(std::string("a=1\nb=\0\n", 7)) ==
          "client.properties: line 2: holds a NUL byte, which no configuration file has");
}

TEST_CASE("client config: a cluster link's JSON body") {
    const auto file = parse_client_config(
        R"({"source_cluster_id": "lkc-1", "configs": [
             {"name": "bootstrap.servers", "value": "b:9092"},
             {"name": "retries", "value": 3},
             {"name": "big", "value": 18446744073709551615},
             {"name": "ratio", "value": 1.5},
             {"name": "enable", "value": true, "read_only": false},
             {"name": "sasl.jaas.config", "value": null, "sensitive": true},
             {"name": "negative", "value": -2}
           ]})",
        "link.json");
    REQUIRE(file.ok());
    CHECK(file->format == ClientConfigFormat::cluster_link_json);
    check_entries(*file, {{"bootstrap.servers", "b:9092", "link.json: configs[0]: "},
                          {"retries", "3", "link.json: configs[1]: "},
                          {"big", "18446744073709551615", "link.json: configs[2]: "},
                          {"ratio", "1.5", "link.json: configs[3]: "},
                          {"enable", "true", "link.json: configs[4]: "},
                          {"negative", "-2", "link.json: configs[6]: "}});
}

TEST_CASE("client config: a flat JSON object") {
    const auto file = parse_client_config(
        "  \n{\"bootstrap.servers\": \"b:9092\", \"linger.ms\": 5, \"x\": null, \"y\": false}",
        "c.json");
    REQUIRE(file.ok());
    CHECK(file->format == ClientConfigFormat::json_object);
    check_entries(*file, {{"bootstrap.servers", "b:9092", "c.json: "},
                          {"linger.ms", "5", "c.json: "},
                          {"y", "false", "c.json: "}});
    // "configs" that is not an array is an ordinary key.
    const auto odd = parse_client_config(R"({"configs": "x"})", "c.json");
    REQUIRE(odd.ok());
    CHECK(odd->format == ClientConfigFormat::json_object);
}

TEST_CASE("client config: JSON errors give line and column, never values") {
    const auto syntax =
        parse_error("{\n  \"sasl.password\": \"s3cret\",\n  \"b\": }\n", {"s3cret"});
    CHECK(syntax.starts_with("client.properties: line 3, column 8: not valid JSON ("));
    const auto truncated = parse_error("{\"a\": \"s3cret", {"s3cret"});
    CHECK(truncated.starts_with("client.properties: line 1, column 14: not valid JSON ("));
    CHECK(parse_error("{} trailing").starts_with("client.properties: line 1, column 4: "));
    CHECK(parse_error(R"({"ssl.key": {"nested": "s3cret"}})", {"s3cret"}) ==
          "client.properties: ssl.key: the value is not a string, number, true, false or null");
    CHECK(parse_error(R"({"configs": [{"name": "a", "value": "1"}, {"name": "b"}]})") ==
          "client.properties: configs[1]: expected {\"name\": string, \"value\": ...}");
    CHECK(parse_error(R"({"configs": [{"name": "pw", "value": ["s3cret"]}]})", {"s3cret"}) ==
          "client.properties: configs[0]: pw: the value is not a string, number, true, false "
          "or null");
    CHECK(parse_error(R"({"pw": "s3\u0000cret"})", {"s3"}) ==
          "client.properties: pw: the value holds a NUL character");
}

TEST_CASE("client config: ${env:NAME} references") {
    ::setenv("VPCPROBE_TEST_PASSWORD", "s3cret-from-env", 1);
    ::setenv("VPCPROBE_TEST_USER", "alice", 1);
    ::setenv("VPCPROBE_TEST_NESTED", "${env:VPCPROBE_TEST_USER}", 1);
    ::unsetenv("VPCPROBE_TEST_UNSET");
    const auto file = parse_client_config(
        "ssl.truststore.password=${env:VPCPROBE_TEST_PASSWORD}\n"
        "two=pre-${env:VPCPROBE_TEST_USER}-${env::VPCPROBE_TEST_USER}-post\n"
        "not.a.reference=${NOCOLON} and $env:X and {env:Y} and ${\n"
        "no.recursion=${env:VPCPROBE_TEST_NESTED}\n",
        "p");
    REQUIRE(file.ok());
    check_entries(
        *file,
        {{"ssl.truststore.password", "s3cret-from-env", "p:1: ", "${env:VPCPROBE_TEST_PASSWORD}"},
         {"two", "pre-alice-alice-post",
          "p:2: ", "${env:VPCPROBE_TEST_USER} ${env::VPCPROBE_TEST_USER}"},
         {"not.a.reference", "${NOCOLON} and $env:X and {env:Y} and ${", "p:3: "},
         {"no.recursion", "${env:VPCPROBE_TEST_USER}", "p:4: ", "${env:VPCPROBE_TEST_NESTED}"}});
    CHECK(parse_error("a=1\nssl.key.password=x${env:VPCPROBE_TEST_UNSET}\n") ==
          "client.properties:2: ssl.key.password: environment variable 'VPCPROBE_TEST_UNSET' is "
          "not set");
    CHECK(parse_error("a=${env:PATHX:VPCPROBE_TEST_USER}\n", {"alice"}) ==
          "client.properties:1: a: ${env:PATHX:VPCPROBE_TEST_USER}: the env provider takes no "
          "path; write ${env:NAME}");
    // Resolved in JSON too.
    const auto json = parse_client_config(
        R"({"configs": [{"name": "sasl.password", "value": "${env:VPCPROBE_TEST_PASSWORD}"}]})",
        "l.json");
    REQUIRE(json.ok());
    check_entries(*json, {{"sasl.password", "s3cret-from-env",
                           "l.json: configs[0]: ", "${env:VPCPROBE_TEST_PASSWORD}"}});
    CHECK(parse_error(R"({"a": "${env:VPCPROBE_TEST_UNSET}"})") ==
          "client.properties: a: environment variable 'VPCPROBE_TEST_UNSET' is not set");
}

TEST_CASE("client config: ${file:PATH:KEY} references") {
    vpcprobe::test::TempDir dir;
    const std::string secrets = dir.file("secrets.properties");
    write_file(secrets, "password=old\npassword=s3cret-from-file\nother : x\\u0041\n");
    const auto file = parse_client_config(
        "ssl.keystore.password=${file:" + secrets + ":password}\n" +
            "ssl.key.password=${file:" + secrets + ":other}${file:" + secrets + ":password}\n",
        "p");
    REQUIRE(file.ok());
    check_entries(
        *file,
        {{"ssl.keystore.password", "s3cret-from-file", "p:1: ", "${file:" + secrets + ":password}"},
         {"ssl.key.password", "xAs3cret-from-file",
          "p:2: ", "${file:" + secrets + ":other} ${file:" + secrets + ":password}"}});

    const std::vector<std::string> hidden = {"s3cret", "old"};
    CHECK(parse_error("k=${file:" + secrets + ":missing}\n", hidden) ==
          "client.properties:1: k: ${file:" + secrets + ":missing}: no key 'missing' in " +
              secrets);
    CHECK(parse_error("k=${file:" + dir.file("none") + ":password}\n") ==
          "client.properties:1: k: ${file:" + dir.file("none") + ":password}: " + dir.file("none") +
              ": no such file");
    CHECK(parse_error("k=${file:" + secrets + "}\n", hidden) ==
          "client.properties:1: k: ${file:" + secrets +
              "}: the file provider needs a path and a key: ${file:PATH:KEY}");
    const std::string broken = dir.file("broken.properties");
    write_file(broken, "password=s3cret\\u12\n");
    CHECK(parse_error("k=${file:" + broken + ":password}\n", hidden) ==
          "client.properties:1: k: ${file:" + broken + ":password}: " + broken +
              ": line 1: password: malformed \\uxxxx escape in the value (\\u takes four "
              "hexadecimal digits)");
    CHECK(parse_error("k=${file:" + dir.path() + ":password}\n") ==
          "client.properties:1: k: ${file:" + dir.path() + ":password}: " + dir.path() +
              ": is a directory, not a file");
}

TEST_CASE("client config: other providers are refused by name") {
    CHECK(parse_error("a=1\nssl.truststore.password=${vault:secret/kafka:truststore}\n") ==
          "client.properties:2: ssl.truststore.password: config provider 'vault' is not "
          "supported; use ${env:NAME} or ${file:PATH:KEY}");
    CHECK(parse_error("x=${dir:/etc/secrets:pw}\n") ==
          "client.properties:1: x: config provider 'dir' is not supported; use ${env:NAME} or "
          "${file:PATH:KEY}");
}

TEST_CASE("client config: reading is bounded and names the file") {
    vpcprobe::test::TempDir dir;
    const std::string path = dir.file("client.properties");
    write_file(path, "bootstrap.servers=b:9092\n");
    const auto read = read_client_config(path);
    REQUIRE(read.ok());
    CHECK(read->path == path);
    REQUIRE(read->entries.size() == 1);
    CHECK(read->entries[0].position == path + ":1: ");

    const std::string exact = dir.file("exact.properties");
    std::string comments(vpcprobe::kMaxClientConfigBytes, '#');
    comments.replace(0, 4, "a=1\n");
    write_file(exact, comments);
    CHECK(read_client_config(exact).ok());
    write_file(exact, comments + "\n");
    const auto over = read_client_config(exact);
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().message() ==
          exact + ": larger than 1 MiB, which is no client configuration");

    const auto started = std::chrono::steady_clock::now();
    const auto zero = read_client_config("/dev/zero");
    REQUIRE_FALSE(zero.ok());
    CHECK(zero.error().message() ==
          "/dev/zero: larger than 1 MiB, which is no client configuration");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

    const auto directory = read_client_config(dir.path());
    REQUIRE_FALSE(directory.ok());
    CHECK(directory.error().message() == dir.path() + ": is a directory, not a file");
    const auto missing = read_client_config(dir.file("missing.properties"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message() == dir.file("missing.properties") + ": no such file");

    if (!vpcprobe::test::is_root()) {
        ::chmod(path.c_str(), 0);
        const auto unreadable = read_client_config(path);
        REQUIRE_FALSE(unreadable.ok());
        CHECK(unreadable.error().message() == path + ": cannot open it: Permission denied");
    }
}
