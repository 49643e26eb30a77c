// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/catalog.h"

#include <cctype>

#include "core/text.h"

namespace vpcprobe {
namespace {

constexpr std::string_view domain = ".alikafka.aliyuncs.com";

// DNS limits a label to 63 characters; the longest label we build is
// "vpc-kafkarestproxy-{partInstanceId}".
constexpr std::size_t max_label = 63;
constexpr std::size_t longest_label_overhead = std::string_view("vpc-kafkarestproxy-").size();

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && lower(text.substr(0, prefix.size())) == lower(prefix);
}

bool id_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

}  // namespace

Result<std::string> part_instance_id(std::string_view id) {
    const std::string quoted = "instance ID '" + std::string(id) + "'";
    if (id.empty()) {
        return Error("instance ID is empty");
    }
    for (char c : id) {
        if (!id_char(c)) {
            return Error(quoted + ": only letters, digits, '-' and '_' are allowed");
        }
    }
    std::string_view part = id;
    if (starts_with_nocase(id, instance_id_prefix)) {
        part.remove_prefix(instance_id_prefix.size());
        if (part.empty()) {
            return Error(quoted + " has no partInstanceId after '" +
                         std::string(instance_id_prefix) + "'");
        }
    } else if (starts_with_nocase(id, "alikafka_")) {
        return Error(quoted + " is not an ApsaraMQ for Confluent ID (they start with '" +
                     std::string(instance_id_prefix) + "'); give the ID or its partInstanceId");
    }
    if (part.size() + longest_label_overhead > max_label) {
        return Error(quoted + " is too long for a hostname (at most " +
                     std::to_string(max_label - longest_label_overhead) +
                     " characters after the prefix)");
    }
    return lower(part);
}

std::vector<Target> expand_instance(std::string_view part_id, std::string_view access) {
    std::vector<std::string_view> prefixes;
    if (access == "vpc" || access == "all") prefixes.push_back("vpc");
    if (access == "pub" || access == "all") prefixes.push_back("pub");

    const std::string part = lower(part_id);
    std::vector<Target> targets;
    for (std::string_view prefix : prefixes) {
        for (const CatalogComponent& component : catalog_components()) {
            Target target;
            target.component = std::string(component.component);
            target.access = std::string(prefix);
            target.host = std::string(prefix) + "-" + std::string(component.service) + "-" + part +
                          std::string(domain);
            target.port = prefix == "vpc" ? component.vpc_port : component.pub_port;
            target.origin = "catalog";
            targets.push_back(std::move(target));
        }
    }
    return targets;
}

}  // namespace vpcprobe
