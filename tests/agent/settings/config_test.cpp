// SPDX-License-Identifier: Apache-2.0
// The TOML config file: every key, unknown keys, malformed TOML with positions, relative paths,
// wrong types and bad values. Files are written into a fresh TempDir per test.
#include "agent/settings/config.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "agent/file_checks.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace std::chrono_literals;
using vpcprobe::load_config;
using vpcprobe::ReportFormat;
using vpcprobe::Settings;

namespace {

using vpcprobe::test::pem_certificate;

std::string write(const vpcprobe::test::TempDir& dir, const std::string& name,
                  const std::string& content) {
    return dir.write(name, content);
}

Settings load_ok(const std::string& path) {
    auto result = load_config(path, vpcprobe::probe_file_checks());
    if (!result) FAIL("unexpected error: " << result.error().message());
    return *result;
}

std::string load_error(const std::string& path) {
    auto result = load_config(path, vpcprobe::probe_file_checks());
    REQUIRE_FALSE(result.ok());
    return result.error().message();
}

std::vector<vpcprobe::TargetSpec> specs(const std::vector<std::string>& texts) {
    std::vector<vpcprobe::TargetSpec> out;
    for (const std::string& text : texts) out.push_back({text, "config"});
    return out;
}

// Loads a config whose only content is `content` and returns its error.
std::string error_for(const std::string& content) {
    vpcprobe::test::TempDir dir;
    return load_error(write(dir, "vpcprobe.toml", content));
}

}  // namespace

TEST_CASE("every key is read") {
    vpcprobe::test::TempDir dir;
    write(dir, "conf/ca/extra.pem", pem_certificate());
    write(dir, "conf/rules/sg.json", "{}");
    write(dir, "abs.json", "{}");
    write(dir, "conf/secrets/kafka.pw", "pw\n");
    const std::string abs_rules = dir.file("abs.json");
    const std::string path = write(dir, "conf/vpcprobe.toml", R"(
instance = "alikafka_confluent-cn-abcdef1234"
access = "all"
bootstrap = ["pkc-1.example.com:9092", "pkc-2.example.com:9093"]
targets = ["sr.example.com:443=schema-registry", "[::1]:9092"]
dns_servers = ["10.20.0.2", "[::1]:5353"]
ca_files = "ca/extra.pem"
timeout = "1.5s"
deadline = 30
bind = "10.20.1.15"
rules = ["rules/sg.json", ")" + abs_rules + R"("]
warn_days = 14
format = "json"
output = "out/../report.json"
concurrency = 8
max_addresses = 4
no_color = true
tcp_only = true
interval = "5m"
listen = "[::1]:9464"
follow_advertised = false

[sasl]
mechanism = "scram-sha-512"
username_env = "KAFKA_USER"
password_file = "secrets/kafka.pw"

[[target]]
host = "Connect.Example.com"
port = 8083

[[target]]
host = "::1"
port = 8081
component = "schema-registry"
tls = false
)");
    const Settings config = load_ok(path);
    const auto& options = config.options;
    const std::string conf_dir = dir.file("conf");
    CHECK(options.config_file == path);
    CHECK(options.instance == "alikafka_confluent-cn-abcdef1234");
    CHECK(options.access == "all");
    CHECK(options.bootstrap ==
          std::vector<std::string>{"pkc-1.example.com:9092", "pkc-2.example.com:9093"});
    CHECK(options.targets ==
          specs({"sr.example.com:443=schema-registry", "[::1]:9092", "Connect.Example.com:8083",
                 "plaintext://[::1]:8081=schema-registry"}));
    CHECK(options.probe.dns_servers == std::vector<std::string>{"10.20.0.2", "[::1]:5353"});
    CHECK(options.probe.ca_files == std::vector<std::string>{conf_dir + "/ca/extra.pem"});
    CHECK(options.probe.timeout == 1500ms);
    CHECK(options.probe.tcp_only);
    CHECK(options.probe.deadline == 30000ms);
    CHECK(options.probe.bind == "10.20.1.15");
    CHECK(options.rules_files == std::vector<std::string>{conf_dir + "/rules/sg.json", abs_rules});
    CHECK(options.probe.warn_days == 14);
    CHECK(options.format == ReportFormat::json);
    CHECK(options.output == conf_dir + "/report.json");
    CHECK(options.probe.concurrency == 8);
    CHECK(options.probe.max_addresses == 4);
    CHECK_FALSE(options.color);
    CHECK(config.serve.interval == 300000ms);
    CHECK(config.serve.listen == "[::1]:9464");
    CHECK_FALSE(options.probe.follow_advertised);
    REQUIRE(options.sasl);
    CHECK(options.sasl->mechanism == "SCRAM-SHA-512");
    CHECK(options.sasl->username_env == "KAFKA_USER");
    CHECK(options.sasl->password_file == conf_dir + "/secrets/kafka.pw");
}

