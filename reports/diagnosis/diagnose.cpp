// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/diagnose.h"

#include "core/address.h"

#include "core/text.h"
#include "reports/diagnosis/findings.h"
#include "reports/diagnosis/path_reading.h"
#include "reports/diagnosis/remedies.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <utility>

namespace vpcprobe {

namespace {

// A stage result with the stage it belongs to, so a verdict can say where it happened.
struct StageRef {
    Stage stage;
    const StageResult* result;
};

// The cause to report for a stage that failed or warned without saying why: a probe bug,
// but the report must still name a cause code (docs/report.md, "Cause codes") rather than
// print null.
Cause fallback_cause(Stage stage, StageStatus status, const std::string& protocol_name) {
    switch (stage) {
        case Stage::dns:
            return Cause::dns_error;
        case Stage::tcp:
            return Cause::tcp_error;
        case Stage::tls:
            return Cause::tls_handshake_failed;
        case Stage::certificate:
            return status == StageStatus::warning ? Cause::cert_expiring_soon : Cause::cert_invalid;
        case Stage::protocol:
            return protocol_name == "http" ? Cause::protocol_http_error : Cause::protocol_error;
    }
    return Cause::none;
}

// Makes a stage say what the verdict will treat it as: the run's deadline cut it short, so
// it failed (whatever status the engine left); a failure or warning always has a cause.
void normalise(StageResult& stage_result, Stage stage, const std::string& protocol_name = "") {
    if (stage_result.cause == Cause::run_deadline) stage_result.status = StageStatus::failed;
    bool bad =
        stage_result.status == StageStatus::failed || stage_result.status == StageStatus::warning;
    if (bad && stage_result.cause == Cause::none) {
        stage_result.cause = fallback_cause(stage, stage_result.status, protocol_name);
    }
}

// A certificate warning without a cause: a verify error the client does not check for (its
// own cause, recorded with it) or, with no error, an expiry within --warn-days.
void normalise(CertificateEvidence& certificate) {
    if (certificate.status == StageStatus::warning && certificate.cause == Cause::none) {
        for (const auto& error : certificate.verify_errors) {
            if (error.cause == Cause::none) continue;
            certificate.cause = error.cause;
            break;
        }
    }
    normalise(certificate, Stage::certificate);
}

void normalise(TargetEvidence& evidence) {
    normalise(evidence.dns, Stage::dns);
    for (auto& address : evidence.addresses) {
        normalise(address.tcp, Stage::tcp);
        normalise(address.tls, Stage::tls);
        normalise(address.certificate);
        normalise(address.protocol, Stage::protocol, address.protocol.name);
    }
}

// The first stage of an address with the given status, in pipeline order.
std::optional<StageRef> first_with(const AddressEvidence& address, StageStatus status) {
    const StageRef stages[] = {{Stage::tcp, &address.tcp},
                               {Stage::tls, &address.tls},
                               {Stage::certificate, &address.certificate},
                               {Stage::protocol, &address.protocol}};
    for (const auto& ref : stages) {
        if (ref.result->status == status) return ref;
    }
    return std::nullopt;
}

// The stage's own sentence, or a plain one built from the cause when the probe left none.
std::string sentence(const StageRef& ref, const std::string& subject) {
    if (!ref.result->detail.empty()) return ref.result->detail;
    return fmt::format("{} {}: {}", name(ref.stage), subject, explain(ref.result->cause));
}

TargetCause cause_of(const StageRef& ref, std::string summary) {
    return TargetCause{ref.result->cause, ref.stage, std::move(summary), {}, ""};
}

// "; also tcp.refused on 10.0.0.7, 10.0.0.8": the other ways the failing addresses failed,
// so a summary built from the first one does not hide a different second problem.
std::string other_failures(const TargetEvidence& evidence,
                           const std::vector<std::size_t>& failing) {
    std::vector<std::pair<Cause, std::vector<std::string>>> others;
    Cause first =
        first_with(evidence.addresses[failing.front()], StageStatus::failed)->result->cause;
    for (std::size_t i = 1; i < failing.size(); ++i) {
        const auto& address = evidence.addresses[failing[i]];
        Cause cause = first_with(address, StageStatus::failed)->result->cause;
        if (cause == first) continue;
        auto it = others.begin();
        while (it != others.end() && it->first != cause) ++it;
        if (it == others.end()) it = others.insert(others.end(), {cause, {}});
        it->second.push_back(address.address);
    }
    std::string out;
    for (const auto& [cause, addresses] : others) {
        out += fmt::format("{} {} on {}", out.empty() ? "; also" : ",", code(cause),
                           join(addresses, ", "));
    }
    return out;
}

// Why a target whose name did not fail to resolve still has no address probed.
TargetCause unprobed_cause(const TargetEvidence& evidence) {
    const std::string& host = evidence.target.host;
    if (evidence.dns.status == StageStatus::skipped) {
        return {Cause::dns_error,
                Stage::dns,
                fmt::format("{} was not resolved and no address was probed", host),
                {},
                ""};
    }
    if (evidence.dns.addresses.empty()) {
        return {
            Cause::dns_nodata, Stage::dns, fmt::format("{} resolved to no address", host), {}, ""};
    }
    return {Cause::tcp_error,
            Stage::tcp,
            fmt::format("{} resolved to {} but no address was probed", host,
                        join(evidence.dns.addresses, ", ")),
            {},
            ""};
}

// Indices into the probed addresses: those with a failed stage, and those with only a warning.
struct AddressVerdicts {
    std::vector<std::size_t> failing;
    std::vector<std::size_t> warning;
};

AddressVerdicts address_verdicts(const std::vector<AddressEvidence>& addresses) {
    AddressVerdicts verdicts;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        if (first_with(addresses[i], StageStatus::failed)) {
            verdicts.failing.push_back(i);
        } else if (first_with(addresses[i], StageStatus::warning)) {
            verdicts.warning.push_back(i);
        }
    }
    return verdicts;
}

// The tcp stage's sentence with what the path trace adds: where a silent drop happens (the last
// hop that answered), or which router, how far away, sent the ICMP error, so a reader does not
// take a router's reject for the destination's (docs/report.md, "Path trace").
std::string with_path(std::string sentence, const StageRef& ref, const TcpEvidence& tcp) {
    if (ref.stage != Stage::tcp) return sentence;
    const std::string clause =
        tcp.cause == Cause::tcp_timeout ? path::timeout_clause(tcp) : path::router_clause(tcp);
    if (!clause.empty()) sentence += fmt::format("; {}", clause);
    return sentence;
}

// The first failing address's sentence; with several addresses, how many failed and the
// other ways they did; and the addresses left unprobed.
std::string failure_summary(const TargetEvidence& evidence, const std::vector<std::size_t>& failing,
                            const StageRef& first) {
    const auto& addresses = evidence.addresses;
    const auto& address = addresses[failing.front()];
    std::string summary = with_path(
        sentence(first, endpoint_text(address.address, evidence.target.port)), first, address.tcp);
    if (addresses.size() > 1) {
        summary =
            fmt::format("{} of {} addresses of {} failed: {}{}", failing.size(), addresses.size(),
                        evidence.target.endpoint(), summary, other_failures(evidence, failing));
    }
    if (evidence.addresses_not_probed > 0) {
        summary += fmt::format(" ({} more address{} not probed)", evidence.addresses_not_probed,
                               evidence.addresses_not_probed == 1 ? "" : "es");
    }
    return summary;
}

// The verdict of a target whose addresses were probed: failed when every address failed,
// warning when some did or one only warned (or DNS warned), else ok.
void judge_addresses(const TargetEvidence& evidence, TargetReport& report) {
    const auto& addresses = evidence.addresses;
    const AddressVerdicts verdicts = address_verdicts(addresses);
    if (!verdicts.failing.empty()) {
        const StageRef ref = *first_with(addresses[verdicts.failing.front()], StageStatus::failed);
        report.shown_address = verdicts.failing.front();
        report.status = verdicts.failing.size() == addresses.size() ? StageStatus::failed
                                                                    : StageStatus::warning;
        report.cause = cause_of(ref, failure_summary(evidence, verdicts.failing, ref));
    } else if (!verdicts.warning.empty()) {
        const auto& address = addresses[verdicts.warning.front()];
        const StageRef ref = *first_with(address, StageStatus::warning);
        report.shown_address = verdicts.warning.front();
        report.status = StageStatus::warning;
        report.cause =
            cause_of(ref, sentence(ref, endpoint_text(address.address, evidence.target.port)));
    } else if (evidence.dns.status == StageStatus::warning) {
        const StageRef ref{Stage::dns, &evidence.dns};
        report.status = StageStatus::warning;
        report.cause = cause_of(ref, sentence(ref, evidence.target.host));
    }
}

// A name that resolved to this host or its link may be why a target failed or warned (nothing
// of the endpoint's listens here), or beside the point (a certificate is wrong wherever it is
// served): the summary says it after what went wrong, so it neither hides nor explains it.
void say_local_answers(const TargetEvidence& evidence, TargetReport& report) {
    if (!report.cause) return;
    const std::string sentence = local_answer_sentence(evidence);
    if (sentence.empty()) return;
    report.cause->summary = fmt::format("{} ({})", report.cause->summary, sentence);
}

TargetReport judge(TargetEvidence evidence) {
    normalise(evidence);
    TargetReport report;
    report.target = evidence.target;
    if (evidence.dns.status == StageStatus::failed) {
        const StageRef ref{Stage::dns, &evidence.dns};
        report.status = StageStatus::failed;
        report.cause = cause_of(ref, sentence(ref, evidence.target.host));
    } else if (evidence.addresses.empty()) {
        report.status = StageStatus::failed;
        report.cause = unprobed_cause(evidence);
    } else {
        judge_addresses(evidence, report);
    }
    say_local_answers(evidence, report);
    report.evidence = std::move(evidence);
    return report;
}

}  // namespace

Report diagnose(std::vector<TargetEvidence> evidence, AgentInfo agent) {
    Report report;
    report.agent = std::move(agent);
    report.targets.reserve(evidence.size());
    for (auto& target_evidence : evidence) {
        report.targets.push_back(judge(std::move(target_evidence)));
        switch (report.targets.back().status) {
            case StageStatus::ok:
                ++report.summary.ok;
                break;
            case StageStatus::warning:
                ++report.summary.warning;
                break;
            case StageStatus::failed:
            case StageStatus::skipped:
                ++report.summary.failed;
                break;
        }
    }
    report.findings = find_patterns(report.targets, report.agent);
    add_remedies(report);
    return report;
}

}  // namespace vpcprobe
