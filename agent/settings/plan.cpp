// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/plan.h"

#include <algorithm>
#include <array>
#include <set>
#include <string_view>
#include <utility>

#include "agent/settings/catalog.h"
#include "agent/settings/target_spec.h"
#include "agent/settings/validate.h"

namespace vpcprobe {

Result<std::vector<Target>> build_plan(const CheckOptions& options) {
    std::vector<Target> plan;
    std::set<std::pair<std::string, std::uint16_t>> seen;
    auto add = [&](Target target) {
        if (seen.emplace(target.host, target.port).second) plan.push_back(std::move(target));
    };

    if (options.instance) {
        auto part = part_instance_id(*options.instance);
        if (!part) return std::move(part).error().context("--instance");
        if (auto access = check_access(options.access); !access) {
            return std::move(access).error().context("--access");
        }
        for (Target& target : expand_instance(*part, options.access)) add(std::move(target));
    }

    const TargetSpecRules bootstrap_rules{"kafka", false};
    for (const std::string& spec : options.bootstrap) {
        auto target = parse_target_spec(spec, bootstrap_rules);
        if (!target) return std::move(target).error().context("--bootstrap");
        target->origin = "bootstrap";
        // A server given without a scheme is spoken to as the client configuration says.
        if (options.security_protocol && spec.find("://") == std::string::npos) {
            target->tls = options.security_protocol->ends_with("SSL");
        }
        add(std::move(*target));
    }

    for (const TargetSpec& spec : options.targets) {
        auto target = parse_target_spec(spec.text, {});
        if (!target) return Error("target " + target.error().message());
        target->origin = spec.origin;
        add(std::move(*target));
    }

    if (plan.empty()) return Error(std::string(nothing_to_check));
    return plan;
}

}  // namespace vpcprobe
