// SPDX-License-Identifier: Apache-2.0
// Remedies for the tls, certificate and protocol stages (reports/diagnosis/remedies_facts.h).
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/kafka_errors.h"
#include "core/text.h"
#include "reports/diagnosis/remedies_facts.h"

namespace vpcprobe::remedy {

namespace {

const TlsEvidence& tls_of(const Facts& facts) {
    static const TlsEvidence kNone{};
    return facts.shown ? facts.shown->tls : kNone;
}

const CertificateEvidence& certificate_of(const Facts& facts) {
    static const CertificateEvidence kNone{};
    return facts.shown ? facts.shown->certificate : kNone;
}

const ProtocolEvidence& protocol_of(const Facts& facts) {
    static const ProtocolEvidence kNone{};
    return facts.shown ? facts.shown->protocol : kNone;
}

// The scheme a target should use once it is known the listener speaks TLS.
std::string tls_scheme(const Facts& facts) {
    if (facts.component.http) return "https://";
    const bool sasl = !facts.agent.sasl_mechanism.empty();
    return sasl ? "SASL_SSL://" : "SSL:// (SASL_SSL:// with SASL)";
}

std::string plaintext_scheme(const Facts& facts) {
    if (facts.component.http) return "http://";
    return facts.agent.sasl_mechanism.empty() ? "PLAINTEXT://" : "SASL_PLAINTEXT://";
}

// ---- TLS ----

std::string handshake_remedy(const Facts& facts) {
    const TlsEvidence& tls = tls_of(facts);
    const std::string alert = lower(tls.alert);
    if (alert == "protocol version") {
        return fmt::format(
            "{} refused the TLS versions offered (alert protocol version): the listener needs a "
            "version this client does not offer; check its ssl.enabled.protocols against the "
            "client's",
            facts.endpoint);
    }
    if (!alert.empty()) {
        return fmt::format(
            "{} ended the handshake with alert '{}': compare the listener's TLS settings "
            "(ssl.enabled.protocols, ssl.cipher.suites, SNI for {}) with what this client "
            "offers, and read the listener's log at that time",
            facts.endpoint, tls.alert, facts.host);
    }
    return fmt::format(
        "{} closed the connection during the handshake without an alert: check that {} is "
        "{}'s TLS port{} and that no proxy or load balancer in between cuts TLS to {}",
        facts.endpoint, facts.port, facts.component.named, port_note(facts), facts.host);
}

// ---- Certificate ----

// The chain entry a verify error with `cause` points at, else the leaf.
const CertificateInfo* certificate_at(const CertificateEvidence& certificate, Cause cause) {
    if (certificate.chain.empty()) return nullptr;
    for (const auto& error : certificate.verify_errors) {
        if (error.cause == cause && error.depth >= 0 &&
            static_cast<std::size_t>(error.depth) < certificate.chain.size()) {
            return &certificate.chain[static_cast<std::size_t>(error.depth)];
        }
    }
    return &certificate.chain.front();
}

// The entry of the chain that expires first (the one days_left counts down to).
const CertificateInfo* earliest_expiry(const CertificateEvidence& certificate) {
    const CertificateInfo* earliest = nullptr;
    for (const auto& info : certificate.chain) {
        if (earliest == nullptr || info.not_after < earliest->not_after) earliest = &info;
    }
    return earliest;
}

std::string which(const CertificateEvidence& certificate, const CertificateInfo* info) {
    if (info == nullptr) return "the server's certificate";
    const bool leaf = info == &certificate.chain.front();
    return fmt::format("the {} certificate {}", leaf ? "server's" : "intermediate", info->subject);
}

std::string expired_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const CertificateInfo* info = nullptr;
    for (const auto& error : certificate.verify_errors) {
        if (error.cause == Cause::cert_expired) info = certificate_at(certificate, error.cause);
    }
    if (info == nullptr) info = earliest_expiry(certificate);
    const std::string when = info ? fmt::format(" on {}", utc_date(info->not_after)) : "";
    return fmt::format(
        "{} presented by {} expired{}: its operators must renew it and install the new one "
        "(with its chain) on the listener",
        which(certificate, info), facts.endpoint, when);
}

std::string not_yet_valid_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const CertificateInfo* info = certificate_at(certificate, Cause::cert_not_yet_valid);
    const std::string from = info ? fmt::format(" before {}", utc_date(info->not_before)) : "";
    return fmt::format(
        "{} presented by {} is not valid{} and this host's clock said {}: check this host's "
        "clock first (timedatectl, chrony); if it is right, the certificate was issued with a "
        "future start date and must be reissued",
        which(certificate, info), facts.endpoint, from, rfc3339(facts.agent.started_at));
}

