// SPDX-License-Identifier: Apache-2.0
// The command line: subcommands, help and version, config-then-flags override semantics,
// NO_COLOR, and that every validation error names the flag or file at fault.
#include "agent/settings/cli.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "agent/file_checks.h"
#include "tests/support/command_line.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace std::chrono_literals;
using namespace vpcprobe;

namespace {

using vpcprobe::test::pem_certificate;

Result<Command> parse(std::vector<std::string> args) {
    return test::parse_arguments(std::move(args));
}

Command parse_ok(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (!result) FAIL("usage error: " << result.error().message());
    return *result;
}

std::string parse_error(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (result) FAIL("expected a usage error, got command kind " << static_cast<int>(result->kind));
    const std::string message = result.error().message();
    CHECK(message.find('\n') == std::string::npos);  // one line
    return message;
}

std::vector<TargetSpec> specs(const std::vector<std::string>& texts, const std::string& origin) {
    std::vector<TargetSpec> out;
    for (const std::string& text : texts) out.push_back({text, origin});
    return out;
}

std::string write(const test::TempDir& dir, const std::string& name, const std::string& text) {
    return dir.write(name, text);
}

// Runs with NO_COLOR unset, whatever the environment of the test run says.
struct NoColorGuard {
    NoColorGuard() { ::unsetenv("NO_COLOR"); }
    ~NoColorGuard() { ::unsetenv("NO_COLOR"); }
};

}  // namespace

TEST_CASE("check with an instance uses the defaults") {
    NoColorGuard guard;
    const Command command = parse_ok({"check", "--instance", "alikafka_confluent-cn-abc123"});
    CHECK(command.kind == CommandKind::check);
    const CheckOptions& options = command.options;
    CHECK(options.instance == "alikafka_confluent-cn-abc123");
    CHECK(options.access == "vpc");
    CHECK(options.probe.timeout == 3s);
    CHECK_FALSE(options.probe.deadline);
    CHECK(options.probe.warn_days == 30);
    CHECK(options.format == ReportFormat::text);
    CHECK(options.probe.concurrency == 64);
    CHECK(options.probe.max_addresses == 16);
    CHECK(options.color);
    CHECK_FALSE(options.probe.tcp_only);
    CHECK(options.targets.empty());
    CHECK_FALSE(options.config_file);
    CHECK_FALSE(options.sasl);
    CHECK(options.probe.follow_advertised);
}

TEST_CASE("every check option is read") {
    test::TempDir dir;
    const std::string ca = write(dir, "ca.pem", pem_certificate());
    const std::string rules = write(dir, "sg.json", "{}");
    const Command command = parse_ok({"check",
                                      "h1:9092",
                                      "[::1]:8081=schema-registry",
                                      "--instance=abc",
                                      "--access",
                                      "all",
                                      "--bootstrap",
                                      "b1:9092",
                                      "--bootstrap",
                                      "b2:9093",
                                      "--dns-server",
                                      "10.0.0.2",
                                      "--dns-server",
                                      "[::1]:53",
                                      "--ca-file",
                                      ca,
                                      "--timeout",
                                      "250ms",
                                      "--deadline",
                                      "1m",
                                      "--bind",
                                      "::1",
                                      "--rules",
                                      rules,
                                      "--warn-days",
                                      "0",
                                      "--format",
                                      "junit",
                                      "-o",
                                      dir.file("report.xml"),
                                      "--concurrency",
                                      "10000",
                                      "--max-addresses",
                                      "64",
                                      "--no-color",
                                      "--tcp-only",
                                      "--sasl-mechanism",
                                      "scram-sha-512",
                                      "--sasl-password-file",
                                      rules,
                                      "--no-advertised"});
    const CheckOptions& options = command.options;
    CHECK(options.targets == specs({"h1:9092", "[::1]:8081=schema-registry"}, "argument"));
    CHECK(options.instance == "abc");
    CHECK(options.access == "all");
    CHECK(options.bootstrap == std::vector<std::string>{"b1:9092", "b2:9093"});
    CHECK(options.probe.dns_servers == std::vector<std::string>{"10.0.0.2", "[::1]:53"});
    CHECK(options.probe.ca_files == std::vector<std::string>{ca});
    CHECK(options.probe.timeout == 250ms);
    CHECK(options.probe.deadline == 60s);
    CHECK(options.probe.bind == "::1");
    CHECK(options.rules_files == std::vector<std::string>{rules});
    CHECK(options.probe.warn_days == 0);
    CHECK(options.format == ReportFormat::junit);
    CHECK(options.probe.tcp_only);
    CHECK(options.output == dir.file("report.xml"));
    CHECK(options.probe.concurrency == 10000);
    CHECK(options.probe.max_addresses == 64);
    CHECK_FALSE(options.color);
    REQUIRE(options.sasl);
    CHECK(options.sasl->mechanism == "SCRAM-SHA-512");
    CHECK(options.sasl->password_file == rules);
    CHECK_FALSE(options.probe.follow_advertised);
}

TEST_CASE("--hosts-file: a missing file is an empty one, as for the C library") {
    test::TempDir dir;
    CHECK(parse_ok({"check", "h:1"}).options.probe.hosts_file == "/etc/hosts");
    CHECK(parse_ok({"check", "h:1", "--hosts-file", dir.file("absent")}).options.probe.hosts_file ==
          dir.file("absent"));
}

