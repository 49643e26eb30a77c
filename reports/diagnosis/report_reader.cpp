// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/report_reader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {
namespace {

namespace json = boost::json;

// A text member, "" when absent or null; an Error when it is something else.
Result<std::string> text_member(const json::object& object, std::string_view key,
                                std::string_view where) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return std::string();
    if (!value->is_string()) {
        return Error(std::string(where) + quote(key) + " is not a string");
    }
    return std::string(value->get_string());
}

// A list of texts (source_addresses, dns addresses); absent is empty.
Result<std::vector<std::string>> text_list(const json::object& object, std::string_view key,
                                           std::string_view where) {
    std::vector<std::string> out;
    const json::value* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) return out;
    if (!value->is_array()) return Error(std::string(where) + quote(key) + " is not a list");
    for (const json::value& item : value->get_array()) {
        if (!item.is_string()) {
            return Error(std::string(where) + quote(key) + " holds something not a string");
        }
        out.emplace_back(item.get_string());
    }
    return out;
}

Result<StageStatus> target_status(std::string_view text, std::string_view where) {
    if (text == "ok") return StageStatus::ok;
    if (text == "warning") return StageStatus::warning;
    if (text == "failed") return StageStatus::failed;
    return Error(std::string(where) + "status " + quote(text) + " is not ok, warning or failed");
}

// What the target's DNS stage answered.
Result<void> read_dns(const json::object& target, ReadTarget& into, const std::string& where) {
    const json::value* stages = target.if_contains("stages");
    if (stages == nullptr || !stages->is_object()) return {};
    const json::value* dns = stages->get_object().if_contains("dns");
    if (dns == nullptr || !dns->is_object()) return {};
    auto status = text_member(dns->get_object(), "status", where + "stages.dns: ");
    if (!status) return std::move(status).error();
    into.dns_answered = *status == "ok" || *status == "warning";
    auto addresses = text_list(dns->get_object(), "addresses", where + "stages.dns: ");
    if (!addresses) return std::move(addresses).error();
    into.dns_addresses = std::move(*addresses);
    std::sort(into.dns_addresses.begin(), into.dns_addresses.end());
    return {};
}

Result<void> read_cause(const json::object& target, ReadTarget& into, const std::string& where) {
    const json::value* cause = target.if_contains("cause");
    if (cause == nullptr || cause->is_null()) return {};
    if (!cause->is_object()) return Error(where + "\"cause\" is not an object");
    const json::object& fields = cause->get_object();
    const std::string at = where + "cause: ";
    for (auto [key, slot] :
         {std::pair{"code", &into.cause_code}, std::pair{"stage", &into.cause_stage},
          std::pair{"summary", &into.cause_summary}, std::pair{"remedy", &into.cause_remedy}}) {
        auto text = text_member(fields, key, at);
        if (!text) return std::move(text).error();
        *slot = std::move(*text);
    }
    return {};
}

Result<ReadTarget> read_target(json::value& value, std::size_t index, const std::string& agent) {
    const std::string where = "targets[" + std::to_string(index) + "]: ";
    if (!value.is_object()) return Error(where + "not an object");
    json::object& target = value.get_object();
    ReadTarget read;
    for (auto [key, slot] : {std::pair{"component", &read.component},
                             std::pair{"access", &read.access}, std::pair{"host", &read.host}}) {
        auto text = text_member(target, key, where);
        if (!text) return std::move(text).error();
        *slot = std::move(*text);
    }
    if (read.host.empty()) return Error(where + "no \"host\"");
    const json::value* port = target.if_contains("port");
    if (port == nullptr || !port->is_int64() || port->get_int64() < 1 ||
        port->get_int64() > 65535) {
        return Error(where + "no \"port\" between 1 and 65535");
    }
    read.port = static_cast<std::uint16_t>(port->get_int64());
    auto status_text = text_member(target, "status", where);
    if (!status_text) return std::move(status_text).error();
    auto status = target_status(*status_text, where);
    if (!status) return std::move(status).error();
    read.status = *status;
    if (auto cause = read_cause(target, read, where); !cause) return cause.error();
    if (read.status != StageStatus::ok && read.cause_code.empty()) {
        return Error(where + "status " + *status_text + " without a cause");
    }
    if (auto dns = read_dns(target, read, where); !dns) return dns.error();
    target["agent"] = agent;
    read.json = json::serialize(target);
    return read;
}

Result<Finding> read_finding(const json::value& value, std::size_t index) {
    const std::string where = "findings[" + std::to_string(index) + "]: ";
    if (!value.is_object()) return Error(where + "not an object");
    const json::object& object = value.get_object();
    Finding finding;
    auto code = text_member(object, "code", where);
    auto severity = text_member(object, "severity", where);
    auto summary = text_member(object, "summary", where);
    auto remedy = text_member(object, "remedy", where);
    auto confidence = text_member(object, "confidence", where);
    auto components = text_list(object, "components", where);
    auto targets = text_list(object, "targets", where);
    for (const auto* text : {&code, &severity, &summary, &remedy, &confidence}) {
        if (!*text) return text->error();
    }
    if (!components) return std::move(components).error();
    if (!targets) return std::move(targets).error();
    if (code->empty()) return Error(where + "no \"code\"");
    finding.code = std::move(*code);
    finding.severity = *severity == "warning" ? Severity::warning
                       : *severity == "info"  ? Severity::info
                                              : Severity::error;
    finding.summary = std::move(*summary);
    finding.remedy = std::move(*remedy);
    finding.confidence = std::move(*confidence);
    finding.components = std::move(*components);
    finding.targets = std::move(*targets);
    return finding;
}

