// SPDX-License-Identifier: Apache-2.0
// Reading an operator-named file with a bound: what it holds, or one clear reason, in bounded
// time and memory whatever the path names (/dev/zero included).
#include "core/bounded_file.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "tests/support/process.h"

using namespace vpcprobe;

namespace {
constexpr std::size_t kMiB = 1024 * 1024;
}

TEST_CASE("a file within the bound is read whole, to the last byte of the bound") {
    test::TempDir dir;
    const std::string binary("a\0b", 3);
    CHECK(read_bounded_file(dir.write("small", binary), kMiB, "test file").value() == binary);
    const std::string exact(kMiB, 'x');
    const auto read = read_bounded_file(dir.write("exact", exact), kMiB, "test file");
    REQUIRE(read);
    CHECK(read->size() == kMiB);
    CHECK(read_bounded_file(dir.write("empty", ""), kMiB, "test file").value().empty());
}

TEST_CASE("past the bound, missing, a directory, /dev/zero: one reason each") {
    test::TempDir dir;
    const auto over =
        read_bounded_file(dir.write("over", std::string(kMiB + 1, 'x')), kMiB, "test file");
    REQUIRE_FALSE(over);
    CHECK(over.error().message() == "larger than 1 MiB, which is no test file");

    const auto missing = read_bounded_file(dir.file("missing"), kMiB, "test file");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message() == "no such file");

    const auto directory = read_bounded_file(dir.path(), kMiB, "test file");
    REQUIRE_FALSE(directory);
    CHECK(directory.error().message() == "is a directory, not a file");

    const auto started = std::chrono::steady_clock::now();
    const auto zero = read_bounded_file("/dev/zero", 8 * kMiB, "trust or key store");
    REQUIRE_FALSE(zero);
    CHECK(zero.error().message() == "larger than 8 MiB, which is no trust or key store");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