TEST_CASE("a repeatable flag takes one value per occurrence") {
    // "--dns-server 10.0.0.2 h:9092" must not swallow the target.
    const Command command = parse_ok({"check", "--dns-server", "10.0.0.2", "h:9092"});
    CHECK(command.options.probe.dns_servers == std::vector<std::string>{"10.0.0.2"});
    CHECK(command.options.targets == specs({"h:9092"}, "argument"));
    // A single-valued flag given twice: the last one wins.
    CHECK(parse_ok({"check", "h:1", "--timeout", "1s", "--timeout", "2s"}).options.probe.timeout ==
          2s);
}

TEST_CASE("endpoints and serve take the check options") {
    const Command endpoints = parse_ok({"endpoints", "--instance", "abc", "--access", "pub"});
    CHECK(endpoints.kind == CommandKind::endpoints);
    CHECK(endpoints.options.access == "pub");

    const Command serve = parse_ok({"serve", "--bootstrap", "b:9092"});
    CHECK(serve.kind == CommandKind::serve);
    CHECK(serve.serve.interval == 60s);
    CHECK(serve.serve.listen == "127.0.0.1:9464");
    const Command tuned =
        parse_ok({"serve", "h:1", "--interval", "30s", "--listen", "[::1]:9100", "--timeout", "1"});
    CHECK(tuned.serve.interval == 30s);
    CHECK(tuned.serve.listen == "[::1]:9100");
    CHECK(tuned.options.probe.timeout == 1s);
    CHECK(parse_error({"serve", "h:1", "--interval", "never"}) ==
          "--interval: 'never' is not a duration (try 3s, 250ms or 1m)");
    CHECK(parse_error({"serve", "h:1", "--listen", "localhost:9100"}).rfind("--listen: ", 0) == 0);
    CHECK(parse_error({"check", "h:1", "--interval", "1s"}) ==
          "check: unknown option '--interval'");
}

TEST_CASE("explain parses its flags") {
    test::TempDir dir;
    const std::string a = write(dir, "a.json", "{}");
    const std::string b = write(dir, "b.json", "{}");
    const Command command =
        parse_ok({"explain", "--rules", a, b, "--from", "10.20.1.15", "--to", "10.0.0.5:9095"});
    CHECK(command.kind == CommandKind::explain);
    CHECK(command.options.rules_files == std::vector<std::string>{a, b});
    CHECK(command.explain.from == "10.20.1.15");
    CHECK(command.explain.to_host == "10.0.0.5");
    CHECK(command.explain.to_port == 9095);
    CHECK(parse_ok({"explain", "--rules", a, "--rules", b, "--from", "::1", "--to", "[::1]:1"})
              .options.rules_files.size() == 2);

    CHECK(parse_error({"explain", "--from", "10.0.0.1", "--to", "10.0.0.2:1"}) ==
          "explain: --rules FILE is required");
    CHECK(parse_error({"explain", "--rules", a, "--to", "10.0.0.2:1"}) ==
          "explain: --from IP is required");
    CHECK(parse_error({"explain", "--rules", a, "--from", "10.0.0.1"}) ==
          "explain: --to IP:PORT is required");
    CHECK(parse_error({"explain", "--rules", dir.file("x.json"), "--from", "10.0.0.1", "--to",
                       "10.0.0.2:1"}) == "--rules: '" + dir.file("x.json") + "': no such file");
    CHECK(parse_error({"explain", "--rules", a, "--from", "bastion", "--to", "10.0.0.2:1"}) ==
          "--from: 'bastion' is not a numeric IP address");
    CHECK(parse_error({"explain", "--rules", a, "--from", "10.0.0.1", "--to", "10.0.0.2"})
              .rfind("--to: '10.0.0.2' has no port", 0) == 0);
    CHECK(parse_error({"explain", "--rules", a, "--from", "10.0.0.1", "--to", "10.0.0.2:1", "x"}) ==
          "explain: unexpected argument 'x'");
}

