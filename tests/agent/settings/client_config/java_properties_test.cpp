// SPDX-License-Identifier: Apache-2.0
// The readers of Java client.properties and librdkafka (kcat -F) files. The Java cases' expected
// keys and values are what java.util.Properties.load (OpenJDK 17) made of the same bytes; the
// last test checks that again against the java found on PATH, when there is one.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/settings/client_config/java_properties.h"
#include "tests/agent/settings/client_config/java_dump.h"
#include "tests/support/process.h"

namespace {

using vpcprobe::PropertyLine;

struct Expected {
    std::string key;
    std::string value;
    int line;
};

struct JavaCase {
    const char* name;
    std::string text;
    std::vector<Expected> entries;  // ignored when `error` is set
    const char* error = nullptr;    // the Error's message, when load fails
};

// Every rule of Properties.load, each case checked against Java itself.
const std::vector<JavaCase>& java_cases() {
    static const std::vector<JavaCase> cases = {
        {"separators",
         "a=1\nb:2\nc 3\nd = 4\ne : 5\nf   6\ng\t=\t7\nh\f:\f8\n",
         {{"a", "1", 1},
          {"b", "2", 2},
          {"c", "3", 3},
          {"d", "4", 4},
          {"e", "5", 5},
          {"f", "6", 6},
          {"g", "7", 7},
          {"h", "8", 8}}},
        {"one separator after blanks, the rest is value",
         "h =  = x\ni==x\nj:=x\nk = value  \nl :: m\n",
         {{"h", "= x", 1}, {"i", "=x", 2}, {"j", "=x", 3}, {"k", "value  ", 4}, {"l", ": m", 5}}},
        {"comments, and a comment's backslash does not continue it",
         "# c\n! c\n  # indented\n\t! too\nx=1\n#not\\\ny=2\n",
         {{"x", "1", 5}, {"y", "2", 7}}},
        {"continuation drops the next line's leading blanks",
         "list=a,\\\n    b,\\\n\t\fc\nnext=1\n",
         {{"list", "a,b,c", 1}, {"next", "1", 4}}},
        {"even trailing backslashes do not continue, odd ones do",
         "p=x\\\\\nq=y\nr=x\\\\\\\n  z\n",
         {{"p", "x\\", 1}, {"q", "y", 2}, {"r", "x\\z", 3}}},
        {"escapes",
         "t=a\\tb\\nc\\rd\\fe\\\\f\\u0041\\u00e9\\u00E9\n",
         {{"t", "a\tb\nc\rd\fe\\fA\xC3\xA9\xC3\xA9", 1}}},
        {"a surrogate pair is one character",
         "emoji=\\uD83D\\uDE00!\n",
         {{"emoji", "\xF0\x9F\x98\x80!", 1}}},
        {"a backslash before another character is dropped",
         "o=\\q\\#\\!\\ x\\=\\:\\\"\n",
         {{"o", "q#! x=:\"", 1}}},
        {"escaped separators and blanks in keys",
         "my\\:key=1\nmy\\=key=2\nmy\\ key=3\nx\\\\=4\n",
         {{"my:key", "1", 1}, {"my=key", "2", 2}, {"my key", "3", 3}, {"x\\", "4", 4}}},
        {"CR, LF and CRLF end lines",
         "a=1\r\nb=2\rc=3\nd=4\\\r\n  5\r\ne=6",
         {{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}, {"d", "45", 4}, {"e", "6", 6}}},
        {"ISO-8859-1 when not UTF-8",
         "name=caf\xE9\nsign=\xA7\n",
         {{"name", "caf\xC3\xA9", 1}, {"sign", "\xC2\xA7", 2}}},
        {"UTF-8 when valid",
         "name=caf\xC3\xA9 \xE2\x82\xAC\n",
         {{"name", "caf\xC3\xA9 \xE2\x82\xAC", 1}}},
        {"empty value and key alone",
         "empty=\nalone\nspaced   \n:\n",
         {{"empty", "", 1}, {"alone", "", 2}, {"spaced", "", 3}, {"", "", 4}}},
        {"'#' after a continuation is text", "a=1\\\n#b\n", {{"a", "1#b", 1}}},
        {"a continuation into a blank line ends the entry; a comment may follow",
         "a=1\\\n\n#c\nb=2",
         {{"a", "1", 1}, {"b", "2", 4}}},
        {"a backslash alone continues into nothing", "\\\n\n#c\nb=2\n", {{"b", "2", 4}}},
        {"a trailing backslash at the end is dropped", "x=1\\", {{"x", "1", 1}}},
        {"a backslash alone at the end is an empty entry", "a=1\n\\", {{"a", "1", 1}, {"", "", 2}}},
        {"leading blanks", "   indented = v\n", {{"indented", "v", 1}}},
        {"line numbers count the lines an entry spans",
         "a=1\n\nb=2\\\n3\nc=4",
         {{"a", "1", 1}, {"b", "23", 3}, {"c", "4", 5}}},
        {"a vertical tab is not a blank", "a\vb=c\n", {{"a\vb", "c", 1}}},
        {"duplicates are all kept, in order", "a=1\na=2\n", {{"a", "1", 1}, {"a", "2", 2}}},
        {"a JAAS value over three lines",
         "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
         "    username=\"alice\" \\\n    password=\"s3cr\\\\\"et\";\n",
         {{"sasl.jaas.config",
           "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
           "password=\"s3cr\\\"et\";",
           1}}},
        {"malformed \\u in a value",
         "ok=1\nbad=\\u12G4secret\n",
         {},
         "line 2: bad: malformed \\uxxxx escape in the value (\\u takes four hexadecimal digits)"},
        {"\\u cut short by the end of the value",
         "x=\\u12",
         {},
         "line 1: x: malformed \\uxxxx escape in the value (\\u takes four hexadecimal digits)"},
        {"malformed \\u in a key",
         "a=1\n\n\\u00zz=1\n",
         {},
         "line 3: malformed \\uxxxx escape in the key (\\u takes four hexadecimal digits)"},
    };
    return cases;
}

std::string describe(const std::vector<PropertyLine>& lines) {
    std::ostringstream out;
    for (const auto& line : lines) {
        out << line.line << ": [" << line.key << "] = [" << line.value << "]\n";
    }
    return out.str();
}

}  // namespace

