// SPDX-License-Identifier: Apache-2.0
// Text from reports (certificate subjects, hostnames, agent names, causes' summaries) made
// harmless in Markdown, for every Markdown renderer (markdown_report.h, fleet_report.h): no
// control character, bidi override, raw HTML, emphasis, link or table cell break gets through.
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/report.h"

namespace vpcprobe {

// Valid UTF-8 with white space as a plain space and every other control character (C0, DEL,
// C1) and bidi override/isolate as U+FFFD.
std::string markdown_neutralised(std::string_view raw);

// Inline Markdown text: neutralised, Markdown punctuation backslash-escaped, HTML's specials as
// entities.
std::string markdown_text(std::string_view raw);

// The longest run of backticks in `text`: a fence around it needs one more.
std::size_t longest_backtick_run(std::string_view text);

// A code span that cannot be closed early (one backtick more than the longest run inside); in
// a table cell (`in_table`) `|` is escaped as well.
std::string markdown_code(std::string_view raw, bool in_table = false);

// The sign each Markdown report puts before a status or a finding: ✅ ok, ⚠️ warning,
// ❌ failed, ➖ skipped; ❌ error, ⚠️ warning, ℹ️ info.
std::string_view markdown_mark(StageStatus status);
std::string_view markdown_mark(Severity severity);

}  // namespace vpcprobe
