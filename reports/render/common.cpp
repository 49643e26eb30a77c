// SPDX-License-Identifier: Apache-2.0
#include "reports/render/common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace vpcprobe {

double round_ms(double ms) {
    if (!std::isfinite(ms) || ms <= 0) return 0;
    return std::round(ms * 10) / 10;
}

double round_rtt_ms(double ms) {
    if (!std::isfinite(ms) || ms <= 0) return 0;
    return std::round(ms * 1000) / 1000;
}

std::string counted(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string certificate_fact(const CertificateEvidence& certificate) {
    const bool days_say_it =
        certificate.status == StageStatus::ok || certificate.cause == Cause::cert_expiring_soon;
    if (days_say_it) {
        return certificate.days_left ? fmt::format("{}d", *certificate.days_left) : "";
    }
    if (certificate.cause == Cause::none) return "";
    // "cert.incomplete_chain" -> "incomplete chain"
    std::string words(code(certificate.cause));
    words = words.substr(words.find('.') + 1);
    std::replace(words.begin(), words.end(), '_', ' ');
    return words;
}

std::string explanation_beside(Cause cause, const std::string& summary) {
    const std::string_view explanation = explain(cause);
    if (explanation.empty() || summary.find(explanation) != std::string::npos) return "";
    // A probe's sentence often ends with the explanation's last clause ("...: the host is
    // reachable but nothing listens on the port"): then the rest adds nothing either.
    const auto colon = explanation.rfind(": ");
    if (colon != std::string_view::npos) {
        const std::string_view clause = explanation.substr(colon + 2);
        constexpr std::size_t kShortest = 20;  // characters: not a word or two matching by chance
        if (clause.size() >= kShortest && summary.find(clause) != std::string::npos) return "";
    }
    return std::string(explanation);
}

std::string describe_concurrency(const AgentInfo& agent) {
    if (agent.socket_budget == 0) return "";
    std::string limit = agent.descriptor_limit == 0
                            ? std::string("no descriptor limit")
                            : fmt::format("descriptor limit {}", agent.descriptor_limit);
    std::string text = fmt::format("at most {} and {} at once ({}); the most in flight: {}, {}",
                                   counted(agent.concurrency, "target", "targets"),
                                   counted(agent.socket_budget, "socket", "sockets"), limit,
                                   counted(agent.peak_targets, "target", "targets"),
                                   counted(agent.peak_sockets, "socket", "sockets"));
    // Said only when it happened: the descriptor limit, not --concurrency, set the pace.
    if (agent.queued_for_socket > 0) {
        text += fmt::format("; {} waited for a free socket",
                            counted(agent.queued_for_socket, "address", "addresses"));
    }
    return text;
}

std::vector<CanonicalRoute> canonical_routes(const TargetReport& bootstrap,
                                             const std::vector<TargetReport>& targets) {
    const std::string of = bootstrap.target.endpoint();
    std::vector<CanonicalRoute> routes;
    for (const CanonicalName& name : bootstrap.evidence.dns.canonical_names) {
        Target wanted;
        wanted.host = lower(name.host());
        wanted.port = bootstrap.target.port;
        CanonicalRoute route{&name, nullptr};
        for (const TargetReport& other : targets) {
            Target probed = other.target;
            probed.host = lower(probed.host);
            if (&other == &bootstrap || probed.endpoint() != wanted.endpoint()) continue;
            // Another bootstrap of the cluster may have led there first; this one's is better.
            if (route.target == nullptr || other.target.canonical_of == of) route.target = &other;
        }
        routes.push_back(route);
    }
    return routes;
}

std::string describe_canonical_lookup(const Target& bootstrap) {
    return fmt::format(
        "the client (client.dns.lookup=resolve_canonical_bootstrap_servers_only) connects to the "
        "canonical names of the addresses of {}, not to {}",
        bootstrap.endpoint(), bootstrap.host);
}

}  // namespace vpcprobe
