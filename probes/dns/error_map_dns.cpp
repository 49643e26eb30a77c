// SPDX-License-Identifier: Apache-2.0
// c-ares statuses -> dns.* causes and the words for them (probes/dns/error_map_dns.h). The only
// file that knows what an ares_status means for the report; the resolver keeps the raw
// statuses beside the cause.
#include "probes/dns/error_map_dns.h"

#include <ares.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/duration.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

// One query's status for people: "NXDOMAIN", "no record (NODATA)", "no answer", ...
std::string describe_ares_status(int status) {
    switch (status) {
        case ARES_SUCCESS:
            return "answered";
        case ARES_ENODATA:
            return "no record (NODATA)";
        case ARES_ENOTFOUND:
            return "NXDOMAIN";
        case ARES_ESERVFAIL:
            return "SERVFAIL";
        case ARES_EREFUSED:
            return "REFUSED";
        case ARES_ECONNREFUSED:
            return "connection refused";
        case ARES_ETIMEOUT:
            return "no answer";
        default:
            return ares_strerror(status);
    }
}

// "(A: SERVFAIL, AAAA: no answer)" when the two queries ended differently, else "".
std::string both_outcomes(const DnsAnswers& answers) {
    if (answers.status_a == answers.status_aaaa) return "";
    return fmt::format(" (A: {}, AAAA: {})", describe_ares_status(answers.status_a),
                       describe_ares_status(answers.status_aaaa));
}

std::string resolved_detail(const DnsAnswers& answers) {
    std::string partial;  // a failed family is worth a mention even when the other answered
    if (answers.status_a != ARES_SUCCESS && answers.status_a != ARES_ENODATA) {
        partial = fmt::format(" (the A query: {})", describe_ares_status(answers.status_a));
    } else if (answers.status_aaaa != ARES_SUCCESS && answers.status_aaaa != ARES_ENODATA) {
        partial = fmt::format(" (the AAAA query: {})", describe_ares_status(answers.status_aaaa));
    }
    return fmt::format("{} resolved to {} via {}{}", answers.host, join(answers.addresses, ", "),
                       answers.servers, partial);
}

std::string refused_detail(const DnsAnswers& answers) {
    const std::string both = both_outcomes(answers);
    if (answers.status_a == ARES_EREFUSED || answers.status_aaaa == ARES_EREFUSED) {
        return fmt::format("{} refused to resolve {} (REFUSED){}", answers.servers, answers.host,
                           both);
    }
    // ARES_ECONNREFUSED: ICMP port unreachable or a TCP reset. With several servers c-ares 1.18
    // also ends up here when every one of them answered SERVFAIL/REFUSED.
    if (answers.servers.find(',') == std::string::npos) {
        return fmt::format(
            "nothing listens for DNS at {} (connection refused), so {} was not resolved{}",
            answers.servers, answers.host, both);
    }
    return fmt::format("every resolver ({}) refused or was not listening, so {} was not resolved{}",
                       answers.servers, answers.host, both);
}

std::string failure_detail(Cause cause, const DnsAnswers& answers) {
    const std::string& host = answers.host;
    const std::string& servers = answers.servers;
    const std::string both = both_outcomes(answers);
    switch (cause) {
        case Cause::dns_nxdomain:
            return fmt::format("{} does not exist (NXDOMAIN) according to {}{}", host, servers,
                               both);
        case Cause::dns_nodata:
            return fmt::format("{} exists but has no A or AAAA record (NODATA) according to {}",
                               host, servers);
        case Cause::dns_servfail:
            return fmt::format("{} failed to resolve {} (SERVFAIL){}", servers, host, both);
        case Cause::dns_refused:
            return refused_detail(answers);
        case Cause::dns_timeout:
            return fmt::format("no answer to the A/AAAA queries for {} from {} within {}{}", host,
                               servers, format_duration(answers.timeout), both);
        default: {
            const int failed =
                answers.status_a != ARES_SUCCESS ? answers.status_a : answers.status_aaaa;
            return fmt::format("looking up A/AAAA for {} via {} failed: {}{}", host, servers,
                               describe_ares_status(failed), both);
        }
    }
}

// "... : the client connects to 10.0.0.5 itself", closing every sentence without a name.
std::string falls_back(const std::string& address) {
    return fmt::format("; the client uses {} itself as the name", address);
}