TEST_CASE("every validation error names the flag") {
    test::TempDir dir;
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"check", "h:1", "--timeout", "soon"},
         "--timeout: 'soon' is not a duration (try 3s, 250ms or 1m)"},
        {{"check", "h:1", "--deadline", "0"},
         "--deadline: '0' is not a duration (try 3s, 250ms or 1m)"},
        {{"check", "h:1", "--access", "internet"},
         "--access: 'internet' is not one of vpc, pub, all"},
        {{"check", "h:1", "--format", "xml"},
         "--format: 'xml' is not one of text, json, markdown, prometheus, junit"},
        {{"check", "h:1", "--warn-days", "-1"},
         "--warn-days: '-1' is not a whole number in 0..3650"},
        {{"check", "h:1", "--warn-days", "ten"},
         "--warn-days: 'ten' is not a whole number in 0..3650"},
        {{"check", "h:1", "--concurrency", "0"},
         "--concurrency: '0' is not a whole number in 1..10000"},
        {{"check", "h:1", "--concurrency", "10001"},
         "--concurrency: '10001' is not a whole number in 1..10000"},
        {{"check", "h:1", "--max-addresses", "65"},
         "--max-addresses: '65' is not a whole number in 1..64"},
        {{"check", "h:1", "--trace", "sometimes"},
         "--trace: 'sometimes' is not one of auto, always, never"},
        {{"check", "h:1", "--trace-max-hops", "0"},
         "--trace-max-hops: '0' is not a whole number in 1..64"},
        {{"check", "h:1", "--trace-max-hops", "65"},
         "--trace-max-hops: '65' is not a whole number in 1..64"},
        {{"check", "h:1", "--bind", "eth0"}, "--bind: 'eth0' is not a numeric IP address"},
        {{"check", "h:1", "--bind", "[::1]"}, "--bind: '[::1]' is not a numeric IP address"},
        {{"check", "h:1", "--dns-server", "dns.google"},
         "--dns-server: 'dns.google': 'dns.google' is not a numeric IPv4 address (use ADDR, "
         "ADDR:PORT or [IPV6]:PORT with a numeric address)"},
        {{"check", "h:1", "--dns-server", "10.0.0.2:99999"},
         "--dns-server: '10.0.0.2:99999': port '99999' is not in 1..65535"},
        {{"check", "h:1", "--ca-file", dir.file("ca.pem")},
         "--ca-file: '" + dir.file("ca.pem") + "': no such file"},
        {{"check", "h:1", "--ca-file", dir.path()},
         "--ca-file: '" + dir.path() + "' is a directory, not a file"},
        {{"check", "h:1", "--ca-file", write(dir, "junk.pem", "junk")},
         "--ca-file: '" + dir.file("junk.pem") +
             "': no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)"},
        // Read with a bound: /dev/zero is an answer, not a hang.
        {{"check", "h:1", "--ca-file", "/dev/zero"},
         "--ca-file: '/dev/zero': larger than 8 MiB, which is no PEM file of certificates"},
        {{"check", "h:1", "--hosts-file", dir.path()},
         "--hosts-file: '" + dir.path() + "' is a directory, not a file"},
        {{"check", "h:1", "--rules", dir.file("sg.json")},
         "--rules: '" + dir.file("sg.json") + "': no such file"},
        {{"check", "h:1", "-c", dir.file("v.toml")},
         "--config: '" + dir.file("v.toml") + "': no such file"},
        {{"check", "h:1", "-o", dir.file("no/r.json")},
         "--output: '" + dir.file("no/r.json") + "': directory '" + dir.file("no") +
             "' does not exist"},
        {{"check", "--instance", "abc!"},
         "--instance: instance ID 'abc!': only letters, digits, '-' and '_' are allowed"},
        {{"check", "--instance", "../x"},
         "--instance: instance ID '../x': only letters, digits, '-' and '_' are allowed"},
        {{"check", "--instance", ""}, "--instance: instance ID is empty"},
        {{"check", "--bootstrap", "b:0"}, "--bootstrap: 'b:0': port '0' is not in 1..65535"},
        {{"check", "--bootstrap", "b:9092=connect"},
         "--bootstrap: 'b:9092=connect': give HOST:PORT without =COMPONENT (this is always a "
         "kafka target)"},
        {{"check", "h!:1"}, "target 'h!:1': host name 'h!' has '!'"},
        {{"check", "::1:9092"}, "target '::1:9092': put an IPv6 address in brackets: [ADDR]:PORT"},
        {{"check", "ftp://h:1"},
         "target 'ftp://h:1': unknown scheme 'ftp://' (use PLAINTEXT://, SSL://, "
         "SASL_PLAINTEXT://, SASL_SSL://, http:// or https://, or none for TLS)"},
        {{"check", "--bootstrap", "kafka://b:9092"},
         "--bootstrap: 'kafka://b:9092': unknown scheme 'kafka://' (use PLAINTEXT://, SSL://, "
         "SASL_PLAINTEXT://, SASL_SSL://, http:// or https://, or none for TLS)"},
        {{"check", "--bootstrap", "PLAINTEXT://b:9092=kafka"},
         "--bootstrap: 'PLAINTEXT://b:9092=kafka': give HOST:PORT without =COMPONENT (this is "
         "always a kafka target)"},
        {{"check", "h:1", "--sasl-mechanism", "gssapi"},
         "--sasl-mechanism: 'GSSAPI' is not a SASL mechanism vpcprobe speaks (PLAIN, "
         "SCRAM-SHA-256, SCRAM-SHA-512)"},
        {{"check", "h:1", "--sasl-mechanism", ""},
         "--sasl-mechanism: '' is not a SASL mechanism vpcprobe speaks (PLAIN, SCRAM-SHA-256, "
         "SCRAM-SHA-512)"},
        {{"check", "h:1", "--sasl-password-file", write(dir, "pw", "x\n")},
         "--sasl-password-file: give --sasl-mechanism (or a [sasl] table) as well"},
        {{"check", "h:1", "--sasl-mechanism", "PLAIN", "--sasl-password-file", dir.file("no.pw")},
         "--sasl-password-file: '" + dir.file("no.pw") + "': no such file"},
        {{"check", "h:1", "--sasl-mechanism", "PLAIN", "--sasl-password-file", dir.path()},
         "--sasl-password-file: '" + dir.path() + "' is a directory, not a file"},
        {{"check", "h:1", "--bogus"}, "check: unknown option '--bogus'"},
        {{"check", "h:1", "-x"}, "check: unknown option '-x'"},
        {{"endpoints", "--instance", "a", "--bogus=1"}, "endpoints: unknown option '--bogus=1'"},
        {{"--bogus"}, "unknown option '--bogus' (try vpcprobe --help)"},
        {{"chek", "h:1"},
         "unknown command 'chek' (try check, endpoints, explain, serve, history, merge or "
         "--help)"},
        {{"check"}, "nothing to check: give --instance, --bootstrap or HOST:PORT"},
        {{"endpoints", "--access", "all"},
         "nothing to check: give --instance, --bootstrap or HOST:PORT"},
        {{"serve"}, "nothing to check: give --instance, --bootstrap or HOST:PORT"},
    };
    for (const auto& [args, expected] : cases) {
        CAPTURE(args);
        CHECK(parse_error(args) == expected);
    }
    // A missing value: CLI11's own message, which names the flag.
    CHECK(parse_error({"check", "h:1", "--timeout"}).find("--timeout") != std::string::npos);
    CHECK(parse_error({"check", "h:1", "--instance"}).find("--instance") != std::string::npos);
    CHECK(parse_error({"check", "h:1", "--sasl-mechanism"}).find("--sasl-mechanism") !=
          std::string::npos);
    CHECK(parse_error({"check", "h:1", "--sasl-mechanism", "PLAIN", "--sasl-password-file"})
              .find("--sasl-password-file") != std::string::npos);
}

