// SPDX-License-Identifier: Apache-2.0
// probes/tcp/error_map_tcp.h. cause_from_connect: errno of a failed connect, refined by the
// queued ICMP error; connect_failure_detail: how that reads for people. The values
// below are what the kernel really reports (checked in tcp_probe_netns_test.cpp against nft
// rejects and routes): e.g. an IPv4 admin-prohibited arrives as EHOSTUNREACH + 3/13, an IPv6
// one as EACCES + 1/1, an nft `reject` as ECONNREFUSED + port-unreachable.
// <linux/errqueue.h> uses struct timespec without including its definition.
#include <time.h>

#include <linux/errqueue.h>

#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "probes/tcp/error_map_tcp.h"

using vpcprobe::Cause;
using vpcprobe::cause_from_connect;
using vpcprobe::connect_failure_detail;
using vpcprobe::IcmpReport;
using vpcprobe::TcpEvidence;
using namespace std::chrono_literals;

namespace {
IcmpReport icmp4(int type, int code) {
    return {SO_EE_ORIGIN_ICMP, type, code, "10.88.0.1", ""};
}
IcmpReport icmp6(int type, int code) {
    return {SO_EE_ORIGIN_ICMP6, type, code, "fd00::1", ""};
}

// The evidence of a failed connect as the TCP probe records it, cause included.
TcpEvidence failed(int error_number, std::optional<IcmpReport> icmp = std::nullopt) {
    TcpEvidence evidence;
    evidence.address = "10.0.0.5";
    evidence.error_number = error_number;
    evidence.icmp = std::move(icmp);
    evidence.cause = cause_from_connect(error_number, evidence.icmp);
    return evidence;
}

std::string detail(const TcpEvidence& evidence) {
    return connect_failure_detail(evidence, "10.0.0.5:9093", 3s);
}
}  // namespace

TEST_CASE("errno alone classifies a connect failure", "[error_map][tcp]") {
    CHECK(cause_from_connect(0, std::nullopt) == Cause::none);
    CHECK(cause_from_connect(ECONNREFUSED, std::nullopt) == Cause::tcp_refused);
    CHECK(cause_from_connect(ETIMEDOUT, std::nullopt) == Cause::tcp_timeout);
    CHECK(cause_from_connect(ENETUNREACH, std::nullopt) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EHOSTUNREACH, std::nullopt) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EHOSTDOWN, std::nullopt) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EINVAL, std::nullopt) == Cause::tcp_unreachable);  // blackhole
    CHECK(cause_from_connect(EACCES, std::nullopt) == Cause::tcp_prohibited);   // prohibit route
    CHECK(cause_from_connect(EPERM, std::nullopt) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EMFILE, std::nullopt) == Cause::tcp_error);
    CHECK(cause_from_connect(EADDRNOTAVAIL, std::nullopt) == Cause::tcp_error);
    CHECK(cause_from_connect(EADDRINUSE, std::nullopt) == Cause::tcp_error);
    CHECK(cause_from_connect(ENOBUFS, std::nullopt) == Cause::tcp_error);
    CHECK(cause_from_connect(EPROTO, std::nullopt) == Cause::tcp_error);
}

TEST_CASE("ICMPv4 errors win over the errno they were folded into", "[error_map][tcp]") {
    // ECONNREFUSED is a RST or a port-unreachable; for TCP only a filter sends the latter.
    CHECK(cause_from_connect(ECONNREFUSED, icmp4(3, 3)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(ECONNREFUSED, icmp4(3, 2)) == Cause::tcp_prohibited);
    // EHOSTUNREACH is a host-unreachable or an admin-prohibited (codes 9, 10, 13).
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 13)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 9)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 10)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 14)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 15)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, 1)) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(ENETUNREACH, icmp4(3, 0)) == Cause::tcp_unreachable);
    for (int code : {5, 6, 7, 8, 11, 12}) {
        CAPTURE(code);
        CHECK(cause_from_connect(EHOSTUNREACH, icmp4(3, code)) == Cause::tcp_unreachable);
    }
    CHECK(cause_from_connect(EHOSTUNREACH, icmp4(11, 0)) == Cause::tcp_unreachable);
    // The deadline passed with an ICMP queued (the kernel kept retrying): the ICMP decides.
    CHECK(cause_from_connect(ETIMEDOUT, icmp4(3, 13)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(ETIMEDOUT, icmp4(3, 1)) == Cause::tcp_unreachable);
}

TEST_CASE("ICMPv6 errors win over the errno they were folded into", "[error_map][tcp]") {
    CHECK(cause_from_connect(EACCES, icmp6(1, 1)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(ECONNREFUSED, icmp6(1, 4)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EACCES, icmp6(1, 5)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(EACCES, icmp6(1, 6)) == Cause::tcp_prohibited);
    CHECK(cause_from_connect(ENETUNREACH, icmp6(1, 0)) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp6(1, 3)) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp6(1, 2)) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(EHOSTUNREACH, icmp6(3, 0)) == Cause::tcp_unreachable);
    CHECK(cause_from_connect(ETIMEDOUT, icmp6(1, 1)) == Cause::tcp_prohibited);
}

