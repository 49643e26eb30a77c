// SPDX-License-Identifier: Apache-2.0
// Alibaba Cloud Firewall access-control policies: DescribeControlPolicy (Internet border, each
// policy with Direction in or out) and DescribeVpcFirewallControlPolicy (VPC border, no
// Direction), as `aliyun cloudfw ...` prints them. Address and port books are expanded from the
// policy's own SourceGroupCidrs, DestinationGroupCidrs and DestPortGroupPorts; what cannot be
// tested offline (locations, domains, a book printed without its members) is kept as text for
// rules_eval.cpp to call "may match".
#include <string>
#include <string_view>
#include <utility>

#include "core/text.h"
#include "reports/diagnosis/rules_formats.h"

namespace vpcprobe::rules::parsing {

namespace {

FirewallBorder policy_border(const JsonObject& policy) {
    const auto direction = policy.optional_string("Direction");
    if (direction.empty()) return FirewallBorder::vpc;
    return one_of(direction, policy.path_of("Direction"), {"in", "out"}) == "in"
               ? FirewallBorder::internet_in
               : FirewallBorder::internet_out;
}

FirewallAction policy_action(const JsonObject& policy) {
    const auto action = one_of(policy.required_string("AclAction"), policy.path_of("AclAction"),
                               {"accept", "drop", "log"});
    if (action == "accept") return FirewallAction::accept;
    return action == "drop" ? FirewallAction::drop : FirewallAction::log;
}

std::int64_t policy_order(const JsonObject& policy) {
    const auto order = policy.optional_integer_or_digits("Order");
    if (!order) fail(policy.path_of("Order"), "missing");
    return *order;
}

// Release: "true" / "false" (as the API writes it) or a JSON boolean; on when absent.
bool policy_enabled(const JsonObject& policy) {
    return policy.optional_bool_or_word("Release").value_or(true);
}

// Source or Destination (`prefix`) with its *Type and the book's *GroupCidrs / *GroupType.
FirewallAddresses policy_addresses(const JsonObject& policy, std::string_view prefix) {
    const std::string key(prefix);
    FirewallAddresses addresses;
    addresses.text = policy.optional_string(key);
    const auto type_text = policy.optional_string(key + "Type");
    const auto type = type_text.empty() ? std::string("net")
                                        : one_of(type_text, policy.path_of(key + "Type"),
                                                 {"net", "group", "location", "domain"});
    if (type == "net") {
        if (addresses.text.empty()) fail(policy.path_of(key), "missing");
        addresses.cidrs.push_back(cidr_at(addresses.text, policy.path_of(key)));
    } else if (type == "location") {
        addresses.unknowable = "location " + addresses.text;
    } else if (type == "domain") {
        addresses.unknowable = "domain " + addresses.text;
    } else if (lower(policy.optional_string(key + "GroupType")) == "domain") {
        addresses.unknowable = "domain address book " + addresses.text;
    } else if (policy.optional_array(key + "GroupCidrs") == nullptr) {
        addresses.unknowable =
            "address book " + addresses.text + " (its addresses are not in the export)";
    } else {
        policy.for_each_string(key + "GroupCidrs", [&](const std::string& cidr) {
            addresses.cidrs.push_back(cidr_at(cidr, policy.path_of(key + "GroupCidrs")));
        });
    }
    return addresses;
}

// DestPort "FROM/TO" ("0/0" any), or the port book's DestPortGroupPorts.
void policy_ports(const JsonObject& policy, FirewallPolicy& out) {
    const auto type_text = policy.optional_string("DestPortType");
    const auto type = type_text.empty()
                          ? std::string("port")
                          : one_of(type_text, policy.path_of("DestPortType"), {"port", "group"});
    if (type == "port") {
        out.ports_text = policy.optional_string("DestPort");
        if (out.ports_text.empty()) out.ports_text = "0/0";
        out.ports.push_back(slash_port_range(out.ports_text, policy.path_of("DestPort"), 0));
        return;
    }
    out.ports_text = policy.optional_string("DestPortGroup");
    if (policy.optional_array("DestPortGroupPorts") == nullptr) {
        out.ports_unknowable = "port book " + out.ports_text + " (its ports are not in the export)";
        return;
    }
    policy.for_each_string("DestPortGroupPorts", [&](const std::string& range) {
        out.ports.push_back(slash_port_range(range, policy.path_of("DestPortGroupPorts"), 0));
    });
}

// ApplicationNameList (or ApplicationName): "ANY" when every application matches.
std::string policy_application(const JsonObject& policy) {
    std::vector<std::string> names;
    policy.for_each_string("ApplicationNameList",
                           [&](std::string name) { names.push_back(std::move(name)); });
    if (names.empty()) names = comma_separated(policy.optional_string("ApplicationName"));
    for (const auto& name : names) {
        if (upper(name) == "ANY") return "ANY";
    }
    return names.empty() ? std::string("ANY") : join(names, ",");
}

FirewallPolicy parse_policy(const JsonObject& object) {
    FirewallPolicy policy;
    policy.border = policy_border(object);
    policy.uuid = object.required_string("AclUuid");
    policy.action = policy_action(object);
    policy.order = policy_order(object);
    policy.enabled = policy_enabled(object);
    policy.description = object.optional_string("Description");
    const auto proto = object.optional_string("Proto");
    policy.protocol = upper(
        proto.empty() ? std::string("ANY")
                      : one_of(proto, object.path_of("Proto"), {"tcp", "udp", "icmp", "any"}));
    policy.matches_tcp = policy.protocol == "TCP" || policy.protocol == "ANY";
    policy.source = policy_addresses(object, "Source");
    policy.destination = policy_addresses(object, "Destination");
    policy_ports(object, policy);
    policy.application = policy_application(object);
    return policy;
}

}  // namespace

void parse_cloud_firewall_policies(const JsonObject& root, RuleSet& into) {
    for_each_object(
        root.required_array("Policys"), root.path_of("Policys"),
        [&](const JsonObject& object) { into.firewall_policies.push_back(parse_policy(object)); });
}

}  // namespace vpcprobe::rules::parsing
