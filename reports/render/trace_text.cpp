// SPDX-License-Identifier: Apache-2.0
#include "reports/render/trace_text.h"

#include <fmt/format.h>

#include "core/text.h"
#include "reports/render/common.h"

namespace vpcprobe {

namespace {

// " (TTL 3-7 silent)" after the last hop that answered; "" when none was silent.
std::string silent_tail(const TraceEvidence& trace) {
    const TraceHop* last = trace.last_responding_hop();
    const int first = last ? last->ttl + 1 : 1;
    const int tried = trace.hops.empty() ? 0 : trace.hops.back().ttl;
    if (tried < first) return "";
    return fmt::format(" ({} silent)", ttl_span(first, tried));
}

std::string icmp_verdict(const TraceEvidence& trace, const std::string& destination) {
    const TraceHop& hop = trace.hops.back();
    const std::string who = hop.address.empty() ? std::string("an unnamed hop") : hop.address;
    if (hop.address == destination) {
        return fmt::format("reached at hop {}: the destination answered {}", hop.ttl, hop.reply);
    }
    if (hop.cause == Cause::tcp_prohibited)
        return fmt::format("rejected by {} at hop {}", who, hop.ttl);
    return fmt::format("{} answered {} at hop {}", who, hop.reply, hop.ttl);
}

}  // namespace

bool shows_path(const AddressEvidence& address) {
    return address.tcp.trace.has_value() && address.tcp.status == StageStatus::failed;
}

std::string ttl_span(int first, int last) {
    return first == last ? fmt::format("TTL {}", first) : fmt::format("TTL {}-{}", first, last);
}

std::string rtt_text(double ms) {
    return fmt::format("{} ms", round_rtt_ms(ms));
}

std::string path_verdict(const TraceEvidence& trace, const std::string& destination) {
    const TraceHop* last = trace.last_responding_hop();
    switch (trace.stopped) {
        case TraceStop::silence:
            if (trace.hops.empty()) return "not traced: its time ran out before the first TTL";
            if (last == nullptr) return "no hop answered" + silent_tail(trace);
            return fmt::format("no answer past hop {}, {}{}", last->ttl, last->address,
                               silent_tail(trace));
        case TraceStop::destination:
            return fmt::format("reached at hop {}", last ? last->ttl : 0);
        case TraceStop::icmp:
            return trace.hops.empty() ? trace.detail : icmp_verdict(trace, destination);
        case TraceStop::max_hops:
            return fmt::format("routers answered up to TTL {}; the destination never did",
                               trace.max_hops);
        case TraceStop::error:
            return fmt::format("stopped: {}", trace.detail);
    }
    return trace.detail;
}

std::vector<HopRun> hop_runs(const TraceEvidence& trace) {
    std::vector<HopRun> runs;
    for (const auto& hop : trace.hops) {
        const bool extends = !hop.answered() && !runs.empty() && !runs.back().hop->answered() &&
                             runs.back().last_ttl + 1 == hop.ttl;
        if (extends) {
            runs.back().last_ttl = hop.ttl;
        } else {
            runs.push_back({&hop, hop.ttl});
        }
    }
    return runs;
}

std::string compact_hops(const TraceEvidence& trace) {
    std::vector<std::string> parts;
    for (const auto& run : hop_runs(trace)) {
        const TraceHop& hop = *run.hop;
        if (!hop.answered()) {
            parts.push_back(hop.ttl == run.last_ttl
                                ? fmt::format("{} *", hop.ttl)
                                : fmt::format("{}-{} *", hop.ttl, run.last_ttl));
            continue;
        }
        std::string part = fmt::format("{} {} {}", hop.ttl, hop.address, rtt_text(hop.rtt_ms));
        if (!hop.reply.empty() && hop.reply != "time-exceeded") part += " " + hop.reply;
        parts.push_back(std::move(part));
    }
    return join(parts, " · ");
}

}  // namespace vpcprobe