TEST_CASE("target schemes on the command line") {
    const CheckOptions options =
        parse_ok({"check", "PLAINTEXT://h:9092", "https://sr:8081=schema-registry", "--bootstrap",
                  "SASL_PLAINTEXT://b:9092", "--bootstrap", "sasl_ssl://b2:9093"})
            .options;
    // Kept as written: the plan parses them (and the scheme) again.
    CHECK(options.targets ==
          specs({"PLAINTEXT://h:9092", "https://sr:8081=schema-registry"}, "argument"));
    CHECK(options.bootstrap ==
          std::vector<std::string>{"SASL_PLAINTEXT://b:9092", "sasl_ssl://b2:9093"});
    CHECK(parse_ok({"endpoints", "http://h:1"}).options.targets ==
          specs({"http://h:1"}, "argument"));
}

TEST_CASE("SASL flags: a mechanism, a password file, and the config's [sasl] under them") {
    test::TempDir dir;
    const std::string password_file = write(dir, "kafka.pw", "secret\n");
    const std::string other_file = write(dir, "other.pw", "secret\n");

    SECTION("a mechanism alone: credentials from the environment later") {
        const CheckOptions options =
            parse_ok({"check", "h:9092", "--sasl-mechanism", "Scram-Sha-256"}).options;
        REQUIRE(options.sasl);
        CHECK(options.sasl->mechanism == "SCRAM-SHA-256");
        CHECK_FALSE(options.sasl->password_file);
        CHECK_FALSE(options.sasl->password_env);
        CHECK_FALSE(options.sasl->username);
    }
    SECTION("the same flags for endpoints and serve") {
        for (const char* command : {"endpoints", "serve"}) {
            CAPTURE(command);
            const CheckOptions options =
                parse_ok({command, "h:9092", "--sasl-mechanism", "plain", "--sasl-password-file",
                          password_file, "--no-advertised"})
                    .options;
            REQUIRE(options.sasl);
            CHECK(options.sasl->mechanism == "PLAIN");
            CHECK(options.sasl->password_file == password_file);
            CHECK_FALSE(options.probe.follow_advertised);
        }
    }
    SECTION("flags override the config's [sasl] key by key") {
        const std::string config = write(dir, "vpcprobe.toml", R"(
targets = "h:9092"
follow_advertised = false

[sasl]
mechanism = "PLAIN"
username = "alice"
password_env = "KAFKA_PASSWORD"
)");
        const CheckOptions from_file = parse_ok({"check", "-c", config}).options;
        REQUIRE(from_file.sasl);
        CHECK(from_file.sasl->mechanism == "PLAIN");
        CHECK(from_file.sasl->username == "alice");
        CHECK(from_file.sasl->password_env == "KAFKA_PASSWORD");
        CHECK_FALSE(from_file.probe.follow_advertised);

        const CheckOptions mechanism =
            parse_ok({"check", "-c", config, "--sasl-mechanism", "SCRAM-SHA-512"}).options;
        CHECK(mechanism.sasl->mechanism == "SCRAM-SHA-512");
        CHECK(mechanism.sasl->username == "alice");
        CHECK(mechanism.sasl->password_env == "KAFKA_PASSWORD");

        // A password file on the command line replaces the config's password source; the
        // config's [sasl] is mechanism enough.
        const CheckOptions file =
            parse_ok({"check", "-c", config, "--sasl-password-file", other_file}).options;
        CHECK(file.sasl->mechanism == "PLAIN");
        CHECK(file.sasl->username == "alice");
        CHECK(file.sasl->password_file == other_file);
        CHECK_FALSE(file.sasl->password_env);
    }
    SECTION("--no-advertised") {
        CHECK(parse_ok({"check", "h:1"}).options.probe.follow_advertised);
        CHECK_FALSE(parse_ok({"check", "h:1", "--no-advertised"}).options.probe.follow_advertised);
    }
}

TEST_CASE("a password on the command line is refused without repeating it") {
    const std::string secret = "hunter2-Qx7";
    const std::string refusal =
        "--sasl-password: secrets are never taken from the command line (they show in ps and "
        "shell history); use --sasl-password-file FILE, VPCPROBE_SASL_PASSWORD, or password_file "
        "/ password_env in the config's [sasl]";
    const std::vector<std::vector<std::string>> lines = {
        {"check", "h:1", "--sasl-password", secret},
        {"check", "h:1", "--sasl-password=" + secret},
        {"check", "h:1", "--password", secret},
        {"check", "h:1", "--password=" + secret},
        {"check", "h:1", "--sasl-mechanism", "PLAIN", "--sasl-password", secret},
        {"check", "--sasl-password", secret, "h:1"},
        {"check", "h:1", "--sasl-password", "-" + secret},  // looks like a flag
        {"check", "h:1", "--sasl-password", secret, "--password", secret},
        {"endpoints", "h:1", "--sasl-password", secret},
        {"serve", "h:1", "--password=" + secret},
    };
    for (const auto& args : lines) {
        CAPTURE(args);
        const std::string message = parse_error(args);
        CHECK(message == refusal);
        CHECK(message.find(secret) == std::string::npos);
    }
    // Not an option of explain at all; still not echoed.
    const std::string explain = parse_error({"explain", "--sasl-password", secret});
    CHECK(explain.find("--sasl-password") != std::string::npos);
    CHECK(explain.find(secret) == std::string::npos);
}