TEST_CASE("Java properties: every rule of Properties.load") {
    for (const JavaCase& c : java_cases()) {
        INFO(c.name);
        const auto parsed = vpcprobe::parse_java_properties(c.text);
        if (c.error) {
            REQUIRE_FALSE(parsed.ok());
            CHECK(parsed.error().message() == c.error);
            CHECK(parsed.error().message().find("secret") == std::string::npos);
            continue;
        }
        REQUIRE(parsed.ok());
        INFO(describe(*parsed));
        REQUIRE(parsed->size() == c.entries.size());
        for (std::size_t i = 0; i < c.entries.size(); ++i) {
            CHECK((*parsed)[i].key == c.entries[i].key);
            CHECK((*parsed)[i].value == c.entries[i].value);
            CHECK((*parsed)[i].line == c.entries[i].line);
        }
    }
}

TEST_CASE("Java properties: NUL bytes and \\u0000 are refused with their line") {
    const auto nul = vpcprobe::parse_java_properties(std::string("a=1\r\nb=x\0y\n", 11));
    REQUIRE_FALSE(nul.ok());
    CHECK(nul.error().message() == "line 2: holds a NUL byte, which no configuration file has");
    const auto escaped = vpcprobe::parse_java_properties("a=1\npassword=ab\\u0000cd\n");
    REQUIRE_FALSE(escaped.ok());
    CHECK(escaped.error().message() == "line 2: password: \\u0000 (a NUL character) in the value");
}

TEST_CASE("Java properties: a lone \\u surrogate becomes U+FFFD") {
    const auto parsed = vpcprobe::parse_java_properties("a=x\\uD83Dy\nb=\\uDE00\n");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 2);
    CHECK((*parsed)[0].value == "x\xEF\xBF\xBDy");
    CHECK((*parsed)[1].value == "\xEF\xBF\xBD");
}

