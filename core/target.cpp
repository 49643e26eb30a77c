// SPDX-License-Identifier: Apache-2.0
#include "core/target.h"

namespace vpcprobe {

std::string Target::endpoint() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

}  // namespace vpcprobe
