// SPDX-License-Identifier: Apache-2.0
#include "core/target.h"

#include "core/address.h"

namespace vpcprobe {

std::string Target::endpoint() const {
    return endpoint_text(host, port);
}

}  // namespace vpcprobe
