// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`'s log: one logfmt line per event on standard error
// ("ts=... event=check duration=1.214s ok=6 ..."), every value written with logfmt_value so
// that one event is always one line. docs/serve.md ("Log") lists the events.
//
// Threading: the line builders are pure. log_event and log_line write a whole line with one
// stdio call, which locks the stream, so lines from serve's two threads never mix.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/report.h"
#include "core/status_change.h"

namespace vpcprobe {

// One `key=value` of a line; the value is raw (quoted and escaped when the line is built).
struct LogField {
    std::string_view key;
    std::string value;
};

// "ts=<at, RFC 3339 with milliseconds> event=<event> key=value ...".
std::string event_line(std::chrono::system_clock::time_point at, std::string_view event,
                       const std::vector<LogField>& fields = {});

// The event, stamped now, on standard error.
void log_event(std::string_view event, const std::vector<LogField>& fields = {});

// A line built with event_line (or the builders below) on standard error.
void log_line(const std::string& line);

// The line of one finished run, stamped now: event=check duration=1.234s ok=3 warning=0
// failed=1 targets=4 exit=2, then cpu_ms=12.3 when the CPU the run cost is given.
std::string check_log_line(const Report& report,
                           std::optional<std::chrono::microseconds> cpu = std::nullopt);

// The line of one status change, stamped with the run that saw it (change.at):
// event=status_change endpoint=... from=ok to=failed cause=tcp.timeout component=kafka
// access=vpc; an empty value is written "".
std::string change_log_line(const StatusChange& change);

}  // namespace vpcprobe
