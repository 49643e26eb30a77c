// SPDX-License-Identifier: Apache-2.0
// What --deadline marks: the stage each unfinished target or address was waiting in gets
// run.deadline with the deadline in its detail; finished work is left as it was.
#include <vector>

#include <catch2/catch.hpp>

#include "probes/engine/run_progress.h"

using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::Stage;
using vpcprobe::StageResult;
using vpcprobe::StageStatus;
using vpcprobe::TargetEvidence;
using vpcprobe::TargetProgress;

namespace {

const char* const kDetail = "the run's --deadline of 1.5s passed before this stage finished";

TargetEvidence target_with_addresses(std::size_t count) {
    TargetEvidence target;
    target.dns.status = StageStatus::ok;
    target.addresses.resize(count);
    return target;
}

bool marked(const StageResult& stage) {
    return stage.status == StageStatus::failed && stage.cause == Cause::run_deadline &&
           stage.detail == kDetail;
}

bool untouched(const StageResult& stage) {
    return stage.status == StageStatus::skipped && stage.cause == Cause::none &&
           stage.detail.empty();
}

}  // namespace

TEST_CASE("progress knows when the last address of a target is done", "[engine][deadline]") {
    TargetProgress progress;
    progress.start_addresses(3);
    CHECK(progress.dns_done);
    CHECK(progress.address_stage == std::vector<Stage>(3, Stage::tcp));
    CHECK_FALSE(progress.finish_address(2));
    CHECK_FALSE(progress.finish_address(0));
    CHECK(progress.finish_address(1));
}

TEST_CASE("a target that had not resolved gets run.deadline at dns", "[engine][deadline]") {
    std::vector<TargetEvidence> targets(2);
    std::vector<TargetProgress> progress(1);  // the second not even started: no progress yet
    vpcprobe::mark_deadline_passed(targets, progress, 1500ms);
    CHECK(marked(targets[0].dns));
    CHECK(marked(targets[1].dns));
    CHECK(targets[0].addresses.empty());
}

TEST_CASE("each unfinished address gets run.deadline at the stage it was in",
          "[engine][deadline]") {
    std::vector<TargetEvidence> targets{target_with_addresses(4)};
    std::vector<TargetProgress> progress(1);
    progress[0].start_addresses(4);
    progress[0].finish_address(0);  // done: left as it was
    targets[0].addresses[0].tcp.status = StageStatus::ok;
    progress[0].address_stage[1] = Stage::tls;
    targets[0].addresses[1].tcp.status = StageStatus::ok;
    progress[0].address_stage[2] = Stage::protocol;
    // address 3 still waits for TCP (or for a socket)

    vpcprobe::mark_deadline_passed(targets, progress, 1500ms);
    const auto& addresses = targets[0].addresses;
    CHECK(targets[0].dns.status == StageStatus::ok);
    CHECK(addresses[0].tcp.status == StageStatus::ok);
    CHECK(untouched(addresses[0].tls));
    CHECK(untouched(addresses[0].protocol));

    CHECK(addresses[1].tcp.status == StageStatus::ok);
    CHECK(marked(addresses[1].tls));
    CHECK(untouched(addresses[1].certificate));
    CHECK(untouched(addresses[1].protocol));

    CHECK(untouched(addresses[2].tls));
    CHECK(marked(addresses[2].protocol));

    CHECK(marked(addresses[3].tcp));
    CHECK(untouched(addresses[3].tls));
}

TEST_CASE("an address whose stages ended and whose follow-up runs keeps its evidence",
          "[engine][deadline]") {
    // A dropped SYN being traced, beside an address still in TLS.
    std::vector<TargetEvidence> targets{target_with_addresses(2)};
    targets[0].addresses[0].tcp.status = StageStatus::failed;
    targets[0].addresses[0].tcp.cause = Cause::tcp_timeout;
    std::vector<TargetProgress> progress(1);
    progress[0].start_addresses(2);
    progress[0].address_following_up[0] = true;
    progress[0].address_stage[1] = Stage::tls;
    vpcprobe::mark_deadline_passed(targets, progress, 1500ms);
    CHECK(targets[0].addresses[0].tcp.cause == Cause::tcp_timeout);
    CHECK_FALSE(targets[0].addresses[0].tcp.trace.has_value());
    CHECK(marked(targets[0].addresses[1].tls));
}

TEST_CASE("a finished target is left as it was", "[engine][deadline]") {
    std::vector<TargetEvidence> targets(1);
    targets[0].dns.status = StageStatus::failed;
    targets[0].dns.cause = Cause::dns_nxdomain;
    std::vector<TargetProgress> progress(1);
    progress[0].dns_done = true;
    progress[0].done = true;
    vpcprobe::mark_deadline_passed(targets, progress, 1500ms);
    CHECK(targets[0].dns.cause == Cause::dns_nxdomain);
}

TEST_CASE("the deadline is written as durations are everywhere", "[engine][deadline]") {
    std::vector<TargetEvidence> targets(1);
    vpcprobe::mark_deadline_passed(targets, {}, 2000ms);
    CHECK(targets[0].dns.detail == "the run's --deadline of 2s passed before this stage finished");
    vpcprobe::mark_deadline_passed(targets, {}, 250ms);
    CHECK(targets[0].dns.detail ==
          "the run's --deadline of 250ms passed before this stage finished");
}
