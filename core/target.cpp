// SPDX-License-Identifier: Apache-2.0
#include "core/target.h"

#include "core/address.h"

namespace vpcprobe {

std::string Target::endpoint() const {
    return endpoint_text(host, port);
}

std::string catalog_part_instance_id(std::string_view host) {
    const std::string_view label = host.substr(0, host.find('.'));
    const auto first = label.find('-');
    if (first == std::string_view::npos) return "";
    const auto second = label.find('-', first + 1);
    if (second == std::string_view::npos) return "";
    return std::string(label.substr(second + 1));
}

}  // namespace vpcprobe
