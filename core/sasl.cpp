// SPDX-License-Identifier: Apache-2.0
#include "core/sasl.h"

namespace vpcprobe {

bool sasl_mechanism_supported(std::string_view mechanism) {
    for (std::string_view known : kSaslMechanisms) {
        if (mechanism == known) return true;
    }
    return false;
}

}  // namespace vpcprobe
