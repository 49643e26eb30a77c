// SPDX-License-Identifier: Apache-2.0
#include "agent/status_changes.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <system_error>
#include <utility>

#include <boost/json.hpp>

namespace vpcprobe {

namespace {

namespace json = boost::json;

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_verdict(std::string_view status) {
    return status == "ok" || status == "warning" || status == "failed";
}

const json::string* string_at(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr ? value->if_string() : nullptr;
}

// A string field, or "" when null or absent; false when it is something else.
bool optional_string(const json::object& object, std::string_view key, std::string& out) {
    const json::value* value = object.if_contains(key);
    out.clear();
    if (value == nullptr || value->is_null()) return true;
    if (!value->is_string()) return false;
    out = std::string(value->get_string());
    return true;
}

// "2026-11-22T10:00:00Z" or "2026-11-22T10:00:00.123Z", as rfc3339/rfc3339_ms write them.
std::optional<SystemTime> parse_time(std::string_view text) {
    auto number = [&](std::size_t at, std::size_t digits, int& out) {
        if (at + digits > text.size() || !all_digits(text.substr(at, digits))) return false;
        return std::from_chars(text.data() + at, text.data() + at + digits, out).ec == std::errc{};
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0;
    if (text.size() < 20 || !number(0, 4, year) || text[4] != '-' || !number(5, 2, month) ||
        text[7] != '-' || !number(8, 2, day) || text[10] != 'T' || !number(11, 2, hour) ||
        text[13] != ':' || !number(14, 2, minute) || text[16] != ':' || !number(17, 2, second)) {
        return std::nullopt;
    }
    std::size_t at = 19;
    if (text.size() == 24 && text[19] == '.') {
        if (!number(20, 3, millisecond)) return std::nullopt;
        at = 23;
    }
    if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year},
                              std::chrono::month{static_cast<unsigned>(month)},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    return sys_days{date} + hours{hour} + minutes{minute} + seconds{second} +
           milliseconds{millisecond};
}

// One element of a stored report's "targets", keyed by its endpoint.
Result<std::pair<std::string, TargetState>> parse_target(const json::value& element) {
    const Error malformed("a target without endpoint, status or component");
    const json::object* target = element.if_object();
    if (target == nullptr) return malformed;
    const json::string* endpoint = string_at(*target, "endpoint");
    const json::string* status = string_at(*target, "status");
    TargetState state;
    if (endpoint == nullptr || status == nullptr ||
        !is_verdict(std::string_view(status->data(), status->size())) ||
        !optional_string(*target, "component", state.component) ||
        !optional_string(*target, "access", state.access)) {
        return malformed;
    }
    state.status = std::string(*status);
    if (const json::value* cause = target->if_contains("cause");
        cause != nullptr && cause->is_object()) {
        optional_string(cause->get_object(), "code", state.cause);
    }
    return std::pair{std::string(*endpoint), std::move(state)};
}

// Splits on '\n', dropping empty lines (a file always ends with one).
std::vector<std::string_view> lines_of(std::string_view content) {
    std::vector<std::string_view> lines;
    while (!content.empty()) {
        const std::size_t newline = content.find('\n');
        const std::string_view line = content.substr(0, newline);
        if (!line.empty()) lines.push_back(line);
        if (newline == std::string_view::npos) break;
        content.remove_prefix(newline + 1);
    }
    return lines;
}

}  // namespace

RunComparison compare_runs(const std::optional<TargetStates>& previous, const Report& report) {
    RunComparison out;
    for (const TargetReport& target : report.targets) {
        TargetState state{std::string(name(target.status)),
                          target.cause ? std::string(code(target.cause->code)) : "",
                          target.target.component, target.target.access};
        const std::string endpoint = target.target.endpoint();
        if (!out.current.emplace(endpoint, state).second) continue;  // listed twice: first wins
        const TargetState* before = nullptr;
        if (previous) {
            const auto found = previous->find(endpoint);
            if (found != previous->end()) before = &found->second;
        }
        if (before != nullptr && before->status == state.status && before->cause == state.cause) {
            continue;
        }
        out.changes.push_back(StatusChange{report.agent.started_at, endpoint, state.component,
                                           state.access, before ? before->status : "new",
                                           state.status, state.cause});
    }
    if (!previous) return out;
    for (const auto& [endpoint, state] : *previous) {
        if (out.current.count(endpoint) != 0) continue;
        out.changes.push_back(StatusChange{report.agent.started_at, endpoint, state.component,
                                           state.access, state.status, "gone", ""});
    }
    return out;
}

Result<TargetStates> parse_target_states(std::string_view report_json) {
    std::error_code ec;
    const json::value value =
        json::parse(json::string_view(report_json.data(), report_json.size()), ec);
    if (ec) return Error("not JSON (" + ec.message() + ")");
    const json::object* root = value.if_object();
    const json::value* targets = root != nullptr ? root->if_contains("targets") : nullptr;
    if (targets == nullptr || !targets->is_array()) return Error("not a vpcprobe report");
    TargetStates states;
    for (const json::value& element : targets->get_array()) {
        auto target = parse_target(element);
        if (!target) return std::move(target).error();
        states.emplace(std::move(*target));
    }
    return states;
}

Result<StatusChange> parse_change_line(std::string_view line) {
    std::error_code ec;
    json::value value = json::parse(json::string_view(line.data(), line.size()), ec);
    if (ec) return Error("not JSON (" + ec.message() + ")");
    if (!value.is_object()) return Error("not a JSON object");
    const json::object& object = value.get_object();
    const json::string* at = string_at(object, "at");
    const json::string* endpoint = string_at(object, "endpoint");
    const json::string* from = string_at(object, "from");
    const json::string* to = string_at(object, "to");
    if (at == nullptr || endpoint == nullptr || endpoint->empty() || from == nullptr ||
        to == nullptr) {
        return Error("at, endpoint, from or to missing");
    }
    const auto time = parse_time(std::string_view(at->data(), at->size()));
    if (!time) return Error("at is not an RFC 3339 UTC time");
    StatusChange change;
    change.at = *time;
    change.endpoint = std::string(*endpoint);
    change.from = std::string(*from);
    change.to = std::string(*to);
    if (!(is_verdict(change.from) || change.from == "new") ||
        !(is_verdict(change.to) || change.to == "gone")) {
        return Error("from or to is not a status");
    }
    if (!optional_string(object, "component", change.component) ||
        !optional_string(object, "access", change.access) ||
        !optional_string(object, "cause", change.cause)) {
        return Error("component, access or cause is not a string");
    }
    return change;
}

SkippedLines for_each_change_line(
    std::string_view content,
    const std::function<void(std::string_view line, StatusChange&& change)>& each) {
    SkippedLines skipped;
    std::size_t number = 0;
    for (const std::string_view line : lines_of(content)) {
        ++number;
        auto change = parse_change_line(line);
        if (change) {
            each(line, std::move(*change));
        } else if (skipped.count++ == 0) {
            skipped.first = number;
        }
    }
    return skipped;
}

std::string newest_lines_within(const std::vector<std::string>& lines, std::size_t max_lines,
                                std::size_t max_bytes) {
    std::size_t bytes = 0;
    std::size_t first_kept = lines.size();
    while (first_kept > 0 && lines.size() - first_kept < max_lines &&
           bytes + lines[first_kept - 1].size() + 1 <= max_bytes) {
        --first_kept;
        bytes += lines[first_kept].size() + 1;
    }
    std::string out;
    out.reserve(bytes);
    for (std::size_t i = first_kept; i < lines.size(); ++i) {
        out += lines[i];
        out += '\n';
    }
    return out;
}

}  // namespace vpcprobe