TEST_CASE("an empty config keeps every default") {
    vpcprobe::test::TempDir dir;
    const Settings config = load_ok(write(dir, "empty.toml", "# nothing\n"));
    const vpcprobe::CheckOptions defaults;
    CHECK(config.options.probe.timeout == defaults.probe.timeout);
    CHECK(config.options.access == "vpc");
    CHECK(config.options.probe.warn_days == 30);
    CHECK(config.options.format == ReportFormat::text);
    CHECK(config.options.color);
    CHECK_FALSE(config.options.instance);
    CHECK(config.serve.interval == vpcprobe::ServeSettings{}.interval);
    CHECK_FALSE(config.options.sasl);
    CHECK(config.options.probe.follow_advertised);
}

TEST_CASE("durations: strings, integers and floats are seconds") {
    vpcprobe::test::TempDir dir;
    CHECK(load_ok(write(dir, "a.toml", "timeout = 2")).options.probe.timeout == 2000ms);
    CHECK(load_ok(write(dir, "b.toml", "timeout = 0.25")).options.probe.timeout == 250ms);
    CHECK(load_ok(write(dir, "c.toml", "timeout = \"250ms\"")).options.probe.timeout == 250ms);
    CHECK(error_for("timeout = \"soon\"")
              .find(":1:11: timeout: 'soon' is not a duration (try 3s, 250ms or 1m)") !=
          std::string::npos);
    CHECK(error_for("timeout = 0").find("timeout: 0 is not a duration") != std::string::npos);
    CHECK(error_for("deadline = -3").find("deadline: -3 is not a duration") != std::string::npos);
    CHECK(error_for("deadline = 1e12").find("is not a duration") != std::string::npos);
    CHECK(error_for("interval = nan").find("is not a duration") != std::string::npos);
    CHECK(error_for("timeout = true").find("timeout: expected a duration") != std::string::npos);
}

TEST_CASE("unknown keys are errors naming the key and the file") {
    vpcprobe::test::TempDir dir;
    const std::string path = write(dir, "vpcprobe.toml", "access = \"vpc\"\ntimout = \"3s\"\n");
    CHECK(load_error(path) == path + ":2:1: unknown key 'timout' (did you mean 'timeout'?)");
    CHECK(error_for("warn-days = 3").find("unknown key 'warn-days' (did you mean 'warn_days'?)") !=
          std::string::npos);
    CHECK(error_for("colour = false").find("unknown key 'colour'") != std::string::npos);
    CHECK(error_for("[probe]\ntimeout = 3").find("unknown key 'probe'") != std::string::npos);
    CHECK(error_for("config = \"other.toml\"").find("cannot name another config file") !=
          std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h\"\nprot = 80\n")
              .find(":3:1: target: unknown key 'prot' in [[target]] (did you mean 'port'?)") !=
          std::string::npos);
}

