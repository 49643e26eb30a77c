// SPDX-License-Identifier: Apache-2.0
// A pretty-printing JSON writer that appends straight to a string: the JSON report's layout
// (2-space indent, "key": value, `{}` and `[]` when empty, a newline before each member and
// each closing bracket) without building a document first, so rendering a target costs no
// allocation per key or scalar (docs/performance.md, "The lightest probe"). Strings are
// escaped as Boost.JSON's serializer escapes them (\" \\ \b \f \n \r \t, other control
// characters as \u00xx) and text that is not valid UTF-8 has its bad bytes replaced by U+FFFD
// (core/text.h valid_utf8), so the document always parses.
// Not thread-safe: one writer per document; it holds a reference to the string it appends to.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace vpcprobe {

class JsonWriter {
  public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    // The next member's key; its value follows with one of the calls below. `name` is one of
    // the report's own member names, plain ASCII with nothing to escape: written as it is.
    void key(std::string_view name);
    // A key that is data (an agent's label, a key of a report read back): escaped as a string.
    void key_text(std::string_view name);

    void string(std::string_view text);
    void number(std::int64_t value);
    void number(std::uint64_t value);
    // The shortest form that reads back the same ("12.3", "2", "1e+300"); null when not finite.
    void number(double value);
    void boolean(bool value);
    void null();

    // Any integer type but bool, so a member's C++ type picks its JSON kind.
    template <std::integral T>
    requires(!std::same_as<T, bool>) void number(T value) {
        if constexpr (std::is_signed_v<T>) {
            number(static_cast<std::int64_t>(value));
        } else {
            number(static_cast<std::uint64_t>(value));
        }
    }

    // `"name": value` in one call, for members whose value is a scalar.
    void member(std::string_view name, std::string_view text) {
        key(name);
        string(text);
    }
    void member(std::string_view name, const char* text) { member(name, std::string_view(text)); }
    void member(std::string_view name, const std::string& text) {
        member(name, std::string_view(text));
    }
    void member(std::string_view name, bool value) {
        key(name);
        boolean(value);
    }
    void member(std::string_view name, double value) {
        key(name);
        number(value);
    }
    template <std::integral T>
    requires(!std::same_as<T, bool>) void member(std::string_view name, T value) {
        key(name);
        number(value);
    }
    void member(std::string_view name, std::nullptr_t) {
        key(name);
        null();
    }

  private:
    // One open object or array: whether a value has been written in it yet.
    struct Level {
        bool array = false;
        bool empty = true;
    };
    static constexpr int kMaxDepth = 32;  // the report nests 9 deep

    void open(char bracket);
    void close(char bracket);
    // Before a value: in an array, the comma and line that separate it from the one before.
    void before_value() {
        if (depth_ > 0 && levels_[depth_ - 1].array) next_line();
    }
    // The comma (unless first in its level) and the newline and indent of the next element.
    void next_line();
    void newline(int depth);
    void quoted(std::string_view text);

    std::string& out_;
    Level levels_[kMaxDepth];
    int depth_ = 0;
};

}  // namespace vpcprobe
