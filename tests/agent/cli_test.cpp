// The command line: subcommands, help and version, config-then-flags override semantics,
// NO_COLOR, and that every validation error names the flag or file at fault.
#include "agent/cli.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace std::chrono_literals;
using namespace vpcprobe;

namespace {

using vpcprobe::test::pem_certificate;

std::variant<Command, UsageError> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "vpcprobe");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

Command parse_ok(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (auto* error = std::get_if<UsageError>(&result)) FAIL("usage error: " << error->message);
    return std::get<Command>(result);
}

std::string parse_error(const std::vector<std::string>& args) {
    auto result = parse(args);
    if (auto* command = std::get_if<Command>(&result)) {
        FAIL("expected a usage error, got command kind " << static_cast<int>(command->kind));
    }
    const std::string message = std::get<UsageError>(result).message;
    CHECK(message.find('\n') == std::string::npos);  // one line
    return message;
}

std::string write(const test::TempDir& dir, const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
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
    CHECK(options.timeout == 3s);
    CHECK_FALSE(options.deadline);
    CHECK(options.warn_days == 30);
    CHECK(options.format == ReportFormat::text);
    CHECK(options.concurrency == 64);
    CHECK(options.max_addresses == 16);
    CHECK(options.color);
    CHECK_FALSE(options.tcp_only);
    CHECK(options.targets.empty());
    CHECK_FALSE(options.config_file);
}

TEST_CASE("every check option is read") {
    test::TempDir dir;
    const std::string ca = write(dir, "ca.pem", pem_certificate());
    const std::string rules = write(dir, "sg.json", "{}");
    const Command command = parse_ok({"check",
                                      "h1:9092",
                                      "[::1]:8081=sr",
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
                                      "--tcp-only"});
    const CheckOptions& options = command.options;
    CHECK(options.targets == std::vector<std::string>{"h1:9092", "[::1]:8081=sr"});
    CHECK(options.instance == "abc");
    CHECK(options.access == "all");
    CHECK(options.bootstrap == std::vector<std::string>{"b1:9092", "b2:9093"});
    CHECK(options.dns_servers == std::vector<std::string>{"10.0.0.2", "[::1]:53"});
    CHECK(options.ca_files == std::vector<std::string>{ca});
    CHECK(options.timeout == 250ms);
    CHECK(options.deadline == 60s);
    CHECK(options.bind == "::1");
    CHECK(options.rules_files == std::vector<std::string>{rules});
    CHECK(options.warn_days == 0);
    CHECK(options.format == ReportFormat::junit);
    CHECK(options.tcp_only);
    CHECK(options.output == dir.file("report.xml"));
    CHECK(options.concurrency == 10000);
    CHECK(options.max_addresses == 64);
    CHECK_FALSE(options.color);
}

TEST_CASE("a repeatable flag takes one value per occurrence") {
    // "--dns-server 10.0.0.2 h:9092" must not swallow the target.
    const Command command = parse_ok({"check", "--dns-server", "10.0.0.2", "h:9092"});
    CHECK(command.options.dns_servers == std::vector<std::string>{"10.0.0.2"});
    CHECK(command.options.targets == std::vector<std::string>{"h:9092"});
    // A single-valued flag given twice: the last one wins.
    CHECK(parse_ok({"check", "h:1", "--timeout", "1s", "--timeout", "2s"}).options.timeout == 2s);
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
    CHECK(tuned.options.timeout == 1s);
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
         "--ca-file: '" + dir.file("junk.pem") + "': no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)"},
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
        {{"check", "h:1", "--bogus"}, "check: unknown option '--bogus'"},
        {{"check", "h:1", "-x"}, "check: unknown option '-x'"},
        {{"endpoints", "--instance", "a", "--bogus=1"}, "endpoints: unknown option '--bogus=1'"},
        {{"--bogus"}, "unknown option '--bogus' (try vpcprobe --help)"},
        {{"chek", "h:1"},
         "unknown command 'chek' (try check, endpoints, explain, serve or --help)"},
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
        CHECK(options.config_targets == std::vector<std::string>{"cfg-host:8081"});
        CHECK(options.targets.empty());
        CHECK(options.dns_servers == std::vector<std::string>{"10.0.0.2", "10.0.0.3"});
        CHECK(options.ca_files ==
              std::vector<std::string>{dir.file("ca1.pem"), dir.file("ca2.pem")});
        CHECK(options.timeout == 5s);
        CHECK(options.deadline == 120s);
        CHECK(options.warn_days == 10);
        CHECK(options.format == ReportFormat::json);
        CHECK(options.concurrency == 4);
        CHECK(options.color);
    }
    SECTION("flags given win; the rest stays") {
        const CheckOptions options =
            parse_ok({"check", "--config", config, "--timeout", "2s", "--dns-server", "10.9.9.9",
                      "--ca-file", other_ca, "--access", "vpc", "--no-color"})
                .options;
        CHECK(options.timeout == 2s);
        CHECK(options.dns_servers == std::vector<std::string>{"10.9.9.9"});  // replaced, not added
        CHECK(options.ca_files == std::vector<std::string>{other_ca});
        CHECK(options.access == "vpc");
        CHECK_FALSE(options.color);
        CHECK(options.instance == "abcdef");
        CHECK(options.deadline == 120s);
        CHECK(options.warn_days == 10);
        CHECK(options.format == ReportFormat::json);
        CHECK(options.bootstrap == std::vector<std::string>{"cfg-broker:9092"});
        CHECK(options.config_targets == std::vector<std::string>{"cfg-host:8081"});
    }
    SECTION("positional targets replace the config's targets; --bootstrap replaces its list") {
        const CheckOptions options =
            parse_ok({"check", "-c", config, "cli-host:9095", "--bootstrap", "cli-broker:9093"})
                .options;
        CHECK(options.targets == std::vector<std::string>{"cli-host:9095"});
        CHECK(options.config_targets.empty());
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
        CHECK(parse_ok({"check", "-c", minimal}).options.config_targets.size() == 1);
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
    CHECK(parse_ok({}).kind == CommandKind::help);
    CHECK(parse_ok({}).text == help.text);

    const Command check_help = parse_ok({"check", "--help"});
    CHECK(check_help.kind == CommandKind::help);
    CHECK(check_help.text != help.text);
    for (const char* flag :
         {"--instance", "--access", "--bootstrap", "--config", "--dns-server", "--ca-file",
          "--timeout", "--deadline", "--bind", "--rules", "--warn-days", "--format", "--output",
          "--concurrency", "--max-addresses", "--no-color", "TARGET"}) {
        CAPTURE(flag);
        CHECK(check_help.text.find(flag) != std::string::npos);
    }
    // Help wins over errors elsewhere on the line.
    CHECK(parse_ok({"check", "--timeout", "soon", "-h"}).kind == CommandKind::help);
    CHECK(parse_ok({"serve", "-h"}).text.find("--interval") != std::string::npos);
    CHECK(parse_ok({"explain", "--help"}).text.find("--from") != std::string::npos);
    CHECK(parse_ok({"endpoints", "-h"}).text.find("--instance") != std::string::npos);

    const Command version = parse_ok({"--version"});
    CHECK(version.kind == CommandKind::version);
    CHECK(version.text == "vpcprobe " VPCPROBE_VERSION "\n");
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
