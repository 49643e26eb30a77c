// SPDX-License-Identifier: Apache-2.0
// A setting's value as a source gave it, before the setting's own parser turns it into its
// type: text from the command line, or a typed TOML value from the config file, each with
// where it came from. The readers below turn a Value into a string, a number, a duration, a
// boolean or a list and word every complaint the same way whatever the source; only the
// prefix differs ("--timeout: ..." or "FILE:3:11: timeout: ..."). Values from a typed source
// must have the right type ("expected an integer, got a string"); command-line text is parsed.
// Plain values and pure functions: safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

// Which source a value came from, in the order they are applied (later wins).
enum class Source { config_file, client_config, command_line, environment };

struct Origin {
    Source source = Source::command_line;
    // What a complaint about the value starts with: "--timeout: ", "FILE:3:11: timeout: ",
    // "target " (a positional target quotes itself next).
    std::string prefix;
    // In a config file, where the value is and where its key is ("FILE:3:11: ", "FILE:3:1: "),
    // for complaints worded around another name ("FILE:3:1: sasl.password: ..."); "" on the
    // command line.
    std::string position;
    std::string key_position;
    // Relative paths are relative to this directory (the config file's); "" = as given.
    std::string base_directory;
};

struct ValueField;

struct Value {
    enum class Type { text, integer, floating, boolean, list, table, date_time };
    Type type = Type::text;
    std::string text;
    std::int64_t integer = 0;
    double floating = 0;
    bool boolean = false;
    std::vector<Value> items;        // a list
    std::vector<ValueField> fields;  // a table, in the order its source gives
    Origin origin;
    bool typed = false;  // from a source with types (TOML); command-line values are text

    // Command-line values: a flag's text, or a flag without a value (true until the setting
    // says the flag means false).
    static Value command_line_text(std::string text, std::string prefix);
    static Value command_line_flag(std::string prefix);
};

// One key of a table and its value. A struct of its own, not a std::pair: a pair of a type
// still being defined is not allowed by every standard library.
struct ValueField {
    std::string key;
    Value value;
};

// "a string", "an integer", ... for messages.
std::string_view type_name(Value::Type type);

// A complaint about `value`: its origin's prefix, then `problem`.
Error problem_with(const Value& value, std::string_view problem);

// Readers. Each error names the value's origin.
Result<std::string> read_text(const Value& value);
// A string, or an array of strings (one value per occurrence on the command line).
Result<std::vector<Value>> read_text_list(const Value& value);
// A whole number in [min, max]: an integer in TOML, decimal text on the command line.
Result<long long> read_integer(const Value& value, long long min, long long max);
// "3s", "250ms", "1m" (core/duration.h), or in TOML a positive number of seconds.
Result<std::chrono::milliseconds> read_duration(const Value& value);
// true or false in TOML; a flag on the command line is true (false for a "--no-X" flag).
Result<bool> read_boolean(const Value& value);
// The text of a path, relative paths resolved against the origin's base directory.
std::string resolve_path(const Value& value, const std::string& text);

// The closest of `candidates` to `word` by edit distance (insertions, deletions and
// substitutions of one character each) when it is a near miss: at most 2 edits and at most
// half of `word`'s length, so that "x" or "tls" suggests nothing; the first of equally close
// ones (`word` itself when it is one of them). nullopt when none is that close.
std::optional<std::string> nearest_name(std::string_view word,
                                        const std::vector<std::string>& candidates);

// The closest of `candidates` to `key` when it is a near miss (a typo, or dashes for
// underscores): " (did you mean 'timeout'?)", else "".
std::string did_you_mean(std::string_view key, const std::vector<std::string>& candidates);

}  // namespace vpcprobe
