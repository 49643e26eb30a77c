// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/client_config/java_properties.h"

#include <fmt/format.h>

#include "agent/settings/client_config/unicode.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

using client_config::decode_text;
using client_config::to_utf8;

// The line (1-based) that byte `offset` of `text` is on, lines ending at "\n" and, when
// `carriage_return_ends_lines`, also at "\r" and "\r\n".
int line_of(std::string_view text, std::size_t offset, bool carriage_return_ends_lines) {
    int line = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
        } else if (text[i] == '\r' && carriage_return_ends_lines) {
            if (i + 1 < offset && text[i + 1] == '\n') ++i;
            ++line;
        }
    }
    return line;
}

Result<void> refuse_nul(std::string_view text, bool carriage_return_ends_lines) {
    const std::size_t nul = text.find('\0');
    if (nul == std::string_view::npos) return {};
    return Error(fmt::format("line {}: holds a NUL byte, which no configuration file has",
                             line_of(text, nul, carriage_return_ends_lines)));
}

// ---- Java -------------------------------------------------------------------------------

bool is_blank(char32_t c) {
    return c == ' ' || c == '\t' || c == '\f';
}
bool is_line_end(char32_t c) {
    return c == '\n' || c == '\r';
}

struct LogicalLine {
    std::u32string text;
    int line = 0;
};

// Cuts the characters into logical lines (natural lines joined at their continuation
// backslashes, comments and blank lines left out), as Properties' LineReader does.
class LineReader {
  public:
    explicit LineReader(std::u32string_view text) : text_(text) {}

    // The next logical line; false at the end of the text.
    bool next(LogicalLine& out) {
        for (;;) {
            skip_blank_lines();
            if (at_end()) return false;
            out.line = line_;
            out.text.clear();
            if (text_[pos_] == '#' || text_[pos_] == '!') {
                while (!at_end() && !is_line_end(text_[pos_])) ++pos_;
                continue;
            }
            switch (read_continued(out.text)) {
                case Outcome::line:
                    return true;
                case Outcome::empty:
                    continue;
                case Outcome::end:
                    return false;
            }
        }
    }

  private:
    enum class Outcome { line, empty, end };

    bool at_end() const { return pos_ >= text_.size(); }

    void skip_blanks() {
        while (!at_end() && is_blank(text_[pos_])) ++pos_;
    }

    void skip_blank_lines() {
        while (!at_end() && (is_blank(text_[pos_]) || is_line_end(text_[pos_]))) {
            if (is_line_end(text_[pos_])) {
                skip_line_end();
            } else {
                ++pos_;
            }
        }
    }

    // At "\n", "\r" or "\r\n": past it, one line further.
    void skip_line_end() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    // One natural line and the lines it continues on. `empty`: a continuation led to nothing
    // (Java then starts over, and the next line may be a comment again); `end`: the text ended
    // with nothing read.
    Outcome read_continued(std::u32string& line) {
        bool preceding_backslash = false;
        for (;;) {
            if (at_end()) {
                if (line.empty()) return Outcome::end;
                if (preceding_backslash) line.pop_back();
                return Outcome::line;
            }
            const char32_t c = text_[pos_];
            if (!is_line_end(c)) {
                line.push_back(c);
                preceding_backslash = c == '\\' && !preceding_backslash;
                ++pos_;
                continue;
            }
            skip_line_end();
            if (!preceding_backslash) return line.empty() ? Outcome::empty : Outcome::line;
            line.pop_back();
            preceding_backslash = false;
            skip_blanks();
        }
    }

    std::u32string_view text_;
    std::size_t pos_ = 0;
    int line_ = 1;
};

int hex_digit(char32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
    return -1;
}

bool is_high_surrogate(char32_t c) {
    return c >= 0xD800 && c <= 0xDBFF;
}
bool is_low_surrogate(char32_t c) {
    return c >= 0xDC00 && c <= 0xDFFF;
}

enum class EscapeProblem { none, malformed_unicode, nul };

