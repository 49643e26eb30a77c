// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/rules_argument.h"
#include "core/text.h"
#include "reports/diagnosis/rules_formats.h"

namespace vpcprobe::rules {

namespace json = boost::json;

std::string_view name(Direction direction) {
    return direction == Direction::ingress ? "ingress" : "egress";
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
    Cidr cidr;
    cidr.text = std::string(text);
    std::string address(text);
    int max_prefix = 32;
    std::optional<int> prefix;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address = std::string(text.substr(0, slash));
        auto digits = text.substr(slash + 1);
        int value = -1;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
            return std::nullopt;
        }
        prefix = value;
    }
    if (inet_pton(AF_INET, address.c_str(), cidr.bytes.data()) == 1) {
        cidr.v6 = false;
    } else if (inet_pton(AF_INET6, address.c_str(), cidr.bytes.data()) == 1) {
        cidr.v6 = true;
        max_prefix = 128;
    } else {
        return std::nullopt;
    }
    cidr.prefix = prefix.value_or(max_prefix);
    if (cidr.prefix < 0 || cidr.prefix > max_prefix) return std::nullopt;
    return cidr;
}

bool Cidr::contains(const Cidr& address) const {
    if (v6 != address.v6) return false;
    int bits = prefix;
    for (std::size_t i = 0; i < bytes.size() && bits > 0; ++i, bits -= 8) {
        int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
        if ((bytes[i] & mask) != (address.bytes[i] & mask)) return false;
    }
    return true;
}

namespace {

std::string ports_text(const PortRange& ports) {
    if (ports.from == ports.to) return std::to_string(ports.from);
    return std::to_string(ports.from) + "-" + std::to_string(ports.to);
}

}  // namespace

std::string SgRule::describe(Cloud cloud) const {
    std::string out;
    if (cloud == Cloud::alibaba) out += accept ? "Accept " : "Drop ";
    const auto p = lower(protocol);
    if (p == "-1" || p == "all") {
        out += "all traffic";
    } else {
        out += (matches_tcp ? std::string("tcp") : protocol) + " " +
               (ports.all() ? std::string("0-65535") : ports_text(ports));
    }
    out += direction == Direction::ingress ? " from " : " to ";
    out += peer ? peer->text : !peer_group.empty() ? peer_group : peer_prefix_list;
    if (cloud == Cloud::alibaba) out += " priority " + std::to_string(priority);
    if (!id.empty()) out += " (" + id + ")";
    return out;
}

std::string AclEntry::label() const {
    if (cloud == Cloud::alibaba) return id.empty() ? std::to_string(number) : id;
    return number == 32767 ? std::string("*") : std::to_string(number);
}

std::string AclEntry::describe() const {
    std::string out;
    if (cloud == Cloud::alibaba) {
        out = "entry " + std::to_string(number) + (id.empty() ? "" : " " + id) +
              (name.empty() ? "" : " (" + name + ")") + (allow ? " accept " : " drop ");
    } else {
        out = "rule " + label() + (allow ? " allow " : " deny ");
    }
    const auto p = lower(protocol);
    if (p == "-1" || p == "all") {
        out += "all traffic";
    } else {
        out += (matches_tcp ? std::string("tcp") : "protocol " + protocol) + " " +
               (ports.all() ? std::string("0-65535") : ports_text(ports));
    }
    out += egress ? " to " : " from ";
    out += cidr ? cidr->text : "?";
    return out;
}

std::string_view name(FirewallBorder border) {
    switch (border) {
        case FirewallBorder::internet_in:
            return "Internet border in";
        case FirewallBorder::internet_out:
            return "Internet border out";
        case FirewallBorder::vpc:
            break;
    }
    return "VPC border";
}

std::string_view name(FirewallAction action) {
    switch (action) {
        case FirewallAction::accept:
            return "accept";
        case FirewallAction::drop:
            return "drop";
        case FirewallAction::log:
            break;
    }
    return "log";
}

std::string FirewallPolicy::describe() const {
    std::string out = "order " + std::to_string(order) + " " + std::string(name(action)) + " " +
                      protocol + " " + source.text + " -> " + destination.text + ":" + ports_text;
    if (!application.empty() && upper(application) != "ANY") out += " app " + application;
    out += " (" + uuid + (description.empty() ? "" : ", " + quote(description)) + ")";
    return out;
}

