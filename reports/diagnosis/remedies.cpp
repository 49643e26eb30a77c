// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/remedies.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/address.h"
#include "core/components.h"
#include "core/text.h"
#include "reports/diagnosis/mtu_blackhole.h"
#include "reports/diagnosis/remedies_facts.h"

namespace vpcprobe {

namespace remedy {

ComponentInfo component_info(const std::string& component) {
    for (const CatalogComponent& row : catalog_components()) {
        if (row.component == component) {
            // "Kafka broker" is a common noun; the product names are proper ones. Every
            // component but the broker is checked over HTTP.
            const bool broker = row.component == "kafka";
            const std::string named =
                broker ? "the " + std::string(row.title) : std::string(row.title);
            return {std::string(row.title), named, row.vpc_port, row.pub_port, !broker};
        }
    }
    const std::string name = component.empty() ? std::string("the service") : component;
    return {name, name, 0, 0, false};
}

Facts facts_of(const TargetReport& target, const AgentInfo& agent) {
    const AddressEvidence* shown = target.shown();
    Facts facts{target,
                agent,
                shown,
                component_info(target.target.component),
                target.target.host,
                target.target.port,
                target.target.host,
                target.target.endpoint(),
                "this host"};
    if (shown != nullptr && !shown->address.empty()) {
        facts.address = shown->address;
        facts.endpoint = endpoint_text(shown->address, target.target.port);
    }
    if (shown != nullptr && !shown->tcp.local_address.empty()) {
        facts.source = shown->tcp.local_address;
    } else if (!agent.source_addresses.empty()) {
        facts.source = agent.source_addresses.front();
    }
    return facts;
}

std::string resolvers_text(const AgentInfo& agent) {
    if (agent.resolvers.empty()) return "the system's default resolvers";
    return fmt::format("resolver{} {}", agent.resolvers.size() == 1 ? "" : "s",
                       join(agent.resolvers, ", "));
}

std::uint16_t catalog_port(const Facts& facts) {
    const std::string& access = facts.target.target.access;
    if (access == "pub") return facts.component.pub_port;
    if (access == "vpc") return facts.component.vpc_port;
    return 0;
}

std::string port_note(const Facts& facts) {
    const std::uint16_t expected = catalog_port(facts);
    if (expected == 0 || expected == facts.port) return "";
    return fmt::format(" ({} listens on {} for {} access, not {})", facts.component.title, expected,
                       facts.target.target.access, facts.port);
}

std::string port_advice(const Facts& facts) {
    const std::uint16_t expected = catalog_port(facts);
    if (expected != 0 && expected != facts.port) {
        return fmt::format("use port {}, where {} listens for {} access", expected,
                           facts.component.named, facts.target.target.access);
    }
    if (expected == facts.port) {
        return fmt::format(
            "{} is {}'s port for {} access, so check that {} leads to it and not to another "
            "service (its DNS record, a proxy or load balancer in front)",
            facts.port, facts.component.named, facts.target.target.access, facts.host);
    }
    return fmt::format("check that {} is {}'s port and that {} leads to it", facts.port,
                       facts.component.named, facts.host);
}

}  // namespace remedy

namespace {

using remedy::Facts;

// ---- Mutual TLS: from the CertificateRequest, our certificate and the server's alert ----

// "certificates issued by CN=A; CN=B", or what to do when the server named none.
std::string accepted_issuers(const TlsEvidence& tls) {
    if (tls.client_ca_names.empty()) {
        return "the server named no CA it accepts: ask the listener's operators which CA issues "
               "its client certificates";
    }
    return "the server accepts certificates issued by " + join(tls.client_ca_names, "; ");
}

std::string required_remedy(const TlsEvidence& tls) {
    return "configure the client certificate this listener expects (--client-cert/--client-key, "
           "or ssl.keystore.* in --client-config); " +
           accepted_issuers(tls);
}

// Where else our certificate could come from: "; or use a certificate from one of: ...".
std::string other_issuers(const TlsEvidence& tls) {
    if (tls.client_ca_names.empty()) return "";
    return " or use a certificate from one of: " + join(tls.client_ca_names, "; ");
}

// What the server's alert (its text, as OpenSSL names it) says to do about our certificate.
std::string rejected_remedy(const TlsEvidence& tls, const CertificateInfo& ours) {
    const std::string alert = lower(tls.alert);
    if (alert == "certificate expired") {
        return fmt::format(
            "our client certificate {} expired on {}: renew it with its CA {} and "
            "configure the new one",
            ours.subject, utc_date(ours.not_after), ours.issuer);
    }
    if (alert == "certificate revoked") {
        return fmt::format("our client certificate {} has been revoked: get a new one from {}",
                           ours.subject, ours.issuer);
    }
    if (alert == "decrypt error") {
        return fmt::format(
            "the server could not verify our signature: the private key configured does not "
            "match the client certificate {}; configure the key that belongs to it",
            ours.subject);
    }
    if (alert == "access denied") {
        return fmt::format(
            "the server accepted the certificate {} but denies it access: have the listener's "
            "operators allow this principal (its ACLs or principal mapping)",
            ours.subject);
    }
    if (alert == "unsupported certificate") {
        return fmt::format(
            "the server cannot use the certificate {}: use one with "
            "extendedKeyUsage clientAuth and a key type the server accepts; {}",
            ours.subject, accepted_issuers(tls));
    }
    // unknown CA, bad certificate, certificate unknown, handshake failure: not trusted there.
    return fmt::format(
        "the server does not trust {}; have {} added to the listener's client "
        "trust store{}",
        ours.issuer, ours.issuer, other_issuers(tls));
}

std::optional<CertificateInfo> our_certificate(const TlsEvidence& tls, const RunEvidence& run) {
    if (tls.client_certificate) return *tls.client_certificate;
    if (run.tls && run.tls->client_certificate) return run.tls->client_certificate;
    return std::nullopt;
}

std::string mutual_tls_remedy(Cause cause, const TlsEvidence& tls, const RunEvidence& run) {
    if (cause == Cause::tls_client_cert_required) return required_remedy(tls);
    const auto ours = our_certificate(tls, run);
    if (!ours) {
        return fmt::format(
            "check the client certificate configured: the server refused it ({}); {}",
            tls.alert.empty() ? std::string("without an alert")
                              : fmt::format("alert {}", tls.alert),
            accepted_issuers(tls));
    }
    return rejected_remedy(tls, *ours);
}

std::optional<Suspect> mutual_tls_suspect(Cause cause, const TlsEvidence& tls,
                                          const RunEvidence& run) {
    if (cause == Cause::tls_client_cert_required) {
        return Suspect{"certificate", "", "", "",
                       "no client certificate is configured; " + accepted_issuers(tls)};
    }
    const auto ours = our_certificate(tls, run);
    if (!ours) return std::nullopt;
    return Suspect{
        "certificate", ours->subject, "", "",
        fmt::format("our client certificate {} (issued by {}), refused by the server: alert {}",
                    ours->subject, ours->issuer, tls.alert.empty() ? "unknown" : tls.alert)};
}

void add_unless_known(std::vector<Suspect>& suspects, Suspect suspect) {
    const bool known = std::any_of(suspects.begin(), suspects.end(), [&](const Suspect& s) {
        return s.kind == suspect.kind && s.id == suspect.id && s.direction == suspect.direction &&
               s.rule == suspect.rule && s.detail == suspect.detail;
    });
    if (!known) suspects.push_back(std::move(suspect));
}

bool mutual_tls(Cause cause) {
    return cause == Cause::tls_client_cert_required || cause == Cause::tls_client_cert_rejected;
}

// ---- The cause's own remedy ----

std::string deadline_remedy(const Facts& facts) {
    const Stage stage = facts.target.cause->stage;
    return fmt::format(
        "the run's --deadline passed during the {} stage of {}, before it could be judged: run "
        "again with a longer --deadline (this run took {:.1f}s) or fewer targets, and if this "
        "stage is always the slow one, look at it first",
        name(stage), facts.endpoint, facts.agent.duration_ms / 1000.0);
}

// A stall that a clamped MSS got through: the path, not the server (finding
// network.mtu_blackhole_suspected says the same for every such target).
std::string mtu_remedy(const Facts& facts) {
    const int mss = facts.shown->mtu->working_mss();
    return fmt::format(
        "{} answers once segments are clamped to MSS {}: not {}, but a path MTU black hole that "
        "loses its full-size packets; let ICMP fragmentation-needed / packet-too-big through the "
        "path's firewalls, or clamp the MSS to {} or less on the tunnel or transit router "
        "(finding network.mtu_blackhole_suspected says how)",
        facts.endpoint, mss, facts.component.named, mss);
}

bool stalled(Cause cause) {
    return cause == Cause::tls_timeout || cause == Cause::protocol_timeout;
}

std::string cause_remedy(const Facts& facts) {
    const Cause cause = facts.target.cause->code;
    if (cause == Cause::run_deadline) return deadline_remedy(facts);
    if (stalled(cause) && facts.shown && mtu_blackhole_suspected(*facts.shown)) {
        return mtu_remedy(facts);
    }
    if (mutual_tls(cause)) {
        static const TlsEvidence kNoTls{};
        return mutual_tls_remedy(cause, facts.shown ? facts.shown->tls : kNoTls, facts.agent);
    }
    switch (stage_of(cause)) {
        case Stage::dns:
            return remedy::dns_remedy(cause, facts);
        case Stage::tcp:
            return remedy::tcp_remedy(cause, facts);
        case Stage::tls:
            return remedy::tls_remedy(cause, facts);
        case Stage::certificate:
            return remedy::certificate_remedy(cause, facts);
        case Stage::protocol:
            return remedy::protocol_remedy(cause, facts);
    }
    return "";
}

// A name that resolved to this host or its link: the first thing to fix, whatever failed next.
std::string local_answer_remedy(const Facts& facts) {
    const DnsEvidence& dns = facts.target.evidence.dns;
    if (dns.local_answers.empty()) return "";
    const bool hosts_file = dns.source == "hosts-file";
    return fmt::format(
        "; and {} resolved to {}, this host ({}): unless a tunnel here is meant to serve it, "
        "correct {} so the name leads to the endpoint itself",
        facts.host, join(dns.local_answers, ", "),
        hosts_file ? std::string("from the hosts file")
                   : fmt::format("{} answered so", remedy::resolvers_text(facts.agent)),
        hosts_file ? "that hosts-file entry" : "the resolver's record");
}

// The finding that covers this target with the same remedy, if any.
const Finding* same_as_finding(const std::vector<Finding>& findings, const TargetReport& target,
                               const std::string& text) {
    const std::string endpoint = target.target.endpoint();
    for (const auto& finding : findings) {
        const bool covers = std::find(finding.targets.begin(), finding.targets.end(), endpoint) !=
                            finding.targets.end();
        if (covers && lower(finding.remedy) == lower(text)) return &finding;
    }
    return nullptr;
}

}  // namespace

std::string local_answer_sentence(const TargetEvidence& evidence) {
    const auto& answers = evidence.dns.local_answers;
    if (answers.empty()) return "";
    bool loopback = false;
    for (const auto& answer : answers) {
        if (answer.starts_with("127.") || answer == "::1") loopback = true;
    }
    const std::string kind = loopback && answers.size() == 1 ? "a loopback address"
                             : loopback ? "addresses of this host (loopback or link-local)"
                             : answers.size() == 1 ? "a link-local address"
                                                   : "link-local addresses";
    return fmt::format("{} resolved to {}, {}", evidence.target.host, join(answers, ", "), kind);
}

std::string remedy_for(const TargetReport& target, const AgentInfo& agent) {
    if (!target.cause) return "";
    const Facts facts = remedy::facts_of(target, agent);
    return cause_remedy(facts) + local_answer_remedy(facts);
}

void add_remedies(Report& report) {
    for (auto& target : report.targets) {
        if (!target.cause) continue;
        TargetCause& cause = *target.cause;
        std::string text = remedy_for(target, report.agent);
        if (const Finding* finding = same_as_finding(report.findings, target, text)) {
            text = fmt::format("for {}, as finding {} says: {}", target.target.endpoint(),
                               finding->code, text);
        }
        cause.remedy = std::move(text);
        if (mutual_tls(cause.code) && target.shown() != nullptr) {
            if (auto suspect = mutual_tls_suspect(cause.code, target.shown()->tls, report.agent)) {
                add_unless_known(cause.suspects, std::move(*suspect));
            }
        }
    }
}

}  // namespace vpcprobe
