// SPDX-License-Identifier: Apache-2.0
// The one place c-ares statuses (ARES_ENOTFOUND, ARES_ESERVFAIL, ...) are interpreted: what
// they mean as a dns.* cause and how they read in the stage's detail. The resolver only
// gathers them; the raw statuses stay in DnsEvidence beside the cause (ares_status_a/_aaaa).
// Pure functions: safe from any thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/cause.h"
#include "core/evidence.h"

namespace vpcprobe {

// c-ares status (ARES_ENOTFOUND, ARES_ENODATA, ...) of one query -> dns.* cause.
Cause cause_from_ares(int ares_status);

// Combine the A and AAAA outcomes of one name into the stage's cause: a name with an answer
// in either family is not a failure; NXDOMAIN wins over NODATA; a timeout in one family and
// NXDOMAIN in the other is still NXDOMAIN (the resolver did answer).
Cause cause_from_ares_pair(int status_a, int status_aaaa);

// What c-ares said about one name, gathered by the resolver.
struct DnsAnswers {
    std::string host;
    int status_a = 0;  // ARES_SUCCESS only when the family gave at least one address
    int status_aaaa = 0;
    std::vector<std::string> addresses;   // A first, then AAAA
    std::string servers;                  // the resolvers asked, "10.0.0.2:53, 10.0.0.3:53"
    std::chrono::milliseconds timeout{};  // the bound on the lookup (--timeout)
};

// The dns stage's cause and its one-sentence detail.
struct DnsVerdict {
    Cause cause = Cause::none;
    std::string detail;
};

// The verdict on a lookup that went to DNS.
DnsVerdict dns_verdict(const DnsAnswers& answers);

// c-ares 1.18 reports a socket it could not open like a server that refused
// (ARES_ECONNREFUSED) and keeps the errno to itself, so a dns.refused verdict is checked
// against this host: `socket_errno` is what opening a UDP socket here gives right now (0 when
// it opens). Out of descriptors (EMFILE, ENFILE), the cause is this host's (dns.error), not
// the resolver's; any other verdict or errno is returned as it is.
DnsVerdict with_local_socket_state(DnsVerdict verdict, const DnsAnswers& answers, int socket_errno);

// Whether one lookup's statuses show that the resolver answered it at all: addresses,
// NXDOMAIN, NODATA, SERVFAIL or REFUSED, as opposed to silence or nothing listening.
bool resolver_answered(int status_a, int status_aaaa);

// A dns.timeout over UDP, told again with what the same lookup over TCP found (`tcp`). The
// cause stays dns.timeout even when TCP answered: the C library's resolver, which Kafka
// clients on this host use, does not retry over TCP after a UDP timeout, so they fail as the
// UDP lookup did (docs/report.md, "DNS over TCP"). The detail says which transport answered:
// "UDP/53 is blocked" when TCP did, "neither" when TCP did not either.
DnsVerdict with_tcp_fallback(DnsVerdict udp_verdict, const DnsAnswers& udp_answers,
                             const DnsTcpFallback& tcp);

// What turning one address back into a name found (Resolver::canonical_name): the reverse
// lookup, then the lookup of the name it gave, which must lead back to the address.
struct ReverseAnswers {
    std::string address;       // canonical text
    std::string source;        // "hosts-file" (no query was sent) or "dns"
    std::string hosts_path;    // the hosts file consulted, for the detail
    int status_ptr = 0;        // of the PTR query; ARES_SUCCESS only when it gave a name
    std::string reverse_name;  // the name found, "" when none
    std::string servers;       // the resolvers asked, as in DnsAnswers
    std::chrono::milliseconds timeout{};
    // The lookup of reverse_name (only when there is one): its own evidence.
    DnsEvidence forward;
};

// The canonical name of the address, as the Java client takes it: reverse_name when its
// lookup lists the address, else none (the client uses the address text); `cause` is the PTR
// query's status mapped; the detail says which case it is and why. `ms` is left 0.
CanonicalName canonical_verdict(const ReverseAnswers& answers);

}  // namespace vpcprobe