TEST_CASE("the config file is read, then the flags given override it field by field") {
    NoColorGuard guard;
    test::TempDir dir;
    write(dir, "ca1.pem", pem_certificate());
    write(dir, "ca2.pem", pem_certificate());
    const std::string other_ca = write(dir, "ca3.pem", pem_certificate());
    const std::string config = write(dir, "vpcprobe.toml", R"(
instance = "abcdef"
access = "all"
bootstrap = "cfg-broker:9092"
targets = ["cfg-host:8081"]
dns_servers = ["10.0.0.2", "10.0.0.3"]
ca_files = ["ca1.pem", "ca2.pem"]
timeout = "5s"
deadline = "2m"
warn_days = 10
format = "json"
concurrency = 4
interval = "10m"
listen = "127.0.0.1:9100"
)");

    SECTION("nothing overridden") {
        const CheckOptions options = parse_ok({"check", "-c", config}).options;
        CHECK(options.config_file == config);
        CHECK(options.instance == "abcdef");
        CHECK(options.access == "all");
        CHECK(options.bootstrap == std::vector<std::string>{"cfg-broker:9092"});
        CHECK(options.targets == specs({"cfg-host:8081"}, "config"));
        CHECK(options.probe.dns_servers == std::vector<std::string>{"10.0.0.2", "10.0.0.3"});
        CHECK(options.probe.ca_files ==
              std::vector<std::string>{dir.file("ca1.pem"), dir.file("ca2.pem")});
        CHECK(options.probe.timeout == 5s);
        CHECK(options.probe.deadline == 120s);
        CHECK(options.probe.warn_days == 10);
        CHECK(options.format == ReportFormat::json);
        CHECK(options.probe.concurrency == 4);
        CHECK(options.color);
    }
    SECTION("flags given win; the rest stays") {
        const CheckOptions options =
            parse_ok({"check", "--config", config, "--timeout", "2s", "--dns-server", "10.9.9.9",
                      "--ca-file", other_ca, "--access", "vpc", "--no-color"})
                .options;
        CHECK(options.probe.timeout == 2s);
        CHECK(options.probe.dns_servers ==
              std::vector<std::string>{"10.9.9.9"});  // replaced, not added
        CHECK(options.probe.ca_files == std::vector<std::string>{other_ca});
        CHECK(options.access == "vpc");
        CHECK_FALSE(options.color);
        CHECK(options.instance == "abcdef");
        CHECK(options.probe.deadline == 120s);
        CHECK(options.probe.warn_days == 10);
        CHECK(options.format == ReportFormat::json);
        CHECK(options.bootstrap == std::vector<std::string>{"cfg-broker:9092"});
        CHECK(options.targets == specs({"cfg-host:8081"}, "config"));
    }
    SECTION("positional targets replace the config's targets; --bootstrap replaces its list") {
        const CheckOptions options =
            parse_ok({"check", "-c", config, "cli-host:9095", "--bootstrap", "cli-broker:9093"})
                .options;
        CHECK(options.targets == specs({"cli-host:9095"}, "argument"));
        CHECK(options.bootstrap == std::vector<std::string>{"cli-broker:9093"});
        CHECK(options.instance == "abcdef");
    }
    SECTION("serve settings from the config, overridable") {
        CHECK(parse_ok({"serve", "-c", config}).serve.interval == 600s);
        CHECK(parse_ok({"serve", "-c", config}).serve.listen == "127.0.0.1:9100");
        CHECK(parse_ok({"serve", "-c", config, "--interval", "1m"}).serve.interval == 60s);
    }
    SECTION("a config alone is enough to have something to check") {
        const std::string minimal = write(dir, "minimal.toml", "targets = \"h:1\"\n");
        CHECK(parse_ok({"check", "-c", minimal}).options.targets == specs({"h:1"}, "config"));
        const std::string empty = write(dir, "empty.toml", "timeout = 1\n");
        CHECK(parse_error({"check", "-c", empty}) ==
              "nothing to check: give --instance, --bootstrap or HOST:PORT");
    }
    SECTION("a bad config is a usage error naming the file") {
        const std::string bad = write(dir, "bad.toml", "timeout = 3\nretries = 2\n");
        CHECK(parse_error({"check", "-c", bad, "h:1"}) == bad + ":2:1: unknown key 'retries'");
        // Even when the flag would override the bad value: the file is wrong and says so.
        const std::string bad_value = write(dir, "bad2.toml", "timeout = \"soon\"\n");
        CHECK(parse_error({"check", "-c", bad_value, "h:1", "--timeout", "1s"})
                  .rfind(bad_value + ":1:11: timeout:", 0) == 0);
    }
}

