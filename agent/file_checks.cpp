// SPDX-License-Identifier: Apache-2.0
#include "agent/file_checks.h"

#include "probes/tls/trust_anchors.h"

namespace vpcprobe {

FileChecks probe_file_checks() {
    return FileChecks{&check_trust_anchor_file, &check_tls_material};
}

}  // namespace vpcprobe
