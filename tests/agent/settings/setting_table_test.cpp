// SPDX-License-Identifier: Apache-2.0
// The setting table is the one definition of every setting: every flag of the probing commands
// has a config key, the flag and the key give the same settings, the config reader knows every
// key, and the documentation names every key and flag.
#include "agent/settings/setting_table.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>

#include "agent/file_checks.h"
#include "agent/settings/cli.h"
#include "agent/settings/config.h"
#include "tests/support/command_line.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace vpcprobe;

namespace {

using vpcprobe::test::read_file;

// One setting given once as flags and once as a config file, with what both need to exist.
struct Sample {
    std::vector<std::string> flags;
    std::string toml;
    bool gives_something_to_check = false;
};

// A sample for every setting that has both a flag and a key. {DIR} is a scratch folder with
// ca.pem, rules.json and secret.pw in it.
const std::map<std::string, Sample>& samples() {
    static const std::map<std::string, Sample> table = {
        {"targets",
         {{"sr.example.com:8081=schema-registry"},
          "targets = [\"sr.example.com:8081=schema-registry\"]",
          true}},
        {"instance", {{"--instance", "abcdef1234"}, "instance = \"abcdef1234\"", true}},
        {"access", {{"--access", "all"}, "access = \"all\""}},
        {"bootstrap",
         {{"--bootstrap", "b1:9092", "--bootstrap", "SASL_SSL://b2:9093"},
          "bootstrap = [\"b1:9092\", \"SASL_SSL://b2:9093\"]",
          true}},
        {"dns_servers",
         {{"--dns-server", "10.0.0.2", "--dns-server", "[::1]:5353"},
          "dns_servers = [\"10.0.0.2\", \"[::1]:5353\"]"}},
        {"ca_files", {{"--ca-file", "{DIR}/ca.pem"}, "ca_files = [\"{DIR}/ca.pem\"]"}},
        {"hosts_file", {{"--hosts-file", "{DIR}/hosts"}, "hosts_file = \"{DIR}/hosts\""}},
        {"timeout", {{"--timeout", "1250ms"}, "timeout = \"1250ms\""}},
        {"deadline", {{"--deadline", "2m"}, "deadline = 120"}},
        {"bind", {{"--bind", "::1"}, "bind = \"::1\""}},
        {"rules", {{"--rules", "{DIR}/rules.json"}, "rules = \"{DIR}/rules.json\""}},
        {"public_source",
         {{"--public-source", "198.51.100.7"}, "public_source = \"198.51.100.7\""}},
        {"warn_days", {{"--warn-days", "7"}, "warn_days = 7"}},
        {"format", {{"--format", "junit"}, "format = \"junit\""}},
        {"output", {{"-o", "{DIR}/report.xml"}, "output = \"{DIR}/report.xml\""}},
        {"agent.name", {{"--agent-name", "app-subnet-a"}, "[agent]\nname = \"app-subnet-a\""}},
        {"concurrency", {{"--concurrency", "9"}, "concurrency = 9"}},
        {"max_addresses", {{"--max-addresses", "3"}, "max_addresses = 3"}},
        {"no_color", {{"--no-color"}, "no_color = true"}},
        {"tcp_only", {{"--tcp-only"}, "tcp_only = true"}},
        {"trace", {{"--trace", "always"}, "trace = \"always\""}},
        {"trace_max_hops", {{"--trace-max-hops", "12"}, "trace_max_hops = 12"}},
        {"sasl.mechanism",
         {{"--sasl-mechanism", "scram-sha-512"}, "[sasl]\nmechanism = \"scram-sha-512\""}},
        {"sasl.password_file",
         {{"--sasl-mechanism", "PLAIN", "--sasl-password-file", "{DIR}/secret.pw"},
          "[sasl]\nmechanism = \"PLAIN\"\npassword_file = \"{DIR}/secret.pw\""}},
        {"follow_advertised", {{"--no-advertised"}, "follow_advertised = false"}},
        {"protocol_checks", {{"--no-protocol"}, "protocol_checks = false"}},
        {"interval", {{"--interval", "90s"}, "interval = \"90s\""}},
        {"listen", {{"--listen", "[::1]:9100"}, "listen = \"[::1]:9100\""}},
        {"state_dir", {{"--state-dir", "{DIR}/state"}, "state_dir = \"{DIR}/state\""}},
        {"keep", {{"--keep", "12"}, "keep = 12"}},
        {"web_config_file",
         {{"--web.config.file", "{DIR}/web.yml"}, "web_config_file = \"{DIR}/web.yml\""}},
        {"client_config",
         {{"--client-config", "{DIR}/client.properties"},
          "client_config = \"{DIR}/client.properties\"",
          true}},
        {"client_cert",
         {{"--client-cert", "{DIR}/client.pem", "--client-key", "{DIR}/client.key"},
          "client_cert = \"{DIR}/client.pem\"\nclient_key = \"{DIR}/client.key\""}},
        {"client_key",
         {{"--client-key", "{DIR}/client.key", "--client-cert", "{DIR}/client.pem"},
          "client_key = \"{DIR}/client.key\"\nclient_cert = \"{DIR}/client.pem\""}},
        {"client_key_password_file",
         {{"--client-cert", "{DIR}/client.pem", "--client-key", "{DIR}/client.key",
           "--client-key-password-file", "{DIR}/key.pw"},
          "client_cert = \"{DIR}/client.pem\"\nclient_key = \"{DIR}/client.key\"\n"
          "client_key_password_file = \"{DIR}/key.pw\""}},
    };
    return table;
}

// Settings whose flag and key exist to be refused or to name the file itself.
bool refused_or_the_file(const SettingDef& def) {
    return def.key == "sasl.password" || def.key == "config";
}

std::string with_dir(std::string text, const std::string& dir) {
    for (std::size_t at = text.find("{DIR}"); at != std::string::npos; at = text.find("{DIR}")) {
        text.replace(at, 5, dir);
    }
    return text;
}

Settings parsed(std::vector<std::string> args) {
    auto command = test::parse_arguments(args);
    INFO("arguments: " << Catch::Detail::stringify(args));
    if (!command) FAIL("refused: " << command.error().message());
    Settings settings = *command;
    // What differs by source on purpose: the file's own name, and where a target came from.
    settings.options.config_file.reset();
    for (TargetSpec& target : settings.options.targets) target.origin.clear();
    // And how the TLS settings name their source in messages ("--client-cert" or "FILE:2:1:
    // client_cert"); where they land (probe.tls) must be the same.
    settings.options.tls.identities.clear();
    if (auto& identity = settings.options.probe.tls.identity) {
        identity->certificate.named_by.clear();
        if (identity->key) identity->key->named_by.clear();
        identity->key_password_named_by.clear();
    }
    return settings;
}

struct NoColorUnset {
    NoColorUnset() { ::unsetenv("NO_COLOR"); }
};

}  // namespace

