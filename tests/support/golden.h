// SPDX-License-Identifier: Apache-2.0
// Golden files: a rendered report compared byte for byte with the copy kept in the repository,
// which VPCPROBE_UPDATE_GOLDEN=1 rewrites from what is rendered now (then review the diff).
// Catch2 assertions; use from a test's own thread.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/support/process.h"

namespace vpcprobe::test {

inline void check_golden_file(const std::string& path, const std::string& actual) {
    const char* update = std::getenv("VPCPROBE_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
    }
    const std::string expected = read_file(path);
    INFO("golden file " << path << " (VPCPROBE_UPDATE_GOLDEN=1 rewrites it)");
    REQUIRE_FALSE(expected.empty());
    CHECK(actual == expected);
}

}  // namespace vpcprobe::test