TEST_CASE("NO_COLOR turns colors off when set and not empty") {
    NoColorGuard guard;
    CHECK(parse_ok({"check", "h:1"}).options.color);
    ::setenv("NO_COLOR", "", 1);
    CHECK(parse_ok({"check", "h:1"}).options.color);
    ::setenv("NO_COLOR", "1", 1);
    CHECK_FALSE(parse_ok({"check", "h:1"}).options.color);
    CHECK_FALSE(parse_ok({"endpoints", "h:1"}).options.color);
}

TEST_CASE("help and version") {
    const Command help = parse_ok({"--help"});
    CHECK(help.kind == CommandKind::help);
    CHECK(help.text.find("check") != std::string::npos);
    CHECK(help.text.find("endpoints") != std::string::npos);
    CHECK(help.text.find("explain") != std::string::npos);
    CHECK(help.text.find("serve") != std::string::npos);
    CHECK(help.text.find("Exit codes") != std::string::npos);
    CHECK(parse_ok({"-h"}).text == help.text);
    // No command at all is a usage error: the help on stderr, exit 3 (agent/main.cpp).
    CHECK(parse_ok({}).kind == CommandKind::usage);
    CHECK(parse_ok({}).text ==
          "vpcprobe: no command given (use check, endpoints, explain, serve, history or "
          "merge)\n" +
              help.text);

    const Command check_help = parse_ok({"check", "--help"});
    CHECK(check_help.kind == CommandKind::help);
    CHECK(check_help.text != help.text);
    for (const char* flag : {"--instance",
                             "--access",
                             "--bootstrap",
                             "--config",
                             "--dns-server",
                             "--ca-file",
                             "--timeout",
                             "--deadline",
                             "--bind",
                             "--rules",
                             "--warn-days",
                             "--format",
                             "--output",
                             "--concurrency",
                             "--max-addresses",
                             "--no-color",
                             "--tcp-only",
                             "--sasl-mechanism",
                             "--sasl-password-file",
                             "--no-advertised",
                             "TARGET"}) {
        CAPTURE(flag);
        CHECK(check_help.text.find(flag) != std::string::npos);
    }
    // The refused --sasl-password / --password are not advertised: every "--sasl-password"
    // in the help is the start of "--sasl-password-file".
    auto count = [](const std::string& text, const std::string& word) {
        std::size_t n = 0;
        for (std::size_t at = text.find(word); at != std::string::npos;
             at = text.find(word, at + 1)) {
            ++n;
        }
        return n;
    };
    CHECK(count(check_help.text, "--sasl-password") ==
          count(check_help.text, "--sasl-password-file"));
    CHECK(check_help.text.find("--password") == std::string::npos);
    // Help wins over errors elsewhere on the line.
    CHECK(parse_ok({"check", "--timeout", "soon", "-h"}).kind == CommandKind::help);
    CHECK(parse_ok({"serve", "-h"}).text.find("--interval") != std::string::npos);
    CHECK(parse_ok({"explain", "--help"}).text.find("--from") != std::string::npos);
    CHECK(parse_ok({"endpoints", "-h"}).text.find("--instance") != std::string::npos);

    const Command version = parse_ok({"--version"});
    CHECK(version.kind == CommandKind::version);
    CHECK(version.text == "vpcprobe " VPCPROBE_VERSION "\n");
}

TEST_CASE("merge parses its reports, format, output and rules") {
    test::TempDir dir;
    const std::string a = write(dir, "a.json", "{}");
    const std::string rules = write(dir, "eni.json", "{}");
    const Command command = parse_ok(
        {"merge", a, "-", "--format", "markdown", "-o", dir.file("merged.md"), "--rules", rules});
    CHECK(command.kind == CommandKind::merge);
    CHECK(command.merge.reports == std::vector<std::string>{a, "-"});
    CHECK(command.merge.format == ReportFormat::markdown);
    CHECK(command.merge.output == dir.file("merged.md"));
    CHECK(command.merge.rules_files == std::vector<std::string>{rules});
    CHECK(parse_ok({"merge", a}).merge.format == ReportFormat::text);

    CHECK(parse_error({"merge"}) ==
          "merge: give at least one REPORT (a JSON report of vpcprobe check, or - for standard "
          "input)");
    CHECK(parse_error({"merge", "-", a, "-"}) == "report '-' (standard input) is named twice");
    CHECK(parse_error({"merge", a, "--format", "junit"}) ==
          "--format: 'junit' is not one of text, json, markdown");
    CHECK(
        parse_error({"merge", a, "-o", dir.file("no/such/dir/m.json")}).starts_with("--output: "));
    CHECK(parse_error({"merge", a, "--rules", dir.file("x.json")}) ==
          "--rules: '" + dir.file("x.json") + "': no such file");
    CHECK(parse_error({"merge", a, "--instance", "abcdef1234"}) ==
          "merge: unknown option '--instance'");
}

TEST_CASE("--agent-name is taken by check, endpoints and serve, and refused when empty") {
    for (const char* command : {"check", "endpoints", "serve"}) {
        CAPTURE(command);
        CHECK(parse_ok({command, "--agent-name", "app-subnet-a", "h:1"}).options.agent_name ==
              "app-subnet-a");
    }
    CHECK(parse_ok({"check", "h:1"}).options.agent_name.empty());
    CHECK(parse_error({"check", "--agent-name", "", "h:1"}) == "--agent-name: a name is needed");
    CHECK(parse_error({"check", "--agent-name", std::string("a\x1b[31m"), "h:1"})
              .ends_with("holds a control character"));
}

