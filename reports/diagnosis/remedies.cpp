// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/remedies.h"

#include <chrono>
#include <ctime>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe {

namespace {

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
    if (tls.client_certificate) return tls.client_certificate;
    if (run.tls && run.tls->client_certificate) return run.tls->client_certificate;
    return std::nullopt;
}

void add_mutual_tls_remedy(TargetCause& cause, const TlsEvidence& tls, const RunEvidence& run) {
    if (cause.code == Cause::tls_client_cert_required) {
        cause.remedy = required_remedy(tls);
        cause.suspects.push_back(
            Suspect{"certificate", "", "", "",
                    "no client certificate is configured; " + accepted_issuers(tls)});
        return;
    }
    const auto ours = our_certificate(tls, run);
    if (!ours) {
        cause.remedy = "check the client certificate configured: the server refused it (alert " +
                       tls.alert + "); " + accepted_issuers(tls);
        return;
    }
    cause.remedy = rejected_remedy(tls, *ours);
    cause.suspects.push_back(Suspect{
        "certificate", ours->subject, "", "",
        fmt::format("our client certificate {} (issued by {}), refused by the server: alert {}",
                    ours->subject, ours->issuer, tls.alert.empty() ? "unknown" : tls.alert)});
}

// A certificate problem the client being checked does not look for (it connects anyway).
std::string unverified_remedy(const TargetReport& target, const CertificateEvidence& certificate) {
    if (certificate.cause == Cause::cert_hostname_mismatch) {
        return fmt::format(
            "the client connects only because it does not verify hostnames: have the listener's "
            "certificate name {} (a subjectAltName), or connect by a name it covers, then turn "
            "hostname verification back on (ssl.endpoint.identification.algorithm=https)",
            target.target.host);
    }
    return fmt::format(
        "the client does not verify certificates (enable.ssl.certificate.verification=false), so "
        "it would not notice an impostor: fix {} and turn verification back on",
        code(certificate.cause));
}

}  // namespace

void add_remedy(TargetReport& target, const RunEvidence& run) {
    if (!target.cause) return;
    const AddressEvidence* shown = target.shown();
    if (shown == nullptr) return;
    TargetCause& cause = *target.cause;
    if (cause.code == Cause::tls_client_cert_required ||
        cause.code == Cause::tls_client_cert_rejected) {
        add_mutual_tls_remedy(cause, shown->tls, run);
        return;
    }
    const CertificateEvidence& certificate = shown->certificate;
    if (cause.stage == Stage::certificate && certificate.status == StageStatus::warning &&
        certificate.cause != Cause::cert_expiring_soon && certificate.cause == cause.code) {
        cause.remedy = unverified_remedy(target, certificate);
    }
}

}  // namespace vpcprobe
