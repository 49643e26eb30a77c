// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/path_reading.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include <fmt/format.h>

namespace vpcprobe::path {

namespace {

std::string ttl_range(int first, int last) {
    return first == last ? fmt::format("TTL {}", first) : fmt::format("TTL {} to {}", first, last);
}

// "TTL 3 to 7": the unanswered TTLs after the last hop that answered.
std::string silent_ttls(const TraceEvidence& trace) {
    const TraceHop* last = trace.last_responding_hop();
    const int first = last ? last->ttl + 1 : 1;
    const int tried = trace.hops.empty() ? 0 : trace.hops.back().ttl;
    return tried >= first ? ttl_range(first, tried) : "";
}

std::string with_silent(std::string text, const TraceEvidence& trace) {
    const std::string silent = silent_ttls(trace);
    if (!silent.empty()) text += fmt::format(" ({} unanswered)", silent);
    return text;
}

std::string icmp_stop_clause(const TraceEvidence& trace, const std::string& destination) {
    const TraceHop& hop = trace.hops.back();
    const std::string who = hop.address.empty() ? std::string("an unnamed hop") : hop.address;
    if (hop.cause == Cause::tcp_prohibited) {
        return fmt::format("the trace was rejected by {} at hop {} (ICMP {})", who, hop.ttl,
                           hop.reply);
    }
    if (hop.address == destination) {
        return fmt::format("the trace reached {} at hop {}, which answered ICMP {}", who, hop.ttl,
                           hop.reply);
    }
    return fmt::format("{} answered the trace's SYN with ICMP {} at hop {}: {}", who, hop.reply,
                       hop.ttl, unreachable_meaning(hop.reply, destination));
}

}  // namespace

Reading read(const TcpEvidence& tcp) {
    Reading reading;
    if (!tcp.trace) return reading;
    const TraceEvidence& trace = *tcp.trace;
    reading.trace = &trace;
    reading.last = trace.last_responding_hop();
    reading.left_host = reading.last != nullptr;
    reading.silent_from_start =
        reading.last == nullptr && trace.stopped == TraceStop::silence && !trace.hops.empty();
    reading.own_port = trace.source_port != 0 && trace.source_port == tcp.local_port;
    reading.last_near_destination =
        reading.last != nullptr && same_subnet_guess(reading.last->address, tcp.address);
    return reading;
}

bool same_subnet_guess(const std::string& a, const std::string& b) {
    std::array<unsigned char, 16> first{};
    std::array<unsigned char, 16> second{};
    if (inet_pton(AF_INET, a.c_str(), first.data()) == 1) {
        return inet_pton(AF_INET, b.c_str(), second.data()) == 1 &&
               std::memcmp(first.data(), second.data(), 3) == 0;
    }
    if (inet_pton(AF_INET6, a.c_str(), first.data()) == 1) {
        return inet_pton(AF_INET6, b.c_str(), second.data()) == 1 &&
               std::memcmp(first.data(), second.data(), 8) == 0;
    }
    return false;
}

std::string hops_away(int hops) {
    return fmt::format("{} hop{} away", hops, hops == 1 ? "" : "s");
}

std::string unreachable_meaning(const std::string& icmp_name, const std::string& destination) {
    if (icmp_name == "net-unreachable" || icmp_name == "no-route") {
        return fmt::format("it has no route to {}", destination);
    }
    return fmt::format("it cannot reach {}", destination);
}

std::string timeout_clause(const TcpEvidence& tcp) {
    if (!tcp.trace) return "";
    const TraceEvidence& trace = *tcp.trace;
    const TraceHop* last = trace.last_responding_hop();
    switch (trace.stopped) {
        case TraceStop::silence:
            if (trace.hops.empty()) return "the path trace ran out of time before its first TTL";
            if (last == nullptr) return with_silent("no hop answered", trace);
            return fmt::format("no answer past hop {}, {}", last->ttl, last->address);
        case TraceStop::destination:
            return fmt::format(
                "the trace reached the destination at hop {} a moment later (it answered with a "
                "{})",
                last ? last->ttl : 0, last && last->reply == "rst" ? "RST" : "SYN-ACK");
        case TraceStop::icmp:
            return icmp_stop_clause(trace, tcp.address);
        case TraceStop::max_hops:
            return fmt::format("routers answered the trace up to TTL {}, the destination never did",
                               trace.max_hops);
        case TraceStop::error:
            return fmt::format("the path trace failed ({})", trace.detail);
    }
    return "";
}

std::string router_clause(const TcpEvidence& tcp) {
    if (!tcp.icmp || tcp.icmp->offender.empty() || tcp.icmp->offender == tcp.address) return "";
    const std::string& router = tcp.icmp->offender;
    const int distance = tcp.trace ? tcp.trace->hops_to(router) : 0;
    const std::string away = distance > 0 ? fmt::format(", {}", hops_away(distance)) : "";
    if (tcp.cause == Cause::tcp_prohibited) {
        return fmt::format("rejected by {}{}, not by the destination ({})", router, away,
                           tcp.address);
    }
    if (tcp.cause == Cause::tcp_unreachable) {
        // The probe's detail already names the sender and the ICMP; this says who it is.
        const std::string where = distance > 0 ? fmt::format("a router {}", hops_away(distance))
                                               : std::string("a router");
        return fmt::format("{} is {}, not the destination: {}", router, where,
                           unreachable_meaning(tcp.icmp->name, tcp.address));
    }
    return "";
}

}  // namespace vpcprobe::path
