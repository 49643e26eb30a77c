// SPDX-License-Identifier: Apache-2.0
// The one place each foreign error space becomes a contract cause (design.md: "one public
// status vocabulary at the edge, finer internal codes mapped in exactly one function").
// The raw code is always kept beside the mapped cause in the evidence.
#pragma once

#include <optional>
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

// errno of a failed non-blocking connect (SO_ERROR), refined by the ICMP error the kernel
// queued on the socket when there was one: ECONNREFUSED is a RST *or* ICMP port-unreachable;
// EHOSTUNREACH covers both host-unreachable and admin-prohibited.
Cause cause_from_connect(int error_number, const std::optional<IcmpReport>& icmp);

// One X509_V_ERR_* at a chain depth -> cert.* cause.
Cause cause_from_x509(int x509_error, int depth);

// All verify errors of a handshake -> the one cause to report (cert.* or none). Priority, most
// fundamental first: trust (incomplete chain, self-signed, untrusted), then validity (expired,
// not yet valid), then hostname; anything else is cert.invalid.
Cause certificate_cause(const std::vector<VerifyError>& errors);

}  // namespace vpcprobe
