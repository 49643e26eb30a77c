// SPDX-License-Identifier: Apache-2.0
// AWS exports: describe-security-groups, describe-network-acls, describe-network-interfaces,
// describe-managed-prefix-lists and get-managed-prefix-list-entries, as `aws ec2 ... --output
// json` prints them.
#include <string>
#include <string_view>
#include <utility>

#include "core/text.h"
#include "reports/diagnosis/rules_formats.h"

namespace vpcprobe::rules::parsing {

namespace {

// "tcp", "6" (its protocol number) and "-1" (every protocol) let TCP through.
bool aws_protocol_is_tcp(const std::string& protocol) {
    const auto p = lower(protocol);
    return p == "tcp" || p == "6" || p == "-1";
}

// ---- describe-security-groups ----

// The ports of an IpPermission: every port for protocol -1, or when FromPort or ToPort is
// missing or FromPort is -1.
PortRange permission_ports(const JsonObject& permission, const std::string& protocol) {
    const auto from = permission.optional_integer("FromPort");
    const auto to = permission.optional_integer("ToPort");
    PortRange ports;
    if (protocol == "-1" || !from || !to || *from == -1) return ports;
    ports.from = port_at(*from, permission.path_of("FromPort"));
    ports.to = port_at(*to, permission.path_of("ToPort"));
    if (ports.to < ports.from) fail(permission.path_of("ToPort"), "below FromPort");
    return ports;
}

enum class PeerKind { cidr, group, prefix_list };

// One copy of `base` per entry of the permission's `list_key` list, its peer read from
// `field`: a CIDR block, or the id of a security group whose members are the peers.
void add_rules_per_peer(const JsonObject& permission, std::string_view list_key,
                        std::string_view field, PeerKind kind, const SgRule& base,
                        SecurityGroup& out) {
    permission.for_each_object(list_key, [&](const JsonObject& entry) {
        SgRule rule = base;
        auto text = entry.required_string(field);
        if (kind == PeerKind::group) {
            rule.peer_group = std::move(text);
        } else if (kind == PeerKind::prefix_list) {
            rule.peer_prefix_list = std::move(text);
        } else {
            rule.peer = cidr_at(text, entry.path_of(field));
        }
        out.rules.push_back(std::move(rule));
    });
}

// IpPermissions or IpPermissionsEgress (`key`) of a group: one rule per peer.
void parse_permissions(const JsonObject& group, std::string_view key, Direction direction,
                       SecurityGroup& out) {
    group.for_each_object(key, [&](const JsonObject& permission) {
        SgRule base;
        base.direction = direction;
        base.protocol = permission.required_string("IpProtocol");
        base.matches_tcp = aws_protocol_is_tcp(base.protocol);
        base.ports = permission_ports(permission, base.protocol);
        add_rules_per_peer(permission, "IpRanges", "CidrIp", PeerKind::cidr, base, out);
        add_rules_per_peer(permission, "Ipv6Ranges", "CidrIpv6", PeerKind::cidr, base, out);
        add_rules_per_peer(permission, "UserIdGroupPairs", "GroupId", PeerKind::group, base, out);
        add_rules_per_peer(permission, "PrefixListIds", "PrefixListId", PeerKind::prefix_list, base,
                           out);
    });
}

SecurityGroup parse_group(const JsonObject& object) {
    SecurityGroup group;
    group.cloud = Cloud::aws;
    group.id = object.required_string("GroupId");
    group.name = object.optional_string("GroupName");
    group.vpc = object.optional_string("VpcId");
    parse_permissions(object, "IpPermissions", Direction::ingress, group);
    parse_permissions(object, "IpPermissionsEgress", Direction::egress, group);
    return group;
}

// ---- describe-network-acls ----

// RuleAction: "allow" or "deny", in any case.
bool entry_allows(const JsonObject& entry) {
    const auto action = lower(entry.required_string("RuleAction"));
    if (action != "allow" && action != "deny") {
        fail(entry.path_of("RuleAction"), "expected allow or deny");
    }
    return action == "allow";
}

// CidrBlock, else Ipv6CidrBlock: one of them is required.
Cidr entry_cidr(const JsonObject& entry) {
    const auto v4 = entry.optional_string("CidrBlock");
    const auto v6 = entry.optional_string("Ipv6CidrBlock");
    if (!v4.empty()) return cidr_at(v4, entry.path_of("CidrBlock"));
    if (!v6.empty()) return cidr_at(v6, entry.path_of("Ipv6CidrBlock"));
    fail(entry.path_of("CidrBlock"), "missing (nor Ipv6CidrBlock)");
}

// PortRange {From, To}; every port when absent, incomplete, or for protocol -1.
PortRange entry_ports(const JsonObject& entry, const std::string& protocol) {
    PortRange ports;
    const auto range = entry.optional_object("PortRange");
    if (!range) return ports;
    const auto from = range->optional_integer("From");
    const auto to = range->optional_integer("To");
    if (!from || !to || protocol == "-1") return ports;
    ports.from = port_at(*from, range->path_of("From"));
    ports.to = port_at(*to, range->path_of("To"));
    if (ports.to < ports.from) fail(range->path_of("To"), "below From");
    return ports;
}

AclEntry parse_acl_entry(const JsonObject& object) {
    AclEntry entry;
    const auto number = object.optional_integer("RuleNumber");
    if (!number) fail(object.path_of("RuleNumber"), "missing");
    if (*number < 1 || *number > 32767) {
        fail(object.path_of("RuleNumber"), "out of range: " + std::to_string(*number));
    }
    entry.number = static_cast<int>(*number);
    entry.protocol = object.required_string("Protocol");
    entry.matches_tcp = aws_protocol_is_tcp(entry.protocol);
    entry.allow = entry_allows(object);
    entry.egress = object.optional_bool("Egress").value_or(false);
    entry.cidr = entry_cidr(object);
    entry.ports = entry_ports(object, entry.protocol);
    return entry;
}

NetworkAcl parse_acl(const JsonObject& object) {
    NetworkAcl acl;
    acl.id = object.required_string("NetworkAclId");
    acl.vpc = object.optional_string("VpcId");
    acl.is_default = object.optional_bool("IsDefault").value_or(false);
    object.for_each_object(
        "Entries", [&](const JsonObject& entry) { acl.entries.push_back(parse_acl_entry(entry)); });
    object.for_each_object("Associations", [&](const JsonObject& association) {
        auto subnet = association.optional_string("SubnetId");
        if (!subnet.empty()) acl.subnets.push_back(std::move(subnet));
    });
    return acl;
}

// ---- describe-network-interfaces ----

Interface parse_interface(const JsonObject& object) {
    Interface interface;
    interface.cloud = Cloud::aws;
    interface.id = object.required_string("NetworkInterfaceId");
    interface.subnet = object.optional_string("SubnetId");
    interface.vpc = object.optional_string("VpcId");
    add_interface_address(interface, object.optional_string("PrivateIpAddress"),
                          object.path_of("PrivateIpAddress"));
    object.for_each_object("PrivateIpAddresses", [&](const JsonObject& address) {
        add_interface_address(interface, address.optional_string("PrivateIpAddress"),
                              address.path_of("PrivateIpAddress"));
    });
    object.for_each_object("Ipv6Addresses", [&](const JsonObject& address) {
        add_interface_address(interface, address.optional_string("Ipv6Address"),
                              address.path_of("Ipv6Address"));
    });
    object.for_each_object("Groups", [&](const JsonObject& group) {
        interface.groups.push_back(group.required_string("GroupId"));
    });
    object.for_each_object("TagSet", [&](const JsonObject& tag) {
        interface.tags.push_back({tag.required_string("Key"), tag.optional_string("Value")});
    });
    return interface;
}

}  // namespace

void parse_aws_security_groups(const JsonObject& root, RuleSet& into) {
    for_each_object(root.required_array("SecurityGroups"), root.path_of("SecurityGroups"),
                    [&](const JsonObject& object) { into.groups.push_back(parse_group(object)); });
}

void parse_aws_network_acls(const JsonObject& root, RuleSet& into) {
    for_each_object(root.required_array("NetworkAcls"), root.path_of("NetworkAcls"),
                    [&](const JsonObject& object) { into.acls.push_back(parse_acl(object)); });
}

void parse_aws_network_interfaces(const JsonObject& root, RuleSet& into) {
    for_each_object(
        root.required_array("NetworkInterfaces"), root.path_of("NetworkInterfaces"),
        [&](const JsonObject& object) { into.interfaces.push_back(parse_interface(object)); });
}

void parse_aws_prefix_lists(const JsonObject& root, RuleSet& into) {
    for_each_object(root.required_array("PrefixLists"), root.path_of("PrefixLists"),
                    [&](const JsonObject& object) {
                        PrefixList list;
                        list.id = object.required_string("PrefixListId");
                        list.name = object.optional_string("PrefixListName");
                        into.prefix_lists.push_back(std::move(list));
                    });
}

void parse_aws_prefix_list_entries(const JsonObject& root, RuleSet& into) {
    PrefixList list;
    list.entries.emplace();
    for_each_object(
        root.required_array("Entries"), root.path_of("Entries"), [&](const JsonObject& entry) {
            list.entries->push_back(cidr_at(entry.required_string("Cidr"), entry.path_of("Cidr")));
        });
    into.prefix_lists.push_back(std::move(list));
}

}  // namespace vpcprobe::rules::parsing
