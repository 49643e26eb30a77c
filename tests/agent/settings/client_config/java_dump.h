// SPDX-License-Identifier: Apache-2.0
// Test support for comparing the client-config readers with Java itself: whether a `java` is on
// PATH (its single-file source launcher runs PropertiesDump.java and JaasDump.java, found in
// this folder), and text escaped the way those programs print it.
// Plain functions; thread-safe.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

namespace vpcprobe::test {

inline bool java_on_path() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && std::filesystem::exists(dir + "/java")) return true;
    }
    return false;
}

// UTF-8 `text` as the Java programs print a String: every UTF-16 unit outside printable ASCII,
// and the backslash, as a backslash, 'u' and four upper-case hexadecimal digits.
inline std::string java_escaped(const std::string& text) {
    std::string out;
    auto put_unit = [&out](unsigned unit) { out += fmt::format("\\u{:04X}", unit); };
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        unsigned code_point = length == 1 ? lead : lead & (0x3Fu >> (length - 1));
        for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
            code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        }
        i += length;
        if (code_point >= 0x10000) {
            put_unit(0xD800 + ((code_point - 0x10000) >> 10));
            put_unit(0xDC00 + ((code_point - 0x10000) & 0x3FF));
        } else if (code_point < 0x20 || code_point > 0x7E || code_point == '\\') {
            put_unit(code_point);
        } else {
            out.push_back(static_cast<char>(code_point));
        }
    }
    return out;
}

}  // namespace vpcprobe::test
