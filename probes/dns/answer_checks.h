// SPDX-License-Identifier: Apache-2.0
// Answers that resolve but mislead (docs/report.md, "Verdicts"): an address no server can be at
// (0.0.0.0, ::), which a DNS firewall or filter gives for a name it blocks and which would
// otherwise be probed as this very host; and a loopback or link-local address for a name that is
// not this host's own, probed but recorded so a report can say the answer points here. The
// resolver applies check_answers() to every lookup; the engine probes only addresses_to_probe().
// Pure functions: safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/evidence.h"

namespace vpcprobe {

// 0.0.0.0, :: and ::ffff:0.0.0.0, in any textual form: "this host, any address" as a
// destination. Connecting there reaches a listener on this machine, never a server elsewhere.
bool is_unspecified_address(std::string_view address);

// Loopback (127.0.0.0/8, ::1) or link-local (169.254.0.0/16, fe80::/10), IPv4-mapped forms
// included: an address on this host or its own link.
bool is_local_address(std::string_view address);

// The names this host goes by, lower case, without a trailing dot: its hostname (gethostname),
// the short form of a dotted hostname, and its FQDN when the hosts file gives one (the first
// name of a line that lists the hostname, when it extends the hostname, as Debian writes
// "127.0.1.1 host.example.com host"). `fqdn_candidates`: those first names.
std::vector<std::string> own_host_names(std::string_view hostname,
                                        const std::vector<std::string>& fqdn_candidates);

// Whether `host` names this host: "localhost" and anything under ".localhost" (RFC 6761),
// "localhost.localdomain", Debian's "ip6-localhost" and "ip6-loopback", or one of `own_names`.
bool is_own_host_name(std::string_view host, const std::vector<std::string>& own_names);

// Where an answer came from, for the sentences check_answers() writes.
struct AnswerOrigin {
    std::string servers;     // the resolvers asked, "10.20.0.2:53" (source "dns")
    std::string hosts_path;  // the hosts file (source "hosts-file")
};

// Judges the answers in `evidence` (source "dns" or "hosts-file"; a literal is left as it is,
// being no answer at all) for `host`:
//  - every address unspecified: the stage fails with dns.sinkhole, naming the resolvers or the
//    hosts file and the addresses; nothing is probed;
//  - some unspecified beside real ones: the stage warns with dns.sinkhole and says which are
//    probed (the real ones only);
//  - local_answers lists the loopback and link-local addresses unless `host` is one of this
//    host's names.
// The addresses stay in evidence.addresses as answered. A failed lookup is left alone.
void check_answers(DnsEvidence& evidence, const std::string& host, const AnswerOrigin& origin,
                   const std::vector<std::string>& own_names);

// The addresses of a lookup that can be probed: every answer except the unspecified ones, in
// DNS order; none when the stage failed. An IP literal target is probed as written, 0.0.0.0
// included: the user named it.
std::vector<std::string> addresses_to_probe(const DnsEvidence& evidence);

}  // namespace vpcprobe
