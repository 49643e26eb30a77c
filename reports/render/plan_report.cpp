// SPDX-License-Identifier: Apache-2.0
#include "reports/render/plan_report.h"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <string_view>

namespace vpcprobe {
namespace {

std::string pad(std::string_view text, std::size_t width) {
    std::string out(text);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
}

}  // namespace

std::string render_plan(const std::vector<Target>& plan,
                        const std::optional<ClientConfigInfo>& client_config,
                        const std::vector<std::string>& notes) {
    const std::string_view headers[] = {"COMPONENT", "ACCESS", "HOST", "PORT", "TLS", "ORIGIN"};
    std::vector<std::array<std::string, 6>> rows;
    rows.reserve(plan.size());
    for (const Target& target : plan) {
        rows.push_back({target.component, target.access.empty() ? "-" : target.access, target.host,
                        std::to_string(target.port), target.tls ? "yes" : "no", target.origin});
    }
    std::array<std::size_t, 6> widths{};
    for (std::size_t column = 0; column < widths.size(); ++column) {
        widths[column] = headers[column].size();
        for (const auto& row : rows) widths[column] = std::max(widths[column], row[column].size());
    }
    auto line = [&](auto&& cell) {
        std::string out;
        for (std::size_t column = 0; column < widths.size(); ++column) {
            const std::string text(cell(column));
            if (column + 1 == widths.size()) {
                out += text;
            } else {
                out += pad(text, widths[column] + 2);
            }
        }
        return out + "\n";
    };
    std::string out = line([&](std::size_t column) { return std::string(headers[column]); });
    for (const auto& row : rows) out += line([&](std::size_t column) { return row[column]; });
    out += std::to_string(plan.size()) + (plan.size() == 1 ? " target\n" : " targets\n");
    if (client_config) {
        out +=
            fmt::format("as configured in {} ({})\n", client_config->path, client_config->format);
        for (const std::string& note : client_config->notes) out += "  note: " + note + "\n";
    }
    for (const std::string& note : notes) out += "note: " + note + "\n";
    return out;
}

std::string render_plan_json(const std::vector<Target>& plan) {
    boost::json::array array;
    for (const Target& target : plan) {
        boost::json::object object;
        object["component"] = target.component;
        if (target.access.empty()) {
            object["access"] = nullptr;
        } else {
            object["access"] = target.access;
        }
        object["host"] = target.host;
        object["port"] = target.port;
        object["endpoint"] = target.endpoint();
        object["origin"] = target.origin;
        object["tls"] = target.tls;
        array.push_back(std::move(object));
    }
    return boost::json::serialize(array) + "\n";
}

}  // namespace vpcprobe