TEST_CASE("every command's help lists the exit codes it uses") {
    const std::pair<const char*, std::vector<const char*>> commands[] = {
        {"check", {"0 all healthy", "1 warnings only", "2 a target failed", "3 usage"}},
        {"endpoints", {"0 the plan was printed", "3 usage"}},
        {"explain",
         {"0 the flow is allowed", "1 the exports cannot tell", "2 the flow is blocked",
          "3 usage"}},
        {"serve", {"0 stopped by SIGTERM", "3 usage"}},
        {"history", {"0 the changes were printed", "3 usage"}},
        {"merge",
         {"0 all healthy", "1 warnings only", "2 a target failed from some agent", "3 usage",
          "not a vpcprobe report", "another schema_version", "naming the file"}},
    };
    for (const auto& [name, codes] : commands) {
        CAPTURE(name);
        const std::string help = parse_ok({name, "--help"}).text;
        CHECK(help.find("Exit codes: ") != std::string::npos);
        for (const char* code : codes) {
            CAPTURE(code);
            CHECK(help.find(code) != std::string::npos);
        }
    }
    // Only check and the top-level help speak of warnings and failed targets.
    CHECK(parse_ok({"endpoints", "--help"}).text.find("2 a target failed") == std::string::npos);
    CHECK(parse_ok({"--help"}).text.find("no command given") != std::string::npos);
}

TEST_CASE("an unknown component is refused wherever a target is named") {
    test::TempDir dir;
    const std::string suggestion =
        "unknown component 'schemaregistry'; did you mean 'schema-registry'? (known: kafka, ";
    const std::string positional = parse_error({"check", "127.0.0.1:8081=schemaregistry"});
    CHECK(positional.rfind("target '127.0.0.1:8081=schemaregistry': " + suggestion, 0) == 0);

    const std::string listed = write(dir, "listed.toml", "targets = [\"h:8081=schemaregistry\"]\n");
    const std::string from_list = parse_error({"check", "-c", listed});
    CHECK(from_list.rfind(listed + ":1:", 0) == 0);
    CHECK(from_list.find(suggestion) != std::string::npos);

    const std::string table = write(dir, "table.toml",
                                    "[[target]]\nhost = \"h\"\nport = 9021\ncomponent = "
                                    "\"controlcenter\"\n");
    const std::string from_table = parse_error({"check", "-c", table});
    CHECK(from_table.rfind(table + ":", 0) == 0);
    CHECK(from_table.find("unknown component 'controlcenter'; did you mean 'control-center'?") !=
          std::string::npos);

    // --bootstrap is always kafka: a component there is refused as before.
    CHECK(parse_error({"check", "--bootstrap", "b:9092=kafka"}).rfind("--bootstrap: ", 0) == 0);
}

TEST_CASE("one host:port with two components is refused before any command runs") {
    for (const char* command : {"check", "endpoints", "serve"}) {
        CAPTURE(command);
        CHECK(parse_error({command, "127.0.0.1:8081=kafka", "127.0.0.1:8081=schema-registry"}) ==
              "127.0.0.1:8081 is given as kafka (TARGET '127.0.0.1:8081=kafka') and as "
              "schema-registry (TARGET '127.0.0.1:8081=schema-registry'): one host:port is one "
              "listener, so give it one component");
    }
    CHECK(parse_error({"check", "--bootstrap", "127.0.0.1:8081", "127.0.0.1:8081=connect"})
              .rfind("127.0.0.1:8081 is given as kafka (--bootstrap '127.0.0.1:8081') and as "
                     "connect (TARGET",
                     0) == 0);
    // The same component twice is no error: the plan says it merged them.
    const Command twice =
        parse_ok({"check", "--bootstrap", "127.0.0.1:9092", "127.0.0.1:9092=kafka"});
    CHECK(twice.options.bootstrap_named_by.text == "--bootstrap");
    CHECK(twice.options.targets.at(0).named_by.text == "TARGET");
}

TEST_CASE("the command line for reports hides secrets") {
    auto redact = [](std::vector<std::string> args) {
        std::vector<const char*> argv;
        for (const std::string& arg : args) argv.push_back(arg.c_str());
        return redacted_command_line(static_cast<int>(argv.size()), argv.data());
    };
    CHECK(redact({"vpcprobe", "check", "--instance", "abc", "h:9092=kafka"}) ==
          "vpcprobe check --instance abc h:9092=kafka");
    CHECK(redact({"vpcprobe", "check", "--api-key", "AKIA123", "--sasl-password=hunter2", "--token",
                  "t", "--client-secret", "s", "h:1"}) ==
          "vpcprobe check --api-key *** --sasl-password=*** --token *** --client-secret *** h:1");
    CHECK(redact({"vpcprobe", "check", "--password", "hunter2", "--sasl-password", "hunter3"}) ==
          "vpcprobe check --password *** --sasl-password ***");
    CHECK(redact({"vpcprobe", "--API-KEY", "x"}) == "vpcprobe --API-KEY ***");
    // A secret flag at the end, or followed by another flag, leaks nothing and eats nothing.
    CHECK(redact({"vpcprobe", "check", "--api-key"}) == "vpcprobe check --api-key");
    CHECK(redact({"vpcprobe", "--api-key", "--timeout", "3s"}) ==
          "vpcprobe --api-key --timeout 3s");
    CHECK(redact({"vpcprobe", "check", "it's here", "", "a b", "$HOME"}) ==
          "vpcprobe check 'it'\\''s here' '' 'a b' '$HOME'");
    CHECK(redact({"/usr/bin/vpcprobe", "check", "[::1]:9092"}) ==
          "/usr/bin/vpcprobe check '[::1]:9092'");
}

