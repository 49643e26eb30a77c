// SPDX-License-Identifier: Apache-2.0
// Security-group, network-ACL, prefix-list, NAT, Cloud Firewall and interface exports
// (`--rules FILE`, docs/rules.md "Exports it reads") parsed into one cloud-neutral model, so
// rules_eval.h can say which rule blocks a flow. Recognises AWS `describe-security-groups`,
// `describe-network-acls`, `describe-network-interfaces`, `describe-managed-prefix-lists`,
// `get-managed-prefix-list-entries` and Alibaba Cloud `DescribeSecurityGroupAttribute`,
// `DescribeSecurityGroups`, `DescribeNetworkInterfaces`, `DescribeNetworkAclAttributes`,
// `DescribePrefixListAttributes`, `DescribeSnatTableEntries`, Cloud Firewall
// `DescribeControlPolicy` and `DescribeVpcFirewallControlPolicy` by their shape (the table in
// rules.cpp; each format's parser is in rules_aws.cpp, rules_alibaba.cpp or
// rules_cloud_firewall.cpp, see rules_formats.h). Malformed input is an
// Error with a one-line message naming the file and the JSON path at fault; nothing throws out
// of here.
//
// Plain values and pure functions (load_rules reads files): safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace vpcprobe::rules {

enum class Cloud { aws, alibaba };
enum class Direction { ingress, egress };
std::string_view name(Direction direction);  // "ingress", "egress"

// An IPv4 or IPv6 address (a /32 or /128 network) or network, as the exports write it.
struct Cidr {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
    int prefix = 0;
    std::string text;  // as written in the export ("10.0.0.0/16")

    // `text` as "a.b.c.d/n", "x::/n" or a bare address (a host network); nullopt when invalid.
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const Cidr& address) const;  // same family and inside the network
    bool is_anywhere() const { return prefix == 0; }
};

struct PortRange {
    int from = 0;
    int to = 65535;
    bool all() const { return from <= 0 && to >= 65535; }
    bool contains(int port) const { return port >= from && port <= to; }
};

// One security-group rule; an AWS permission with several peers becomes one rule per peer.
struct SgRule {
    std::string id;  // Alibaba SecurityGroupRuleId; AWS has none in these exports: ""
    Direction direction = Direction::ingress;
    std::string protocol;  // as the export says: "tcp", "6", "-1", "TCP", "ALL"
    bool matches_tcp = false;
    PortRange ports;
    std::optional<Cidr> peer;  // CidrIp / SourceCidrIp / DestCidrIp ...
    std::string peer_group;    // UserIdGroupPairs GroupId / SourceGroupId / DestGroupId
    // PrefixListIds PrefixListId / SourcePrefixListId / DestPrefixListId: the peers are the
    // list's entries (a PrefixList of the RuleSet, when its entries were exported).
    std::string peer_prefix_list;
    bool accept = true;  // AWS rules always allow; Alibaba Policy Accept/Drop
    int priority = 1;    // Alibaba 1..100, smaller wins; AWS: unused

    // "tcp 9092-9095 from 10.0.0.0/16", with "Drop"/"priority N" for Alibaba.
    std::string describe(Cloud cloud) const;
};

struct SecurityGroup {
    Cloud cloud = Cloud::aws;
    std::string id;
    std::string name;
    std::string vpc;
    bool inner_accept = true;  // Alibaba InnerAccessPolicy: Accept lets members talk freely
    std::vector<SgRule> rules;
};

// An Alibaba group's type as DescribeSecurityGroups gives it (DescribeSecurityGroupAttribute
// does not): an enterprise group has other defaults than a basic ("normal") one.
struct GroupType {
    std::string id;
    std::string name;
    bool enterprise = false;
};

struct AclEntry {
    // AWS RuleNumber (32767 is the default '*' entry); Alibaba: the entry's position in its
    // list, from 1, as Alibaba evaluates them in list order.
    int number = 0;
    bool egress = false;
    std::string protocol;  // "6", "-1", ...
    bool matches_tcp = false;
    bool allow = false;
    std::optional<Cidr> cidr;  // CidrBlock or Ipv6CidrBlock
    PortRange ports;           // PortRange, all ports when absent
    Cloud cloud = Cloud::aws;
    std::string id;    // Alibaba NetworkAclEntryId; AWS: ""
    std::string name;  // Alibaba NetworkAclEntryName

    // "rule 100 deny tcp 9095 from 0.0.0.0/0"; Alibaba: "entry 2 nae-x (name) drop tcp 9095
    // from 0.0.0.0/0".
    std::string describe() const;
    // How suspects name it: "100" or "*" (AWS), the entry id (Alibaba; its position without).
    std::string label() const;
};

