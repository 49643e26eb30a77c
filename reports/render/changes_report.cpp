// SPDX-License-Identifier: Apache-2.0
#include "reports/render/changes_report.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/text.h"

namespace vpcprobe {

namespace {

namespace json = boost::json;

json::object change_json(const StatusChange& change) {
    auto text_or_null = [](const std::string& value) -> json::value {
        if (value.empty()) return nullptr;
        return json::value(valid_utf8(value));
    };
    json::object out;
    out["at"] = rfc3339_ms(change.at);
    out["endpoint"] = valid_utf8(change.endpoint);
    out["component"] = valid_utf8(change.component);
    out["access"] = text_or_null(change.access);
    out["from"] = valid_utf8(change.from);
    out["to"] = valid_utf8(change.to);
    out["cause"] = text_or_null(change.cause);
    return out;
}

struct Row {
    std::string time, component, access, endpoint, change, cause;
};

Row row_of(const StatusChange& change) {
    return {rfc3339(change.at),
            printable(change.component),
            change.access.empty() ? "-" : printable(change.access),
            printable(change.endpoint),
            printable(change.from) + " -> " + printable(change.to),
            change.cause.empty() ? "-" : printable(change.cause)};
}

}  // namespace

std::string render_changes_text(const std::vector<StatusChange>& changes) {
    if (changes.empty()) return "no changes recorded\n";
    std::vector<Row> rows;
    rows.push_back({"TIME", "COMPONENT", "ACCESS", "ENDPOINT", "CHANGE", "CAUSE"});
    for (const StatusChange& change : changes) rows.push_back(row_of(change));
    // The last column is not padded: no trailing spaces.
    std::array<std::size_t, 5> widths{};
    for (const Row& row : rows) {
        const std::array<const std::string*, 5> cells = {&row.time, &row.component, &row.access,
                                                         &row.endpoint, &row.change};
        for (std::size_t i = 0; i < cells.size(); ++i) {
            widths[i] = std::max(widths[i], cells[i]->size());
        }
    }
    std::string out;
    for (const Row& row : rows) {
        out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", row.time, widths[0],
                           row.component, widths[1], row.access, widths[2], row.endpoint, widths[3],
                           row.change, widths[4], row.cause);
    }
    return out;
}

std::string render_changes_json(const std::vector<StatusChange>& changes) {
    if (changes.empty()) return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < changes.size(); ++i) {
        out += "  " + render_change_line(changes[i]);
        out += i + 1 < changes.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

std::string render_change_line(const StatusChange& change) {
    return json::serialize(change_json(change));
}

}  // namespace vpcprobe
