// SPDX-License-Identifier: Apache-2.0
// The TLS layer's judgement of a --ca-file, for the layers above it: whether the file loads as
// trust anchors, by the same loader TlsContext::create uses (probes/tls/tls_context.h), so a
// file the command line accepts is one the probes can load. Declared apart from TlsContext so
// that its callers see no TLS library header.
// Thread-safe.
#pragma once

#include <string>

#include "core/result.h"

namespace vpcprobe {

// The Error says what is wrong, without the file's name (the caller says where it came from).
Result<void> check_trust_anchor_file(const std::string& path);

}  // namespace vpcprobe
