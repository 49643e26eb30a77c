// SPDX-License-Identifier: Apache-2.0
// parse_jaas: sasl.jaas.config values as Kafka reads them. The cases' expected results were
// checked against java.io.StreamTokenizer set up as Kafka's JaasConfig does (JaasDump.java); the
// last test checks that again with the java found on PATH, when there is one.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "agent/settings/client_config/jaas.h"
#include "tests/agent/settings/client_config/java_dump.h"
#include "tests/support/process.h"

namespace {

using vpcprobe::JaasEntry;
using vpcprobe::parse_jaas;

constexpr const char* kPlain = "org.apache.kafka.common.security.plain.PlainLoginModule";
constexpr const char* kScram = "org.apache.kafka.common.security.scram.ScramLoginModule";

struct JaasCase {
    const char* name;
    std::string text;
    std::string module;
    std::string flag;
    std::vector<std::pair<std::string, std::string>> options;
    const char* error = nullptr;  // the Error's message, when the text does not parse
};

const std::vector<JaasCase>& jaas_cases() {
    static const std::vector<JaasCase> cases = {
        {"PLAIN",
         std::string(kPlain) + " required username=\"alice\" password=\"s3cr\\\"et\";",
         kPlain,
         "required",
         {{"username", "alice"}, {"password", "s3cr\"et"}}},
        {"SCRAM over lines, flag in any case",
         std::string(kScram) + "\n  REQUIRED\n  username=\"bob\"\n  password=\"pw\";\n",
         kScram,
         "required",
         {{"username", "bob"}, {"password", "pw"}}},
        {"';', '=', '/' and blanks inside quotes",
         std::string(kPlain) + " required username='a;b=c' password=\"x /* y */ z;\";",
         kPlain,
         "required",
         {{"username", "a;b=c"}, {"password", "x /* y */ z;"}}},
        {"escapes in quotes",
         std::string(kPlain) + " optional a=\"t\\tn\\nq\\'b\\\\o\\101\\60z\\377\\400\\x\";",
         kPlain,
         "optional",
         {{"a",
           "t\tn\nq'b\\oA0z\xC3\xBF"
           "\x20"
           "0x"}}},
        {"bare words and quoted names",
         "com.example.Module sufficient useKeyTab=true \"odd name\"=x-y.z$1 storeKey=false;",
         "com.example.Module",
         "sufficient",
         {{"useKeyTab", "true"}, {"odd name", "x-y.z$1"}, {"storeKey", "false"}}},
        {"no blank needed around '=' and ';'", "M requisite a=b;", "M", "requisite", {{"a", "b"}}},
        {"comments",
         "M /* c */ required // line\n a=b / single\n c='d' ;",
         "M",
         "required",
         {{"a", "b"}, {"c", "d"}}},
        {"a line break ends a quoted string; the next line is new tokens",
         "M required a=\"x\ny\" b=\"z\n;",
         "",
         "",
         {},
         "position 18: expected '=' after the option name that starts at position 17"},
        {"a line break ends a quoted string, which may then be complete",
         "M required a=\"x\n;",
         "M",
         "required",
         {{"a", "x"}}},
        {"no options", "M required;", "M", "required", {}},
        {"a repeated option is kept twice",
         "M required a=1 a=2;",
         "M",
         "required",
         {{"a", "1"}, {"a", "2"}}},
        {"missing ';'",
         std::string(kPlain) + " required username=\"alice\" password=\"secret\"",
         "",
         "",
         {},
         "position 100: expected ';' to close the login module entry"},
        {"bad control flag",
         "M mandatory a=b;",
         "",
         "",
         {},
         "position 3: expected the control flag (required, requisite, sufficient or optional)"},
        {"no control flag",
         "M",
         "",
         "",
         {},
         "position 2: expected the control flag (required, requisite, sufficient or optional)"},
        {"two login modules",
         "A required a=b; B required;",
         "",
         "",
         {},
         "position 17: a second login module; the client takes exactly one (it has 2)"},
        {"an option without a value",
         "M required a= ;",
         "",
         "",
         {},
         "position 15: expected the option's value (a word or a quoted string)"},
        {"an option without '='",
         "M required password secret;",
         "",
         "",
         {},
         "position 21: expected '=' after the option name that starts at position 12"},
        {"an unclosed quote",
         "M required password=\"secret;",
         "",
         "",
         {},
         "position 21: the quoted string that starts here is not closed before the end"},
        {"an unclosed comment",
         "M required a=b /* ;",
         "",
         "",
         {},
         "position 16: the /* comment that starts here is not closed before the end"},
        {"empty",
         "  \n ",
         "",
         "",
         {},
         "holds no login module (expected: LoginModuleClass controlFlag options;)"},
        {"starts with ';'",
         "; M required;",
         "",
         "",
         {},
         "position 1: expected a login module class name"},
        {"a value that is '='",
         "M required a==;",
         "",
         "",
         {},
         "position 14: expected the option's value (a word or a quoted string)"},
        {"non-ASCII words and values",
         "M required n\xC3\xA4me=v\xC3\xA4lue \xE2\x82\xAC='\xF0\x9F\x98\x80';",
         "M",
         "required",
         {{"n\xC3\xA4me", "v\xC3\xA4lue"}, {"\xE2\x82\xAC", "\xF0\x9F\x98\x80"}}},
    };
    return cases;
}

}  // namespace

