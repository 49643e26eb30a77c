// SPDX-License-Identifier: Apache-2.0
// The file checks the settings hand down to the layers that can make them (FileChecks in
// agent/settings/validate.h): a CA file, a trust store and a client identity are judged by the
// TLS layer's own loaders, so files the settings accept are ones the probes can load.
// Pure functions; thread-safe.
#pragma once

#include "agent/settings/validate.h"

namespace vpcprobe {

FileChecks probe_file_checks();

}  // namespace vpcprobe
