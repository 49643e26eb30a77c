// SPDX-License-Identifier: Apache-2.0
// The checks shared by the command line and the config file.
#include "agent/settings/validate.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "agent/file_checks.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace vpcprobe;

namespace {

// What is wrong, or "" when nothing is.
std::string problem(const Result<void>& checked) {
    return checked ? std::string() : checked.error().message();
}

}  // namespace

TEST_CASE("access and format") {
    CHECK(problem(check_access("vpc")).empty());
    CHECK(problem(check_access("pub")).empty());
    CHECK(problem(check_access("all")).empty());
    CHECK(problem(check_access("VPC")) == "'VPC' is not one of vpc, pub, all");
    for (auto format : {ReportFormat::text, ReportFormat::json, ReportFormat::markdown,
                        ReportFormat::prometheus, ReportFormat::junit}) {
        CHECK(parse_report_format(report_format_name(format)) == format);
    }
    CHECK_FALSE(parse_report_format("xml"));
    CHECK_FALSE(parse_report_format("JSON"));
}

TEST_CASE("integers and ports") {
    CHECK(parse_integer("0", 0, 10) == 0);
    CHECK(parse_integer("10", 0, 10) == 10);
    CHECK(parse_integer("-3", -5, 10) == -3);
    CHECK_FALSE(parse_integer("11", 0, 10));
    CHECK_FALSE(parse_integer("-1", 0, 10));
    CHECK_FALSE(parse_integer("+1", 0, 10));
    CHECK_FALSE(parse_integer("1 ", 0, 10));
    CHECK_FALSE(parse_integer("", 0, 10));
    CHECK_FALSE(parse_integer("1.5", 0, 10));
    CHECK_FALSE(parse_integer("99999999999999999999999", 0, 10));
    CHECK(parse_port("53") == 53);
    CHECK_FALSE(parse_port("0"));
    CHECK_FALSE(parse_port("65536"));
    CHECK_FALSE(parse_port("-53"));
}

TEST_CASE("resolver addresses") {
    for (const char* good :
         {"10.0.0.2", "10.0.0.2:53", "127.0.0.1:5353", "[::1]:53", "[::1]", "2001:db8::53"}) {
        CAPTURE(good);
        CHECK(problem(check_dns_server(good)).empty());
    }
    CHECK(problem(check_dns_server("dns.google"))
              .find("'dns.google' is not a numeric IPv4 address") != std::string::npos);
    CHECK(problem(check_dns_server("10.0.0.2:0")).find("port '0'") != std::string::npos);
    CHECK(problem(check_dns_server("10.0.0.2:")).find("port ''") != std::string::npos);
    CHECK(problem(check_dns_server("[::1]53")).find("junk after ']'") != std::string::npos);
    CHECK(problem(check_dns_server("[::1")).find("missing ']'") != std::string::npos);
    CHECK(problem(check_dns_server("[10.0.0.1]:53")).find("not an IPv6") != std::string::npos);
    CHECK(problem(check_dns_server("::zz")).find("not an IPv6") != std::string::npos);
    CHECK_FALSE(problem(check_dns_server("")).empty());
}

TEST_CASE("IP endpoints for --listen and --to") {
    auto v4 = parse_ip_endpoint("127.0.0.1:9464");
    REQUIRE(v4);
    CHECK(v4->address == "127.0.0.1");
    CHECK(v4->port == 9464);
    auto v6 = parse_ip_endpoint("[::1]:443");
    REQUIRE(v6);
    CHECK(v6->address == "::1");
    CHECK(v6->port == 443);
    for (const char* bad : {"127.0.0.1", "localhost:80", "::1:80", "[::1]", "10.0.0.1:0",
                            "10.0.0.1:x", "[x]:80", ""}) {
        CAPTURE(bad);
        const auto parsed = parse_ip_endpoint(bad);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message().find(std::string("'") + bad + "'") != std::string::npos);
    }
}

TEST_CASE("files to read and files to write") {
    test::TempDir dir;
    const std::string present = dir.file("ca.pem");
    std::ofstream(present) << "x";
    CHECK(problem(check_readable_file(present)).empty());
    CHECK(problem(check_readable_file(dir.file("missing.pem"))) ==
          fmt::format("'{}': no such file", dir.file("missing.pem")));
    CHECK(problem(check_readable_file(dir.path())).find("is a directory") != std::string::npos);
    if (!test::is_root()) {
        ::chmod(present.c_str(), 0);
        CHECK(problem(check_readable_file(present)).find("cannot be read") != std::string::npos);
    }

    CHECK(problem(check_writable_destination(dir.file("report.json"))).empty());
    CHECK(problem(check_writable_destination("relative-report.json"))
              .empty());  // the current directory
    CHECK(
        problem(check_writable_destination(dir.file("nope/report.json"))).find("does not exist") !=
        std::string::npos);
    CHECK(problem(check_writable_destination(present + "/report.json")).find("not a directory") !=
          std::string::npos);
    CHECK(problem(check_writable_destination(dir.path())).find("is a directory") !=
          std::string::npos);
}

TEST_CASE("CA files must hold PEM certificates") {
    test::TempDir dir;
    const test::TestPki pki(dir.file("pki"), {"localhost"});
    CHECK(problem(check_ca_file(pki.ca_file(), probe_file_checks())).empty());
    // A chain file: several certificates in one file.
    CHECK(problem(check_ca_file(pki.credentials(test::LeafVariant::good).chain_file,
                                probe_file_checks()))
              .empty());

    const std::string text = dir.file("notes.txt");
    std::ofstream(text) << "this is not a certificate\n";
    CHECK(problem(check_ca_file(text, probe_file_checks())) ==
          "'" + text + "': no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");

    const std::string key_only = pki.credentials(test::LeafVariant::good).key_file;
    CHECK(problem(check_ca_file(key_only, probe_file_checks())).find("no PEM certificate") !=
          std::string::npos);

    std::ifstream ca(pki.ca_file());
    std::string pem((std::istreambuf_iterator<char>(ca)), {});
    const std::size_t body = pem.find('\n') + 1;
    pem.replace(body, 40, std::string(40, '!'));  // damage the base64 of the first certificate
    const std::string broken = dir.file("broken.pem");
    std::ofstream(broken) << pem;
    CHECK(problem(check_ca_file(broken, probe_file_checks())).find("malformed PEM certificate") !=
          std::string::npos);

    CHECK(
        problem(check_ca_file(dir.file("missing.pem"), probe_file_checks())).find("no such file") !=
        std::string::npos);
}
