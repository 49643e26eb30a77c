// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/plan.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "agent/settings/catalog.h"
#include "agent/settings/target_spec.h"
#include "agent/settings/validate.h"
#include "core/text.h"

namespace vpcprobe {
namespace {

// One named target and what its spec said outright, as opposed to what was filled in.
struct Named {
    Target target;
    bool component_said = true;  // false: guessed from the port
    bool scheme_said = true;     // false: TLS because nothing said otherwise
    std::string named_by;        // "TARGET", "--bootstrap", "FILE:3:11: targets", ...
};

// One source naming a host:port, with the spec as written ("" for catalog targets). Messages
// are made from it only when there is something to say (a conflict), not for every target.
struct Sighting {
    std::string named_by;
    std::string spec;
};

// A host:port of the plan and every source that named it.
struct Entry {
    Named kept;
    std::vector<Sighting> sightings;
    // The sightings that said the component and the scheme kept, for messages:
    // "TARGET 'a:1=kafka'".
    std::size_t component_from = 0;
    std::size_t scheme_from = 0;
};

std::string scheme_word(bool tls) {
    return tls ? "with TLS" : "without TLS";
}

std::string where(const std::string& named_by, std::string_view spec) {
    if (spec.empty()) return named_by;
    return named_by + " " + quote(spec);
}

std::string where(const Sighting& sighting) {
    return where(sighting.named_by, sighting.spec);
}

std::string times(std::size_t count) {
    return count == 2 ? std::string("twice") : std::to_string(count) + " times";
}

// The sources, each once, in the order they named the target: "TARGET and --bootstrap".
std::string joined_sources(const std::vector<Sighting>& sightings) {
    std::vector<std::string> unique;
    for (const Sighting& sighting : sightings) {
        if (std::find(unique.begin(), unique.end(), sighting.named_by) == unique.end()) {
            unique.push_back(sighting.named_by);
        }
    }
    if (unique.size() <= 2) return join(unique, " and ");
    const std::string last = unique.back();
    unique.pop_back();
    return join(unique, ", ") + " and " + last;
}

class PlanBuilder {
  public:
    // `spec` is the text as written, for messages ("" for catalog targets).
    Result<void> add(Named named, std::string_view spec) {
        const auto key = std::make_pair(named.target.host, named.target.port);
        const auto found = index_.find(key);
        if (found == index_.end()) {
            index_.emplace(key, entries_.size());
            Sighting first{named.named_by, std::string(spec)};
            entries_.push_back({std::move(named), {std::move(first)}, 0, 0});
            return {};
        }
        Entry& entry = entries_[found->second];
        if (auto merged = merge(entry, named, spec); !merged) return merged;
        entry.sightings.push_back({named.named_by, std::string(spec)});
        return {};
    }

    Plan finish() && {
        Plan plan;
        for (Entry& entry : entries_) {
            if (entry.sightings.size() > 1) {
                plan.notes.push_back(entry.kept.target.endpoint() + " was given " +
                                     times(entry.sightings.size()) + " for " +
                                     entry.kept.target.component + " (" +
                                     joined_sources(entry.sightings) + "); probed once");
            }
            plan.targets.push_back(std::move(entry.kept.target));
        }
        return plan;
    }

  private:
    // What `incoming` (its spec as written: `spec`) says goes into the entry, unless the two say
    // different things. The incoming sighting is appended after this, at `next`.
    static Result<void> merge(Entry& entry, const Named& incoming, std::string_view spec) {
        Named& kept = entry.kept;
        const std::size_t next = entry.sightings.size();
        const std::string endpoint = kept.target.endpoint();
        if (kept.component_said && incoming.component_said &&
            kept.target.component != incoming.target.component) {
            return Error(endpoint + " is given as " + kept.target.component + " (" +
                         where(entry.sightings[entry.component_from]) + ") and as " +
                         incoming.target.component + " (" + where(incoming.named_by, spec) +
                         "): one host:port is one listener, so give it one component");
        }
        if (kept.scheme_said && incoming.scheme_said && kept.target.tls != incoming.target.tls) {
            return Error(endpoint + " is given " + scheme_word(kept.target.tls) + " (" +
                         where(entry.sightings[entry.scheme_from]) + ") and " +
                         scheme_word(incoming.target.tls) + " (" + where(incoming.named_by, spec) +
                         "): one listener speaks one of them, so keep the spec that is right");
        }
        if (!kept.component_said && incoming.component_said) {
            kept.target.component = incoming.target.component;
            kept.component_said = true;
            entry.component_from = next;
        }
        if (!kept.scheme_said && incoming.scheme_said) {
            kept.target.tls = incoming.target.tls;
            kept.scheme_said = true;
            entry.scheme_from = next;
        }
        return {};
    }

    std::vector<Entry> entries_;
    std::map<std::pair<std::string, std::uint16_t>, std::size_t> index_;
};

bool has_scheme(std::string_view spec) {
    return spec.find("://") != std::string_view::npos;
}

Result<void> add_catalog(const CheckOptions& options, PlanBuilder& builder) {
    auto part = part_instance_id(*options.instance);
    if (!part) return std::move(part).error().context("--instance");
    if (auto access = check_access(options.access); !access) {
        return std::move(access).error().context("--access");
    }
    for (Target& target : expand_instance(*part, options.access)) {
        if (auto added = builder.add({std::move(target), true, true, "--instance"}, ""); !added) {
            return added;
        }
    }
    return {};
}

Result<void> add_bootstrap(const CheckOptions& options, PlanBuilder& builder) {
    const TargetSpecRules bootstrap_rules{"kafka", false};
    for (const std::string& spec : options.bootstrap) {
        auto target = parse_target_spec(spec, bootstrap_rules);
        if (!target) return std::move(target).error().context("--bootstrap");
        target->origin = "bootstrap";
        bool scheme_said = has_scheme(spec);
        // A server given without a scheme is spoken to as the client configuration says.
        if (options.security_protocol && !scheme_said) {
            target->tls = options.security_protocol->ends_with("SSL");
            scheme_said = true;
        }
        Named named{std::move(*target), true, scheme_said, options.bootstrap_named_by.text};
        if (auto added = builder.add(std::move(named), spec); !added) return added;
    }
    return {};
}

Result<void> add_explicit(const CheckOptions& options, PlanBuilder& builder) {
    for (const TargetSpec& spec : options.targets) {
        auto target = parse_target_spec(spec.text, {});
        if (!target) return Error("target " + target.error().message());
        target->origin = spec.origin;
        const bool component_said = spec.text.find('=') != std::string::npos;
        std::string named_by = !spec.named_by.text.empty() ? spec.named_by.text
                               : spec.origin == "config"   ? std::string("the config file")
                                                           : std::string("TARGET");
        Named named{std::move(*target), component_said, has_scheme(spec.text), std::move(named_by)};
        if (auto added = builder.add(std::move(named), spec.text); !added) return added;
    }
    return {};
}

}  // namespace

Result<Plan> build_plan(const CheckOptions& options) {
    PlanBuilder builder;
    if (options.instance) {
        if (auto added = add_catalog(options, builder); !added) return std::move(added).error();
    }
    if (auto added = add_bootstrap(options, builder); !added) return std::move(added).error();
    if (auto added = add_explicit(options, builder); !added) return std::move(added).error();
    Plan plan = std::move(builder).finish();
    if (plan.targets.empty()) return Error(std::string(nothing_to_check));
    return plan;
}

}  // namespace vpcprobe
