// SPDX-License-Identifier: Apache-2.0
// The TLS layer's judgement of a --ca-file and of the settings' trust store and client identity,
// for the layers above it: whether they load, by the same loaders TlsContext::create uses
// (probes/tls/tls_context.h), so files the settings accept are ones the probes can load. Declared
// apart from TlsContext so that its callers see no TLS library header.
// Thread-safe.
#pragma once

#include <string>

#include "core/evidence.h"
#include "core/probe_settings.h"
#include "core/result.h"

namespace vpcprobe {

// The Error says what is wrong, without the file's name (the caller says where it came from).
Result<void> check_trust_anchor_file(const std::string& path);

// Loads every --ca-file, the trust store and the client identity of the settings, as a run
// would, and says what they are (TlsMaterialInfo: the trust, its anchors' subjects, the client
// certificate); the Error names the setting and file at fault, never a secret.
Result<TlsMaterialInfo> check_tls_material(const ProbeSettings& settings);

}  // namespace vpcprobe
