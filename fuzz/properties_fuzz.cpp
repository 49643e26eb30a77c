// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a Kafka client's configuration file as agent/settings/client_config reads
// it. Byte 0 picks the reader (mod 3): 0 = parse_java_properties, 1 = parse_librdkafka_config,
// 2 = parse_client_config (format detection, JSON, config providers); the rest is the file.
// Aborts if an entry's line numbers go backwards or start before line 1, if a Java key or value
// is not valid UTF-8, if a librdkafka key is empty or holds a line break, if an error does not
// start as documented, or if an entry's position does not name the file or it holds a NUL.
// Inputs with "${file:" are not given to parse_client_config: the reference would make it read
// whatever file the input names (/dev/stdin would wait for ever).
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/settings/client_config/client_config_file.h"
#include "agent/settings/client_config/java_properties.h"
#include "core/text.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

void check_lines(const vpcprobe::Result<std::vector<vpcprobe::PropertyLine>>& lines, bool java) {
    if (!lines) {
        require(lines.error().message().starts_with("line "));
        return;
    }
    int previous = 1;
    for (const vpcprobe::PropertyLine& line : *lines) {
        require(line.line >= previous);
        previous = line.line;
        if (java) {
            require(vpcprobe::valid_utf8(line.key) == line.key);
            require(vpcprobe::valid_utf8(line.value) == line.value);
        } else {
            require(!line.key.empty() && line.key.find('\n') == std::string::npos);
            require(line.value.find('\n') == std::string::npos);
        }
    }
}

void check_client_config(std::string_view text) {
    if (text.find("${file:") != std::string_view::npos) return;
    const auto file = vpcprobe::parse_client_config(text, "fuzz.conf");
    if (!file) {
        require(file.error().message().starts_with("fuzz.conf"));
        return;
    }
    for (const vpcprobe::ClientConfigEntry& entry : file->entries) {
        require(entry.position.starts_with("fuzz.conf"));
        require(entry.key.find('\0') == std::string::npos);
        require(entry.value.find('\0') == std::string::npos);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
        case 0:
            check_lines(vpcprobe::parse_java_properties(text), true);
            break;
        case 1:
            check_lines(vpcprobe::parse_librdkafka_config(text), false);
            break;
        default:
            check_client_config(text);
            break;
    }
    return 0;
}
