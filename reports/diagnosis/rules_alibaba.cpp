// SPDX-License-Identifier: Apache-2.0
// Alibaba Cloud exports: DescribeSecurityGroupAttribute and DescribeNetworkInterfaces, as
// `aliyun ecs ...` prints them.
#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "core/text.h"
#include "reports/diagnosis/rules_formats.h"

namespace vpcprobe::rules::parsing {

namespace {

// ---- DescribeSecurityGroupAttribute ----

Direction permission_direction(const JsonObject& permission) {
    const auto direction = lower(permission.required_string("Direction"));
    if (direction != "ingress" && direction != "egress") {
        fail(permission.path_of("Direction"), "expected ingress or egress");
    }
    return direction == "ingress" ? Direction::ingress : Direction::egress;
}

// PortRange "FROM/TO", each 1-65535; every port when absent or "-1/-1".
PortRange permission_ports(const JsonObject& permission) {
    PortRange ports;
    const auto range = permission.optional_string("PortRange");
    if (range.empty() || range == "-1/-1") return ports;
    const auto path = permission.path_of("PortRange");
    const auto slash = range.find('/');
    if (slash == std::string::npos) fail(path, "expected \"FROM/TO\"");
    auto port = [&](std::string_view text) {
        int value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 1 ||
            value > 65535) {
            fail(path, "not a port range: \"" + range + "\"");
        }
        return value;
    };
    ports.from = port(std::string_view(range).substr(0, slash));
    ports.to = port(std::string_view(range).substr(slash + 1));
    if (ports.to < ports.from) fail(path, "not a port range: \"" + range + "\"");
    return ports;
}

// Policy: Accept (also when absent) or Drop, in any case.
bool permission_accepts(const JsonObject& permission) {
    const auto policy = lower(permission.optional_string("Policy"));
    if (!policy.empty() && policy != "accept" && policy != "drop") {
        fail(permission.path_of("Policy"), "expected Accept or Drop");
    }
    return policy != "drop";
}

// Priority 1-100 (1 when absent), a number or a string of digits.
int permission_priority(const JsonObject& permission) {
    const auto priority = permission.optional_integer_or_digits("Priority").value_or(1);
    if (priority < 1 || priority > 100) {
        fail(permission.path_of("Priority"), "out of range 1-100: " + std::to_string(priority));
    }
    return static_cast<int>(priority);
}

// One rule per peer the permission names: an IPv4 CIDR, an IPv6 CIDR and a security group
// can all be set (Source* for ingress, Dest* for egress). A permission with none of them
// (a prefix list) cannot be evaluated here and is left out.
void add_rules_per_peer(const JsonObject& permission, const SgRule& rule, SecurityGroup& out) {
    const bool ingress = rule.direction == Direction::ingress;
    const std::string_view v4_key = ingress ? "SourceCidrIp" : "DestCidrIp";
    const std::string_view v6_key = ingress ? "Ipv6SourceCidrIp" : "Ipv6DestCidrIp";
    const auto v4 = permission.optional_string(v4_key);
    const auto v6 = permission.optional_string(v6_key);
    const auto peer_group = permission.optional_string(ingress ? "SourceGroupId" : "DestGroupId");
    if (!v4.empty()) {
        SgRule copy = rule;
        copy.peer = cidr_at(v4, permission.path_of(v4_key));
        out.rules.push_back(std::move(copy));
    }
    if (!v6.empty()) {
        SgRule copy = rule;
        copy.peer = cidr_at(v6, permission.path_of(v6_key));
        out.rules.push_back(std::move(copy));
    }
    if (!peer_group.empty()) {
        SgRule copy = rule;
        copy.peer_group = peer_group;
        out.rules.push_back(std::move(copy));
    }
}

void parse_permission(const JsonObject& permission, SecurityGroup& out) {
    SgRule rule;
    rule.id = permission.optional_string("SecurityGroupRuleId");
    rule.direction = permission_direction(permission);
    rule.protocol = permission.required_string("IpProtocol");
    const auto protocol = lower(rule.protocol);
    rule.matches_tcp = protocol == "tcp" || protocol == "all";
    rule.ports = permission_ports(permission);
    rule.accept = permission_accepts(permission);
    rule.priority = permission_priority(permission);
    add_rules_per_peer(permission, rule, out);
}

// ---- DescribeNetworkInterfaces ----

Interface parse_interface(const JsonObject& object) {
    Interface interface;
    interface.cloud = Cloud::alibaba;
    interface.id = object.required_string("NetworkInterfaceId");
    interface.subnet = object.optional_string("VSwitchId");
    interface.vpc = object.optional_string("VpcId");
    add_interface_address(interface, object.optional_string("PrivateIpAddress"),
                          object.path_of("PrivateIpAddress"));
    if (const auto sets = object.optional_object("PrivateIpSets")) {
        sets->for_each_object("PrivateIpSet", [&](const JsonObject& set) {
            add_interface_address(interface, set.optional_string("PrivateIpAddress"),
                                  set.path_of("PrivateIpAddress"));
        });
    }
    if (const auto ids = object.optional_object("SecurityGroupIds")) {
        ids->for_each_string("SecurityGroupId",
                             [&](std::string id) { interface.groups.push_back(std::move(id)); });
    }
    return interface;
}

}  // namespace

void parse_alibaba_security_group(const JsonObject& root, RuleSet& into) {
    SecurityGroup group;
    group.cloud = Cloud::alibaba;
    group.id = root.required_string("SecurityGroupId");
    group.name = root.optional_string("SecurityGroupName");
    group.vpc = root.optional_string("VpcId");
    group.inner_accept = lower(root.optional_string("InnerAccessPolicy")) != "drop";
    root.required_object("Permissions")
        .for_each_object("Permission", [&](const JsonObject& permission) {
            parse_permission(permission, group);
        });
    into.groups.push_back(std::move(group));
}

void parse_alibaba_network_interfaces(const JsonObject& root, RuleSet& into) {
    root.required_object("NetworkInterfaceSets")
        .for_each_object("NetworkInterfaceSet", [&](const JsonObject& object) {
            into.interfaces.push_back(parse_interface(object));
        });
}

}  // namespace vpcprobe::rules::parsing
