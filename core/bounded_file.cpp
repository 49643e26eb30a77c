// SPDX-License-Identifier: Apache-2.0
#include "core/bounded_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace vpcprobe {

Result<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes,
                                      std::string_view what) {
    std::error_code status_error;
    const auto status = std::filesystem::status(path, status_error);
    if (status.type() == std::filesystem::file_type::not_found) return Error("no such file");
    if (status.type() == std::filesystem::file_type::directory) {
        return Error("is a directory, not a file");
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        return Error(
            fmt::format("cannot open it: {}", errno != 0 ? std::strerror(errno) : "open failed"));
    }
    // Up to the bound and one piece more: a file past it is refused once that much is read.
    std::string text;
    char piece[64 * 1024];
    while (text.size() <= max_bytes && in.read(piece, sizeof piece).gcount() > 0) {
        text.append(piece, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) {
        return Error(
            fmt::format("cannot read it: {}", errno != 0 ? std::strerror(errno) : "read error"));
    }
    if (text.size() > max_bytes) {
        return Error(
            fmt::format("larger than {} MiB, which is no {}", max_bytes / (1024 * 1024), what));
    }
    return text;
}

}  // namespace vpcprobe
