// SPDX-License-Identifier: Apache-2.0
// Per-target remedies: what to do about a failed or warning target's cause, written from that
// target's own evidence: for mutual TLS the CA names the server's CertificateRequest listed, the
// client certificate we presented and the alert the server refused it with; for a certificate
// problem the client being checked does not verify, why it still matters. diagnose() calls
// add_remedy() for every judged target; renderers print TargetCause::remedy as it is.
// Pure functions over plain values: safe from any thread.
#pragma once

#include "core/report.h"

namespace vpcprobe {

// Sets target.cause->remedy (and adds a `certificate` suspect for the mutual TLS causes) when
// a remedy is written for its cause; leaves an ok target alone. `run` supplies the client
// certificate configured for the run when the shown address's TLS evidence has none.
void add_remedy(TargetReport& target, const RunEvidence& run);

}  // namespace vpcprobe
