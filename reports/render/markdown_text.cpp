// SPDX-License-Identifier: Apache-2.0
#include "reports/render/markdown_text.h"

#include <algorithm>

#include "core/text.h"

namespace vpcprobe {

// ---- Hostile text made harmless ----

// Valid UTF-8 with white space as a plain space and every other control character (C0, DEL,
// C1) and bidi override/isolate (which can make a ticket read differently from what it says)
// as U+FFFD. Works byte-wise: after valid_utf8() every multi-byte sequence is well formed.
std::string markdown_neutralised(std::string_view raw) {
    const std::string text = valid_utf8(raw);
    std::string out;
    out.reserve(text.size());
    const auto byte = [&](std::size_t at) {
        return at < text.size() ? static_cast<unsigned char>(text[at]) : 0u;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned lead = byte(i);
        if (lead == '\t' || lead == '\n' || lead == '\r') {
            out.push_back(' ');
        } else if (lead < 0x20 || lead == 0x7F) {
            out += "\uFFFD";
        } else if (lead == 0xC2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9F) {
            out += "\uFFFD";  // C1 control, e.g. CSI
            i += 1;
        } else if (lead == 0xE2 &&
                   ((byte(i + 1) == 0x80 && byte(i + 2) >= 0xAA && byte(i + 2) <= 0xAE) ||
                    (byte(i + 1) == 0x81 && byte(i + 2) >= 0xA6 && byte(i + 2) <= 0xA9))) {
            out += "\uFFFD";  // U+202A..U+202E, U+2066..U+2069
            i += 2;
        } else {
            out.push_back(static_cast<char>(lead));
        }
    }
    return out;
}

// Inline Markdown text: printable, with the punctuation that could start emphasis, links,
// code, tables or strike-through backslash-escaped, and HTML's specials as entities (so a
// "<script>" in a certificate subject shows as text everywhere, raw HTML never reaches the
// renderer, and no autolink forms).
std::string markdown_text(std::string_view raw) {
    const std::string text = markdown_neutralised(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '\\':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '|':
            case '~':
                out.push_back('\\');
                out.push_back(c);
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::size_t longest_backtick_run(std::string_view text) {
    std::size_t longest = 0;
    std::size_t run = 0;
    for (const char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

// A code span that cannot be closed early: delimited by one backtick more than the longest
// run inside, padded with spaces when the content touches a backtick. In a table cell `|`
// must still be escaped (GFM splits cells before it parses code spans).
std::string markdown_code(std::string_view raw, bool in_table) {
    std::string text = markdown_neutralised(raw);
    if (in_table) {
        std::string escaped;
        for (const char c : text) {
            if (c == '|') escaped.push_back('\\');
            escaped.push_back(c);
        }
        text = std::move(escaped);
    }
    const std::string fence(longest_backtick_run(text) + 1, '`');
    const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
    return pad ? fence + " " + text + " " + fence : fence + text + fence;
}

std::string_view markdown_mark(StageStatus status) {
    switch (status) {
        case StageStatus::ok:
            return "\u2705";  // ✅
        case StageStatus::warning:
            return "\u26A0\uFE0F";  // ⚠️
        case StageStatus::failed:
            return "\u274C";  // ❌
        case StageStatus::skipped:
            return "\u2796";  // ➖
    }
    return "?";
}

std::string_view markdown_mark(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "\u274C";
        case Severity::warning:
            return "\u26A0\uFE0F";
        case Severity::info:
            return "\u2139\uFE0F";  // ℹ️
    }
    return "?";
}

}  // namespace vpcprobe