TEST_CASE("malformed TOML names file, line and column") {
    vpcprobe::test::TempDir dir;
    const std::string path =
        write(dir, "broken.toml", "access = \"vpc\"\n\ntimeout = \"3s\n warn_days = 3\n");
    const std::string error = load_error(path);
    CHECK(error.rfind(path + ":3:", 0) == 0);
    CHECK(error.find("invalid TOML") != std::string::npos);

    const std::string duplicate = error_for("timeout = 1\ntimeout = 2\n");
    CHECK(duplicate.find(":2:") != std::string::npos);
    CHECK(duplicate.find("invalid TOML") != std::string::npos);
}

TEST_CASE("a missing config file is named") {
    vpcprobe::test::TempDir dir;
    CHECK(load_error(dir.file("nope.toml")) ==
          "config file '" + dir.file("nope.toml") + "': no such file");
    CHECK(load_error(dir.path()).find("is a directory") != std::string::npos);
}

TEST_CASE("wrong types are errors naming the key") {
    CHECK(error_for("instance = 5").find("instance: expected a string, got an integer") !=
          std::string::npos);
    CHECK(error_for("warn_days = \"30\"").find("warn_days: expected an integer, got a string") !=
          std::string::npos);
    CHECK(error_for("targets = 5")
              .find("targets: expected a string or an array of strings, got an integer") !=
          std::string::npos);
    CHECK(error_for("bootstrap = [\"a:1\", 2]")
              .find("bootstrap: expected a string, got an integer") != std::string::npos);
    CHECK(error_for("dns_servers = { a = 1 }").find("got a table") != std::string::npos);
    CHECK(error_for("no_color = \"yes\"").find("no_color: expected true or false") !=
          std::string::npos);
    CHECK(error_for("concurrency = 1.5").find("concurrency: expected an integer, got a float") !=
          std::string::npos);
    CHECK(error_for("target = \"h:1\"").find("target: expected [[target]] tables") !=
          std::string::npos);
    CHECK(error_for("target = [1]").find("got an integer") != std::string::npos);
    CHECK(error_for("[[target]]\nhost = 1\nport = 2").find("target.host: expected a string") !=
          std::string::npos);
    CHECK(error_for("output = 1979-05-27").find("got a date/time") != std::string::npos);
}

TEST_CASE("bad values are errors naming the key, with positions") {
    CHECK(error_for("instance = \"abc!\"")
              .find(":1:12: instance: instance ID 'abc!': only letters") != std::string::npos);
    CHECK(
        error_for("access = \"internet\"").find("access: 'internet' is not one of vpc, pub, all") !=
        std::string::npos);
    CHECK(error_for("format = \"xml\"").find("format: 'xml' is not one of") != std::string::npos);
    CHECK(error_for("bind = \"eth0\"").find("bind: 'eth0' is not a numeric IP address") !=
          std::string::npos);
    CHECK(error_for("listen = \"9464\"").find("listen: '9464' has no port") != std::string::npos);
    CHECK(error_for("warn_days = -1").find("warn_days: -1 is not in 0..3650") != std::string::npos);
    CHECK(error_for("concurrency = 0").find("concurrency: 0 is not in 1..10000") !=
          std::string::npos);
    CHECK(error_for("max_addresses = 65").find("max_addresses: 65 is not in 1..64") !=
          std::string::npos);
    // A NUL in a TOML string ends nothing early: it is refused wherever it is.
    CHECK(error_for("bind = \"10.0.0.4\\u0000junk\"").find(":1:8: bind: holds a NUL character") !=
          std::string::npos);
    CHECK(error_for("dns_servers = [\"10.0.0.2\", \"10.0.0.4\\u0000:53\"]")
              .find(":1:28: dns_servers: holds a NUL character") != std::string::npos);
    CHECK(error_for("ca_files = \"ca.pem\\u0000x\"").find("ca_files: holds a NUL character") !=
          std::string::npos);
    CHECK(error_for("dns_servers = [\"10.0.0.2\",\n \"dns.google\"]")
              .find(":2:2: dns_servers: 'dns.google'") != std::string::npos);
    CHECK(error_for("bootstrap = \"b:9092=kafka\"").find("bootstrap: 'b:9092=kafka'") !=
          std::string::npos);
    CHECK(error_for("targets = [\"ok:1\", \"h:0\"]").find("targets: 'h:0': port '0'") !=
          std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h\"").find("needs both host and port") !=
          std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h\"\nport = 70000")
              .find("target.port: 70000 is not in 1..65535") != std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h h\"\nport = 1").find("'h h:1'") != std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h\"\nport = 1\ncomponent = \"Big\"")
              .find("component 'Big'") != std::string::npos);
}

