// SPDX-License-Identifier: Apache-2.0
// The Markdown report (`--format markdown`): for pasting into a support ticket (GitHub, Jira,
// Zendesk). The verdict in one sentence first, a table of targets × stages, the findings, each
// problem in plain words, the environment the check ran in, and the raw evidence of every
// target folded in <details> blocks. Pure functions of the report: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// The report as GitHub-flavoured Markdown, ending in a newline. Marks: ✅ ok, ⚠️ warning,
// ❌ failed, ➖ skipped. Everything that came from the network or the user (certificate
// subjects, alerts, host names, the command line) is treated as hostile: invalid UTF-8 becomes
// U+FFFD, control and bidi-override characters are neutralised, Markdown punctuation is
// backslash-escaped, `<`, `>`, `&` become entities, `|` is escaped in table cells, and code
// spans and fenced blocks use a backtick run longer than any in their content, so no peer can
// inject HTML, links, or break the layout.
std::string render_markdown(const Report& report);

// The raw evidence of one target as plain text lines (target, DNS, then per address tcp / tls
// / certificate chain / verify errors / protocol), ending in a newline. Control characters are
// already neutralised; the caller still escapes for its own format (the Markdown renderer puts
// it in a fenced block, the JUnit renderer in XML). Shared so both say the same thing.
std::string render_evidence_text(const TargetReport& target);

}  // namespace vpcprobe