Result<std::vector<AgentLabel>> read_labels(const json::object& agent) {
    std::vector<AgentLabel> labels;
    const json::value* value = agent.if_contains("labels");
    if (value == nullptr || value->is_null()) return labels;
    if (!value->is_object()) return Error("agent: \"labels\" is not an object");
    for (const auto& [name, text] : value->get_object()) {
        if (!text.is_string())
            return Error(fmt::format("agent: label {} is not a string", quote(name)));
        labels.push_back({std::string(name), std::string(text.get_string())});
    }
    std::sort(labels.begin(), labels.end(),
              [](const AgentLabel& a, const AgentLabel& b) { return a.name < b.name; });
    return labels;
}

// What marks a document as a vpcprobe report of the schema this version reads.
Result<void> check_identity(const json::object& root) {
    const json::value* tool = root.if_contains("tool");
    const json::value* version = root.if_contains("schema_version");
    const bool ours = tool != nullptr && tool->is_object() &&
                      tool->get_object().if_contains("name") != nullptr &&
                      tool->get_object().at("name") == "vpcprobe";
    if (!ours || version == nullptr) {
        return Error(
            "not a vpcprobe report (no \"schema_version\" and \"tool\": {\"name\": "
            "\"vpcprobe\"})");
    }
    if (!version->is_int64() || version->get_int64() != 1) {
        return Error("schema_version " + json::serialize(*version) +
                     "; this vpcprobe reads schema_version 1");
    }
    if (root.contains("fleet")) {
        return Error("a merged report (it has \"fleet\"): merge the agents' own reports");
    }
    return {};
}

Result<void> read_agent(const json::object& root, AgentReport& into) {
    const json::value* agent = root.if_contains("agent");
    if (agent == nullptr || !agent->is_object()) {
        return Error("not a vpcprobe report (no \"agent\" object)");
    }
    const json::object& fields = agent->get_object();
    for (auto [key, slot] : {std::pair{"name", &into.name}, std::pair{"hostname", &into.hostname},
                             std::pair{"started_at", &into.started_at}}) {
        auto text = text_member(fields, key, "agent: ");
        if (!text) return std::move(text).error();
        *slot = std::move(*text);
    }
    // Reports written before agents had names are named by their host.
    if (into.name.empty()) into.name = into.hostname;
    if (into.name.empty()) return Error("agent: neither \"name\" nor \"hostname\"");
    auto labels = read_labels(fields);
    if (!labels) return std::move(labels).error();
    into.labels = std::move(*labels);
    auto addresses = text_list(fields, "source_addresses", "agent: ");
    if (!addresses) return std::move(addresses).error();
    into.source_addresses = std::move(*addresses);
    auto resolvers = text_list(fields, "resolvers", "agent: ");
    if (!resolvers) return std::move(resolvers).error();
    into.resolvers = std::move(*resolvers);
    auto version = text_member(root.at("tool").get_object(), "version", "tool: ");
    if (!version) return std::move(version).error();
    into.version = std::move(*version);
    return {};
}

Result<void> read_lists(json::object& root, AgentReport& into) {
    json::value* targets = root.if_contains("targets");
    json::value* findings = root.if_contains("findings");
    if (targets == nullptr || !targets->is_array()) {
        return Error("not a vpcprobe report (no \"targets\" list)");
    }
    std::size_t index = 0;
    for (json::value& value : targets->get_array()) {
        auto target = read_target(value, index++, into.name);
        if (!target) return std::move(target).error();
        into.targets.push_back(std::move(*target));
    }
    if (findings == nullptr || findings->is_null()) return {};
    if (!findings->is_array()) return Error("\"findings\" is not a list");
    index = 0;
    for (const json::value& value : findings->get_array()) {
        auto finding = read_finding(value, index++);
        if (!finding) return std::move(finding).error();
        into.findings.push_back(std::move(*finding));
    }
    return {};
}

Result<json::value> parse_document(std::string_view text) {
    json::parse_options options;
    options.max_depth = kMaxReportDepth;
    std::error_code ec;
    json::value root = json::parse(text, ec, {}, options);
    if (ec == json::error::too_deep) {
        return Error("nested deeper than " + std::to_string(kMaxReportDepth) +
                     " levels, which no vpcprobe report is");
    }
    if (ec) return Error("not JSON: " + ec.message());
    if (!root.is_object()) return Error("not a vpcprobe report (not a JSON object)");
    return root;
}

}  // namespace

Result<AgentReport> parse_agent_report(std::string_view text, const std::string& source) {
    // Boost.JSON reports allocation failures by exception; they go no further than here.
    try {
        auto root = parse_document(text);
        if (!root) return std::move(root).error();
        json::object& object = root->get_object();
        if (auto ours = check_identity(object); !ours) return ours.error();
        AgentReport report;
        report.source = source;
        if (auto agent = read_agent(object, report); !agent) return agent.error();
        if (auto lists = read_lists(object, report); !lists) return lists.error();
        return report;
    } catch (const std::exception& error) {
        return Error(std::string("cannot be read: ") + error.what());
    }
}

}  // namespace vpcprobe