struct NetworkAcl {
    std::string id;
    std::string vpc;
    bool is_default = false;
    std::vector<AclEntry> entries;     // as exported; evaluation sorts by number
    std::vector<std::string> subnets;  // Associations SubnetId; Alibaba BINDED vSwitches
    Cloud cloud = Cloud::aws;
    std::string name;  // Alibaba NetworkAclName
};

struct Tag {
    std::string key;
    std::string value;
};

struct Interface {
    Cloud cloud = Cloud::aws;
    std::string id;
    std::string subnet;  // SubnetId / VSwitchId
    std::string vpc;
    std::vector<Cidr> addresses;      // every private (and IPv6) address, as host networks
    std::vector<std::string> groups;  // attached security-group ids
    std::vector<Tag> tags;            // AWS TagSet (Confluent=true marks a PNI ENI)
};

// A managed prefix list: its name (describe-managed-prefix-lists) and its entries
// (get-managed-prefix-list-entries, DescribePrefixListAttributes), from one file or two.
struct PrefixList {
    Cloud cloud = Cloud::aws;
    std::string id;
    std::string name;
    std::optional<std::vector<Cidr>> entries;  // nullopt: only its name was exported
};

// One SNAT entry of a NAT gateway (DescribeSnatTableEntries): the hosts of SourceCIDR or of
// SourceVSwitchId reach the Internet as one of `addresses`.
struct SnatEntry {
    std::string id;  // SnatEntryId
    std::string name;
    std::string nat_gateway;
    std::optional<Cidr> source_cidr;
    std::string source_vswitch;
    std::vector<Cidr> addresses;  // SnatIp, a comma-separated pool
    std::string status;           // only "Available" entries translate
};

// Where an Alibaba Cloud Firewall policy sits: the Internet border (DescribeControlPolicy,
// Direction in or out) or a VPC border (DescribeVpcFirewallControlPolicy).
enum class FirewallBorder { internet_in, internet_out, vpc };
std::string_view name(FirewallBorder border);  // "Internet border in", ...

enum class FirewallAction { accept, drop, log };
std::string_view name(FirewallAction action);  // "accept", "drop", "log"

// A policy's source or destination: CIDRs vpcprobe can test, or something it cannot evaluate
// offline (a location, a domain, an address book without its addresses): `unknowable` says what.
struct FirewallAddresses {
    std::string text;  // as the export writes it (Source, Destination)
    std::vector<Cidr> cidrs;
    std::string unknowable;  // "" when `cidrs` decide
};

struct FirewallPolicy {
    FirewallBorder border = FirewallBorder::internet_in;
    std::string uuid;  // AclUuid
    std::int64_t order = 0;
    FirewallAction action = FirewallAction::accept;
    std::string description;
    bool enabled = true;   // Release "false" is off
    std::string protocol;  // Proto: TCP, UDP, ICMP, ANY
    bool matches_tcp = false;
    FirewallAddresses source;
    FirewallAddresses destination;
    std::vector<PortRange> ports;  // DestPort or DestPortGroupPorts; every port when "0/0"
    std::string ports_text;        // as written ("9092/9092", the port book's name)
    std::string ports_unknowable;  // a port book without its ports: "" when `ports` decide
    std::string application;       // ApplicationName(List): "ANY" is evaluable, others not

    // "order 3 drop TCP 0.0.0.0/0 -> 47.0.0.0/8:9092/9092 (AclUuid, "description")".
    std::string describe() const;
};

// Everything read from all --rules files, merged.
struct RuleSet {
    std::vector<SecurityGroup> groups;
    std::vector<NetworkAcl> acls;
    std::vector<Interface> interfaces;
    std::vector<GroupType> group_types;
    std::vector<PrefixList> prefix_lists;
    std::vector<SnatEntry> snat_entries;
    std::vector<FirewallPolicy> firewall_policies;

    // Appends everything `other` holds (several --rules files make one set).
    void merge(RuleSet&& other);
};

// Parses one export (its text; `file` names it in errors). The Error is one line:
// "FILE: what is wrong (at PATH)". `prefix_list_id` names the list of an AWS
// get-managed-prefix-list-entries export, whose output does not; without it the file's own
// name does ("pl-0abc.json").
Result<RuleSet> parse_rules(std::string_view text, std::string_view file,
                            std::string_view prefix_list_id = {});

// Upper bound on a rules file; larger files are refused rather than read into memory.
inline constexpr std::uintmax_t kMaxRulesFileBytes = 64u * 1024u * 1024u;

// Reads and parses every file, merged into one RuleSet; the first error wins. A file given as
// "pl-0abc=FILE" (core/rules_argument.h) is the entries of prefix list pl-0abc.
Result<RuleSet> load_rules(const std::vector<std::string>& files);

}  // namespace vpcprobe::rules
