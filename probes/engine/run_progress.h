// SPDX-License-Identifier: Apache-2.0
// Where each target of a probe run is in its pipeline (dns, then per address tcp -> tls ->
// certificate -> protocol), so that a run cut short by --deadline can say which stage was still
// waiting: mark_deadline_passed() marks each of those stages failed with run.deadline, and the
// report then says what was not finished (docs/report.md).
//
// Threading: plain values and a pure function; the engine updates a run's progress on its
// event loop's thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "core/cause.h"
#include "core/evidence.h"

namespace vpcprobe {

struct TargetProgress {
    bool dns_done = false;
    std::vector<Stage> address_stage;  // the stage in progress, per address probed
    std::vector<bool> address_done;
    // Its stages have ended and a follow-up is under way (the retries of a stall with a
    // clamped MSS, probes/engine/mtu_retry.h; the path trace, probes/tcp/tcp_trace.h): the
    // deadline leaves its evidence as it is, with the retries that ended and without the trace.
    std::vector<bool> address_following_up;
    bool done = false;  // every stage of the target has ended

    // DNS answered and the first `count` addresses are to be probed, each from tcp.
    void start_addresses(std::size_t count);
    // Address `a` is done; true when every address of the target is.
    bool finish_address(std::size_t a);
};

// After the run's --deadline stopped it: in every target whose progress is not done, the stage
// still waiting is marked failed with Cause::run_deadline and a detail naming the deadline
// ("the run's --deadline of 1.5s passed before this stage finished"): dns when it had not
// answered (or the target had not started), else the stage in progress of each unfinished
// address. `progress[i]` is that of `targets[i]`; a target without one counts as not started.
void mark_deadline_passed(std::vector<TargetEvidence>& targets,
                          const std::vector<TargetProgress>& progress,
                          std::chrono::milliseconds deadline);

}  // namespace vpcprobe