// The characters of a key or value with Properties' escapes replaced (its loadConvert).
EscapeProblem unescape(std::u32string_view in, std::u32string& out) {
    std::size_t i = 0;
    while (i < in.size()) {
        char32_t c = in[i++];
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (i == in.size()) break;  // cannot happen: a logical line's backslashes pair up
        c = in[i++];
        if (c != 'u') {
            if (c == 't') c = '\t';
            if (c == 'n') c = '\n';
            if (c == 'r') c = '\r';
            if (c == 'f') c = '\f';
            out.push_back(c);
            continue;
        }
        if (in.size() - i < 4) return EscapeProblem::malformed_unicode;
        char32_t unit = 0;
        for (int k = 0; k < 4; ++k) {
            const int digit = hex_digit(in[i++]);
            if (digit < 0) return EscapeProblem::malformed_unicode;
            unit = (unit << 4) | static_cast<char32_t>(digit);
        }
        if (unit == 0) return EscapeProblem::nul;
        // Java strings are UTF-16: a \u high surrogate and a \u low surrogate are one character.
        // Only escapes make surrogates (decoded text has none), so the pair is always two escapes.
        if (is_low_surrogate(unit) && !out.empty() && is_high_surrogate(out.back())) {
            out.back() = 0x10000 + ((out.back() - 0xD800) << 10) + (unit - 0xDC00);
        } else {
            out.push_back(unit);
        }
    }
    return EscapeProblem::none;
}

Error escape_error(EscapeProblem problem, int line, const std::string* key) {
    const std::string where =
        key ? fmt::format("line {}: {}: ", line, *key) : fmt::format("line {}: ", line);
    const char* part = key ? "the value" : "the key";
    if (problem == EscapeProblem::nul) {
        return Error(fmt::format("{}\\u0000 (a NUL character) in {}", where, part));
    }
    return Error(fmt::format("{}malformed \\uxxxx escape in {} (\\u takes four hexadecimal digits)",
                             where, part));
}

// One logical line as a key and a value (Properties.load0's split).
Result<PropertyLine> split_entry(const LogicalLine& logical) {
    const std::u32string_view s = logical.text;
    std::size_t key_end = 0;
    std::size_t value_start = s.size();
    bool has_separator = false;
    bool preceding_backslash = false;
    for (; key_end < s.size(); ++key_end) {
        const char32_t c = s[key_end];
        if (!preceding_backslash && (c == '=' || c == ':' || is_blank(c))) {
            value_start = key_end + 1;
            has_separator = !is_blank(c);
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
    }
    for (; value_start < s.size(); ++value_start) {
        const char32_t c = s[value_start];
        if (is_blank(c)) continue;
        if (has_separator || (c != '=' && c != ':')) break;
        has_separator = true;
    }
    std::u32string key;
    std::u32string value;
    if (auto problem = unescape(s.substr(0, key_end), key); problem != EscapeProblem::none) {
        return escape_error(problem, logical.line, nullptr);
    }
    PropertyLine entry{.key = to_utf8(key), .value = {}, .line = logical.line};
    if (auto problem = unescape(s.substr(value_start), value); problem != EscapeProblem::none) {
        return escape_error(problem, logical.line, &entry.key);
    }
    entry.value = to_utf8(value);
    return entry;
}

// ---- librdkafka ---------------------------------------------------------------------------

bool is_c_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// kcat's "strip escapes for \: \=": every backslash right before `mark` goes.
std::string drop_backslashes_before(std::string_view text, char mark) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == mark) {
            while (!out.empty() && out.back() == '\\') out.pop_back();
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

Result<std::vector<PropertyLine>> parse_java_properties(std::string_view text) {
    if (auto nul = refuse_nul(text, true); !nul) return std::move(nul).error();
    const std::u32string characters = decode_text(text);
    LineReader reader(characters);
    std::vector<PropertyLine> entries;
    LogicalLine logical;
    while (reader.next(logical)) {
        auto entry = split_entry(logical);
        if (!entry) return std::move(entry).error();
        entries.push_back(std::move(*entry));
    }
    return entries;
}

Result<std::vector<PropertyLine>> parse_librdkafka_config(std::string_view text) {
    if (auto nul = refuse_nul(text, false); !nul) return std::move(nul).error();
    std::vector<PropertyLine> entries;
    int line = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        std::string_view s = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        ++line;
        while (!s.empty() && is_c_space(s.front())) s.remove_prefix(1);
        while (!s.empty() && is_c_space(s.back())) s.remove_suffix(1);
        if (s.empty() || s.front() == '#') continue;
        const std::string unescaped = drop_backslashes_before(drop_backslashes_before(s, ':'), '=');
        const std::size_t equals = unescaped.find('=');
        if (equals == std::string::npos || equals == 0) {
            return Error(fmt::format("line {}: expected property=value", line));
        }
        entries.push_back(PropertyLine{.key = unescaped.substr(0, equals),
                                       .value = unescaped.substr(equals + 1),
                                       .line = line});
    }
    return entries;
}

}  // namespace vpcprobe
