// SPDX-License-Identifier: Apache-2.0
// The rules exports the tests read (tests/reports/diagnosis/fixtures/rules/, each printed as
// its cloud's CLI prints it), loaded the way --rules loads them, for the tests of the readers,
// the evaluation, attribution and remedies; and the one-line error a malformed export gives.
// Catch2 helpers: call them from a test case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "reports/diagnosis/rules.h"

namespace vpcprobe::test {

inline const std::string kRulesFixtures =
    std::string(VPCPROBE_SOURCE_DIR) + "/tests/reports/diagnosis/fixtures/rules/";

inline std::string rules_fixture(std::string_view name) {
    return kRulesFixtures + std::string(name);
}

// The named fixtures, merged; the test fails with the loader's message if one does not load.
inline rules::RuleSet load_rules_fixtures(const std::vector<std::string>& names) {
    std::vector<std::string> files;
    for (const auto& name : names) files.push_back(rules_fixture(name));
    auto loaded = rules::load_rules(files);
    if (!loaded) FAIL(loaded.error().message());
    return *loaded;
}

// The Error `text` gives as an export named `file`, which must be one line.
inline std::string rules_error_of(std::string_view text, std::string_view file = "rules.json") {
    auto parsed = rules::parse_rules(text, file);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message().find('\n') == std::string::npos);
    return parsed.error().message();
}

}  // namespace vpcprobe::test