TEST_CASE("relative file paths are resolved against the config's directory and checked") {
    vpcprobe::test::TempDir dir;
    const std::string path = write(dir, "etc/vpcprobe.toml", "ca_files = [\"missing.pem\"]\n");
    const std::string error = load_error(path);
    CHECK(error.find(path + ":1:13: ca_files: '" + dir.file("etc/missing.pem") +
                     "': no such file") == 0);
    CHECK(load_error(write(dir, "etc/r.toml", "rules = \"nope.json\""))
              .find("rules: '" + dir.file("etc/nope.json") + "': no such file") !=
          std::string::npos);
    CHECK(load_error(write(dir, "etc/o.toml", "output = \"nodir/report.json\""))
              .find("output: '" + dir.file("etc/nodir/report.json") + "': directory") !=
          std::string::npos);

    CHECK(load_ok(write(dir, "etc/h.toml", "hosts_file = \"hosts\"")).options.probe.hosts_file ==
          dir.file("etc/hosts"));
    std::filesystem::create_directories(dir.file("etc/hosts.d"));
    CHECK(load_error(write(dir, "etc/hd.toml", "hosts_file = \"hosts.d\""))
              .find(":1:14: hosts_file: '" + dir.file("etc/hosts.d") + "' is a directory") !=
          std::string::npos);

    write(dir, "etc/not-a-cert.pem", "hello\n");
    CHECK(load_error(write(dir, "etc/n.toml", "ca_files = \"not-a-cert.pem\""))
              .find("ca_files: '" + dir.file("etc/not-a-cert.pem") + "': no PEM certificate") !=
          std::string::npos);

    // A relative config path works from the current directory too.
    write(dir, "etc/ca.pem", pem_certificate());
    const std::string relative_config = write(dir, "etc/rel.toml", "ca_files = \"ca.pem\"\n");
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    auto result = load_config("etc/rel.toml", vpcprobe::probe_file_checks());
    std::filesystem::current_path(previous);
    REQUIRE(result.ok());
    CHECK(result->options.probe.ca_files == std::vector<std::string>{dir.file("etc/ca.pem")});
    (void)relative_config;
}

