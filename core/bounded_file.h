// SPDX-License-Identifier: Apache-2.0
// Reading a whole input file the operator named (a client configuration, a trust or key store,
// a CA file, the hosts file) with a bound on its size, so that a wrong path (/dev/zero, a disk
// image, a directory) is a clear error in bounded time and memory, never a hang. Read in
// pieces: a small file costs what it holds, not the bound.
// Pure apart from reading the file; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace vpcprobe {

// The file's bytes, or an Error saying what is wrong, without the path (callers add it):
// "no such file", "is a directory, not a file", "cannot open it: Permission denied",
// "cannot read it: ...", "larger than 8 MiB, which is no trust or key store" (`what` names
// what the file should have been). max_bytes is a whole number of MiB in messages.
Result<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what);

}  // namespace vpcprobe
