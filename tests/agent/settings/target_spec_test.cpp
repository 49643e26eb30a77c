// SPDX-License-Identifier: Apache-2.0
// Target specs: [SCHEME://]HOST:PORT[=COMPONENT] in all the forms users type, and the refusals.
#include "agent/settings/target_spec.h"

#include <catch2/catch.hpp>
#include <utility>

#include "agent/settings/setting_value.h"

using vpcprobe::parse_target_spec;
using vpcprobe::Target;
using vpcprobe::TargetSpecRules;

namespace {

Target parse_ok(std::string_view spec, const TargetSpecRules& rules = {}) {
    auto target = parse_target_spec(spec, rules);
    INFO("spec " << spec << " error " << (target ? std::string() : target.error().message()));
    REQUIRE(target);
    return *target;
}

std::string parse_error(std::string_view spec, const TargetSpecRules& rules = {}) {
    const auto target = parse_target_spec(spec, rules);
    INFO("spec " << spec);
    REQUIRE_FALSE(target);
    REQUIRE_FALSE(target.error().message().empty());
    return target.error().message();
}

}  // namespace

TEST_CASE("IPv4, names and explicit components") {
    const Target v4 = parse_ok("10.0.0.5:9092");
    CHECK(v4.host == "10.0.0.5");
    CHECK(v4.port == 9092);
    CHECK(v4.component == "kafka");
    CHECK(v4.access.empty());
    CHECK(v4.origin.empty());

    const Target named = parse_ok("pkc-1x2y3.us-west-2.aws.confluent.cloud:9092=kafka");
    CHECK(named.host == "pkc-1x2y3.us-west-2.aws.confluent.cloud");
    CHECK(named.component == "kafka");

    const Target custom = parse_ok("Broker_1.Example.COM:443=schema-registry");
    CHECK(custom.host == "broker_1.example.com");  // lower-cased
    CHECK(custom.port == 443);
    CHECK(custom.component == "schema-registry");
    CHECK(parse_ok("h:9092=endpoint").component == "endpoint");  // no protocol check, on purpose

    CHECK(parse_ok("rooted.example.:1").host == "rooted.example.");
    CHECK(parse_ok("localhost:65535").port == 65535);
    CHECK(parse_ok("h:1").port == 1);
    CHECK(parse_ok(std::string(63, 'a') + ".b:80").host.size() == 65);
}

TEST_CASE("IPv6 in brackets") {
    const Target v6 = parse_ok("[::1]:8081");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 8081);
    CHECK(v6.component == "schema-registry");
    CHECK(v6.endpoint() == "[::1]:8081");

    CHECK(parse_ok("[2001:DB8::5]:9095=kafka").host == "2001:db8::5");
    CHECK(parse_ok("[2001:db8:0:0::5]:1").host == "2001:db8::5");  // canonical, so dedupe works
    CHECK(parse_ok("[0::1]:1").host == "::1");
    CHECK(parse_ok("[FE80::0:1%Eth0]:1").host == "fe80::1%Eth0");  // zone names keep their case
    CHECK(parse_ok("[fe80::1%eth0]:9092").host == "fe80::1%eth0");
    CHECK(parse_ok("[::ffff:10.0.0.1]:443").host == "::ffff:10.0.0.1");
}

TEST_CASE("the component is derived from well-known ports when not given") {
    const std::pair<std::uint16_t, const char*> ports[] = {
        {9092, "kafka"},  {9093, "kafka"},           {9094, "kafka"},      {9095, "kafka"},
        {8090, "mds"},    {8081, "schema-registry"}, {8082, "rest-proxy"}, {8083, "connect"},
        {8088, "ksqldb"}, {9021, "control-center"},  {443, "endpoint"},    {1234, "endpoint"}};
    for (const auto& [port, component] : ports) {
        CAPTURE(port);
        CHECK(vpcprobe::component_for_port(port) == component);
        CHECK(parse_ok("h:" + std::to_string(port)).component == component);
    }
}

TEST_CASE("bootstrap rules: always kafka, no =COMPONENT") {
    const TargetSpecRules bootstrap{"kafka", false};
    CHECK(parse_ok("broker:1234", bootstrap).component == "kafka");
    CHECK(parse_ok("broker:8081", bootstrap).component == "kafka");
    CHECK(parse_error("broker:9092=kafka", bootstrap).find("without =COMPONENT") !=
          std::string::npos);
}

