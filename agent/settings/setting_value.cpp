// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/setting_value.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "agent/settings/validate.h"
#include "core/duration.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

constexpr std::string_view kNotADuration = " is not a duration (try 3s, 250ms or 1m)";

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

Error wrong_type(const Value& value, std::string_view expected) {
    return problem_with(value, std::string("expected ") + std::string(expected) + ", got " +
                                   std::string(type_name(value.type)));
}

}  // namespace

Value Value::command_line_text(std::string text, std::string prefix) {
    Value value;
    value.type = Type::text;
    value.text = std::move(text);
    value.origin.source = Source::command_line;
    value.origin.prefix = std::move(prefix);
    return value;
}

Value Value::command_line_flag(std::string prefix) {
    Value value;
    value.type = Type::boolean;
    value.boolean = true;
    value.origin.source = Source::command_line;
    value.origin.prefix = std::move(prefix);
    return value;
}

std::string_view type_name(Value::Type type) {
    switch (type) {
        case Value::Type::text:
            return "a string";
        case Value::Type::integer:
            return "an integer";
        case Value::Type::floating:
            return "a float";
        case Value::Type::boolean:
            return "a boolean";
        case Value::Type::list:
            return "an array";
        case Value::Type::table:
            return "a table";
        case Value::Type::date_time:
            return "a date/time";
    }
    return "a value";
}

Error problem_with(const Value& value, std::string_view problem) {
    return Error(value.origin.prefix + std::string(problem));
}

Result<std::string> read_text(const Value& value) {
    if (value.type != Value::Type::text) return wrong_type(value, "a string");
    // TOML strings may hold one ("\u0000"); every path, address and name ends at it for the
    // system calls that take them, so what follows would pass unseen.
    if (value.text.find('\0') != std::string::npos) {
        return problem_with(value, "holds a NUL character");
    }
    return value.text;
}

Result<std::vector<Value>> read_text_list(const Value& value) {
    if (value.type == Value::Type::text) {
        if (auto text = read_text(value); !text) return std::move(text).error();
        return std::vector<Value>{value};
    }
    if (value.type != Value::Type::list) {
        return wrong_type(value, "a string or an array of strings");
    }
    for (const Value& item : value.items) {
        if (auto text = read_text(item); !text) return std::move(text).error();
    }
    return value.items;
}

Result<long long> read_integer(const Value& value, long long min, long long max) {
    const std::string range = std::to_string(min) + ".." + std::to_string(max);
    if (!value.typed) {
        if (auto parsed = parse_integer(value.text, min, max)) return *parsed;
        return problem_with(value, quote(value.text) + " is not a whole number in " + range);
    }
    if (value.type != Value::Type::integer) return wrong_type(value, "an integer");
    if (value.integer < min || value.integer > max) {
        return problem_with(value, std::to_string(value.integer) + " is not in " + range);
    }
    return static_cast<long long>(value.integer);
}

Result<std::chrono::milliseconds> read_duration(const Value& value) {
    if (value.type == Value::Type::text) {
        if (auto parsed = parse_duration(value.text)) return *parsed;
        return problem_with(value, quote(value.text) + std::string(kNotADuration));
    }
    double seconds = 0;
    if (value.type == Value::Type::integer) {
        seconds = static_cast<double>(value.integer);
    } else if (value.type == Value::Type::floating) {
        seconds = value.floating;
    } else {
        return wrong_type(value, "a duration like \"3s\" or a number of seconds");
    }
    const double ms = std::round(seconds * 1000.0);
    if (!(ms >= 1.0) || ms > static_cast<double>(max_duration.count())) {
        std::ostringstream shown;
        shown << seconds;
        return problem_with(value, shown.str() + std::string(kNotADuration));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

Result<bool> read_boolean(const Value& value) {
    // A client configuration's values are text: "true" / "false", in any case, as Java reads them.
    if (value.type == Value::Type::text && value.origin.source == Source::client_config) {
        const std::string word = lower(value.text);
        if (word == "true" || word == "false") return word == "true";
        return problem_with(value, quote(value.text) + " is not true or false");
    }
    if (value.type != Value::Type::boolean) return wrong_type(value, "true or false");
    return value.boolean;
}

std::string resolve_path(const Value& value, const std::string& text) {
    namespace fs = std::filesystem;
    const fs::path path(text);
    if (value.origin.base_directory.empty() || path.is_absolute()) return text;
    return (fs::path(value.origin.base_directory) / path).lexically_normal().string();
}

std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates) {
    constexpr std::size_t max_edits = 2;
    std::optional<std::string> best;
    std::size_t best_distance = max_edits + 1;
    for (const std::string& candidate : candidates) {
        const std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance && distance * 2 <= word.size()) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates) {
    std::string_view best;
    std::size_t best_distance = 3;  // only close misses are worth suggesting
    for (const std::string& candidate : candidates) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    // Dashes for underscores is the most likely slip: "warn-days".
    std::string underscored(key);
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    for (const std::string& candidate : candidates) {
        if (candidate == underscored) best = candidate;
    }
    if (best.empty()) return "";
    return " (did you mean '" + std::string(best) + "'?)";
}

}  // namespace vpcprobe