TEST_CASE("Java properties: empty text and only comments") {
    for (const char* text : {"", "\n\n", "# only\n! comments", "   \t\f\r\n"}) {
        const auto parsed = vpcprobe::parse_java_properties(text);
        REQUIRE(parsed.ok());
        CHECK(parsed->empty());
    }
}

TEST_CASE("librdkafka: kcat -F's rules") {
    const std::string text =
        "# a comment\n"
        "   # an indented comment\n"
        "\n"
        "bootstrap.servers=broker-1:9092,broker-2:9092\n"
        "  sasl.username=alice  \r\n"
        "sasl.password=p=ss\n"
        "a = b\n"
        "empty=\n"
        "java.escaped=x\\:y\\=z\\\\\\:w\n"
        "no.continuation=b\\\n"
        "c=d\n"
        "cr=1\rb=2\n"
        "\tsasl.mechanisms=PLAIN";
    const auto parsed = vpcprobe::parse_librdkafka_config(text);
    REQUIRE(parsed.ok());
    INFO(describe(*parsed));
    const std::vector<Expected> expected = {
        {"bootstrap.servers", "broker-1:9092,broker-2:9092", 4},
        {"sasl.username", "alice", 5},
        {"sasl.password", "p=ss", 6},
        {"a ", " b", 7},
        {"empty", "", 8},
        {"java.escaped", "x:y=z:w", 9},
        {"no.continuation", "b\\", 10},
        {"c", "d", 11},
        {"cr", "1\rb=2", 12},
        {"sasl.mechanisms", "PLAIN", 13},
    };
    REQUIRE(parsed->size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        CHECK((*parsed)[i].key == expected[i].key);
        CHECK((*parsed)[i].value == expected[i].value);
        CHECK((*parsed)[i].line == expected[i].line);
    }
}

TEST_CASE("librdkafka: an escaped '=' in the key moves the split, as in kcat") {
    const auto parsed = vpcprobe::parse_librdkafka_config("k\\=x=1\n");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 1);
    CHECK((*parsed)[0].key == "k");
    CHECK((*parsed)[0].value == "x=1");
}

TEST_CASE("librdkafka: lines without property=value are errors with their line") {
    for (const char* text : {"a=1\n\nnovalue\n", "a=1\n\n=secret\n", "a=1\n\n  =\n"}) {
        INFO(text);
        const auto parsed = vpcprobe::parse_librdkafka_config(text);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().message() == "line 3: expected property=value");
    }
    const auto nul = vpcprobe::parse_librdkafka_config(std::string("a=1\rb\nc=\0\n", 10));
    REQUIRE_FALSE(nul.ok());
    CHECK(nul.error().message() == "line 2: holds a NUL byte, which no configuration file has");
}

TEST_CASE("Java properties: the same as java.util.Properties on this machine's java") {
    if (!vpcprobe::test::java_on_path()) {
        WARN("SKIPPED: no java on PATH; the recorded expectations above still apply");
        return;
    }
    vpcprobe::test::TempDir dir;
    std::vector<std::string> argv = {
        "java", VPCPROBE_SOURCE_DIR "/tests/agent/settings/client_config/PropertiesDump.java"};
    std::string ours;
    for (std::size_t i = 0; i < java_cases().size(); ++i) {
        const std::string file = dir.file("case" + std::to_string(i) + ".properties");
        std::ofstream(file, std::ios::binary) << java_cases()[i].text;
        argv.push_back(file);
        ours += "== " + file + "\n";
        const auto parsed = vpcprobe::parse_java_properties(java_cases()[i].text);
        if (!parsed) {
            ours += "ERROR\n";
            continue;
        }
        for (const auto& line : *parsed) {
            ours += vpcprobe::test::java_escaped(line.key) + "\t" +
                    vpcprobe::test::java_escaped(line.value) + "\n";
        }
    }
    const auto java = vpcprobe::test::run_command(argv, std::chrono::seconds(120));
    INFO(java.err);
    REQUIRE(java.exit_code == 0);
    CHECK(java.out == ours);
}
