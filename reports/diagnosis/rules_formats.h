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

// Alibaba Cloud: `aliyun ecs DescribeSecurityGroupAttribute` (one group per file: top-level
// SecurityGroupId and Permissions) and `DescribeNetworkInterfaces` (NetworkInterfaceSets).
void parse_alibaba_security_group(const JsonObject& root, RuleSet& into);
void parse_alibaba_network_interfaces(const JsonObject& root, RuleSet& into);

}  // namespace vpcprobe::rules::parsing
