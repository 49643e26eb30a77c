// SPDX-License-Identifier: Apache-2.0
// Security-group, network-ACL and interface exports (`--rules FILE`, docs/rules.md "Exports it
// reads") parsed into one cloud-neutral model, so rules_eval.h can say which rule blocks a
// flow. Recognises AWS `describe-security-groups`, `describe-network-acls`,
// `describe-network-interfaces` and Alibaba Cloud `DescribeSecurityGroupAttribute`,
// `DescribeNetworkInterfaces` by their top-level keys (the table in rules.cpp; each format's
// parser is in rules_aws.cpp or rules_alibaba.cpp, see rules_formats.h). Malformed input is an
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
    bool accept = true;        // AWS rules always allow; Alibaba Policy Accept/Drop
    int priority = 1;          // Alibaba 1..100, smaller wins; AWS: unused

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

struct AclEntry {
    int number = 0;  // RuleNumber; 32767 is the default '*' entry
    bool egress = false;
    std::string protocol;  // "6", "-1", ...
    bool matches_tcp = false;
    bool allow = false;
    std::optional<Cidr> cidr;  // CidrBlock or Ipv6CidrBlock
    PortRange ports;           // PortRange, all ports when absent

    std::string describe() const;  // "rule 100 deny tcp 9095 from 0.0.0.0/0"
};

struct NetworkAcl {
    std::string id;
    std::string vpc;
    bool is_default = false;
    std::vector<AclEntry> entries;     // as exported; evaluation sorts by number
    std::vector<std::string> subnets;  // Associations SubnetId
};

struct Interface {
    Cloud cloud = Cloud::aws;
    std::string id;
    std::string subnet;  // SubnetId / VSwitchId
    std::string vpc;
    std::vector<Cidr> addresses;      // every private (and IPv6) address, as host networks
    std::vector<std::string> groups;  // attached security-group ids
};

// Everything read from all --rules files, merged.
struct RuleSet {
    std::vector<SecurityGroup> groups;
    std::vector<NetworkAcl> acls;
    std::vector<Interface> interfaces;

    // Appends everything `other` holds (several --rules files make one set).
    void merge(RuleSet&& other);
};

// Parses one export (its text; `file` names it in errors). The Error is one line:
// "FILE: what is wrong (at PATH)".
Result<RuleSet> parse_rules(std::string_view text, std::string_view file);

// Upper bound on a rules file; larger files are refused rather than read into memory.
inline constexpr std::uintmax_t kMaxRulesFileBytes = 64u * 1024u * 1024u;

// Reads and parses every file, merged into one RuleSet; the first error wins.
Result<RuleSet> load_rules(const std::vector<std::string>& files);

}  // namespace vpcprobe::rules
