// SPDX-License-Identifier: Apache-2.0
// Per-target remedies (docs/report.md, "Remedies"): what to do about a failed or warning
// target's cause, written from that target's own evidence: its component, access set, address
// and port, the source address the probe left from, the resolvers asked, who sent an ICMP
// error, the suspect rules attribution named, what the certificate chain lacks, what the broker
// offers. Every cause code has one. diagnose() runs add_remedies() once the findings are known,
// and attribute_to_rules() runs it again once suspects are named; renderers print
// TargetCause::remedy as it is.
// Pure functions over plain values: safe from any thread.
#pragma once

#include <string>

#include "core/report.h"

namespace vpcprobe {

// Writes TargetCause::remedy for every target that has a cause, from its evidence, its suspects,
// `report.agent` and the findings that cover it (a target's remedy never repeats a finding's
// word for word). For the mutual TLS causes it also adds a `certificate` suspect. Idempotent:
// the remedy is overwritten, and a suspect already there is not added again.
void add_remedies(Report& report);

// The remedy for one target on its own (no findings considered); "" for a target with no
// cause. `agent` supplies the resolvers, source addresses, start time and client certificate.
std::string remedy_for(const TargetReport& target, const AgentInfo& agent);

// The sentence a summary opens with when a failed or warning target's name resolved to this
// host or its link ("vpc-kafka-x resolved to 127.0.0.1, a loopback address"); "" when none of
// its answers is local.
std::string local_answer_sentence(const TargetEvidence& evidence);

}  // namespace vpcprobe
