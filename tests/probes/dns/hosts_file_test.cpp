// SPDX-License-Identifier: Apache-2.0
// HostsFile: hosts-file text as a table from name to addresses (probes/dns/hosts_file.h), and
// loading it from disk, where a missing file is an empty table and an unreadable one an Error.
#include "probes/dns/hosts_file.h"

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/process.h"

using vpcprobe::HostsFile;
using Addresses = std::vector<std::string>;

namespace {

const char* const kHosts =
    "# a comment line\n"
    "127.0.0.1 localhost\n"
    "10.9.0.1   Pinned.AliKafka.aliyuncs.com  pinned-alias  # trailing comment\n"
    "fd00:0::9    pinned.alikafka.aliyuncs.com\n"
    "10.9.0.2\tpinned.alikafka.aliyuncs.com\r\n"
    "10.9.0.1   pinned.alikafka.aliyuncs.com\n"
    "not-an-address  broken.example\n"
    "10.9.0.3\n"
    "   \n"
    "# 10.9.0.4 commented.example\n"
    "10.9.0.5 last.example";

}  // namespace

TEST_CASE("a listed name gets every address once, IPv4 first, in canonical form", "[hosts]") {
    const HostsFile hosts = HostsFile::parse(kHosts);
    CHECK(hosts.lookup("pinned.alikafka.aliyuncs.com") ==
          Addresses{"10.9.0.1", "10.9.0.2", "fd00::9"});
    CHECK(hosts.lookup("pinned-alias") == Addresses{"10.9.0.1"});
    CHECK(hosts.lookup("localhost") == Addresses{"127.0.0.1"});
    CHECK(hosts.lookup("last.example") == Addresses{"10.9.0.5"});  // no final newline
}

TEST_CASE("names compare without case and without a trailing dot", "[hosts]") {
    const HostsFile hosts = HostsFile::parse(kHosts);
    CHECK(hosts.lookup("PINNED.alikafka.aliyuncs.com.") ==
          Addresses{"10.9.0.1", "10.9.0.2", "fd00::9"});
    CHECK(hosts.lookup("Pinned-Alias.") == Addresses{"10.9.0.1"});
}

TEST_CASE("comments, blank lines and malformed lines name nothing", "[hosts]") {
    const HostsFile hosts = HostsFile::parse(kHosts);
    CHECK(hosts.lookup("broken.example").empty());
    CHECK(hosts.lookup("commented.example").empty());
    CHECK(hosts.lookup("trailing").empty());
    CHECK(hosts.lookup("comment").empty());
    CHECK(hosts.lookup("not-an-address").empty());
    CHECK(hosts.lookup("").empty());
    CHECK(HostsFile::parse("").lookup("localhost").empty());
}

TEST_CASE("load reads a file, keeps its path, and takes a missing one as empty", "[hosts]") {
    vpcprobe::test::TempDir dir;
    SECTION("a file") {
        const std::string path = dir.file("hosts");
        std::ofstream(path) << kHosts;
        const auto hosts = HostsFile::load(path);
        REQUIRE(hosts.ok());
        CHECK(hosts->path() == path);
        CHECK(hosts->lookup("pinned-alias") == Addresses{"10.9.0.1"});
    }
    SECTION("no file at all") {
        const auto hosts = HostsFile::load(dir.file("absent"));
        REQUIRE(hosts.ok());
        CHECK(hosts->lookup("localhost").empty());
    }
}

TEST_CASE("a hosts file that exists but cannot be read is an error naming it", "[hosts]") {
    vpcprobe::test::TempDir dir;
    const auto hosts = HostsFile::load(dir.path());  // a directory where the file should be
    REQUIRE_FALSE(hosts.ok());
    INFO(hosts.error().message());
    CHECK(hosts.error().message().rfind("cannot read the hosts file " + dir.path() + ": ", 0) == 0);
}

TEST_CASE("a file past the size bound is refused after reading no more than the bound", "[hosts]") {
    vpcprobe::test::TempDir dir;
    const std::string big = dir.file("hosts");
    {
        std::ofstream out(big);
        out << "10.0.0.1 listed.example\n";
        out.seekp(static_cast<std::streamoff>(vpcprobe::kMaxHostsFileBytes));
        out << ' ';
    }
    for (const std::string& path : {big, std::string("/dev/zero")}) {
        CAPTURE(path);
        const auto hosts = HostsFile::load(path);
        REQUIRE_FALSE(hosts.ok());
        CHECK(hosts.error().message() == "cannot read the hosts file " + path +
                                             ": larger than 64 MiB, which is no hosts file");
    }
}

TEST_CASE("an address has the first name of the first line listing it, as written", "[hosts]") {
    const HostsFile hosts = HostsFile::parse(kHosts);
    CHECK(hosts.name_of("10.9.0.1") == "Pinned.AliKafka.aliyuncs.com");  // not the later line
    CHECK(hosts.name_of("10.9.0.2") == "pinned.alikafka.aliyuncs.com");
    CHECK(hosts.name_of("fd00::9") == "pinned.alikafka.aliyuncs.com");
    CHECK(hosts.name_of("FD00:0:0::9") == "pinned.alikafka.aliyuncs.com");  // any textual form
    CHECK(hosts.name_of("127.0.0.1") == "localhost");
    CHECK(hosts.name_of("10.9.0.3").empty());  // a line without names names nothing
    CHECK(hosts.name_of("10.9.0.4").empty());  // commented out
    CHECK(hosts.name_of("10.9.0.5") == "last.example");
    CHECK(hosts.name_of("10.9.0.6").empty());
    CHECK(hosts.name_of("not-an-address").empty());
}
