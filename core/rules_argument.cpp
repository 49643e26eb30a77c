// SPDX-License-Identifier: Apache-2.0
#include "core/rules_argument.h"

#include <algorithm>
#include <cctype>

namespace vpcprobe {

RulesArgument split_rules_argument(std::string_view text) {
    const auto equals = text.find('=');
    if (text.substr(0, 3) != "pl-" || equals == std::string_view::npos || equals == 3 ||
        equals + 1 == text.size()) {
        return {"", std::string(text)};
    }
    const auto id = text.substr(0, equals);
    const bool plain =
        std::all_of(id.begin() + 3, id.end(), [](unsigned char c) { return std::isalnum(c) != 0; });
    if (!plain) return {"", std::string(text)};
    return {std::string(id), std::string(text.substr(equals + 1))};
}

}  // namespace vpcprobe