// Why the reverse lookup gave no name.
std::string no_reverse_name_detail(const ReverseAnswers& answers) {
    const std::string& address = answers.address;
    switch (answers.status_ptr) {
        case ARES_ENOTFOUND:
        case ARES_ENODATA:
            return fmt::format("{} has no PTR record ({} from {}){}", address,
                               describe_ares_status(answers.status_ptr), answers.servers,
                               falls_back(address));
        case ARES_ETIMEOUT:
            return fmt::format("no answer to the PTR query for {} from {} within {}{}", address,
                               answers.servers, format_duration(answers.timeout),
                               falls_back(address));
        default:
            return fmt::format("the PTR query for {} via {} failed: {}{}", address, answers.servers,
                               describe_ares_status(answers.status_ptr), falls_back(address));
    }
}

// "the PTR record of 10.0.0.5 names b-1.example (via 10.0.0.2:53)", "10.0.0.5 is b-1.example
// in /etc/hosts"
std::string reverse_found(const ReverseAnswers& answers) {
    if (answers.source == "hosts-file") {
        return fmt::format("{} is {} in {}", answers.address, answers.reverse_name,
                           answers.hosts_path);
    }
    return fmt::format("the PTR record of {} names {} (via {})", answers.address,
                       answers.reverse_name, answers.servers);
}

// "/53" when every server in "10.0.0.2:53, 10.0.0.3:53" is asked on one port, else "": the
// transport is named with its port only when there is one.
std::string shared_port(const std::string& servers) {
    std::string port;
    std::size_t start = 0;
    while (start < servers.size()) {
        const std::size_t end = std::min(servers.find(", ", start), servers.size());
        const std::string server = servers.substr(start, end - start);
        start = end + 2;
        const auto colon = server.rfind(':');
        if (colon == std::string::npos) return "";
        const std::string this_port = server.substr(colon + 1);
        if (!port.empty() && this_port != port) return "";
        port = this_port;
    }
    if (port.empty()) return "";
    return fmt::format("/{}", port);
}

// What the resolver said over TCP: its addresses, or the answer that is not one.
std::string tcp_answer(const DnsTcpFallback& tcp) {
    if (!tcp.addresses.empty()) return join(tcp.addresses, ", ");
    const int told = resolver_answered(tcp.ares_status_a, ARES_ETIMEOUT) ? tcp.ares_status_a
                                                                         : tcp.ares_status_aaaa;
    return describe_ares_status(told);
}

// Why TCP did not get an answer either.
std::string tcp_silence(const DnsTcpFallback& tcp, const DnsAnswers& udp) {
    const Cause cause = cause_from_ares_pair(tcp.ares_status_a, tcp.ares_status_aaaa);
    if (cause == Cause::dns_timeout) {
        return fmt::format("no answer within {} either", format_duration(udp.timeout));
    }
    const int failed =
        tcp.ares_status_a != ARES_ETIMEOUT ? tcp.ares_status_a : tcp.ares_status_aaaa;
    return describe_ares_status(failed);
}

}  // namespace

bool resolver_answered(int status_a, int status_aaaa) {
    for (const int status : {status_a, status_aaaa}) {
        switch (status) {
            case ARES_SUCCESS:
            case ARES_ENOTFOUND:
            case ARES_ENODATA:
            case ARES_ESERVFAIL:
            case ARES_EREFUSED:
                return true;
            default:
                break;
        }
    }
    return false;
}

DnsVerdict with_tcp_fallback(DnsVerdict udp_verdict, const DnsAnswers& udp_answers,
                             const DnsTcpFallback& tcp) {
    if (udp_verdict.cause != Cause::dns_timeout) return udp_verdict;
    const std::string port = shared_port(udp_answers.servers);
    if (tcp.answered) {
        udp_verdict.detail = fmt::format(
            "no answer over UDP{0} from {1} within {2} to the A/AAAA queries for {3}; over "
            "TCP{0} it answers ({4}): UDP{0} is blocked between this host and the resolver, and "
            "a client using the C library's resolver, which does not retry over TCP, cannot "
            "resolve {3}",
            port, udp_answers.servers, format_duration(udp_answers.timeout), udp_answers.host,
            tcp_answer(tcp));
    } else {
        const bool silent_too =
            cause_from_ares_pair(tcp.ares_status_a, tcp.ares_status_aaaa) == Cause::dns_timeout;
        udp_verdict.detail = fmt::format(
            "no answer over UDP{0} from {1} within {2} to the A/AAAA queries for {3}; asked "
            "again over TCP{0}: {4}{5}",
            port, udp_answers.servers, format_duration(udp_answers.timeout), udp_answers.host,
            tcp_silence(tcp, udp_answers),
            silent_too ? ", so neither UDP nor TCP reaches the resolver" : "");
    }
    return udp_verdict;
}

