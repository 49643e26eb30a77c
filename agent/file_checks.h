// SPDX-License-Identifier: Apache-2.0
// The file checks the settings hand down to the layers that can make them (FileChecks in
// agent/settings/validate.h): a CA file is judged by the TLS layer's own loader, so a file the
// command line accepts is one the probes can load.
// Pure functions; thread-safe.
#pragma once

#include "agent/settings/validate.h"

namespace vpcprobe {

FileChecks probe_file_checks();

}  // namespace vpcprobe
