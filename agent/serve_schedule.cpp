// SPDX-License-Identifier: Apache-2.0
#include "agent/serve_schedule.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "agent/check_run.h"
#include "agent/event_log.h"
#include "core/result.h"
#include "core/text.h"
#include "probes/tls/kept_tls_context.h"

namespace vpcprobe {

namespace {

// The CPU time (user + system) the calling thread has used. The thread's own, not the
// process's: a check runs wholly on the scheduler thread (the engine drives its io_context on
// it, c-ares runs without threads of its own), while the HTTP thread answering scrapes at the
// same moment is not the check's cost.
std::chrono::microseconds thread_cpu_time() {
    rusage usage{};
    if (getrusage(RUSAGE_THREAD, &usage) != 0) return std::chrono::microseconds(0);
    const auto micros = [](const timeval& t) {
        return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
    };
    return micros(usage.ru_utime) + micros(usage.ru_stime);
}

// The run's TLS context from `kept`, each build logged as event=tls_context with its reason.
Result<std::shared_ptr<TlsContext>> provide_tls_context(KeptTlsContext& kept,
                                                        const ProbeSettings& settings,
                                                        std::uint64_t generation) {
    std::optional<TlsContextBuild> built;
    auto context = kept.get(settings, generation, &built);
    if (built) {
        std::vector<LogField> fields = {{"reason", std::string(built->reason.name())}};
        if (!built->reason.file.empty()) fields.push_back({"file", built->reason.file});
        fields.push_back(
            {"build_ms",
             fmt::format("{:.1f}",
                         std::chrono::duration<double, std::milli>(built->took).count())});
        fields.push_back({"builds", std::to_string(kept.builds())});
        log_event("tls_context", fields);
    }
    return context;
}

// One check, with the run's TLS context from `tls`; a warning it has (loose credential file
// permissions, say) is logged whether or not the check could run.
Result<Report> run_check(const RunInputs& inputs, KeptTlsContext& tls) {
    const ProbeSettings& settings = inputs.command.options.probe;
    const std::uint64_t generation = inputs.generation;
    auto checked = run_check_once(
        inputs.command.options, inputs.command_line,
        [&tls, &settings, generation] { return provide_tls_context(tls, settings, generation); });
    if (!checked) return std::move(checked).error();
    for (const std::string& warning : checked->warnings)
        log_event("warning", {{"message", warning}});
    return std::move(checked->report);
}

void record(History& history, const Report& report) {
    const RecordedRun recorded = history.record(report);
    for (const StatusChange& change : recorded.changes) log_line(change_log_line(change));
    if (!recorded.problems.empty()) {
        log_event("history_error", {{"error", join(recorded.problems, "; ")}});
    }
}

void run_once(ServeState& state, const RunInputs& inputs, KeptTlsContext& tls,
              std::optional<History>& history) {
    try {
        const auto cpu_before = thread_cpu_time();
        auto report = run_check(inputs, tls);
        const auto cpu = thread_cpu_time() - cpu_before;
        if (!report) {
            // A setup problem (say, a CA file removed since the start): the previous result
            // stays served, and the next run tries again.
            log_event("check_error", {{"error", report.error().message()}});
            return;
        }
        state.publish(report_snapshot(*report, ServeCost{tls.builds(), cpu}));
        log_line(check_log_line(*report, cpu));
        if (history) record(*history, *report);
    } catch (const std::exception& e) {
        log_event("check_error", {{"error", std::string("internal error: ") + e.what()}});
    }
}

// Hands the pages a run freed back to the system. glibc keeps freed memory in the arena of
// the thread that used it (the scheduler's), and a run of many targets frees megabytes at
// its end; without this the daemon would sit at its largest run's footprint until the next
// one, and its resident size would drift with the allocator's fragmentation. Memory still in
// use (a leak) is untouched, so the soak test still sees one.
void release_freed_memory() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

}  // namespace

std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval,
                                            double unit_random) {
    // Integer milliseconds: the lowest wait is 90% of the interval, and the spread (20% of
    // it) is cut off one millisecond short so the range stays half-open however the double
    // rounds.
    const auto count = std::max<std::chrono::milliseconds::rep>(interval.count(), 1);
    const auto lowest = count - count / 10;
    const auto spread = count / 5;
    const double unit = std::clamp(unit_random, 0.0, 1.0);
    auto offset =
        static_cast<std::chrono::milliseconds::rep>(std::floor(static_cast<double>(spread) * unit));
    if (spread > 0) offset = std::min(offset, spread - 1);
    return std::chrono::milliseconds(std::max<std::chrono::milliseconds::rep>(lowest + offset, 1));
}

ServeState::ServeState(RunInputs inputs)
    : latest_(pending_snapshot(agent_name(inputs.command.options),
                               inputs.command.options.agent_labels)),
      inputs_(std::move(inputs)) {}

std::shared_ptr<const Snapshot> ServeState::snapshot() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void ServeState::publish(std::shared_ptr<const Snapshot> snapshot) {
    std::lock_guard lock(mutex_);
    latest_ = std::move(snapshot);
}

std::optional<RunInputs> ServeState::next_run() const {
    std::lock_guard lock(mutex_);
    if (stopping_) return std::nullopt;
    return inputs_;
}

Command ServeState::command() const {
    std::lock_guard lock(mutex_);
    return inputs_.command;
}

void ServeState::replace_command(Command command) {
    std::lock_guard lock(mutex_);
    inputs_.command = std::move(command);
    ++inputs_.generation;
}

bool ServeState::wait_until_stopping(std::chrono::steady_clock::time_point due) {
    std::unique_lock lock(mutex_);
    return wake_.wait_until(lock, due, [&] { return stopping_; });
}

bool ServeState::stop(std::chrono::milliseconds bound) {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    return wake_.wait_for(lock, bound, [&] { return done_; });
}

void ServeState::schedule_done() {
    std::lock_guard lock(mutex_);
    done_ = true;
    wake_.notify_all();
}

void run_schedule(ServeState& state, std::optional<History> history) {
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    KeptTlsContext tls;
    while (const std::optional<RunInputs> inputs = state.next_run()) {
        const auto started = std::chrono::steady_clock::now();
        run_once(state, *inputs, tls, history);
        release_freed_memory();
        // The next run is due an interval after this one started; one that overran its
        // interval is followed at once, never overlapped.
        const auto due = started + jittered_interval(inputs->command.serve.interval, unit(random));
        if (state.wait_until_stopping(due)) break;
    }
    state.schedule_done();
}

}  // namespace vpcprobe
