// SPDX-License-Identifier: Apache-2.0
// The two line formats a Kafka client's configuration file comes in, read into key/value lines:
// Java's client.properties (java.util.Properties.load, as every Java client and the Kafka
// command-line tools read it) and librdkafka's (kcat -F, the librdkafka examples). Pure
// parsing: the caller reads the file (and bounds its size) and decides what the keys mean.
//
// Both return every entry in file order, duplicates included: a later entry replaces an earlier
// one for the clients, and the caller decides how to say so.
//
// Errors say "line N: what is wrong" (the caller puts the file in front) and may name a key,
// never a value: values hold passwords. Either reader refuses a NUL byte.
//
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

struct PropertyLine {
    std::string key;
    std::string value;
    int line = 0;  // 1-based line where the entry starts (its first line when continued)
};

// java.util.Properties.load, rule for rule:
// - Lines end at "\n", "\r" or "\r\n". Leading blanks (space, tab, form feed) are skipped;
//   blank lines and comment lines (first character '#' or '!') are skipped. A comment line
//   never continues on the next line, whatever it ends with.
// - A line that ends in an odd number of backslashes continues on the next line, without that
//   backslash and without the next line's leading blanks ('#' or '!' there is text, not a
//   comment). A trailing backslash at the end of the text is dropped.
// - The key ends at the first '=', ':' or blank not escaped by a backslash; blanks after it
//   are skipped, then one '=' or ':' if the key ended at a blank, then blanks again. The rest of
//   the line is the value, trailing blanks included. A line with only a key has an empty value.
// - In keys and values: \t \n \r \f, \uXXXX (UTF-16, surrogate pairs joined; a lone surrogate
//   becomes U+FFFD), and a backslash before any other character stands for that character
//   ("\:", "\=", "\ ", "\\", "\#"). A \u not followed by four hexadecimal digits is an error,
//   as it is for Java ("Malformed \uxxxx encoding"); so is \u0000 (a NUL).
// Encoding: Java reads the bytes as ISO-8859-1 (Kafka's Utils.loadProps uses
// Properties.load(InputStream)), but people write these files in UTF-8. A text that is valid
// UTF-8 throughout is read as UTF-8; any other text is read as ISO-8859-1, which is what the
// client does with it. Keys and values come back as UTF-8.
Result<std::vector<PropertyLine>> parse_java_properties(std::string_view text);

// kcat -F (its read_conf_file), rule for rule:
// - Lines end at "\n". Each line is trimmed of C whitespace (space, \t, \v, \f, \r) at both
//   ends; empty lines and lines starting with '#' are skipped.
// - Backslashes right before a ':' and then those right before a '=' are removed (kcat does so
//   for Java files that escape them); there are no other escapes and no continuation lines.
// - The line is split at its first '='. No '=', or nothing before it, is the error
//   "expected property=value"; an empty value is allowed (librdkafka then resets the property).
//   Nothing around the '=' is trimmed: "key = value" has the key "key " and the value " value",
//   which librdkafka refuses as an unknown property, as kcat does.
// kcat reads lines with fgets into 512 bytes and so splits longer lines into several; that is a
// limit of kcat, not of the format, and is not copied. Keys and values keep their bytes as
// written (librdkafka takes bytes).
Result<std::vector<PropertyLine>> parse_librdkafka_config(std::string_view text);

}  // namespace vpcprobe