TEST_CASE("every flag of check, endpoints and serve has a config key") {
    for (const SettingDef& def : setting_table()) {
        if ((def.commands & kProbing) == 0 || def.flags.empty()) continue;
        CAPTURE(def.flags);
        CHECK_FALSE(def.key.empty());
    }
    // The arguments of one command that no config file sets, by name: a new one is a choice.
    std::vector<std::string> arguments;
    for (const SettingDef& def : setting_table()) {
        if (def.key.empty() && !def.flags.empty()) {
            arguments.push_back(std::string(long_flag(def)));
        }
    }
    CHECK(arguments == std::vector<std::string>{"--format", "--limit", "--rules", "--from", "--to",
                                                "REPORT", "--format", "--output", "--rules"});
}

TEST_CASE("a flag and its config key give the same settings") {
    NoColorUnset no_color;
    test::TempDir dir;
    std::ofstream(dir.file("ca.pem")) << test::pem_certificate();
    std::ofstream(dir.file("rules.json")) << "{}";
    std::ofstream(dir.file("secret.pw")) << "pw\n";
    ::chmod(dir.file("secret.pw").c_str(), 0600);
    std::ofstream(dir.file("client.properties")) << "bootstrap.servers=client.example.com:9093\n"
                                                    "security.protocol=SSL\n";
    test::TempDir pki_dir;
    const test::TestPki pki(pki_dir.path(), {"localhost"});
    const test::ServerCredentials& client = pki.credentials(test::LeafVariant::good);
    std::ofstream(dir.file("client.pem")) << read_file(client.chain_file);
    std::ofstream(dir.file("client.key")) << read_file(client.key_file);
    std::ofstream(dir.file("key.pw")) << "unused for a key in the clear\n";
    const std::string base_target = "base.example.com:9092";

    std::size_t compared = 0;
    for (const SettingDef& def : setting_table()) {
        if (def.flags.empty() || def.key.empty() || refused_or_the_file(def)) continue;
        CAPTURE(def.key);
        const auto sample = samples().find(std::string(def.key));
        REQUIRE(sample != samples().end());  // a new setting needs a sample here
        const Sample& given = sample->second;

        std::vector<std::string> by_flag = {"serve"};
        std::vector<std::string> by_file = {"serve"};
        for (const std::string& flag : given.flags) by_flag.push_back(with_dir(flag, dir.path()));
        const std::string config = dir.file("vpcprobe.toml");
        std::ofstream(config, std::ios::trunc) << with_dir(given.toml, dir.path()) << "\n";
        by_file.insert(by_file.end(), {"-c", config});
        if (!given.gives_something_to_check) {
            by_flag.push_back(base_target);
            by_file.push_back(base_target);
        }
        const Settings from_flag = parsed(by_flag);
        const Settings from_file = parsed(by_file);
        CHECK(from_flag == from_file);
        // And the sample changed something: the setting really lands somewhere.
        CHECK_FALSE(from_flag == parsed({"serve", base_target}));
        ++compared;
    }
    CHECK(compared == samples().size());
}

