// SPDX-License-Identifier: Apache-2.0
// Text helpers every layer shares, so that the same value is always written the same way:
// quoting a value in a message, joining lists, ASCII case folding, making peer bytes valid
// UTF-8, logfmt values for log lines, and RFC 3339 times. Durations have their own header
// (core/duration.h).
// Pure functions: safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace vpcprobe {

// A value quoted in a message: 'value'. Nothing is escaped: messages quote what the user typed.
std::string quote(std::string_view text);

// The items with `separator` between them: join({"a", "b"}, ", ") is "a, b".
std::string join(const std::vector<std::string>& items, std::string_view separator);

// ASCII case folding; other bytes are left as they are (host names, codes, mechanisms).
std::string lower(std::string_view text);
std::string upper(std::string_view text);

// `text` as valid UTF-8: every byte sequence that is not well-formed UTF-8 (a stray byte from a
// peer, an overlong form, a lone surrogate) becomes U+FFFD; valid text is returned as is. Peers
// and certificates put arbitrary bytes in what we report; JSON must stay parseable.
std::string valid_utf8(std::string_view text);

// `text` made valid UTF-8 with every ASCII control character (and DEL) replaced by '?': safe to
// print in a terminal table or a one-line message.
std::string printable(std::string_view text);

// A logfmt value: bare when it is a plain word (no space, quote, '=', backslash or control
// character, not empty), else double-quoted with \" \\ \n \r \t and \u00XX escapes, after
// valid_utf8, so one event is always one line.
std::string logfmt_value(std::string_view text);

// RFC 3339 in UTC, whole seconds: "2026-11-22T10:00:00Z" (the report's form).
std::string rfc3339(std::chrono::system_clock::time_point time);
// RFC 3339 in UTC with milliseconds: "2026-11-22T10:00:00.123Z" (logs, history).
std::string rfc3339_ms(std::chrono::system_clock::time_point time);
// The day in UTC, "2026-11-22": a certificate's validity in sentences for people.
std::string utc_date(std::chrono::system_clock::time_point time);

}  // namespace vpcprobe
