// SPDX-License-Identifier: Apache-2.0
#include "reports/render/json_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cmath>

#include "core/text.h"

namespace vpcprobe {

namespace {

// What each byte becomes inside a JSON string, as Boost.JSON's serializer writes it: 0 = the
// byte itself, 'u' = \u00xx, '8' = a byte of a multi-byte UTF-8 sequence (written as is once
// the text is known to be valid UTF-8), else a backslash and this letter.
constexpr std::array<char, 256> escapes() {
    std::array<char, 256> table{};
    for (std::size_t c = 0; c < 0x20; ++c) table[c] = 'u';
    for (std::size_t c = 0x80; c < 0x100; ++c) table[c] = '8';
    table['\b'] = 'b';
    table['\t'] = 't';
    table['\n'] = 'n';
    table['\f'] = 'f';
    table['\r'] = 'r';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
}
constexpr std::array<char, 256> kEscape = escapes();

// Appends `text` escaped, without quotes, in one pass. With `ascii_only`, stops at the first
// byte of 0x80 or above and returns false (the caller repairs the text first: it may not be
// valid UTF-8); otherwise such bytes are copied as they are.
bool append_escaped(std::string& out, std::string_view text, bool ascii_only) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t plain = 0;  // start of the stretch not yet appended
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const char escape = kEscape[byte];
        if (escape == 0) continue;
        if (escape == '8') {
            if (ascii_only) return false;
            continue;
        }
        out.append(text.data() + plain, i - plain);
        plain = i + 1;
        if (escape != 'u') {
            const char pair[2] = {'\\', escape};
            out.append(pair, 2);
        } else {
            const char code[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 15]};
            out.append(code, 6);
        }
    }
    out.append(text.data() + plain, text.size() - plain);
    return true;
}

}  // namespace

void JsonWriter::key(std::string_view name) {
    next_line();
    out_.push_back('"');
    out_.append(name);
    out_.append("\": ", 3);
}

void JsonWriter::key_text(std::string_view name) {
    next_line();
    quoted(name);
    out_.append(": ", 2);
}

void JsonWriter::string(std::string_view text) {
    before_value();
    quoted(text);
}

void JsonWriter::number(std::int64_t value) {
    before_value();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
}

void JsonWriter::number(std::uint64_t value) {
    before_value();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
}

void JsonWriter::number(double value) {
    before_value();
    if (!std::isfinite(value)) {
        out_.append("null", 4);
        return;
    }
    // fmt's "{}" of a double: the shortest digits that read back the same, "2" rather than
    // Boost.JSON's "2E0"; the longest is 24 characters ("-1.7976931348623157e+308").
    char digits[32];
    const auto result = fmt::format_to_n(digits, sizeof digits, "{}", value);
    out_.append(digits, std::min(result.size, sizeof digits));
}

void JsonWriter::boolean(bool value) {
    before_value();
    if (value) {
        out_.append("true", 4);
    } else {
        out_.append("false", 5);
    }
}

void JsonWriter::null() {
    before_value();
    out_.append("null", 4);
}

void JsonWriter::open(char bracket) {
    before_value();
    assert(depth_ < kMaxDepth && "JSON nested deeper than the writer allows");
    levels_[depth_++] = Level{bracket == '[', true};
    out_.push_back(bracket);
}

void JsonWriter::close(char bracket) {
    assert(depth_ > 0 && "JSON closed more than it opened");
    const bool empty = levels_[--depth_].empty;
    if (!empty) newline(depth_);
    out_.push_back(bracket);
}

void JsonWriter::next_line() {
    Level& level = levels_[depth_ - 1];
    if (!level.empty) out_.push_back(',');
    level.empty = false;
    newline(depth_);
}

void JsonWriter::newline(int depth) {
    out_.push_back('\n');
    out_.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void JsonWriter::quoted(std::string_view text) {
    out_.push_back('"');
    const std::size_t start = out_.size();
    if (!append_escaped(out_, text, true)) {
        // Non-ASCII: repaired first (an allocation, but only for such text), then written.
        out_.resize(start);
        append_escaped(out_, valid_utf8(text), false);
    }
    out_.push_back('"');
}

}  // namespace vpcprobe
