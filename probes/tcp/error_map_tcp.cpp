// SPDX-License-Identifier: Apache-2.0
// A failed TCP connect -> tcp.* cause and detail (probes/tcp/error_map_tcp.h). The ICMP error
// queued on the socket (IP_RECVERR / IPV6_RECVERR) is the finer fact and wins over errno,
// because the kernel folds several answers into one errno: ECONNREFUSED is a RST *or* an ICMP
// port-unreachable, EHOSTUNREACH is a host-unreachable *or* an IPv4 admin-prohibited.
#include "probes/tcp/error_map_tcp.h"

// <linux/errqueue.h> uses struct timespec without including its definition.
#include <time.h>

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/duration.h"

namespace vpcprobe {

namespace {

// ICMPv4 destination-unreachable codes (RFC 792, RFC 1812 for 9-15).
Cause cause_from_icmp4(int type, int code) {
    if (type == ICMP_TIME_EXCEEDED) return Cause::tcp_unreachable;  // a routing loop
    if (type != ICMP_DEST_UNREACH) return Cause::none;
    switch (code) {
        // For TCP nothing but a filter sends port- or protocol-unreachable (a host without a
        // listener answers with a RST), e.g. iptables/nft `reject` with its default type.
        case ICMP_PORT_UNREACH:
        case ICMP_PROT_UNREACH:
        // Administratively prohibited, in its three flavours, and the precedence cut-offs,
        // which are policy too.
        case ICMP_NET_ANO:
        case ICMP_HOST_ANO:
        case ICMP_PKT_FILTERED:
        case ICMP_PREC_VIOLATION:
        case ICMP_PREC_CUTOFF:
            return Cause::tcp_prohibited;
        case ICMP_NET_UNREACH:
        case ICMP_HOST_UNREACH:
        case ICMP_SR_FAILED:
        case ICMP_NET_UNKNOWN:
        case ICMP_HOST_UNKNOWN:
        case ICMP_HOST_ISOLATED:
        case ICMP_NET_UNR_TOS:
        case ICMP_HOST_UNR_TOS:
            return Cause::tcp_unreachable;
        default:
            return Cause::none;  // frag-needed and unknown codes: let errno decide
    }
}

// ICMPv6 destination-unreachable codes (RFC 4443).
Cause cause_from_icmp6(int type, int code) {
    if (type == ICMP6_TIME_EXCEEDED) return Cause::tcp_unreachable;
    if (type != ICMP6_DST_UNREACH) return Cause::none;
    switch (code) {
        case ICMP6_DST_UNREACH_ADMIN:   // 1: communication administratively prohibited
        case ICMP6_DST_UNREACH_NOPORT:  // 4: only a filter sends it for TCP
        case 5:                         // source address failed ingress/egress policy
        case 6:                         // reject route to destination
            return Cause::tcp_prohibited;
        case ICMP6_DST_UNREACH_NOROUTE:      // 0
        case ICMP6_DST_UNREACH_BEYONDSCOPE:  // 2
        case ICMP6_DST_UNREACH_ADDR:         // 3: address unreachable (no neighbour answer)
            return Cause::tcp_unreachable;
        default:
            return Cause::none;
    }
}

Cause cause_from_errno(int error_number) {
    switch (error_number) {
        case 0:
            return Cause::none;
        case ECONNREFUSED:  // without an ICMP beside it: a RST
            return Cause::tcp_refused;
        case ETIMEDOUT:
            return Cause::tcp_timeout;
        case ENETUNREACH:
        case EHOSTUNREACH:
        case EHOSTDOWN:
        case ENONET:
        // connect() of a well-formed address fails with EINVAL when the local route to it is a
        // blackhole route (verified: `ip route add blackhole ...`): this host has no usable
        // route.
        case EINVAL:
            return Cause::tcp_unreachable;
        // Without an ICMP: a `prohibit` route (EACCES) or a local policy such as a cgroup/BPF
        // connect hook (EPERM). Either way something on purpose refused the connection.
        case EACCES:
        case EPERM:
            return Cause::tcp_prohibited;
        default:
            return Cause::tcp_error;  // EMFILE, EADDRNOTAVAIL, EADDRINUSE, ENOBUFS, ...
    }
}

std::string errno_text(int error_number) {
    return std::strerror(error_number);
}

}  // namespace

std::string icmp_name(const IcmpReport& icmp) {
    if (icmp.origin == SO_EE_ORIGIN_ICMP) {
        if (icmp.type == ICMP_TIME_EXCEEDED) return "time-exceeded";
        if (icmp.type == ICMP_DEST_UNREACH) {
            switch (icmp.code) {
                case ICMP_NET_UNREACH:
                    return "net-unreachable";
                case ICMP_HOST_UNREACH:
                    return "host-unreachable";
                case ICMP_PROT_UNREACH:
                    return "protocol-unreachable";
                case ICMP_PORT_UNREACH:
                    return "port-unreachable";
                case ICMP_NET_ANO:
                    return "net-prohibited";
                case ICMP_HOST_ANO:
                    return "host-prohibited";
                case ICMP_PKT_FILTERED:
                    return "admin-prohibited";
                default:
                    break;
            }
        }
    } else if (icmp.origin == SO_EE_ORIGIN_ICMP6) {
        if (icmp.type == ICMP6_TIME_EXCEEDED) return "time-exceeded";
        if (icmp.type == ICMP6_DST_UNREACH) {
            switch (icmp.code) {
                case ICMP6_DST_UNREACH_NOROUTE:
                    return "no-route";
                case ICMP6_DST_UNREACH_ADMIN:
                    return "admin-prohibited";
                case ICMP6_DST_UNREACH_BEYONDSCOPE:
                    return "beyond-scope";
                case ICMP6_DST_UNREACH_ADDR:
                    return "address-unreachable";
                case ICMP6_DST_UNREACH_NOPORT:
                    return "port-unreachable";
                case 5:
                    return "policy-failed";
                case 6:
                    return "reject-route";
                default:
                    break;
            }
        }
    }
    return fmt::format("type {} code {}", icmp.type, icmp.code);
}

bool sent_by_network(const IcmpReport& icmp) {
    return icmp.origin == SO_EE_ORIGIN_ICMP || icmp.origin == SO_EE_ORIGIN_ICMP6;
}

bool is_time_exceeded(const IcmpReport& icmp) {
    return (icmp.origin == SO_EE_ORIGIN_ICMP && icmp.type == ICMP_TIME_EXCEEDED) ||
           (icmp.origin == SO_EE_ORIGIN_ICMP6 && icmp.type == ICMP6_TIME_EXCEEDED);
}

namespace {

bool is_port_unreachable(const IcmpReport& icmp) {
    return (icmp.origin == SO_EE_ORIGIN_ICMP && icmp.type == ICMP_DEST_UNREACH &&
            icmp.code == ICMP_PORT_UNREACH) ||
           (icmp.origin == SO_EE_ORIGIN_ICMP6 && icmp.type == ICMP6_DST_UNREACH &&
            icmp.code == ICMP6_DST_UNREACH_NOPORT);
}

}  // namespace

Cause cause_from_connect(int error_number, const std::optional<IcmpReport>& icmp) {
    if (icmp) {
        Cause from_icmp = Cause::none;
        if (icmp->origin == SO_EE_ORIGIN_ICMP) from_icmp = cause_from_icmp4(icmp->type, icmp->code);
        if (icmp->origin == SO_EE_ORIGIN_ICMP6) {
            from_icmp = cause_from_icmp6(icmp->type, icmp->code);
        }
        if (from_icmp != Cause::none) return from_icmp;
    }
    return cause_from_errno(error_number);
}

std::string connect_failure_detail(const TcpEvidence& evidence, const std::string& endpoint,
                                   std::chrono::milliseconds timeout) {
    const auto& icmp = evidence.icmp;
    bool from_icmp =
        icmp && (icmp->origin == SO_EE_ORIGIN_ICMP || icmp->origin == SO_EE_ORIGIN_ICMP6);
    std::string who;
    if (from_icmp) {
        who = icmp->offender.empty()
                  ? fmt::format("an ICMP {} came back for {}", icmp_name(*icmp), endpoint)
                  : fmt::format("{} answered ICMP {} for {}", icmp->offender, icmp_name(*icmp),
                                endpoint);
    }
    switch (evidence.cause) {
        case Cause::tcp_timeout:
            return fmt::format("SYN to {} got no answer in {}: silently dropped", endpoint,
                               format_duration(timeout));
        case Cause::tcp_refused:
            return fmt::format(
                "{} answered the SYN with a RST: the host is reachable but nothing listens on "
                "the port",
                endpoint);
        case Cause::tcp_prohibited:
            if (from_icmp && is_port_unreachable(*icmp)) {
                return who +
                       ": a firewall rejected it (for TCP only a filter sends port-unreachable, "
                       "e.g. an iptables/nft REJECT)";
            }
            if (from_icmp) return who + ": a firewall rejected it";
            return fmt::format(
                "connecting to {} was refused on this host ({}): a local firewall policy or "
                "prohibit route rejected it",
                endpoint, errno_text(evidence.error_number));
        case Cause::tcp_unreachable:
            if (from_icmp) return who + ": the network has no way to the host";
            if (evidence.error_number == EINVAL) {
                return fmt::format(
                    "this host's routing table discards traffic to {} (a blackhole route)",
                    evidence.address);
            }
            return fmt::format("this host has no route to {} ({})", evidence.address,
                               errno_text(evidence.error_number));
        default:
            return fmt::format("could not connect to {}: {}", endpoint,
                               errno_text(evidence.error_number));
    }
}

std::string_view bind_failure_hint(int error_number) {
    return error_number == EADDRNOTAVAIL ? " (not an address of this host)" : "";
}

}  // namespace vpcprobe