TEST_CASE("bad ports name the spec") {
    CHECK(parse_error("h:0") == "'h:0': port '0' is not in 1..65535");
    CHECK(parse_error("h:65536") == "'h:65536': port '65536' is not in 1..65535");
    CHECK(parse_error("h:") == "'h:': missing port number");
    CHECK(parse_error("h:abc").find("port 'abc'") != std::string::npos);
    CHECK(parse_error("h:-1").find("port '-1'") != std::string::npos);
    CHECK(parse_error("h:+80").find("port '+80'") != std::string::npos);
    CHECK(parse_error("h:123456").find("port '123456'") != std::string::npos);
    CHECK(parse_error("h:80 ").find("port '80 '") != std::string::npos);
    CHECK(parse_error("host") == "'host': missing :PORT (use HOST:PORT or HOST:PORT=COMPONENT)");
    CHECK(parse_error("[::1]").find("missing :PORT") != std::string::npos);
    CHECK(parse_error("[::1]9092").find("missing :PORT") != std::string::npos);
}

TEST_CASE("bad hosts and components name the spec") {
    CHECK(parse_error("").find("empty target") != std::string::npos);
    CHECK(parse_error(":9092").find("empty host") != std::string::npos);
    CHECK(parse_error("ho st:1") == "'ho st:1': host name 'ho st' has ' '");
    CHECK(parse_error("h/x:1").find("'/'") != std::string::npos);
    CHECK(parse_error("h!:1").find("'!'") != std::string::npos);
    CHECK(parse_error(std::string("h\x01:1")).find("\\x01") != std::string::npos);
    CHECK(parse_error("a..b:80").find("empty label") != std::string::npos);
    CHECK(parse_error(".a:80").find("empty label") != std::string::npos);
    CHECK(parse_error("-a.b:80").find("'-'") != std::string::npos);
    CHECK(parse_error("a-.b:80").find("'-'") != std::string::npos);
    CHECK(parse_error(std::string(64, 'a') + ".b:80").find("longer than 63") != std::string::npos);
    std::string long_name;
    while (long_name.size() < 254) long_name += "abcdefghi.";
    long_name = long_name.substr(0, 254);
    CHECK(parse_error(long_name + ":80").find("longer than 253") != std::string::npos);
    CHECK(parse_error("999.1.1.1:80") == "'999.1.1.1:80': '999.1.1.1' is not a valid IPv4 address");
    CHECK(parse_error("10.0.0:80").find("not a valid IPv4") != std::string::npos);
    CHECK(parse_error("::1:9092") == "'::1:9092': put an IPv6 address in brackets: [ADDR]:PORT");
    CHECK(parse_error("[zz::1]:80").find("'zz::1' is not an IPv6 address") != std::string::npos);
    CHECK(parse_error("[10.0.0.1]:80").find("not an IPv6 address") != std::string::npos);
    CHECK(parse_error("[::1:80").find("missing ']'") != std::string::npos);
    CHECK(parse_error("h:1=").find("empty component") != std::string::npos);
    CHECK(parse_error("h:1=Kafka").find("unknown component 'Kafka'; did you mean 'kafka'?") !=
          std::string::npos);
    CHECK(parse_error("h:1=a_b").find("unknown component 'a_b' (known: ") != std::string::npos);
    CHECK(parse_error("h:1=a=b").find("unknown component 'a=b' (known: ") != std::string::npos);
    CHECK(parse_error(std::string("h:1=kafka\x01")) == "'h:1=kafka\x01': component has \\x01");
    CHECK(parse_error("h:1=" + std::string(64, 'a')).find("longer than 63") != std::string::npos);
}

