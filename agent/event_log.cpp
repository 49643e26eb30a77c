// SPDX-License-Identifier: Apache-2.0
#include "agent/event_log.h"

#include <cstdio>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {

std::string event_line(std::chrono::system_clock::time_point at, std::string_view event,
                       const std::vector<LogField>& fields) {
    std::string line = fmt::format("ts={} event={}", rfc3339_ms(at), logfmt_value(event));
    for (const LogField& field : fields) {
        line += fmt::format(" {}={}", field.key, logfmt_value(field.value));
    }
    return line;
}

void log_event(std::string_view event, const std::vector<LogField>& fields) {
    log_line(event_line(std::chrono::system_clock::now(), event, fields));
}

void log_line(const std::string& line) {
    fmt::print(stderr, "{}\n", line);
}

std::string check_log_line(const Report& report, std::optional<std::chrono::microseconds> cpu) {
    std::vector<LogField> fields = {
        {"duration", fmt::format("{:.3f}s", report.agent.duration_ms / 1000.0)},
        {"ok", std::to_string(report.summary.ok)},
        {"warning", std::to_string(report.summary.warning)},
        {"failed", std::to_string(report.summary.failed)},
        {"targets", std::to_string(report.targets.size())},
        {"exit", std::to_string(exit_code(report))}};
    if (cpu)
        fields.push_back(
            {"cpu_ms",
             fmt::format("{:.1f}", std::chrono::duration<double, std::milli>(*cpu).count())});
    return event_line(std::chrono::system_clock::now(), "check", fields);
}

std::string change_log_line(const StatusChange& change) {
    return event_line(change.at, "status_change",
                      {{"endpoint", change.endpoint},
                       {"from", change.from},
                       {"to", change.to},
                       {"cause", change.cause},
                       {"component", change.component},
                       {"access", change.access}});
}

}  // namespace vpcprobe
