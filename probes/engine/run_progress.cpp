// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/run_progress.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "core/duration.h"

namespace vpcprobe {

namespace {

void fail(StageResult& stage, const std::string& detail) {
    stage.status = StageStatus::failed;
    stage.cause = Cause::run_deadline;
    stage.detail = detail;
}

// The evidence of the stage an address was in. The certificate is checked within the TLS
// handshake, so no address is ever "in" it or in dns; those fall back to the certificate.
StageResult& stage_evidence(AddressEvidence& address, Stage stage) {
    switch (stage) {
        case Stage::tcp:
            return address.tcp;
        case Stage::tls:
            return address.tls;
        case Stage::protocol:
            return address.protocol;
        default:
            return address.certificate;
    }
}

void mark_target(TargetEvidence& target, const TargetProgress& progress,
                 const std::string& detail) {
    if (!progress.dns_done) {
        fail(target.dns, detail);
        return;
    }
    for (std::size_t a = 0; a < target.addresses.size(); ++a) {
        if (a < progress.address_done.size() && progress.address_done[a]) continue;
        if (a < progress.address_following_up.size() && progress.address_following_up[a]) {
            continue;
        }
        const Stage stage =
            a < progress.address_stage.size() ? progress.address_stage[a] : Stage::tcp;
        fail(stage_evidence(target.addresses[a], stage), detail);
    }
}

}  // namespace

void TargetProgress::start_addresses(std::size_t count) {
    dns_done = true;
    address_stage.assign(count, Stage::tcp);
    address_done.assign(count, false);
    address_following_up.assign(count, false);
}

bool TargetProgress::finish_address(std::size_t a) {
    address_done[a] = true;
    return std::all_of(address_done.begin(), address_done.end(), [](bool d) { return d; });
}

void mark_deadline_passed(std::vector<TargetEvidence>& targets,
                          const std::vector<TargetProgress>& progress,
                          std::chrono::milliseconds deadline) {
    const std::string detail = fmt::format(
        "the run's --deadline of {} passed before this stage finished", format_duration(deadline));
    const TargetProgress not_started;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const TargetProgress& target_progress = i < progress.size() ? progress[i] : not_started;
        if (target_progress.done) continue;
        mark_target(targets[i], target_progress, detail);
    }
}

}  // namespace vpcprobe
