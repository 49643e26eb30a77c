// SPDX-License-Identifier: Apache-2.0
// The export formats parse_rules() recognises, one parser each, grouped by cloud in
// rules_aws.cpp and rules_alibaba.cpp. Each parser reads the whole document (`root`, the
// top-level object) with the readers of rules_json.h and appends what it holds to `into`;
// a wrong value throws parsing::ParseFailure, which parse_rules() turns into the Error.
// Adding a format: its parser in the file of its cloud (or a new rules_<cloud>.cpp), its
// declaration here, and a row naming its top-level keys in the table of rules.cpp.
//
// Pure functions: safe from any thread.
#pragma once

#include "reports/diagnosis/rules.h"
#include "reports/diagnosis/rules_json.h"

namespace vpcprobe::rules::parsing {

// AWS: `aws ec2 describe-security-groups`, `describe-network-acls`,
// `describe-network-interfaces` (top-level SecurityGroups, NetworkAcls, NetworkInterfaces).
void parse_aws_security_groups(const JsonObject& root, RuleSet& into);
void parse_aws_network_acls(const JsonObject& root, RuleSet& into);
void parse_aws_network_interfaces(const JsonObject& root, RuleSet& into);
// `aws ec2 describe-managed-prefix-lists` (PrefixLists: names) and
// `get-managed-prefix-list-entries` (Entries: the CIDRs of a list the export does not name;
// the PrefixList is added with an empty id, which parse_rules() fills in from the file).
void parse_aws_prefix_lists(const JsonObject& root, RuleSet& into);
void parse_aws_prefix_list_entries(const JsonObject& root, RuleSet& into);

// Alibaba Cloud: `aliyun ecs DescribeSecurityGroupAttribute` (one group per file: top-level
// SecurityGroupId and Permissions) and `DescribeNetworkInterfaces` (NetworkInterfaceSets).
void parse_alibaba_security_group(const JsonObject& root, RuleSet& into);
void parse_alibaba_network_interfaces(const JsonObject& root, RuleSet& into);
// `aliyun ecs DescribeSecurityGroups` (SecurityGroups.SecurityGroup: each group's type),
// `aliyun vpc DescribeNetworkAclAttributes` (NetworkAclAttribute), `aliyun vpc
// DescribeSnatTableEntries` (SnatTableEntries) and `aliyun ecs DescribePrefixListAttributes`
// (PrefixListId and Entries).
void parse_alibaba_security_groups(const JsonObject& root, RuleSet& into);
void parse_alibaba_network_acl(const JsonObject& root, RuleSet& into);
void parse_alibaba_snat_entries(const JsonObject& root, RuleSet& into);
void parse_alibaba_prefix_list(const JsonObject& root, RuleSet& into);

// Alibaba Cloud Firewall: `aliyun cloudfw DescribeControlPolicy` (policies with Direction in or
// out: the Internet border) and `DescribeVpcFirewallControlPolicy` (without: a VPC border).
void parse_cloud_firewall_policies(const JsonObject& root, RuleSet& into);

}  // namespace vpcprobe::rules::parsing