std::string mismatch_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const std::vector<std::string> sans =
        certificate.chain.empty() ? std::vector<std::string>{} : certificate.chain.front().sans;
    const std::string covers =
        sans.empty() ? std::string("no subjectAltName at all") : "only " + join(sans, ", ");
    return fmt::format(
        "the certificate of {} covers {}, not {}, the name asked: connect by a name it covers, "
        "or have it reissued with {} as a subjectAltName",
        facts.endpoint, covers, facts.host, facts.host);
}

std::string self_signed_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const std::string subject = certificate.chain.empty() ? std::string("a self-signed certificate")
                                                          : certificate.chain.front().subject;
    return fmt::format(
        "{} presents the self-signed certificate {}: if it is the one expected, trust it "
        "explicitly (--ca-file with that certificate, or ssl.truststore.location in "
        "--client-config); otherwise have the listener use a certificate from a CA you trust",
        facts.endpoint, subject);
}

std::string incomplete_chain_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const std::string issuer = certificate.chain.empty() ? std::string("the intermediate CA")
                                                         : certificate.chain.front().issuer;
    return fmt::format(
        "the server at {} must send its intermediate certificate ({}, the leaf's issuer) with its "
        "leaf; until then clients that do not already hold it fail (as a stopgap, add {} to "
        "--ca-file or ssl.truststore.location)",
        facts.endpoint, issuer, issuer);
}

// The top of the chain as presented: a self-issued root's subject, else the last issuer.
std::string chain_root(const CertificateEvidence& certificate) {
    if (certificate.chain.empty()) return "an unknown CA";
    const CertificateInfo& top = certificate.chain.back();
    return top.self_issued ? top.subject : top.issuer;
}

std::string untrusted_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const std::string root = chain_root(certificate);
    return fmt::format(
        "the chain of {} ends at {}, which this host does not trust: if that is your CA, give it "
        "with --ca-file (or ssl.truststore.location in --client-config); if it is not, something "
        "between this host and {} is intercepting TLS",
        facts.endpoint, root, facts.host);
}

std::string expiring_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    const CertificateInfo* info = earliest_expiry(certificate);
    const std::string days =
        certificate.days_left ? fmt::format(" in {} days", *certificate.days_left) : " soon";
    const std::string when = info ? fmt::format(" ({})", utc_date(info->not_after)) : "";
    return fmt::format(
        "{} presented by {} expires{}{}: renew it and install the new one before then",
        which(certificate, info), facts.endpoint, days, when);
}

std::string invalid_remedy(const Facts& facts) {
    const CertificateEvidence& certificate = certificate_of(facts);
    std::vector<std::string> errors;
    for (const auto& error : certificate.verify_errors) {
        errors.push_back(fmt::format("{} at depth {}", error.text, error.depth));
    }
    const std::string why = errors.empty() ? certificate.detail : join(errors, "; ");
    return fmt::format(
        "the chain of {} fails verification ({}): have its operators reissue or reinstall the "
        "certificate named there",
        facts.endpoint, why.empty() ? std::string("no reason given") : why);
}