TEST_CASE("an ICMP that says nothing about the connection leaves it to errno", "[error_map][tcp]") {
    // Frag-needed / packet-too-big and parameter problems are not verdicts on the SYN.
    CHECK(cause_from_connect(ECONNREFUSED, icmp4(3, 4)) == Cause::tcp_refused);
    CHECK(cause_from_connect(EPROTO, icmp4(12, 0)) == Cause::tcp_error);
    CHECK(cause_from_connect(ETIMEDOUT, icmp6(2, 0)) == Cause::tcp_timeout);
    CHECK(cause_from_connect(EPROTO, icmp6(4, 0)) == Cause::tcp_error);
    // Type numbers mean different things per family: v4 3/3 is port-unreachable, but an
    // ICMPv6 type 3 is time-exceeded; the origin decides which table applies.
    CHECK(cause_from_connect(ECONNREFUSED, icmp6(3, 3)) == Cause::tcp_unreachable);
    // A locally generated error (origin LOCAL) is not an answer from the network.
    IcmpReport local{SO_EE_ORIGIN_LOCAL, 0, 0, "", ""};
    CHECK(cause_from_connect(ECONNREFUSED, local) == Cause::tcp_refused);
    CHECK(cause_from_connect(EMSGSIZE, local) == Cause::tcp_error);
}

TEST_CASE("a timeout names the configured bound as --timeout is written", "[error_map][tcp]") {
    const auto silent = failed(ETIMEDOUT);
    CHECK(connect_failure_detail(silent, "10.0.0.5:9093", 1250ms) ==
          "SYN to 10.0.0.5:9093 got no answer in 1.25s: silently dropped");
    CHECK(connect_failure_detail(silent, "10.0.0.5:9093", 300ms) ==
          "SYN to 10.0.0.5:9093 got no answer in 300ms: silently dropped");
    CHECK(connect_failure_detail(silent, "[fd00::5]:9093", 3s) ==
          "SYN to [fd00::5]:9093 got no answer in 3s: silently dropped");
}

TEST_CASE("the detail names who answered, by ICMP name", "[error_map][tcp]") {
    CHECK(detail(failed(ECONNREFUSED)) ==
          "10.0.0.5:9093 answered the SYN with a RST: the host is reachable but nothing listens "
          "on the port");
    CHECK(detail(failed(ECONNREFUSED, icmp4(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH))) ==
          "10.88.0.1 answered ICMP port-unreachable for 10.0.0.5:9093: a firewall rejected it "
          "(for TCP only a filter sends port-unreachable, e.g. an iptables/nft REJECT)");
    CHECK(detail(failed(EHOSTUNREACH, icmp4(ICMP_DEST_UNREACH, ICMP_PKT_FILTERED))) ==
          "10.88.0.1 answered ICMP admin-prohibited for 10.0.0.5:9093: a firewall rejected it");
    CHECK(detail(failed(EACCES, icmp6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADMIN))) ==
          "fd00::1 answered ICMP admin-prohibited for 10.0.0.5:9093: a firewall rejected it");
    CHECK(detail(failed(EHOSTUNREACH, icmp4(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH))) ==
          "10.88.0.1 answered ICMP host-unreachable for 10.0.0.5:9093: the network has no way to "
          "the host");
    CHECK(detail(failed(ENETUNREACH, icmp6(ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE))) ==
          "fd00::1 answered ICMP no-route for 10.0.0.5:9093: the network has no way to the host");
    // Without the offender's address, and for a code without a name.
    IcmpReport anonymous = icmp6(ICMP6_DST_UNREACH, 6);
    anonymous.offender.clear();
    CHECK(detail(failed(EACCES, anonymous)) ==
          "an ICMP reject-route came back for 10.0.0.5:9093: a firewall rejected it");
    CHECK(detail(failed(EHOSTUNREACH, icmp4(ICMP_DEST_UNREACH, ICMP_HOST_ISOLATED))) ==
          "10.88.0.1 answered ICMP type 3 code 8 for 10.0.0.5:9093: the network has no way to the "
          "host");
}

TEST_CASE("without an ICMP the detail says what this host's stack refused", "[error_map][tcp]") {
    CHECK(detail(failed(EINVAL)) ==
          "this host's routing table discards traffic to 10.0.0.5 (a blackhole route)");
    CHECK(detail(failed(ENETUNREACH)) ==
          std::string("this host has no route to 10.0.0.5 (") + std::strerror(ENETUNREACH) + ")");
    CHECK(detail(failed(EACCES)) ==
          std::string("connecting to 10.0.0.5:9093 was refused on this host (") +
              std::strerror(EACCES) + "): a local firewall policy or prohibit route rejected it");
    CHECK(detail(failed(EADDRNOTAVAIL)) ==
          std::string("could not connect to 10.0.0.5:9093: ") + std::strerror(EADDRNOTAVAIL));
}

TEST_CASE("a failed bind says when the address is not this host's", "[error_map][tcp]") {
    CHECK(vpcprobe::bind_failure_hint(EADDRNOTAVAIL) == " (not an address of this host)");
    CHECK(vpcprobe::bind_failure_hint(EADDRINUSE).empty());
    CHECK(vpcprobe::bind_failure_hint(0).empty());
}
