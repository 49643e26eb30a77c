// SPDX-License-Identifier: Apache-2.0
// Durations as users write them on the command line and in the config file: "250ms", "1.5s",
// "2s", "1m", "1h", or a bare number meaning seconds ("3", "0.5"). Used for --timeout,
// --deadline and --interval, and to print durations back in messages ("no answer in 3s").
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vpcprobe {

// The longest duration accepted: anything longer is surely a typo, and the cap keeps later
// arithmetic (now + timeout) far from overflow.
inline constexpr std::chrono::milliseconds max_duration = std::chrono::hours(24 * 7);

// Parses a strictly positive duration, rounded to the nearest millisecond. Grammar:
// DIGITS [ "." DIGITS ] [ "ms" | "s" | "m" | "h" ], nothing else: no sign, no spaces, no
// exponent, lower-case units. Zero (or a value that rounds to 0ms), negative values, junk and
// values above max_duration give nullopt: every duration we take is a timeout or an interval,
// for which zero makes no sense.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest text parse_duration reads back as the same value: "3s", "250ms", "1.5s",
// "2m", "1h", "90s". Non-positive values print as "0ms" / "-5ms" (they never come from
// parse_duration, but messages must not lie).
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace vpcprobe
