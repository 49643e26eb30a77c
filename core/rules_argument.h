// SPDX-License-Identifier: Apache-2.0
// How a `--rules` value names its file: "FILE", or "pl-0abc=FILE" for an AWS
// get-managed-prefix-list-entries export, whose output does not say which list it holds
// (docs/rules.md, "Exports it reads"). Read one way by the settings (which check the file) and
// by the rules loader (which parses it).
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace vpcprobe {

struct RulesArgument {
    std::string prefix_list_id;  // "pl-0abc", or "" for a plain file
    std::string path;
};

// "pl-ID=PATH" (ID letters and digits) splits into both; anything else is a plain path.
RulesArgument split_rules_argument(std::string_view text);

}  // namespace vpcprobe
