// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/rules.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

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

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
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
    out += peer ? peer->text : peer_group;
    if (cloud == Cloud::alibaba) out += " priority " + std::to_string(priority);
    if (!id.empty()) out += " (" + id + ")";
    return out;
}

std::string AclEntry::describe() const {
    std::string out = "rule " + (number == 32767 ? std::string("*") : std::to_string(number));
    out += allow ? " allow " : " deny ";
    if (protocol == "-1") {
        out += "all traffic";
    } else {
        out += (matches_tcp ? std::string("tcp") : "protocol " + protocol) + " " +
               (ports.all() ? std::string("0-65535") : ports_text(ports));
    }
    out += egress ? " to " : " from ";
    out += cidr ? cidr->text : "?";
    return out;
}

namespace {

// Thrown inside the parser only, caught in parse_rules: a wrong value at `path`.
struct ParseFailure {
    std::string path;
    std::string what;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw ParseFailure{path, what};
}

const json::value* find(const json::object& object, std::string_view key) {
    return object.if_contains(key);
}

const json::object& as_object(const json::value& value, const std::string& path) {
    if (!value.is_object()) fail(path, "expected an object");
    return value.get_object();
}

const json::array& as_array(const json::value& value, const std::string& path) {
    if (!value.is_array()) fail(path, "expected an array");
    return value.get_array();
}

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

// Optional string field; null counts as absent.
std::string get_string(const json::object& object, std::string_view key, const std::string& path,
                       bool required = false) {
    const auto* value = find(object, key);
    if (value == nullptr || value->is_null()) {
        if (required) fail(join(path, key), "missing");
        return {};
    }
    if (!value->is_string()) fail(join(path, key), "expected a string");
    return std::string(value->get_string());
}

// Optional integer field; Alibaba writes some numbers as strings ("Priority": "1").
std::optional<std::int64_t> get_int(const json::object& object, std::string_view key,
                                    const std::string& path, bool allow_string = false) {
    const auto* value = find(object, key);
    if (value == nullptr || value->is_null()) return std::nullopt;
    if (value->is_int64()) return value->get_int64();
    if (value->is_uint64() && value->get_uint64() <= 1'000'000'000u) {
        return static_cast<std::int64_t>(value->get_uint64());
    }
    if (allow_string && value->is_string()) {
        auto text = value->get_string();
        std::int64_t number = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return number;
    }
    fail(join(path, key), "expected an integer");
}

std::optional<bool> get_bool(const json::object& object, std::string_view key,
                             const std::string& path) {
    const auto* value = find(object, key);
    if (value == nullptr || value->is_null()) return std::nullopt;
    if (!value->is_bool()) fail(join(path, key), "expected true or false");
    return value->get_bool();
}

const json::array* get_array(const json::object& object, std::string_view key,
                             const std::string& path) {
    const auto* value = find(object, key);
    if (value == nullptr || value->is_null()) return nullptr;
    return &as_array(*value, join(path, key));
}

Cidr cidr_at(const std::string& text, const std::string& path) {
    auto cidr = Cidr::parse(text);
    if (!cidr) fail(path, "not an address or CIDR block: \"" + text + "\"");
    return *cidr;
}

int port_at(std::int64_t value, const std::string& path) {
    if (value < -1 || value > 65535) fail(path, "port out of range: " + std::to_string(value));
    return static_cast<int>(value);
}

bool aws_protocol_is_tcp(const std::string& protocol) {
    auto p = lower(protocol);
    return p == "tcp" || p == "6" || p == "-1";
}

// ---- AWS describe-security-groups ----

void parse_aws_permissions(const json::object& group, std::string_view key, Direction direction,
                           const std::string& path, SecurityGroup& out) {
    const auto* permissions = get_array(group, key, path);
    if (permissions == nullptr) return;
    for (std::size_t i = 0; i < permissions->size(); ++i) {
        auto ppath = index(join(path, key), i);
        const auto& permission = as_object((*permissions)[i], ppath);
        SgRule base;
        base.direction = direction;
        base.protocol = get_string(permission, "IpProtocol", ppath, true);
        base.matches_tcp = aws_protocol_is_tcp(base.protocol);
        auto from = get_int(permission, "FromPort", ppath);
        auto to = get_int(permission, "ToPort", ppath);
        // -1 (all protocols) or a missing/-1 port means every port.
        if (base.protocol != "-1" && from && to && *from != -1) {
            base.ports.from = port_at(*from, join(ppath, "FromPort"));
            base.ports.to = port_at(*to, join(ppath, "ToPort"));
            if (base.ports.to < base.ports.from) fail(join(ppath, "ToPort"), "below FromPort");
        }
        auto add_peers = [&](std::string_view list_key, std::string_view field, bool group_ref) {
            const auto* list = get_array(permission, list_key, ppath);
            if (list == nullptr) return;
            for (std::size_t j = 0; j < list->size(); ++j) {
                auto epath = index(join(ppath, list_key), j);
                const auto& entry = as_object((*list)[j], epath);
                SgRule rule = base;
                auto text = get_string(entry, field, epath, true);
                if (group_ref) {
                    rule.peer_group = text;
                } else {
                    rule.peer = cidr_at(text, join(epath, field));
                }
                out.rules.push_back(std::move(rule));
            }
        };
        add_peers("IpRanges", "CidrIp", false);
        add_peers("Ipv6Ranges", "CidrIpv6", false);
        add_peers("UserIdGroupPairs", "GroupId", true);
        // PrefixListIds name managed lists whose contents are not in the export: not modelled.
        if (const auto* lists = get_array(permission, "PrefixListIds", ppath)) {
            for (std::size_t j = 0; j < lists->size(); ++j) {
                as_object((*lists)[j], index(join(ppath, "PrefixListIds"), j));
            }
        }
    }
}

void parse_aws_groups(const json::object& root, RuleSet& into) {
    const auto& groups = as_array(root.at("SecurityGroups"), "SecurityGroups");
    for (std::size_t i = 0; i < groups.size(); ++i) {
        auto path = index("SecurityGroups", i);
        const auto& object = as_object(groups[i], path);
        SecurityGroup group;
        group.cloud = Cloud::aws;
        group.id = get_string(object, "GroupId", path, true);
        group.name = get_string(object, "GroupName", path);
        group.vpc = get_string(object, "VpcId", path);
        parse_aws_permissions(object, "IpPermissions", Direction::ingress, path, group);
        parse_aws_permissions(object, "IpPermissionsEgress", Direction::egress, path, group);
        into.groups.push_back(std::move(group));
    }
}

// ---- AWS describe-network-acls ----

void parse_aws_acls(const json::object& root, RuleSet& into) {
    const auto& acls = as_array(root.at("NetworkAcls"), "NetworkAcls");
    for (std::size_t i = 0; i < acls.size(); ++i) {
        auto path = index("NetworkAcls", i);
        const auto& object = as_object(acls[i], path);
        NetworkAcl acl;
        acl.id = get_string(object, "NetworkAclId", path, true);
        acl.vpc = get_string(object, "VpcId", path);
        acl.is_default = get_bool(object, "IsDefault", path).value_or(false);
        if (const auto* entries = get_array(object, "Entries", path)) {
            for (std::size_t j = 0; j < entries->size(); ++j) {
                auto epath = index(join(path, "Entries"), j);
                const auto& e = as_object((*entries)[j], epath);
                AclEntry entry;
                auto number = get_int(e, "RuleNumber", epath);
                if (!number) fail(join(epath, "RuleNumber"), "missing");
                if (*number < 1 || *number > 32767) {
                    fail(join(epath, "RuleNumber"), "out of range: " + std::to_string(*number));
                }
                entry.number = static_cast<int>(*number);
                entry.protocol = get_string(e, "Protocol", epath, true);
                entry.matches_tcp = aws_protocol_is_tcp(entry.protocol);
                auto action = lower(get_string(e, "RuleAction", epath, true));
                if (action != "allow" && action != "deny") {
                    fail(join(epath, "RuleAction"), "expected allow or deny");
                }
                entry.allow = action == "allow";
                entry.egress = get_bool(e, "Egress", epath).value_or(false);
                auto v4 = get_string(e, "CidrBlock", epath);
                auto v6 = get_string(e, "Ipv6CidrBlock", epath);
                if (!v4.empty()) {
                    entry.cidr = cidr_at(v4, join(epath, "CidrBlock"));
                } else if (!v6.empty()) {
                    entry.cidr = cidr_at(v6, join(epath, "Ipv6CidrBlock"));
                } else {
                    fail(join(epath, "CidrBlock"), "missing (nor Ipv6CidrBlock)");
                }
                if (const auto* range = find(e, "PortRange"); range && !range->is_null()) {
                    auto rpath = join(epath, "PortRange");
                    const auto& r = as_object(*range, rpath);
                    auto from = get_int(r, "From", rpath);
                    auto to = get_int(r, "To", rpath);
                    if (from && to && entry.protocol != "-1") {
                        entry.ports.from = port_at(*from, join(rpath, "From"));
                        entry.ports.to = port_at(*to, join(rpath, "To"));
                        if (entry.ports.to < entry.ports.from) {
                            fail(join(rpath, "To"), "below From");
                        }
                    }
                }
                acl.entries.push_back(std::move(entry));
            }
        }
        if (const auto* associations = get_array(object, "Associations", path)) {
            for (std::size_t j = 0; j < associations->size(); ++j) {
                auto apath = index(join(path, "Associations"), j);
                const auto& a = as_object((*associations)[j], apath);
                auto subnet = get_string(a, "SubnetId", apath);
                if (!subnet.empty()) acl.subnets.push_back(subnet);
            }
        }
        into.acls.push_back(std::move(acl));
    }
}

// ---- AWS describe-network-interfaces ----

void add_address(Interface& interface, const std::string& text, const std::string& path) {
    if (text.empty()) return;
    auto cidr = cidr_at(text, path);
    cidr.prefix = cidr.v6 ? 128 : 32;
    for (const auto& known : interface.addresses) {
        if (known.bytes == cidr.bytes && known.v6 == cidr.v6) return;
    }
    interface.addresses.push_back(std::move(cidr));
}

void parse_aws_interfaces(const json::object& root, RuleSet& into) {
    const auto& list = as_array(root.at("NetworkInterfaces"), "NetworkInterfaces");
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto path = index("NetworkInterfaces", i);
        const auto& object = as_object(list[i], path);
        Interface interface;
        interface.cloud = Cloud::aws;
        interface.id = get_string(object, "NetworkInterfaceId", path, true);
        interface.subnet = get_string(object, "SubnetId", path);
        interface.vpc = get_string(object, "VpcId", path);
        add_address(interface, get_string(object, "PrivateIpAddress", path),
                    join(path, "PrivateIpAddress"));
        if (const auto* addresses = get_array(object, "PrivateIpAddresses", path)) {
            for (std::size_t j = 0; j < addresses->size(); ++j) {
                auto apath = index(join(path, "PrivateIpAddresses"), j);
                const auto& a = as_object((*addresses)[j], apath);
                add_address(interface, get_string(a, "PrivateIpAddress", apath),
                            join(apath, "PrivateIpAddress"));
            }
        }
        if (const auto* addresses = get_array(object, "Ipv6Addresses", path)) {
            for (std::size_t j = 0; j < addresses->size(); ++j) {
                auto apath = index(join(path, "Ipv6Addresses"), j);
                const auto& a = as_object((*addresses)[j], apath);
                add_address(interface, get_string(a, "Ipv6Address", apath),
                            join(apath, "Ipv6Address"));
            }
        }
        if (const auto* groups = get_array(object, "Groups", path)) {
            for (std::size_t j = 0; j < groups->size(); ++j) {
                auto gpath = index(join(path, "Groups"), j);
                const auto& g = as_object((*groups)[j], gpath);
                interface.groups.push_back(get_string(g, "GroupId", gpath, true));
            }
        }
        into.interfaces.push_back(std::move(interface));
    }
}

