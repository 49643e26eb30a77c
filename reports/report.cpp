#include "reports/report.h"

#include "reports/findings.h"

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
// but the report must still name a contract code rather than print null.
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

void normalise(TargetEvidence& evidence) {
    normalise(evidence.dns, Stage::dns);
    for (auto& address : evidence.addresses) {
        normalise(address.tcp, Stage::tcp);
        normalise(address.tls, Stage::tls);
        normalise(address.certificate, Stage::certificate);
        normalise(address.protocol, Stage::protocol, address.protocol.name);
    }
}

// "10.0.0.5:9095", "[fd00::5]:9095"
std::string address_endpoint(const std::string& address, std::uint16_t port) {
    if (address.find(':') != std::string::npos) return fmt::format("[{}]:{}", address, port);
    return fmt::format("{}:{}", address, port);
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
    return TargetCause{ref.result->cause, ref.stage, std::move(summary), {}};
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
                           fmt::join(addresses, ", "));
    }
    return out;
}

TargetReport judge(TargetEvidence evidence) {
    normalise(evidence);
    TargetReport report;
    report.target = evidence.target;
    const Target& target = evidence.target;
    const std::string endpoint = target.endpoint();

    auto fail = [&](TargetCause cause) {
        report.status = StageStatus::failed;
        report.cause = std::move(cause);
    };

    if (evidence.dns.status == StageStatus::failed) {
        StageRef ref{Stage::dns, &evidence.dns};
        fail(cause_of(ref, sentence(ref, target.host)));
    } else if (evidence.addresses.empty()) {
        if (evidence.dns.status == StageStatus::skipped) {
            fail({Cause::dns_error,
                  Stage::dns,
                  fmt::format("{} was not resolved and no address was probed", target.host),
                  {}});
        } else if (evidence.dns.addresses.empty()) {
            fail({Cause::dns_nodata,
                  Stage::dns,
                  fmt::format("{} resolved to no address", target.host),
                  {}});
        } else {
            fail({Cause::tcp_error,
                  Stage::tcp,
                  fmt::format("{} resolved to {} but no address was probed", target.host,
                              fmt::join(evidence.dns.addresses, ", ")),
                  {}});
        }
    } else {
        const auto& addresses = evidence.addresses;
        std::vector<std::size_t> failing;
        std::vector<std::size_t> warning;
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            if (first_with(addresses[i], StageStatus::failed)) {
                failing.push_back(i);
            } else if (first_with(addresses[i], StageStatus::warning)) {
                warning.push_back(i);
            }
        }
        if (!failing.empty()) {
            const auto& address = addresses[failing.front()];
            StageRef ref = *first_with(address, StageStatus::failed);
            std::string summary = sentence(ref, address_endpoint(address.address, target.port));
            if (addresses.size() > 1) {
                summary = fmt::format("{} of {} addresses of {} failed: {}{}", failing.size(),
                                      addresses.size(), endpoint, summary,
                                      other_failures(evidence, failing));
            }
            if (evidence.addresses_not_probed > 0) {
                summary +=
                    fmt::format(" ({} more address{} not probed)", evidence.addresses_not_probed,
                                evidence.addresses_not_probed == 1 ? "" : "es");
            }
            report.shown_address = failing.front();
            report.status =
                failing.size() == addresses.size() ? StageStatus::failed : StageStatus::warning;
            report.cause = cause_of(ref, std::move(summary));
        } else if (!warning.empty()) {
            const auto& address = addresses[warning.front()];
            StageRef ref = *first_with(address, StageStatus::warning);
            report.shown_address = warning.front();
            report.status = StageStatus::warning;
            report.cause =
                cause_of(ref, sentence(ref, address_endpoint(address.address, target.port)));
        } else if (evidence.dns.status == StageStatus::warning) {
            StageRef ref{Stage::dns, &evidence.dns};
            report.status = StageStatus::warning;
            report.cause = cause_of(ref, sentence(ref, target.host));
        }
    }
    report.evidence = std::move(evidence);
    return report;
}

}  // namespace

const AddressEvidence* TargetReport::shown() const {
    if (shown_address >= evidence.addresses.size()) return nullptr;
    return &evidence.addresses[shown_address];
}

std::string_view name(Severity severity) {
    switch (severity) {
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::info:
            return "info";
    }
    return "error";
}

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
    return report;
}

int exit_code(const Report& report) {
    bool warned = false;
    for (const auto& target : report.targets) {
        if (target.status == StageStatus::failed || target.status == StageStatus::skipped) {
            return 2;
        }
        if (target.status == StageStatus::warning) warned = true;
    }
    return warned ? 1 : 0;
}

std::string rfc3339(SystemTime time) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    const std::time_t t = static_cast<std::time_t>(seconds.time_since_epoch().count());
    std::tm utc{};
    if (gmtime_r(&t, &utc) == nullptr) return "1970-01-01T00:00:00Z";
    char buffer[32];
    std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(buffer, n);
}

std::string rfc3339_ms(SystemTime time) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    const auto millis = std::chrono::floor<std::chrono::milliseconds>(time) - seconds;
    std::string text = rfc3339(time);
    text.pop_back();  // the 'Z'
    return fmt::format("{}.{:03}Z", text, millis.count());
}

std::string valid_utf8(std::string_view text) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(text.size());
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char lead = byte(i);
        if (lead < 0x80) {
            out.push_back(static_cast<char>(lead));
            ++i;
            continue;
        }
        // Length and the allowed range of the second byte (no overlongs, no surrogates,
        // nothing above U+10FFFF), per the Unicode standard's table of well-formed UTF-8.
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        }
        // Replace the maximal valid prefix of a broken sequence by one U+FFFD.
        std::size_t taken = 1;
        bool complete = length != 0;
        for (std::size_t k = 1; complete && k < length; ++k) {
            const std::size_t at = i + k;
            const unsigned char min = k == 1 ? low : 0x80;
            const unsigned char max = k == 1 ? high : 0xBF;
            if (at >= text.size() || byte(at) < min || byte(at) > max) {
                complete = false;
            } else {
                ++taken;
            }
        }
        if (complete) {
            out.append(text.substr(i, length));
        } else {
            out.append(kReplacement);
        }
        i += taken;
    }
    return out;
}

double round_ms(double ms) {
    if (!std::isfinite(ms) || ms <= 0) return 0;
    return std::round(ms * 10) / 10;
}

std::string describe_concurrency(const AgentInfo& agent) {
    if (agent.socket_budget == 0) return "";
    std::string limit = agent.descriptor_limit == 0
                            ? std::string("no descriptor limit")
                            : fmt::format("descriptor limit {}", agent.descriptor_limit);
    std::string text = fmt::format(
        "at most {} targets and {} sockets at once ({}); the most in flight: {} targets, {} "
        "sockets",
        agent.concurrency, agent.socket_budget, limit, agent.peak_targets, agent.peak_sockets);
    // Said only when it happened: the descriptor limit, not --concurrency, set the pace.
    if (agent.queued_for_socket > 0) {
        text += fmt::format("; {} address{} waited for a free socket", agent.queued_for_socket,
                            agent.queued_for_socket == 1 ? "" : "es");
    }
    return text;
}

}  // namespace vpcprobe