TEST_CASE("JAAS: entries as Kafka reads them") {
    for (const JaasCase& c : jaas_cases()) {
        INFO(c.name);
        const auto parsed = parse_jaas(c.text);
        if (c.error) {
            REQUIRE_FALSE(parsed.ok());
            CHECK(parsed.error().message() == c.error);
            continue;
        }
        REQUIRE(parsed.ok());
        CHECK(parsed->login_module == c.module);
        CHECK(parsed->control_flag == c.flag);
        REQUIRE(parsed->options.size() == c.options.size());
        for (std::size_t i = 0; i < c.options.size(); ++i) {
            CHECK(parsed->options[i].name == c.options[i].first);
            CHECK(parsed->options[i].value == c.options[i].second);
        }
    }
}

TEST_CASE("JAAS: no error holds the password or text near it") {
    const std::string password = "Pa55-w0rd";
    const std::vector<std::string> texts = {
        std::string(kPlain) + " required username=\"alice\" password=\"" + password + "\"",
        std::string(kPlain) + " required username=\"alice\" password=" + password + " x",
        std::string(kPlain) + " required username=\"alice\" password \"" + password + "\";",
        std::string(kPlain) + " required username=\"alice\" password=\"" + password,
        std::string(kPlain) + " " + password + " username=\"alice\";",
        std::string(kPlain) + " required password=\"" + password + "\"; " + password + " required;",
        std::string(kPlain) + " required password=\"" + password + "\\0\";",
    };
    for (const std::string& text : texts) {
        INFO(text);
        const auto parsed = parse_jaas(text);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message().find("Pa55") == std::string::npos);
        CHECK(parsed.error().message().find("alice") == std::string::npos);
        CHECK(parsed.error().message().find("password") == std::string::npos);
    }
}

TEST_CASE("JAAS: the module kind by the class's simple name") {
    using vpcprobe::jaas_module_kind;
    using vpcprobe::JaasModuleKind;
    CHECK(jaas_module_kind(kPlain) == JaasModuleKind::plain);
    CHECK(jaas_module_kind(kScram) == JaasModuleKind::scram);
    CHECK(jaas_module_kind("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule") ==
          JaasModuleKind::oauthbearer);
    CHECK(jaas_module_kind("com.sun.security.auth.module.Krb5LoginModule") ==
          JaasModuleKind::kerberos);
    CHECK(jaas_module_kind("com.ibm.security.auth.module.Krb5LoginModule") ==
          JaasModuleKind::kerberos);
    CHECK(jaas_module_kind("software.amazon.msk.auth.iam.IAMLoginModule") ==
          JaasModuleKind::aws_iam);
    CHECK(jaas_module_kind("shaded.org.apache.kafka.common.security.plain.PlainLoginModule") ==
          JaasModuleKind::plain);
    CHECK(jaas_module_kind("PlainLoginModule") == JaasModuleKind::plain);
    CHECK(jaas_module_kind("io.confluent.kafka.clients.plugins.auth.token.TokenUserLoginModule") ==
          JaasModuleKind::other);
    CHECK(jaas_module_kind("plainloginmodule") == JaasModuleKind::other);
    CHECK(jaas_module_kind("") == JaasModuleKind::other);
}

TEST_CASE("JAAS: the same as StreamTokenizer set up as Kafka does, on this machine's java") {
    if (!vpcprobe::test::java_on_path()) {
        WARN("SKIPPED: no java on PATH; the recorded expectations above still apply");
        return;
    }
    vpcprobe::test::TempDir dir;
    std::vector<std::string> argv = {
        "java", VPCPROBE_SOURCE_DIR "/tests/agent/settings/client_config/JaasDump.java"};
    std::string ours;
    for (std::size_t i = 0; i < jaas_cases().size(); ++i) {
        const std::string file = dir.file("case" + std::to_string(i) + ".jaas");
        std::ofstream(file, std::ios::binary) << jaas_cases()[i].text;
        argv.push_back(file);
        ours += "== " + file + "\n";
        const auto parsed = parse_jaas(jaas_cases()[i].text);
        if (!parsed) {
            ours += "ERROR\n";
            continue;
        }
        using vpcprobe::test::java_escaped;
        ours += java_escaped(parsed->login_module) + "\t" + parsed->control_flag + "\n";
        for (const auto& option : parsed->options) {
            ours += java_escaped(option.name) + "\t" + java_escaped(option.value) + "\n";
        }
    }
    const auto java = vpcprobe::test::run_command(argv, std::chrono::seconds(120));
    INFO(java.err);
    REQUIRE(java.exit_code == 0);
    CHECK(java.out == ours);
}
