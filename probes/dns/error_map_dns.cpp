// SPDX-License-Identifier: Apache-2.0
// The DNS part of probes/error_map.h: c-ares statuses -> dns.* causes. The only place that
// knows what an ares_status means for the report; the resolver keeps the raw statuses beside.
#include <ares.h>

#include "probes/error_map.h"

namespace vpcprobe {

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

}  // namespace vpcprobe