CanonicalName canonical_verdict(const ReverseAnswers& answers) {
    CanonicalName out;
    out.address = answers.address;
    out.reverse_name = answers.reverse_name;
    out.source = answers.source;
    out.ares_status = answers.source == "dns" ? answers.status_ptr : 0;
    out.cause = answers.source == "dns" ? cause_from_ares(answers.status_ptr) : Cause::none;
    if (answers.reverse_name.empty()) {
        out.detail = no_reverse_name_detail(answers);
        return out;
    }
    const std::string found = reverse_found(answers);
    const DnsEvidence& forward = answers.forward;
    const bool leads_back = forward.status == StageStatus::ok &&
                            std::find(forward.addresses.begin(), forward.addresses.end(),
                                      answers.address) != forward.addresses.end();
    if (leads_back) {
        out.name = answers.reverse_name;
        out.detail = fmt::format("{}, which resolves back to it", found);
    } else if (forward.status != StageStatus::ok) {
        out.detail = fmt::format("{}, but that name does not resolve ({}), so it is not taken{}",
                                 found, forward.detail, falls_back(answers.address));
    } else {
        out.detail = fmt::format(
            "{}, but that name resolves to {}, not to {}, so it is not taken{}", found,
            join(forward.addresses, ", "), answers.address, falls_back(answers.address));
    }
    return out;
}

Cause cause_from_ares(int ares_status) {
    switch (ares_status) {
        case ARES_SUCCESS:
            return Cause::none;
        case ARES_ENOTFOUND:  // rcode NXDOMAIN
            return Cause::dns_nxdomain;
        case ARES_ENODATA:  // NOERROR without an answer of the asked type
            return Cause::dns_nodata;
        case ARES_ESERVFAIL:
            return Cause::dns_servfail;
        case ARES_EREFUSED:      // rcode REFUSED: the server answered "no"
        case ARES_ECONNREFUSED:  // nothing listens there (ICMP port unreachable, TCP RST)
            return Cause::dns_refused;
        case ARES_ETIMEOUT:
            return Cause::dns_timeout;
        default:  // EFORMERR, ENOTIMP, EBADRESP, EBADNAME, ENOMEM, ...: detail says which
            return Cause::dns_error;
    }
}

// The A and AAAA outcomes of one name, combined. The resolver hands ARES_SUCCESS only for a
// query that produced at least one address (a NOERROR answer without one is ARES_ENODATA), so
// a success in either family means the name resolved.
//
// Otherwise, most telling first:
//  - NXDOMAIN in either family: the name does not exist at all (NXDOMAIN is about the name, not
//    the type), even if the other query failed or timed out; the resolver did answer.
//  - NODATA only when *both* families answered NODATA. NODATA speaks for its own family only:
//    with NODATA for A and, say, a timeout or SERVFAIL for AAAA we do not know that the name has
//    no AAAA record, so the failure is what we report (the detail names both outcomes).
//  - Among failures, an answer beats silence: SERVFAIL (the resolver is there and broken), then
//    refused, then any other error, then timeout (nothing said anything).
Cause cause_from_ares_pair(int status_a, int status_aaaa) {
    if (status_a == ARES_SUCCESS || status_aaaa == ARES_SUCCESS) return Cause::none;
    if (status_a == ARES_ENOTFOUND || status_aaaa == ARES_ENOTFOUND) return Cause::dns_nxdomain;
    if (status_a == ARES_ENODATA && status_aaaa == ARES_ENODATA) return Cause::dns_nodata;

    const Cause a = cause_from_ares(status_a);
    const Cause aaaa = cause_from_ares(status_aaaa);
    for (Cause failure :
         {Cause::dns_servfail, Cause::dns_refused, Cause::dns_error, Cause::dns_timeout}) {
        if (a == failure || aaaa == failure) return failure;
    }
    return Cause::dns_error;  // not reached: one of the two is a failure by now
}

DnsVerdict dns_verdict(const DnsAnswers& answers) {
    DnsVerdict verdict;
    verdict.cause = cause_from_ares_pair(answers.status_a, answers.status_aaaa);
    verdict.detail = verdict.cause == Cause::none ? resolved_detail(answers)
                                                  : failure_detail(verdict.cause, answers);
    return verdict;
}

DnsVerdict with_local_socket_state(DnsVerdict verdict, const DnsAnswers& answers,
                                   int socket_errno) {
    if (verdict.cause != Cause::dns_refused) return verdict;
    if (socket_errno != EMFILE && socket_errno != ENFILE) return verdict;
    verdict.cause = Cause::dns_error;
    verdict.detail = fmt::format(
        "cannot ask {} about {}: this host is out of file descriptors ({}); raise ulimit -n",
        answers.servers, answers.host, std::strerror(socket_errno));
    return verdict;
}

}  // namespace vpcprobe
