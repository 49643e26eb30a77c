// SPDX-License-Identifier: Apache-2.0
#include "core/duration.h"

#include <cstdint>

namespace vpcprobe {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// How many milliseconds one unit is; 0 for an unknown unit.
std::uint64_t unit_milliseconds(std::string_view unit) {
    if (unit.empty() || unit == "s") return 1000;  // a bare number is seconds
    if (unit == "ms") return 1;
    if (unit == "m") return 60'000;
    if (unit == "h") return 3'600'000;
    return 0;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    const auto max_ms = static_cast<std::uint64_t>(max_duration.count());
    std::size_t pos = 0;

    // Integer part: at least one digit. Saturate instead of overflowing: anything above the
    // cap is rejected below anyway.
    std::uint64_t whole = 0;
    const std::size_t whole_start = pos;
    while (pos < text.size() && is_digit(text[pos])) {
        if (whole <= max_ms) whole = whole * 10 + static_cast<std::uint64_t>(text[pos] - '0');
        ++pos;
    }
    if (pos == whole_start) return std::nullopt;

    // Fraction: digits after the dot, as numerator / denominator. Digits beyond the ninth are
    // below a microsecond even for hours, so they only matter for rounding; drop them.
    std::uint64_t numerator = 0;
    std::uint64_t denominator = 1;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t fraction_start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            if (pos - fraction_start < 9) {
                numerator = numerator * 10 + static_cast<std::uint64_t>(text[pos] - '0');
                denominator *= 10;
            }
            ++pos;
        }
        if (pos == fraction_start) return std::nullopt;  // "3." is a typo, not 3s
    }

    const std::uint64_t unit = unit_milliseconds(text.substr(pos));
    if (unit == 0) return std::nullopt;
    if (whole > max_ms / unit) return std::nullopt;

    // numerator < 10^9 and unit <= 3.6e6, so the product fits in 64 bits.
    const std::uint64_t fraction_ms = (numerator * unit + denominator / 2) / denominator;
    const std::uint64_t total = whole * unit + fraction_ms;
    if (total == 0 || total > max_ms) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::milliseconds duration) {
    const std::int64_t ms = duration.count();
    if (ms <= 0) return std::to_string(ms) + "ms";
    if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    // Seconds with up to three decimals, trailing zeros dropped: 1500 -> "1.5s".
    std::string fraction = std::to_string(ms % 1000);
    fraction.insert(0, 3 - fraction.size(), '0');
    while (fraction.back() == '0') fraction.pop_back();
    return std::to_string(ms / 1000) + "." + fraction + "s";
}

}  // namespace vpcprobe
