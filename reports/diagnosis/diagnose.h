// SPDX-License-Identifier: Apache-2.0
// Diagnosis: the probe engine's evidence becomes the report model (core/report.h), a verdict
// and a cause per target, then the findings across targets (reports/diagnosis/findings.h).
// Renderers only format what this decides.
// Pure function: safe from any thread.
#pragma once

#include <vector>

#include "core/evidence.h"
#include "core/report.h"

namespace vpcprobe {

// Decides every target's verdict from its evidence (same order as given) and counts them.
//  - DNS failed: failed, with the DNS cause.
//  - Otherwise each probed address fails at its first failed stage (tcp, tls, certificate,
//    protocol; a run.deadline cause counts as failed whatever the stage's status said).
//    Every address fails: failed. Some do: warning, with the first failing address's cause
//    ("2 of 3 addresses of host:port failed: ..."). None fails but one warns (a certificate
//    about to expire): warning, with that cause.
//  - No address probed: failed. DNS answered without any address: dns.nodata; addresses
//    resolved but none probed (an engine that gave up early): tcp.error; DNS skipped without
//    a cause: dns.error.
//  - A certificate warning is the cause the certificate stage names: cert.expiring_soon, or a
//    verify error the client does not check for (cert.hostname_mismatch without hostname
//    verification, any cert.* without certificate verification).
//  - A name that resolved to this host or its link (DnsEvidence::local_answers) opens the
//    summary of a failed or warning target: "x resolved to 127.0.0.1, a loopback address: ...".
// Findings across targets come from find_patterns() (reports/diagnosis/findings.h); then every
// cause gets its remedy (add_remedies, reports/diagnosis/remedies.h), from the target's
// evidence, `agent` and the findings.
Report diagnose(std::vector<TargetEvidence> evidence, AgentInfo agent);

}  // namespace vpcprobe