TEST_CASE("target schemes and [[target]] tls choose TLS per target") {
    vpcprobe::test::TempDir dir;
    const Settings config = load_ok(write(dir, "vpcprobe.toml", R"(
bootstrap = ["SASL_PLAINTEXT://b1:9092", "SASL_SSL://b2:9093"]
targets = ["PLAINTEXT://h:9092=kafka", "http://sr:8081"]

[[target]]
host = "tls-by-default"
port = 1

[[target]]
host = "explicit"
port = 2
tls = true

[[target]]
host = "10.0.0.7"
port = 9092
tls = false
)"));
    CHECK(config.options.bootstrap ==
          std::vector<std::string>{"SASL_PLAINTEXT://b1:9092", "SASL_SSL://b2:9093"});
    CHECK(config.options.targets ==
          specs({"PLAINTEXT://h:9092=kafka", "http://sr:8081", "tls-by-default:1", "explicit:2",
                 "plaintext://10.0.0.7:9092"}));

    const std::string scheme_hint = "unknown scheme 'ftp://'";
    CHECK(error_for("targets = [\"ftp://h:1\"]")
              .find(":1:12: targets: 'ftp://h:1': " + scheme_hint) != std::string::npos);
    CHECK(error_for("bootstrap = \"tcp://b:9092\"")
              .find("bootstrap: 'tcp://b:9092': unknown scheme "
                    "'tcp://'") != std::string::npos);
    CHECK(error_for("[[target]]\nhost = \"h\"\nport = 1\ntls = \"no\"\n")
              .find(":4:7: target.tls: expected true or false, got a string") != std::string::npos);
    CHECK(
        error_for("[[target]]\nhost = \"h\"\nport = 1\ntsl = false\n")
            .find(":4:1: target: unknown key 'tsl' in [[target]] (did you mean 'tls'?); use host, "
                  "port, component, tls") != std::string::npos);
}

TEST_CASE("follow_advertised is a boolean") {
    vpcprobe::test::TempDir dir;
    CHECK_FALSE(
        load_ok(write(dir, "a.toml", "follow_advertised = false")).options.probe.follow_advertised);
    CHECK(
        load_ok(write(dir, "b.toml", "follow_advertised = true")).options.probe.follow_advertised);
    CHECK(error_for("follow_advertised = \"no\"")
              .find(":1:21: follow_advertised: expected true or false, got a string") !=
          std::string::npos);
    CHECK(error_for("follow_advertised = 0")
              .find("follow_advertised: expected true or false, got "
                    "an integer") != std::string::npos);
    CHECK(error_for("follow-advertised = false")
              .find("unknown key 'follow-advertised' (did you mean 'follow_advertised'?)") !=
          std::string::npos);
}

TEST_CASE("[sasl]: every key, paths relative to the config, mechanism upper-cased") {
    vpcprobe::test::TempDir dir;
    write(dir, "etc/user.txt", "alice\n");
    write(dir, "etc/pw/kafka.pw", "secret\n");
    const std::string path = write(dir, "etc/vpcprobe.toml", R"(
targets = "h:9092"

[sasl]
mechanism = "Scram-Sha-256"
username = "alice"
username_env = "KAFKA_USER"
username_file = "user.txt"
password_env = "KAFKA_PASSWORD"
password_file = "pw/kafka.pw"
)");
    const Settings config = load_ok(path);
    REQUIRE(config.options.sasl);
    const vpcprobe::SaslOptions& sasl = *config.options.sasl;
    CHECK(sasl.mechanism == "SCRAM-SHA-256");
    CHECK(sasl.username == "alice");
    CHECK(sasl.username_env == "KAFKA_USER");
    CHECK(sasl.username_file == dir.file("etc/user.txt"));
    CHECK(sasl.password_env == "KAFKA_PASSWORD");
    CHECK(sasl.password_file == dir.file("etc/pw/kafka.pw"));

    // The mechanism alone is a valid table: credentials then come from the environment.
    const vpcprobe::SaslOptions plain =
        *load_ok(write(dir, "p.toml", "[sasl]\nmechanism = \"plain\"\n")).options.sasl;
    CHECK(plain.mechanism == "PLAIN");
    CHECK_FALSE(plain.username);
    CHECK_FALSE(plain.username_env);
    CHECK_FALSE(plain.username_file);
    CHECK_FALSE(plain.password_env);
    CHECK_FALSE(plain.password_file);
    // An inline table is the same table.
    CHECK(load_ok(write(dir, "i.toml", "sasl = { mechanism = \"SCRAM-SHA-512\" }\n"))
              .options.sasl->mechanism == "SCRAM-SHA-512");
}

TEST_CASE("[sasl] errors name the key and never repeat a password") {
    const std::string secret = "hunter2-Zq9";
    const std::string with_password =
        error_for("[sasl]\nmechanism = \"PLAIN\"\npassword = \"" + secret + "\"\n");
    CHECK(with_password.find(":3:1: sasl.password: a password is never written into the config "
                             "file; use password_file or password_env") != std::string::npos);
    CHECK(with_password.find(secret) == std::string::npos);
    // Refused whatever its type, and before anything can echo it.
    const std::string as_number = error_for("[sasl]\nmechanism = \"PLAIN\"\npassword = 271828\n");
    CHECK(as_number.find("sasl.password: a password is never written") != std::string::npos);
    CHECK(as_number.find("271828") == std::string::npos);
    const std::string inline_table =
        error_for("sasl = { mechanism = \"PLAIN\", password = \"" + secret + "\" }\n");
    CHECK(inline_table.find("sasl.password: a password is never written") != std::string::npos);
    CHECK(inline_table.find(secret) == std::string::npos);
    // A near miss of a key is named, with the nearest known key, but its value is not shown.
    const std::string near_miss =
        error_for("[sasl]\nmechanism = \"PLAIN\"\npassword-file = \"" + secret + "\"\n");
    CHECK(near_miss.find(":3:1: sasl: unknown key 'password-file' in [sasl] (did you mean "
                         "'password_file'?); use mechanism, username, username_env, "
                         "username_file, password_env, password_file") != std::string::npos);
    CHECK(near_miss.find(secret) == std::string::npos);
    const std::string passwd =
        error_for("[sasl]\nmechanism = \"PLAIN\"\npasswd = \"" + secret + "\"\n");
    CHECK(passwd.find("sasl: unknown key 'passwd' in [sasl]") != std::string::npos);
    CHECK(passwd.find(secret) == std::string::npos);

    CHECK(
        error_for("[sasl]\nusername = \"alice\"\n")
            .find(":1:1: sasl: [sasl] needs a mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)") !=
        std::string::npos);
    CHECK(error_for("[sasl]\n").find("[sasl] needs a mechanism") != std::string::npos);
    CHECK(error_for("[sasl]\nmechanism = \"GSSAPI\"\n")
              .find(":2:13: sasl.mechanism: 'GSSAPI' is not a SASL mechanism vpcprobe speaks "
                    "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)") != std::string::npos);
    CHECK(error_for("[sasl]\nmechanism = 256\n")
              .find("sasl.mechanism: expected a string, got an integer") != std::string::npos);
    CHECK(error_for("[sasl]\nmechanism = \"PLAIN\"\nusername = [\"a\"]\n")
              .find(":3:12: sasl.username: expected a string, got an array") != std::string::npos);
    CHECK(error_for("[sasl]\nmechanism = \"PLAIN\"\npassword_env = 1\n")
              .find("sasl.password_env: expected a string, got an integer") != std::string::npos);
    CHECK(error_for("sasl = \"PLAIN\"").find(":1:8: sasl: expected a [sasl] table, got a string") !=
          std::string::npos);
    CHECK(error_for("sals = 1").find("unknown key 'sals' (did you mean 'sasl'?)") !=
          std::string::npos);

    vpcprobe::test::TempDir dir;
    const std::string path = write(dir, "conf/vpcprobe.toml",
                                   "[sasl]\nmechanism = \"PLAIN\"\npassword_file = \"kafka.pw\"\n");
    CHECK(load_error(path) ==
          path + ":3:17: sasl.password_file: '" + dir.file("conf/kafka.pw") + "': no such file");
    const std::string user_path =
        write(dir, "conf/u.toml", "[sasl]\nmechanism = \"PLAIN\"\nusername_file = \"u\"\n");
    CHECK(load_error(user_path).find("sasl.username_file: '" + dir.file("conf/u") +
                                     "': no such file") != std::string::npos);
}

TEST_CASE("state_dir and keep: history settings of serve and vpcprobe history") {
    vpcprobe::test::TempDir dir;
    const Settings relative =
        load_ok(write(dir, "etc/vpcprobe.toml", "state_dir = \"../state\"\nkeep = 25\n"));
    CHECK(relative.serve.state_dir == dir.file("state"));  // relative to the config's directory
    CHECK(relative.history.state_dir == dir.file("state"));
    CHECK(relative.serve.keep == 25);
    const Settings absolute = load_ok(write(dir, "abs.toml", "state_dir = \"/var/lib/x\"\n"));
    CHECK(absolute.serve.state_dir == "/var/lib/x");
    CHECK(absolute.serve.keep == vpcprobe::ServeSettings{}.keep);
    const Settings empty = load_ok(write(dir, "empty.toml", "# nothing\n"));
    CHECK(empty.serve.state_dir.empty());
    CHECK(empty.history.state_dir == vpcprobe::HistorySettings{}.state_dir);

    CHECK(error_for("state_dir = \"\"").find(":1:13: state_dir: a directory is needed") !=
          std::string::npos);
    CHECK(error_for("state_dir = [\"a\"]").find("state_dir: expected a string, got an array") !=
          std::string::npos);
    CHECK(error_for("keep = 0").find(":1:8: keep: 0 is not in 1..100000") != std::string::npos);
    CHECK(error_for("keep = 100001").find("keep: 100001 is not in 1..100000") != std::string::npos);
    CHECK(error_for("keep = \"10\"").find("keep: expected an integer, got a string") !=
          std::string::npos);
    CHECK(error_for("state-dir = \"x\"").find("(did you mean 'state_dir'?)") != std::string::npos);
}

TEST_CASE("credentials written into a target are refused and never repeated") {
    const std::string secret = "pa=ss@w0rd";
    for (const std::string& toml : {"targets = [\"SASL_SSL://svc:" + secret + "@b:9096\"]\n",
                                    "bootstrap = \"svc:" + secret + "@b:9092\"\n",
                                    "[[target]]\nhost = \"svc:" + secret + "@b\"\nport = 9092\n"}) {
        const std::string error = error_for(toml);
        INFO(error);
        CHECK(error.find("credentials do not belong in a") != std::string::npos);
        CHECK(error.find(secret) == std::string::npos);
        CHECK(error.find("svc") == std::string::npos);
    }
}

TEST_CASE("[agent]: the name and labels, sorted by name") {
    vpcprobe::test::TempDir dir;
    const Settings settings =
        load_ok(write(dir, "vpcprobe.toml",
                      "[agent]\n"
                      "name = \"app-subnet-a\"\n"
                      "labels = { vpc = \"vpc-0prod\", subnet = \"x y\" }\n"));
    CHECK(settings.options.agent_name == "app-subnet-a");
    CHECK(settings.options.agent_labels ==
          std::vector<vpcprobe::AgentLabel>{{"subnet", "x y"}, {"vpc", "vpc-0prod"}});
    // Nothing said: no name (the hostname is taken when the check runs) and no labels.
    const Settings defaults = load_ok(write(dir, "empty.toml", ""));
    CHECK(defaults.options.agent_name.empty());
    CHECK(defaults.options.agent_labels.empty());
}

TEST_CASE("[agent] errors name the key at fault") {
    CHECK(error_for("[agent]\nlabels = { \"my-vpc\" = \"x\" }\n")
              .ends_with("vpcprobe.toml:2:23: agent.labels.my-vpc: 'my-vpc' is not a label name "
                         "(letters, digits and underscores, not starting with a digit)"));
    CHECK(error_for("[agent]\nlabels = { __vpc = \"x\" }\n")
              .ends_with("agent.labels.__vpc: '__vpc' starts with \"__\", which Prometheus "
                         "reserves"));
    CHECK(error_for("[agent]\nlabels = { 9vpc = \"x\" }\n").find("agent.labels.9vpc: ") !=
          std::string::npos);
    for (const char* taken : {"agent", "instance", "job"}) {
        CHECK(error_for(std::string("[agent]\nlabels = { ") + taken + " = \"x\" }\n")
                  .find(std::string("agent.labels.") + taken + ": '" + taken + "' is taken") !=
              std::string::npos);
    }
    CHECK(error_for("[agent]\nlabels = { vpc = 3 }\n").find("agent.labels.vpc: ") !=
          std::string::npos);
    CHECK(error_for("[agent]\nlabels = \"vpc=x\"\n").find("agent.labels: expected a table") !=
          std::string::npos);
    CHECK(error_for("[agent]\nname = \"\"\n").ends_with("agent.name: a name is needed"));
    CHECK(error_for("[agent]\nname = \"a\\nb\"\n").ends_with("holds a control character"));
    CHECK(error_for("[agent]\nnickname = \"a\"\n").find("unknown key 'nickname' in [agent]") !=
          std::string::npos);
}