namespace {

// The Error is one line, whatever Boost.JSON or a parser put in the message.
std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

// One export format: the top-level keys that identify it (all of them present), what the
// first of them must be when two clouds share the key (AWS SecurityGroups is an array,
// Alibaba's an object), and its parser (rules_formats.h). The first row that fits wins.
struct ExportFormat {
    std::vector<std::string_view> top_level_keys;
    bool (*shape)(const json::value& first);  // of the first key's value
    void (*parse)(const parsing::JsonObject& root, RuleSet& into);
};

bool any_shape(const json::value&) {
    return true;
}
bool an_array(const json::value& value) {
    return value.is_array();
}
bool alibaba_group_list(const json::value& value) {
    return value.is_object() && value.get_object().contains("SecurityGroup");
}

const std::vector<ExportFormat>& export_formats() {
    static const std::vector<ExportFormat> formats = {
        {{"SecurityGroups"}, an_array, parsing::parse_aws_security_groups},
        {{"SecurityGroups"}, alibaba_group_list, parsing::parse_alibaba_security_groups},
        {{"NetworkAcls"}, any_shape, parsing::parse_aws_network_acls},
        {{"NetworkInterfaces"}, any_shape, parsing::parse_aws_network_interfaces},
        {{"SecurityGroupId", "Permissions"}, any_shape, parsing::parse_alibaba_security_group},
        {{"NetworkInterfaceSets"}, any_shape, parsing::parse_alibaba_network_interfaces},
        {{"NetworkAclAttribute"}, any_shape, parsing::parse_alibaba_network_acl},
        {{"SnatTableEntries"}, any_shape, parsing::parse_alibaba_snat_entries},
        {{"Policys"}, any_shape, parsing::parse_cloud_firewall_policies},
        {{"PrefixListId", "Entries"}, any_shape, parsing::parse_alibaba_prefix_list},
        {{"PrefixLists"}, any_shape, parsing::parse_aws_prefix_lists},
        {{"Entries"}, an_array, parsing::parse_aws_prefix_list_entries},
    };
    return formats;
}

bool fits(const ExportFormat& format, const json::object& root) {
    if (!std::all_of(format.top_level_keys.begin(), format.top_level_keys.end(),
                     [&](std::string_view key) { return root.contains(key); })) {
        return false;
    }
    return format.shape(root.at(format.top_level_keys.front()));
}

const ExportFormat* recognise(const json::object& root) {
    for (const auto& format : export_formats()) {
        if (fits(format, root)) return &format;
    }
    // A known key with the wrong shape is the first format's own error ("expected an array").
    for (const auto& format : export_formats()) {
        if (root.contains(format.top_level_keys.front()) && format.top_level_keys.size() == 1) {
            return &format;
        }
    }
    return nullptr;
}

// "SecurityGroups, NetworkAcls, ... or NetworkInterfaceSets": what recognise() looks for.
std::string recognised_keys() {
    std::vector<std::string> alternatives;
    for (const auto& format : export_formats()) {
        const std::vector<std::string> keys(format.top_level_keys.begin(),
                                            format.top_level_keys.end());
        auto keys_text = join(keys, "+");
        if (std::find(alternatives.begin(), alternatives.end(), keys_text) == alternatives.end()) {
            alternatives.push_back(std::move(keys_text));
        }
    }
    const std::string last = alternatives.back();
    alternatives.pop_back();
    return join(alternatives, ", ") + " or " + last;
}

}  // namespace

void RuleSet::merge(RuleSet&& other) {
    auto append = [](auto& to, auto& from) {
        to.insert(to.end(), std::make_move_iterator(from.begin()),
                  std::make_move_iterator(from.end()));
    };
    append(groups, other.groups);
    append(acls, other.acls);
    append(interfaces, other.interfaces);
    append(group_types, other.group_types);
    append(prefix_lists, other.prefix_lists);
    append(snat_entries, other.snat_entries);
    append(firewall_policies, other.firewall_policies);
}

namespace {

// "pl-0abc" for a file named ".../pl-0abc.json", else "".
std::string prefix_list_named_by(std::string_view file) {
    const auto base = std::filesystem::path(std::string(file)).filename().string();
    const std::string_view name(base);
    if (name.size() <= 8 || name.substr(0, 3) != "pl-" || name.substr(name.size() - 5) != ".json") {
        return "";
    }
    return std::string(name.substr(0, name.size() - 5));
}

// An AWS get-managed-prefix-list-entries export names no list: the file (or --rules
// pl-ID=FILE) does.
Result<void> name_prefix_list(RuleSet& parsed, std::string_view file, std::string_view given) {
    for (auto& list : parsed.prefix_lists) {
        if (!list.id.empty()) continue;
        list.id = given.empty() ? prefix_list_named_by(file) : std::string(given);
        if (list.id.empty()) {
            return Error(std::string(file) +
                         ": the entries of a prefix list, but which list is not said: name the "
                         "file after it (pl-0abc.json) or give --rules pl-0abc=" +
                         std::string(file));
        }
    }
    return {};
}

}  // namespace

Result<RuleSet> parse_rules(std::string_view text, std::string_view file,
                            std::string_view prefix_list_id) {
    const std::string prefix = std::string(file) + ": ";
    try {
        std::error_code ec;
        json::parse_options options;
        options.max_depth = 64;
        json::value root = json::parse(text, ec, {}, options);
        if (ec) return Error(prefix + "not valid JSON: " + one_line(ec.message()));
        if (!root.is_object()) {
            return Error(prefix + "not a recognised rules export (expected a JSON object)");
        }
        const ExportFormat* format = recognise(root.get_object());
        if (format == nullptr) {
            return Error(prefix + "not a recognised rules export (expected top-level " +
                         recognised_keys() + ")");
        }
        RuleSet parsed;
        format->parse(parsing::JsonObject(root, ""), parsed);
        if (auto named = name_prefix_list(parsed, file, prefix_list_id); !named) {
            return std::move(named).error();
        }
        return parsed;
    } catch (const parsing::ParseFailure& failure) {
        return Error(prefix + one_line(failure.what) + " (at " + failure.path + ")");
    } catch (const std::exception& error) {
        return Error(prefix + "cannot be read: " + one_line(error.what()));
    }
}

namespace {

// The whole file, refused when it is over kMaxRulesFileBytes.
Result<std::string> read_rules_file(const std::string& file) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (ec) return Error(file + ": cannot read: " + ec.message());
    if (size > kMaxRulesFileBytes) {
        return Error(file + ": too large (" + std::to_string(size) +
                     " bytes; the limit is 64 MiB)");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error(file + ": cannot open for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return Error(file + ": read error");
    return buffer.str();
}

}  // namespace

Result<RuleSet> load_rules(const std::vector<std::string>& files) {
    RuleSet rules;
    for (const auto& argument : files) {
        const auto [prefix_list_id, file] = split_rules_argument(argument);
        auto text = read_rules_file(file);
        if (!text) return std::move(text).error();
        auto parsed = parse_rules(*text, file, prefix_list_id);
        if (!parsed) return std::move(parsed).error();
        rules.merge(std::move(*parsed));
    }
    return rules;
}

}  // namespace vpcprobe::rules
