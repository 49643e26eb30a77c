// SPDX-License-Identifier: Apache-2.0
// Characters of a Kafka client's configuration text, for the readers in this folder: the text
// as code points (UTF-8 when the whole text is valid UTF-8, else ISO-8859-1, one byte a
// character, as Java's Properties.load(InputStream) reads every file) and back to UTF-8.
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace vpcprobe::client_config {

// `text` as code points: decoded as UTF-8 when all of it is well-formed UTF-8, otherwise every
// byte is the ISO-8859-1 character of the same value.
std::u32string decode_text(std::string_view text);

// Appends `code_point` as UTF-8; a surrogate (U+D800..U+DFFF) or a value past U+10FFFF, which
// UTF-8 cannot hold, becomes U+FFFD.
void append_utf8(std::string& out, char32_t code_point);

// The code points as UTF-8 (append_utf8 for each).
std::string to_utf8(std::u32string_view code_points);

}  // namespace vpcprobe::client_config