// ---- Alibaba DescribeSecurityGroupAttribute ----

void parse_alibaba_group(const json::object& root, RuleSet& into) {
    SecurityGroup group;
    group.cloud = Cloud::alibaba;
    group.id = get_string(root, "SecurityGroupId", "", true);
    group.name = get_string(root, "SecurityGroupName", "");
    group.vpc = get_string(root, "VpcId", "");
    auto inner = lower(get_string(root, "InnerAccessPolicy", ""));
    group.inner_accept = inner != "drop";
    const auto& permissions = as_object(root.at("Permissions"), "Permissions");
    const auto* list = get_array(permissions, "Permission", "Permissions");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
        auto path = index("Permissions.Permission", i);
        const auto& p = as_object((*list)[i], path);
        SgRule rule;
        rule.id = get_string(p, "SecurityGroupRuleId", path);
        auto direction = lower(get_string(p, "Direction", path, true));
        if (direction != "ingress" && direction != "egress") {
            fail(join(path, "Direction"), "expected ingress or egress");
        }
        rule.direction = direction == "ingress" ? Direction::ingress : Direction::egress;
        rule.protocol = get_string(p, "IpProtocol", path, true);
        auto protocol = lower(rule.protocol);
        rule.matches_tcp = protocol == "tcp" || protocol == "all";
        auto range = get_string(p, "PortRange", path);
        if (!range.empty() && range != "-1/-1") {
            auto slash = range.find('/');
            if (slash == std::string::npos) fail(join(path, "PortRange"), "expected \"FROM/TO\"");
            auto parse_port = [&](std::string_view text) {
                int value = 0;
                auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
                if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
                    value < 1 || value > 65535) {
                    fail(join(path, "PortRange"), "not a port range: \"" + range + "\"");
                }
                return value;
            };
            rule.ports.from = parse_port(std::string_view(range).substr(0, slash));
            rule.ports.to = parse_port(std::string_view(range).substr(slash + 1));
            if (rule.ports.to < rule.ports.from) {
                fail(join(path, "PortRange"), "not a port range: \"" + range + "\"");
            }
        }
        auto policy = lower(get_string(p, "Policy", path));
        if (!policy.empty() && policy != "accept" && policy != "drop") {
            fail(join(path, "Policy"), "expected Accept or Drop");
        }
        rule.accept = policy != "drop";
        auto priority = get_int(p, "Priority", path, true).value_or(1);
        if (priority < 1 || priority > 100) {
            fail(join(path, "Priority"), "out of range 1-100: " + std::to_string(priority));
        }
        rule.priority = static_cast<int>(priority);
        bool ingress = rule.direction == Direction::ingress;
        auto v4 = get_string(p, ingress ? "SourceCidrIp" : "DestCidrIp", path);
        auto v6 = get_string(p, ingress ? "Ipv6SourceCidrIp" : "Ipv6DestCidrIp", path);
        auto peer_group = get_string(p, ingress ? "SourceGroupId" : "DestGroupId", path);
        if (!v4.empty()) {
            rule.peer = cidr_at(v4, join(path, ingress ? "SourceCidrIp" : "DestCidrIp"));
            group.rules.push_back(rule);
        }
        if (!v6.empty()) {
            SgRule copy = rule;
            copy.peer = cidr_at(v6, join(path, ingress ? "Ipv6SourceCidrIp" : "Ipv6DestCidrIp"));
            group.rules.push_back(std::move(copy));
        }
        if (!peer_group.empty()) {
            SgRule copy = rule;
            copy.peer.reset();
            copy.peer_group = peer_group;
            group.rules.push_back(std::move(copy));
        }
        // A rule with no peer at all (a prefix list) cannot be evaluated here: left out.
    }
    into.groups.push_back(std::move(group));
}

