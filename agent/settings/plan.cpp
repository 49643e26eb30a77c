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

std::vector<Target> build_plan(const CheckOptions& options, std::string& error) {
    std::vector<Target> plan;
    std::set<std::pair<std::string, std::uint16_t>> seen;
    auto add = [&](Target target) {
        if (seen.emplace(target.host, target.port).second) plan.push_back(std::move(target));
    };

    if (options.instance) {
        const auto part = part_instance_id(*options.instance, error);
        if (!part) return {};
        if (std::string problem = access_problem(options.access); !problem.empty()) {
            error = "--access: " + problem;
            return {};
        }
        for (Target& target : expand_instance(*part, options.access)) add(std::move(target));
    }

    const TargetSpecRules bootstrap_rules{"kafka", false};
    for (const std::string& spec : options.bootstrap) {
        auto target = parse_target_spec(spec, bootstrap_rules, error);
        if (!target) {
            error = "--bootstrap " + error;
            return {};
        }
        target->origin = "bootstrap";
        add(std::move(*target));
    }

    const std::pair<const std::vector<std::string>*, const char*> explicit_lists[] = {
        {&options.targets, "argument"}, {&options.config_targets, "config"}};
    for (const auto& [specs, origin] : explicit_lists) {
        for (const std::string& spec : *specs) {
            auto target = parse_target_spec(spec, {}, error);
            if (!target) {
                error = "target " + error;
                return {};
            }
            target->origin = origin;
            add(std::move(*target));
        }
    }

    if (plan.empty()) error = std::string(nothing_to_check);
    return plan;
}

}  // namespace vpcprobe