// A certificate problem the client being checked does not look for (it connects anyway).
std::string unverified_remedy(Cause cause, const std::string& fix) {
    if (cause == Cause::cert_hostname_mismatch) {
        return fmt::format(
            "the client connects only because it does not verify hostnames: {}; then turn "
            "hostname verification back on (ssl.endpoint.identification.algorithm=https)",
            fix);
    }
    return fmt::format(
        "the client does not verify certificates (enable.ssl.certificate.verification=false), so "
        "it would not notice an impostor: {}; then turn verification back on",
        fix);
}

std::string certificate_fix(Cause cause, const Facts& facts) {
    switch (cause) {
        case Cause::cert_expired:
            return expired_remedy(facts);
        case Cause::cert_not_yet_valid:
            return not_yet_valid_remedy(facts);
        case Cause::cert_hostname_mismatch:
            return mismatch_remedy(facts);
        case Cause::cert_self_signed:
            return self_signed_remedy(facts);
        case Cause::cert_incomplete_chain:
            return incomplete_chain_remedy(facts);
        case Cause::cert_untrusted:
            return untrusted_remedy(facts);
        case Cause::cert_expiring_soon:
            return expiring_remedy(facts);
        case Cause::cert_invalid:
            return invalid_remedy(facts);
        default:
            return "";
    }
}

// ---- Protocol ----

std::string kafka_error_remedy(const Facts& facts) {
    const auto& kafka = protocol_of(facts).kafka;
    const std::int16_t error_code = kafka ? kafka->error_code : 0;
    const std::string_view name = kafka_error_name(error_code);
    const std::string named =
        name.empty() ? fmt::format("error code {}", error_code) : std::string(name);
    if (error_code == 29 || error_code == 31) {
        return fmt::format(
            "the broker at {} refused the request with {}: grant this principal "
            "the ACLs it needs (Describe on the cluster) for the instance",
            facts.endpoint, named);
    }
    return fmt::format(
        "the broker at {} answered with {} ({}): check the listener and the client's settings "
        "against it and read the broker's log",
        facts.endpoint, named, protocol_of(facts).detail);
}

std::string auth_failed_remedy(const Facts& facts) {
    const auto& kafka = protocol_of(facts).kafka;
    const std::string mechanism = kafka && !kafka->sasl_mechanism.empty()
                                      ? kafka->sasl_mechanism
                                      : facts.agent.sasl_mechanism;
    const std::vector<std::string> offered =
        kafka ? kafka->sasl_mechanisms_offered : std::vector<std::string>{};
    bool offers_ours = offered.empty();
    for (const auto& one : offered) offers_ours = offers_ours || lower(one) == lower(mechanism);
    const std::string offers = offered.empty()
                                   ? std::string("")
                                   : fmt::format("; the broker offers {}", join(offered, ", "));
    if (!offers_ours) {
        return fmt::format(
            "the broker at {} does not offer {}{}: use one of those (--sasl-mechanism, or "
            "sasl.mechanism in --client-config)",
            facts.endpoint, mechanism.empty() ? std::string("the mechanism configured") : mechanism,
            offers);
    }
    return fmt::format(
        "the broker at {} refused the {} credentials: check the username and password (and that "
        "the user exists on this instance){}",
        facts.endpoint, mechanism.empty() ? std::string("SASL") : mechanism, offers);
}

std::string http_answer(const Facts& facts) {
    const auto& http = protocol_of(facts).http;
    if (!http || http->status == 0) return "";
    std::string text = fmt::format(" HTTP {}", http->status);
    if (!http->service.empty()) text += fmt::format(" from {}", http->service);
    if (!http->server.empty()) text += fmt::format(" (server {})", http->server);
    return text;
}