// ---- Alibaba DescribeNetworkInterfaces ----

void parse_alibaba_interfaces(const json::object& root, RuleSet& into) {
    const auto& sets = as_object(root.at("NetworkInterfaceSets"), "NetworkInterfaceSets");
    const auto* list = get_array(sets, "NetworkInterfaceSet", "NetworkInterfaceSets");
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
        auto path = index("NetworkInterfaceSets.NetworkInterfaceSet", i);
        const auto& object = as_object((*list)[i], path);
        Interface interface;
        interface.cloud = Cloud::alibaba;
        interface.id = get_string(object, "NetworkInterfaceId", path, true);
        interface.subnet = get_string(object, "VSwitchId", path);
        interface.vpc = get_string(object, "VpcId", path);
        add_address(interface, get_string(object, "PrivateIpAddress", path),
                    join(path, "PrivateIpAddress"));
        if (const auto* ips = find(object, "PrivateIpSets"); ips && !ips->is_null()) {
            auto spath = join(path, "PrivateIpSets");
            const auto* set = get_array(as_object(*ips, spath), "PrivateIpSet", spath);
            for (std::size_t j = 0; set != nullptr && j < set->size(); ++j) {
                auto apath = index(join(spath, "PrivateIpSet"), j);
                const auto& a = as_object((*set)[j], apath);
                add_address(interface, get_string(a, "PrivateIpAddress", apath),
                            join(apath, "PrivateIpAddress"));
            }
        }
        if (const auto* ids = find(object, "SecurityGroupIds"); ids && !ids->is_null()) {
            auto gpath = join(path, "SecurityGroupIds");
            const auto* set = get_array(as_object(*ids, gpath), "SecurityGroupId", gpath);
            for (std::size_t j = 0; set != nullptr && j < set->size(); ++j) {
                auto epath = index(join(gpath, "SecurityGroupId"), j);
                if (!(*set)[j].is_string()) fail(epath, "expected a string");
                interface.groups.emplace_back((*set)[j].get_string());
            }
        }
        into.interfaces.push_back(std::move(interface));
    }
}

