// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`'s schedule: the configured check every --interval (±10% jitter so a fleet
// started together does not probe in step), never two at once; each result published as a
// Snapshot, logged, and recorded in the history when there is one. docs/serve.md ("Schedule")
// is the user's guide.
//
// Threading: run_schedule() blocks the thread that calls it (serve's scheduler thread) for
// every check, each driving an io_context of its own. ServeState is the one block it shares
// with the HTTP thread, guarded by its own mutex: every member function may be called from
// any thread. jittered_interval is pure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/history.h"
#include "agent/serve_snapshot.h"
#include "agent/settings/cli.h"

namespace vpcprobe {

// The wait before the next run: from 90% of `interval` up to, not including, 110% of it (in
// whole milliseconds), placed by `unit_random` in [0, 1) (values outside are clamped); never
// below 1 ms.
std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval, double unit_random);

// What one run checks: the options (replaced on a good SIGHUP) and the redacted command line
// the report carries; `generation` counts the replacements (0 for the command serve started
// with), so that what is kept from run to run (the TLS context) is rebuilt for a new one.
struct RunInputs {
    Command command;
    std::string command_line;
    std::uint64_t generation = 0;
};

class ServeState {
  public:
    // Serves pending_snapshot() (named as the command names the agent) until the first run
    // completes.
    explicit ServeState(RunInputs inputs);

    // The result requests are answered from.
    std::shared_ptr<const Snapshot> snapshot() const;
    void publish(std::shared_ptr<const Snapshot> snapshot);

    // What the next run checks; nullopt once stopping.
    std::optional<RunInputs> next_run() const;
    // The command runs use from the next one on (SIGHUP), as a new generation.
    Command command() const;
    void replace_command(Command command);

    // Waits until `due` or a stop, whichever comes first; true when stopping.
    bool wait_until_stopping(std::chrono::steady_clock::time_point due);

    // Asks the schedule to stop and waits up to `bound` for it to finish the run in progress;
    // false when it did not (the run is still waiting on the network).
    bool stop(std::chrono::milliseconds bound);

    // Called by run_schedule as it returns.
    void schedule_done();

  private:
    mutable std::mutex mutex_;
    std::condition_variable wake_;  // stop requested, or the schedule finished
    std::shared_ptr<const Snapshot> latest_;
    RunInputs inputs_;
    bool stopping_ = false;
    bool done_ = false;
};

// Runs checks until `state` is stopping; then calls state.schedule_done() and returns. Each
// run's result is published and logged with the CPU time it took, its status changes recorded
// in `history` (when given) and logged; a run that could not start (a setup problem) leaves the
// previous result served. The runs of one generation share one TLS context
// (probes/tls/kept_tls_context.h).
void run_schedule(ServeState& state, std::optional<History> history);

}  // namespace vpcprobe