TEST_CASE("the config reader knows every key of the table") {
    test::TempDir dir;
    for (const SettingDef& def : setting_table()) {
        if (def.key.empty() || def.key == "config") continue;
        CAPTURE(def.key);
        // A date is a type no setting takes: the complaint must be about the value, never an
        // unknown key.
        const std::size_t dot = def.key.find('.');
        // fmt rather than "literal" + temporary: GCC 12 at -O3 warns falsely on the latter
        // (-Wrestrict, GCC bug 105651).
        const std::string toml = dot == std::string_view::npos
                                     ? fmt::format("{} = 1979-05-27\n", def.key)
                                     : fmt::format("[{}]\n{} = 1979-05-27\n",
                                                   def.key.substr(0, dot), def.key.substr(dot + 1));
        const std::string path = dir.file("keys.toml");
        std::ofstream(path, std::ios::trunc) << toml;
        const auto loaded = load_config(path, probe_file_checks());
        REQUIRE_FALSE(loaded.ok());
        const std::string& message = loaded.error().message();
        CHECK(message.find("unknown key") == std::string::npos);
        CHECK(message.find(std::string(def.key)) != std::string::npos);
    }
}

TEST_CASE("--help lists every flag a command takes, and no hidden one") {
    const std::pair<const char*, CommandSet> commands[] = {
        {"check", kCheck},     {"endpoints", kEndpoints}, {"serve", kServe},
        {"history", kHistory}, {"explain", kExplain},     {"merge", kMerge}};
    for (const auto& [command, set] : commands) {
        CAPTURE(command);
        const char* argv[] = {"vpcprobe", command, "--help"};
        const auto help = parse_command_line(3, argv, probe_file_checks());
        REQUIRE(help.ok());
        for (const SettingDef& def : setting_table()) {
            if (def.flags.empty() || def.hidden || (def.commands & set) == 0) continue;
            CAPTURE(def.flags);
            CHECK(help->text.find(std::string(long_flag(def))) != std::string::npos);
            CHECK(help->text.find(std::string(def.help.substr(0, 30))) != std::string::npos);
        }
        CHECK(help->text.find("--password") == std::string::npos);
    }
}

TEST_CASE("every client configuration key sets exactly one setting") {
    std::map<std::string, int> seen;
    for (const std::string& key : client_keys()) ++seen[key];
    REQUIRE_FALSE(seen.empty());
    for (const auto& [key, count] : seen) {
        CAPTURE(key);
        CHECK(count == 1);
        REQUIRE(setting_for_client_key(key) != nullptr);
        CHECK(setting_for_client_key(key)->apply != nullptr);
    }
    CHECK(setting_for_client_key("linger.ms") == nullptr);
    CHECK(setting_for_client_key("") == nullptr);
}

TEST_CASE("docs/configuration.md names every client configuration key") {
    const std::string doc = read_file(std::string(VPCPROBE_SOURCE_DIR) + "/docs/configuration.md");
    REQUIRE_FALSE(doc.empty());
    for (const std::string& key : client_keys()) {
        CAPTURE(key);
        CHECK(doc.find(fmt::format("`{}`", key)) != std::string::npos);
    }
}

TEST_CASE("docs/configuration.md names every config key and its flag") {
    const std::string doc = read_file(std::string(VPCPROBE_SOURCE_DIR) + "/docs/configuration.md");
    REQUIRE_FALSE(doc.empty());
    for (const SettingDef& def : setting_table()) {
        if (def.key.empty() || def.key == "config") continue;
        CAPTURE(def.key);
        const std::size_t dot = def.key.find('.');
        const std::string key(dot == std::string_view::npos ? def.key : def.key.substr(dot + 1));
        // [[target]] is an array of tables, and documented as one.
        CHECK((doc.find(fmt::format("`{}`", key)) != std::string::npos ||
               doc.find(fmt::format("`[[{}]]`", key)) != std::string::npos));
        if (!def.flags.empty() && def.arity != Arity::positional && !def.hidden) {
            CHECK(doc.find(fmt::format("`{}", long_flag(def))) != std::string::npos);
        }
    }
}