std::string one_line(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
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
}

Result<RuleSet> parse_rules(std::string_view text, std::string_view file) {
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
        const auto& object = root.get_object();
        RuleSet parsed;
        if (object.contains("SecurityGroups")) {
            parse_aws_groups(object, parsed);
        } else if (object.contains("NetworkAcls")) {
            parse_aws_acls(object, parsed);
        } else if (object.contains("NetworkInterfaces")) {
            parse_aws_interfaces(object, parsed);
        } else if (object.contains("SecurityGroupId") && object.contains("Permissions")) {
            parse_alibaba_group(object, parsed);
        } else if (object.contains("NetworkInterfaceSets")) {
            parse_alibaba_interfaces(object, parsed);
        } else {
            return Error(prefix +
                         "not a recognised rules export (expected top-level SecurityGroups, "
                         "NetworkAcls, NetworkInterfaces, SecurityGroupId+Permissions or "
                         "NetworkInterfaceSets)");
        }
        return parsed;
    } catch (const ParseFailure& failure) {
        return Error(prefix + one_line(failure.what) + " (at " + failure.path + ")");
    } catch (const std::exception& error) {
        return Error(prefix + "cannot be read: " + one_line(error.what()));
    }
}

Result<RuleSet> load_rules(const std::vector<std::string>& files) {
    RuleSet rules;
    for (const auto& file : files) {
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
        auto parsed = parse_rules(buffer.str(), file);
        if (!parsed) return std::move(parsed).error();
        rules.merge(std::move(*parsed));
    }
    return rules;
}

}  // namespace vpcprobe::rules