TEST_CASE("only known components are accepted, with the nearest one suggested") {
    for (const std::string& component : vpcprobe::known_components()) {
        CAPTURE(component);
        CHECK(parse_ok("h:1=" + component).component == component);
    }
    CHECK(vpcprobe::known_components() ==
          std::vector<std::string>{"kafka", "mds", "schema-registry", "rest-proxy", "connect",
                                   "ksqldb", "control-center", "endpoint"});
    const std::string known =
        " (known: kafka, mds, schema-registry, rest-proxy, connect, ksqldb, control-center, "
        "endpoint; endpoint checks TCP and TLS only)";
    CHECK(parse_error("127.0.0.1:8081=schemaregistry") ==
          "'127.0.0.1:8081=schemaregistry': unknown component 'schemaregistry'; did you mean "
          "'schema-registry'?" +
              known);
    // The catalog's hostname spellings and near misses of them lead to their component.
    const std::pair<const char*, const char*> near[] = {{"kafkarestproxy", "rest-proxy"},
                                                        {"kafkarestprox", "rest-proxy"},
                                                        {"controlcenter", "control-center"},
                                                        {"control_center", "control-center"},
                                                        {"restproxy", "rest-proxy"},
                                                        {"kafak", "kafka"},
                                                        {"ksql", "ksqldb"},
                                                        {"connector", "connect"},
                                                        {"endpoints", "endpoint"},
                                                        {"md", "mds"},
                                                        {"schema-regsitry", "schema-registry"}};
    for (const auto& [given, meant] : near) {
        CAPTURE(given);
        CHECK(parse_error(std::string("h:1=") + given)
                  .find("unknown component '" + std::string(given) + "'; did you mean '" + meant +
                        "'?") != std::string::npos);
    }
    // Nothing close: no guess, but still the known names.
    for (const char* far : {"sr", "web", "tls", "x", "registry", "zookeeper"}) {
        CAPTURE(far);
        const std::string error = parse_error(std::string("h:1=") + far);
        CHECK(error == "'h:1=" + std::string(far) + "': unknown component '" + far + "'" + known);
    }
}

TEST_CASE("nearest_name: close misses only, the first of equals") {
    const std::vector<std::string> names = {"kafka", "mds", "connect"};
    CHECK(vpcprobe::nearest_name("kafak", names) == "kafka");
    CHECK(vpcprobe::nearest_name("kafka", names) == "kafka");
    CHECK(vpcprobe::nearest_name("mdss", names) == "mds");
    CHECK(vpcprobe::nearest_name("conect", names) == "connect");
    CHECK_FALSE(vpcprobe::nearest_name("zookeeper", names));
    CHECK_FALSE(vpcprobe::nearest_name("x", names));  // one letter is never a near miss
    CHECK_FALSE(vpcprobe::nearest_name("x", {"y"}));
    CHECK_FALSE(vpcprobe::nearest_name("abc", {"xyc"}));  // more than half the word changed
    CHECK_FALSE(vpcprobe::nearest_name("abcdefgh", {"abcdexyz"}));      // more than 2 edits
    CHECK(vpcprobe::nearest_name("abcd", {"abxy", "abcx"}) == "abcx");  // the closest
    CHECK(vpcprobe::nearest_name("abcd", {"abcx", "abxd"}) == "abcx");  // the first of equals
    CHECK_FALSE(vpcprobe::nearest_name("anything", {}));
}

TEST_CASE("target_spec_text is read back as the same target") {
    for (const char* spec :
         {"h:1=endpoint", "[::1]:9092=kafka", "10.0.0.1:443", "PLAINTEXT://h:1=connect",
          "sasl_plaintext://[::1]:9092", "SSL://b:9093", "http://h:8081"}) {
        CAPTURE(spec);
        const Target target = parse_ok(spec);
        CHECK(parse_ok(vpcprobe::target_spec_text(target)) == target);
    }
    Target plain = parse_ok("h:1=ksqldb");
    CHECK(vpcprobe::target_spec_text(plain) == "h:1=ksqldb");
    plain.tls = false;
    CHECK(vpcprobe::target_spec_text(plain) == "plaintext://h:1=ksqldb");
    CHECK(vpcprobe::target_spec_text(parse_ok("SASL_PLAINTEXT://[::1]:9092")) ==
          "plaintext://[::1]:9092=kafka");
}

