// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/client_config/unicode.h"

#include "core/text.h"

namespace vpcprobe::client_config {

namespace {

// The length of the UTF-8 sequence a lead byte starts (the text is known to be well-formed).
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead < 0xE0) return 2;
    if (lead < 0xF0) return 3;
    return 4;
}

}  // namespace

std::u32string decode_text(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    if (valid_utf8(text) != text) {
        for (const char c : text) out.push_back(static_cast<unsigned char>(c));
        return out;
    }
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t length = sequence_length(lead);
        static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
        char32_t code_point = lead & kLeadMask[length];
        for (std::size_t k = 1; k < length; ++k) {
            code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
        }
        out.push_back(code_point);
        i += length;
    }
    return out;
}

void append_utf8(std::string& out, char32_t code_point) {
    if ((code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
        code_point = 0xFFFD;
    }
    auto put = [&out](char32_t bits) { out.push_back(static_cast<char>(bits)); };
    if (code_point < 0x80) {
        put(code_point);
    } else if (code_point < 0x800) {
        put(0xC0 | (code_point >> 6));
        put(0x80 | (code_point & 0x3F));
    } else if (code_point < 0x10000) {
        put(0xE0 | (code_point >> 12));
        put(0x80 | ((code_point >> 6) & 0x3F));
        put(0x80 | (code_point & 0x3F));
    } else {
        put(0xF0 | (code_point >> 18));
        put(0x80 | ((code_point >> 12) & 0x3F));
        put(0x80 | ((code_point >> 6) & 0x3F));
        put(0x80 | (code_point & 0x3F));
    }
}

std::string to_utf8(std::u32string_view code_points) {
    std::string out;
    out.reserve(code_points.size());
    for (const char32_t c : code_points) append_utf8(out, c);
    return out;
}

}  // namespace vpcprobe::client_config