TEST_CASE("an unknown option that looks like a secret is named without its value") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"check", "--sasl-pasword=hunter2", "h:9092"},
          std::vector<std::string>{"--password=hunter2", "check", "h:9092"},
          std::vector<std::string>{"explain", "--api-token=hunter2"}}) {
        const std::string message = parse_error(args);
        CHECK(message.find("hunter2") == std::string::npos);
        CHECK(message.find("=***") != std::string::npos);
    }
    // Not a secret: shown as typed, so the user sees the typo.
    CHECK_THAT(parse_error({"check", "--timout=3s", "h:9092"}), Catch::Contains("'--timout=3s'"));
}

TEST_CASE("the report's command line keeps the path of a password file") {
    const char* argv[] = {
        "vpcprobe",         "check", "--sasl-password-file", "/etc/vpcprobe/kafka.secret",
        "--sasl-mechanism", "PLAIN"};
    CHECK(redacted_command_line(6, argv) ==
          "vpcprobe check --sasl-password-file /etc/vpcprobe/kafka.secret --sasl-mechanism PLAIN");
}

TEST_CASE("serve: --state-dir and --keep, from flags or the config") {
    test::TempDir dir;
    const Command plain = parse_ok({"serve", "h:1"});
    CHECK(plain.serve.state_dir == "");  // no history unless asked for
    CHECK(plain.serve.keep == 100);
    const Command given = parse_ok({"serve", "h:1", "--state-dir", "/srv/vpcprobe", "--keep", "7"});
    CHECK(given.serve.state_dir == "/srv/vpcprobe");
    CHECK(given.serve.keep == 7);
    CHECK(parse_ok({"serve", "h:1", "--keep", "100000"}).serve.keep == 100000);

    const std::string config =
        write(dir, "serve.toml", "targets = \"h:1\"\nstate_dir = \"state\"\nkeep = 12\n");
    const Command from_config = parse_ok({"serve", "-c", config});
    CHECK(from_config.serve.state_dir == dir.file("state"));  // relative to the config file
    CHECK(from_config.serve.keep == 12);
    const Command overridden =
        parse_ok({"serve", "-c", config, "--state-dir", "/other", "--keep", "3"});
    CHECK(overridden.serve.state_dir == "/other");
    CHECK(overridden.serve.keep == 3);

    CHECK(parse_error({"serve", "h:1", "--keep", "0"}) ==
          "--keep: '0' is not a whole number in 1..100000");
    CHECK(parse_error({"serve", "h:1", "--keep", "lots"}) ==
          "--keep: 'lots' is not a whole number in 1..100000");
    CHECK(parse_error({"serve", "h:1", "--state-dir", ""}) == "--state-dir: a directory is needed");
    // check has no history.
    CHECK(parse_error({"check", "h:1", "--state-dir", "/x"}) ==
          "check: unknown option '--state-dir'");
}

TEST_CASE("history: state directory, format and limit") {
    test::TempDir dir;
    const Command plain = parse_ok({"history"});
    CHECK(plain.kind == CommandKind::history);
    CHECK(plain.history.state_dir == "/var/lib/vpcprobe");
    CHECK(plain.history.format == ReportFormat::text);
    CHECK(plain.history.limit == 100);
    // Nothing to check is fine: history probes nothing.
    const Command given =
        parse_ok({"history", "--state-dir", "/srv/x", "--format", "json", "--limit", "0"});
    CHECK(given.history.state_dir == "/srv/x");
    CHECK(given.history.format == ReportFormat::json);
    CHECK(given.history.limit == 0);

    SECTION("the config's state_dir, relative to the config, under --state-dir") {
        const std::string config = write(dir, "c.toml", "state_dir = \"var/state\"\nkeep = 5\n");
        CHECK(parse_ok({"history", "-c", config}).history.state_dir == dir.file("var/state"));
        CHECK(parse_ok({"history", "--config", config, "--state-dir", "/y"}).history.state_dir ==
              "/y");
        const std::string bad = write(dir, "bad.toml", "state_dir = 3\n");
        CHECK(parse_error({"history", "-c", bad}) ==
              bad + ":1:13: state_dir: expected a string, got an integer");
        CHECK(parse_error({"history", "-c", dir.file("none.toml")}).rfind("--config: ", 0) == 0);
    }
    SECTION("bad values") {
        CHECK(parse_error({"history", "--format", "markdown"}) ==
              "--format: 'markdown' is not one of text, json");
        CHECK(parse_error({"history", "--limit", "-1"}) ==
              "--limit: '-1' is not a whole number in 0..1000000");
        CHECK(parse_error({"history", "--state-dir", ""}) == "--state-dir: a directory is needed");
        CHECK(parse_error({"history", "--keep", "3"}) == "history: unknown option '--keep'");
        CHECK(parse_error({"history", "h:1"}) == "history: unexpected argument 'h:1'");
    }
    SECTION("help") {
        const Command help = parse_ok({"history", "--help"});
        CHECK(help.kind == CommandKind::help);
        CHECK(help.text.find("--state-dir") != std::string::npos);
        CHECK(help.text.find("--limit") != std::string::npos);
        CHECK(parse_ok({"--help"}).text.find("history") != std::string::npos);
    }
}