TEST_CASE("a listener scheme chooses TLS or not; none means TLS") {
    const std::pair<const char*, bool> cases[] = {
        {"b:9092", true},
        {"PLAINTEXT://b:9092", false},
        {"SASL_PLAINTEXT://b:9092", false},
        {"http://b:9092", false},
        {"SSL://b:9092", true},
        {"SASL_SSL://b:9092", true},
        {"https://b:9092", true},
        // Case does not matter.
        {"plaintext://b:9092", false},
        {"Sasl_Plaintext://b:9092", false},
        {"HTTP://b:9092", false},
        {"ssl://b:9092", true},
        {"sasl_ssl://b:9092", true},
        {"HTTPS://b:9092", true},
    };
    for (const auto& [spec, tls] : cases) {
        CAPTURE(spec);
        const Target target = parse_ok(spec);
        CHECK(target.tls == tls);
        // The scheme is not part of the host, and the rest is parsed as without it.
        CHECK(target.host == "b");
        CHECK(target.port == 9092);
        CHECK(target.component == "kafka");
    }

    const Target v6 = parse_ok("PLAINTEXT://[2001:DB8::5]:8081=connect");
    CHECK_FALSE(v6.tls);
    CHECK(v6.host == "2001:db8::5");
    CHECK(v6.port == 8081);
    CHECK(v6.component == "connect");
    CHECK(v6.endpoint() == "[2001:db8::5]:8081");
    CHECK(parse_ok("http://Connect.Example.com:8083").host == "connect.example.com");
    CHECK(parse_ok("http://h:8081").component == "schema-registry");

    // Bootstrap specs take a scheme too, and still no =COMPONENT.
    const TargetSpecRules bootstrap{"kafka", false};
    const Target broker = parse_ok("SASL_PLAINTEXT://broker:1234", bootstrap);
    CHECK_FALSE(broker.tls);
    CHECK(broker.component == "kafka");
    CHECK(parse_ok("SASL_SSL://broker:9092", bootstrap).tls);
    CHECK(parse_error("PLAINTEXT://broker:9092=kafka", bootstrap) ==
          "'PLAINTEXT://broker:9092=kafka': give HOST:PORT without =COMPONENT (this is always a "
          "kafka target)");
}

TEST_CASE("an unknown scheme is refused, naming it") {
    const std::string hint =
        " (use PLAINTEXT://, SSL://, SASL_PLAINTEXT://, SASL_SSL://, http:// or https://, or none "
        "for TLS)";
    CHECK(parse_error("ftp://h:21") == "'ftp://h:21': unknown scheme 'ftp://'" + hint);
    CHECK(parse_error("TCP://h:9092=kafka") ==
          "'TCP://h:9092=kafka': unknown scheme 'TCP://'" + hint);
    CHECK(parse_error("kafka://b:9092").find("unknown scheme 'kafka://'") != std::string::npos);
    CHECK(parse_error("SASL_SSLL://b:9092").find("unknown scheme 'SASL_SSLL://'") !=
          std::string::npos);
    CHECK(parse_error("://h:1") == "'://h:1': unknown scheme '://'" + hint);
    CHECK(parse_error("plaintext://plaintext://h:1").find("'plaintext://plaintext://h:1': ") ==
          0);  // one scheme only
    CHECK(parse_error("x://b:1", {"kafka", false}).find("unknown scheme 'x://'") !=
          std::string::npos);
}

TEST_CASE("after a scheme, errors still name the whole spec") {
    CHECK(parse_error("PLAINTEXT://h:0") == "'PLAINTEXT://h:0': port '0' is not in 1..65535");
    CHECK(parse_error("SSL://h") ==
          "'SSL://h': missing :PORT (use HOST:PORT or HOST:PORT=COMPONENT)");
    CHECK(parse_error("PLAINTEXT://").find("'PLAINTEXT://': ") == 0);
    CHECK(parse_error("http://::1:80") ==
          "'http://::1:80': put an IPv6 address in brackets: [ADDR]:PORT");
    CHECK(parse_error("https://h:1=Big").find("'https://h:1=Big': unknown component 'Big'") == 0);
    // A slip in the separator is not taken for a scheme.
    CHECK(parse_error("PLAINTEXT:/h:9092").find("'PLAINTEXT:/h:9092': ") == 0);
}

TEST_CASE("credentials in a target are refused and never quoted back") {
    const std::string secret = "pa:ss@w=rd";  // ':', '@' and '=' inside the password
    for (const std::string& spec :
         {"SASL_SSL://user:" + secret + "@b-1.example.com:9096", "user:" + secret + "@b:9092",
          "http://svc:" + secret + "@sr.example.com:8081=schema-registry",
          std::string("@b:9092")}) {
        const std::string error = parse_error(spec);
        INFO(error);
        CHECK(error.find(secret) == std::string::npos);
        CHECK(error.find("user") == std::string::npos);
        CHECK(error.find("***@") != std::string::npos);
        CHECK(error.find("credentials do not belong in a target") != std::string::npos);
    }
    CHECK(parse_error("SASL_SSL://u:p@b:9096").find("'SASL_SSL://***@b:9096': ") == 0);
    CHECK(parse_error("b:9092=kafka@x").find("'***@x': ") == 0);  // no scheme: all of it
    // --bootstrap goes through the same parser.
    CHECK(parse_error("u:p@b:9092", {"kafka", false}).find("'***@b:9092': ") == 0);
}
