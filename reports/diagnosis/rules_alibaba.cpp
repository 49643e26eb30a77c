// SPDX-License-Identifier: Apache-2.0
// Alibaba Cloud exports: DescribeSecurityGroupAttribute, DescribeSecurityGroups,
// DescribeNetworkInterfaces, DescribePrefixListAttributes (`aliyun ecs ...`),
// DescribeNetworkAclAttributes and DescribeSnatTableEntries (`aliyun vpc ...`), as the CLI
// prints them.
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
    const auto range = permission.optional_string("PortRange");
    if (range.empty()) return PortRange{};
    return slash_port_range(range, permission.path_of("PortRange"), 1);
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
// and a prefix list can all be set (Source* for ingress, Dest* for egress).
void add_rules_per_peer(const JsonObject& permission, const SgRule& rule, SecurityGroup& out) {
    const bool ingress = rule.direction == Direction::ingress;
    const std::string_view v4_key = ingress ? "SourceCidrIp" : "DestCidrIp";
    const std::string_view v6_key = ingress ? "Ipv6SourceCidrIp" : "Ipv6DestCidrIp";
    const auto v4 = permission.optional_string(v4_key);
    const auto v6 = permission.optional_string(v6_key);
    const auto peer_group = permission.optional_string(ingress ? "SourceGroupId" : "DestGroupId");
    const auto prefix_list =
        permission.optional_string(ingress ? "SourcePrefixListId" : "DestPrefixListId");
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
    if (!prefix_list.empty()) {
        SgRule copy = rule;
        copy.peer_prefix_list = prefix_list;
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

// ---- DescribeNetworkAclAttributes ----

// Protocol: tcp, udp, icmp, gre or all; tcp and all let TCP through.
std::string acl_protocol(const JsonObject& entry) {
    return one_of(entry.required_string("Protocol"), entry.path_of("Protocol"),
                  {"tcp", "udp", "icmp", "gre", "all"});
}

AclEntry parse_acl_entry(const JsonObject& object, bool egress, int position) {
    AclEntry entry;
    entry.cloud = Cloud::alibaba;
    entry.number = position;
    entry.egress = egress;
    entry.id = object.optional_string("NetworkAclEntryId");
    entry.name = object.optional_string("NetworkAclEntryName");
    entry.protocol = acl_protocol(object);
    entry.matches_tcp = entry.protocol == "tcp" || entry.protocol == "all";
    entry.allow = one_of(object.required_string("Policy"), object.path_of("Policy"),
                         {"accept", "drop"}) == "accept";
    const std::string_view cidr_key = egress ? "DestinationCidrIp" : "SourceCidrIp";
    entry.cidr = cidr_at(object.required_string(cidr_key), object.path_of(cidr_key));
    const auto port = object.optional_string("Port");
    if (!port.empty() && entry.protocol != "all") {
        entry.ports = slash_port_range(port, object.path_of("Port"), 1);
    }
    return entry;
}

// Ingress or egress entries (`list`, its element `element`), numbered by position.
void parse_acl_entries(const JsonObject& attribute, std::string_view list, std::string_view element,
                       bool egress, NetworkAcl& acl) {
    const auto entries = attribute.optional_object(list);
    if (!entries) return;
    int position = 0;
    entries->for_each_object(element, [&](const JsonObject& object) {
        acl.entries.push_back(parse_acl_entry(object, egress, ++position));
    });
}

// ---- DescribeSnatTableEntries ----

SnatEntry parse_snat_entry(const JsonObject& object) {
    SnatEntry entry;
    entry.id = object.required_string("SnatEntryId");
    entry.name = object.optional_string("SnatEntryName");
    entry.nat_gateway = object.optional_string("NatGatewayId");
    entry.status = object.optional_string("Status");
    const auto cidr = object.optional_string("SourceCIDR");
    if (!cidr.empty()) entry.source_cidr = cidr_at(cidr, object.path_of("SourceCIDR"));
    entry.source_vswitch = object.optional_string("SourceVSwitchId");
    const auto pool = object.required_string("SnatIp");
    for (const auto& address : comma_separated(pool)) {
        entry.addresses.push_back(cidr_at(address, object.path_of("SnatIp")));
    }
    if (entry.addresses.empty()) fail(object.path_of("SnatIp"), "no address: \"" + pool + "\"");
    return entry;
}

}  // namespace

void parse_alibaba_security_groups(const JsonObject& root, RuleSet& into) {
    root.required_object("SecurityGroups")
        .for_each_object("SecurityGroup", [&](const JsonObject& object) {
            GroupType type;
            type.id = object.required_string("SecurityGroupId");
            type.name = object.optional_string("SecurityGroupName");
            const auto kind = object.optional_string("SecurityGroupType");
            type.enterprise = !kind.empty() && one_of(kind, object.path_of("SecurityGroupType"),
                                                      {"normal", "enterprise"}) == "enterprise";
            into.group_types.push_back(std::move(type));
        });
}

void parse_alibaba_network_acl(const JsonObject& root, RuleSet& into) {
    const auto attribute = root.required_object("NetworkAclAttribute");
    NetworkAcl acl;
    acl.cloud = Cloud::alibaba;
    acl.id = attribute.required_string("NetworkAclId");
    acl.name = attribute.optional_string("NetworkAclName");
    acl.vpc = attribute.optional_string("VpcId");
    parse_acl_entries(attribute, "IngressAclEntries", "IngressAclEntry", false, acl);
    parse_acl_entries(attribute, "EgressAclEntries", "EgressAclEntry", true, acl);
    if (const auto resources = attribute.optional_object("Resources")) {
        resources->for_each_object("Resource", [&](const JsonObject& resource) {
            const auto status = resource.optional_string("Status");
            const auto type = lower(resource.optional_string("ResourceType"));
            if (upper(status) == "BINDED" && (type.empty() || type == "vswitch")) {
                acl.subnets.push_back(resource.required_string("ResourceId"));
            }
        });
    }
    into.acls.push_back(std::move(acl));
}

void parse_alibaba_snat_entries(const JsonObject& root, RuleSet& into) {
    root.required_object("SnatTableEntries")
        .for_each_object("SnatTableEntry", [&](const JsonObject& object) {
            into.snat_entries.push_back(parse_snat_entry(object));
        });
}

void parse_alibaba_prefix_list(const JsonObject& root, RuleSet& into) {
    PrefixList list;
    list.cloud = Cloud::alibaba;
    list.id = root.required_string("PrefixListId");
    list.name = root.optional_string("PrefixListName");
    list.entries.emplace();
    root.required_object("Entries").for_each_object("Entry", [&](const JsonObject& entry) {
        list.entries->push_back(cidr_at(entry.required_string("Cidr"), entry.path_of("Cidr")));
    });
    into.prefix_lists.push_back(std::move(list));
}

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