std::string answer_remedy(Cause cause, const Facts& facts) {
    switch (cause) {
        case Cause::protocol_not_kafka:
            return fmt::format("{} is not a Kafka broker: {}", facts.endpoint, port_advice(facts));
        case Cause::protocol_not_http:
            return fmt::format("{} does not speak HTTP: {}", facts.endpoint, port_advice(facts));
        case Cause::protocol_wrong_service:
            return fmt::format("{} answered{}, which is not {}: {}", facts.endpoint,
                               http_answer(facts), facts.component.named, port_advice(facts));
        case Cause::protocol_unrecognized:
            return fmt::format(
                "{} answered{} but is not recognisably {}: {}; if a proxy or gateway stands in "
                "front of it, check that it forwards to {}",
                facts.endpoint, http_answer(facts), facts.component.named, port_advice(facts),
                facts.component.title);
        case Cause::protocol_http_error:
            return fmt::format(
                "{} at {} answered{}: the component is unhealthy; check its state in the console "
                "and its logs, and retry once it has recovered",
                facts.component.named, facts.endpoint, http_answer(facts));
        case Cause::protocol_too_large:
            return fmt::format("the answer from {} was larger than any {} answer should be: {}",
                               facts.endpoint, facts.component.title, port_advice(facts));
        default:
            return "";
    }
}

std::string conversation_remedy(Cause cause, const Facts& facts) {
    switch (cause) {
        case Cause::protocol_timeout:
            return fmt::format(
                "{} accepted the connection but {} did not answer in time: check the service's "
                "health and load, or give it longer with --timeout",
                facts.endpoint, facts.component.named);
        case Cause::protocol_closed:
            if (!facts.target.target.tls) {
                return fmt::format(
                    "{} closed the connection without answering a plaintext request: if the "
                    "listener speaks TLS, use {}; otherwise read the {} log for why it hung up",
                    facts.endpoint, tls_scheme(facts), facts.component.title);
            }
            return fmt::format(
                "{} closed the connection without answering: the listener may want SASL or a "
                "client certificate it did not get; read the {} log for why it hung up",
                facts.endpoint, facts.component.title);
        case Cause::protocol_tls_required:
            return fmt::format(
                "the listener at {} speaks TLS but was asked in plaintext: use {} for {}",
                facts.endpoint, tls_scheme(facts), facts.target.target.endpoint());
        case Cause::protocol_auth_failed:
            return auth_failed_remedy(facts);
        case Cause::protocol_kafka_error:
            return kafka_error_remedy(facts);
        case Cause::protocol_error:
            return fmt::format(
                "the conversation with {} at {} failed: {}, and read its log at that time",
                facts.component.named, facts.endpoint, port_advice(facts));
        default:
            return "";
    }
}

}  // namespace

std::string tls_remedy(Cause cause, const Facts& facts) {
    switch (cause) {
        case Cause::tls_timeout:
            return fmt::format(
                "{} accepted TCP but sent no TLS answer: if the listener is plaintext, use {} "
                "(a plaintext listener waits for the client to speak first); otherwise check "
                "that nothing in between (a proxy, an IPS) holds the connection",
                facts.endpoint, plaintext_scheme(facts));
        case Cause::tls_not_tls:
            return fmt::format(
                "{} does not speak TLS: use {} for {} if plaintext is intended, or enable TLS on "
                "the listener; if TLS was meant, {}",
                facts.endpoint, plaintext_scheme(facts), facts.target.target.endpoint(),
                port_advice(facts));
        case Cause::tls_handshake_failed:
            return handshake_remedy(facts);
        default:
            return "";
    }
}

std::string certificate_remedy(Cause cause, const Facts& facts) {
    const std::string fix = certificate_fix(cause, facts);
    const CertificateEvidence& certificate = certificate_of(facts);
    // A warning for anything but expiry: the client checked does not verify this (it connects).
    if (certificate.status == StageStatus::warning && cause != Cause::cert_expiring_soon &&
        certificate.cause == cause) {
        return unverified_remedy(cause, fix);
    }
    return fix;
}

std::string protocol_remedy(Cause cause, const Facts& facts) {
    std::string text = answer_remedy(cause, facts);
    if (text.empty()) text = conversation_remedy(cause, facts);
    return text;
}

}  // namespace vpcprobe::remedy
