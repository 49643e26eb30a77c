// SPDX-License-Identifier: Apache-2.0
// probes/dns/error_map_dns.h: c-ares statuses -> the report's dns.* causes, and the verdict
// (cause and detail) on what c-ares said about one name.
#include <ares.h>

#include <cerrno>
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "probes/dns/error_map_dns.h"

using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::cause_from_ares;
using vpcprobe::cause_from_ares_pair;
using vpcprobe::dns_verdict;
using vpcprobe::DnsAnswers;
using vpcprobe::DnsTcpFallback;
using vpcprobe::DnsVerdict;
using vpcprobe::resolver_answered;
using vpcprobe::with_local_socket_state;
using vpcprobe::with_tcp_fallback;

namespace {

DnsAnswers answers(int status_a, int status_aaaa, std::vector<std::string> addresses = {},
                   std::string servers = "10.0.0.2:53") {
    DnsAnswers out;
    out.host = "kafka.example";
    out.status_a = status_a;
    out.status_aaaa = status_aaaa;
    out.addresses = std::move(addresses);
    out.servers = std::move(servers);
    out.timeout = 3s;
    return out;
}

}  // namespace

TEST_CASE("each c-ares status maps to its dns cause", "[error_map][dns]") {
    CHECK(cause_from_ares(ARES_SUCCESS) == Cause::none);
    CHECK(cause_from_ares(ARES_ENOTFOUND) == Cause::dns_nxdomain);
    CHECK(cause_from_ares(ARES_ENODATA) == Cause::dns_nodata);
    CHECK(cause_from_ares(ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares(ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares(ARES_ECONNREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares(ARES_ETIMEOUT) == Cause::dns_timeout);
}

TEST_CASE("other c-ares statuses are dns.error", "[error_map][dns]") {
    for (int status : {ARES_EFORMERR, ARES_ENOTIMP, ARES_EBADQUERY, ARES_EBADNAME, ARES_EBADFAMILY,
                       ARES_EBADRESP, ARES_EOF, ARES_EFILE, ARES_ENOMEM, ARES_EDESTRUCTION,
                       ARES_EBADSTR, ARES_ECANCELLED, 9999, -1}) {
        INFO("status " << status);
        CHECK(cause_from_ares(status) == Cause::dns_error);
    }
}

TEST_CASE("an address in either family means the name resolved", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_SUCCESS, ARES_SUCCESS) == Cause::none);
    for (int other : {ARES_ENODATA, ARES_ENOTFOUND, ARES_ESERVFAIL, ARES_EREFUSED,
                      ARES_ECONNREFUSED, ARES_ETIMEOUT, ARES_EBADRESP}) {
        INFO("other family " << other);
        CHECK(cause_from_ares_pair(ARES_SUCCESS, other) == Cause::none);
        CHECK(cause_from_ares_pair(other, ARES_SUCCESS) == Cause::none);
    }
}

TEST_CASE("NXDOMAIN in either family wins over every failure", "[error_map][dns]") {
    for (int other : {ARES_ENOTFOUND, ARES_ENODATA, ARES_ESERVFAIL, ARES_EREFUSED,
                      ARES_ECONNREFUSED, ARES_ETIMEOUT, ARES_EBADRESP}) {
        INFO("other family " << other);
        CHECK(cause_from_ares_pair(ARES_ENOTFOUND, other) == Cause::dns_nxdomain);
        CHECK(cause_from_ares_pair(other, ARES_ENOTFOUND) == Cause::dns_nxdomain);
    }
}

TEST_CASE("NODATA needs both families to say so", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ENODATA) == Cause::dns_nodata);
    // The failed family might have had an address: report the failure, not "no record".
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ETIMEOUT) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ENODATA) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_ENODATA) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_EBADRESP) == Cause::dns_error);
}

TEST_CASE("between two failures an answer beats silence", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ECONNREFUSED, ARES_ECONNREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ETIMEOUT) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_EBADRESP, ARES_EFORMERR) == Cause::dns_error);

    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_ETIMEOUT) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_EREFUSED) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ECONNREFUSED, ARES_ETIMEOUT) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_EBADRESP, ARES_ETIMEOUT) == Cause::dns_error);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_EBADRESP) == Cause::dns_refused);
}

TEST_CASE("a resolved name lists its addresses and a family that failed", "[error_map][dns]") {
    auto verdict = dns_verdict(answers(ARES_SUCCESS, ARES_ENODATA, {"10.1.0.1"}));
    CHECK(verdict.cause == Cause::none);
    CHECK(verdict.detail == "kafka.example resolved to 10.1.0.1 via 10.0.0.2:53");

    verdict = dns_verdict(answers(ARES_SUCCESS, ARES_ETIMEOUT, {"10.1.0.1", "10.1.0.2"}));
    CHECK(verdict.cause == Cause::none);
    CHECK(verdict.detail ==
          "kafka.example resolved to 10.1.0.1, 10.1.0.2 via 10.0.0.2:53 (the AAAA query: no "
          "answer)");

    verdict = dns_verdict(answers(ARES_ESERVFAIL, ARES_SUCCESS, {"fd00::1"}));
    CHECK(verdict.detail ==
          "kafka.example resolved to fd00::1 via 10.0.0.2:53 (the A query: SERVFAIL)");
}

TEST_CASE("each failure says what the resolver said, and both queries when they differ",
          "[error_map][dns]") {
    CHECK(dns_verdict(answers(ARES_ENOTFOUND, ARES_ENOTFOUND)).detail ==
          "kafka.example does not exist (NXDOMAIN) according to 10.0.0.2:53");
    CHECK(dns_verdict(answers(ARES_ENOTFOUND, ARES_ETIMEOUT)).detail ==
          "kafka.example does not exist (NXDOMAIN) according to 10.0.0.2:53 (A: NXDOMAIN, AAAA: "
          "no answer)");
    CHECK(dns_verdict(answers(ARES_ENODATA, ARES_ENODATA)).detail ==
          "kafka.example exists but has no A or AAAA record (NODATA) according to 10.0.0.2:53");
    CHECK(dns_verdict(answers(ARES_ESERVFAIL, ARES_ENODATA)).detail ==
          "10.0.0.2:53 failed to resolve kafka.example (SERVFAIL) (A: SERVFAIL, AAAA: no record "
          "(NODATA))");
    CHECK(dns_verdict(answers(ARES_EREFUSED, ARES_EREFUSED)).detail ==
          "10.0.0.2:53 refused to resolve kafka.example (REFUSED)");
    CHECK(dns_verdict(answers(ARES_ECONNREFUSED, ARES_ECONNREFUSED)).detail ==
          "nothing listens for DNS at 10.0.0.2:53 (connection refused), so kafka.example was not "
          "resolved");
    CHECK(dns_verdict(answers(ARES_ECONNREFUSED, ARES_ECONNREFUSED, {}, "10.0.0.2:53, 10.0.0.3:53"))
              .detail ==
          "every resolver (10.0.0.2:53, 10.0.0.3:53) refused or was not listening, so "
          "kafka.example was not resolved");
    const auto other = dns_verdict(answers(ARES_EBADRESP, ARES_EBADRESP));
    CHECK(other.cause == Cause::dns_error);
    CHECK(other.detail == std::string("looking up A/AAAA for kafka.example via 10.0.0.2:53 "
                                      "failed: ") +
                              ares_strerror(ARES_EBADRESP));
}

TEST_CASE("a timeout names the configured bound as --timeout is written", "[error_map][dns]") {
    auto timed_out = answers(ARES_ETIMEOUT, ARES_ETIMEOUT);
    timed_out.timeout = 1250ms;
    const auto verdict = dns_verdict(timed_out);
    CHECK(verdict.cause == Cause::dns_timeout);
    CHECK(verdict.detail ==
          "no answer to the A/AAAA queries for kafka.example from 10.0.0.2:53 within 1.25s");
}

TEST_CASE("a refusal while this host is out of descriptors is this host's failure",
          "[error_map][dns]") {
    const auto refused = answers(ARES_ECONNREFUSED, ARES_ECONNREFUSED);
    const auto verdict = dns_verdict(refused);
    REQUIRE(verdict.cause == Cause::dns_refused);

    const auto local = with_local_socket_state(verdict, refused, EMFILE);
    CHECK(local.cause == Cause::dns_error);
    CHECK(local.detail.rfind("cannot ask 10.0.0.2:53 about kafka.example: this host is out of "
                             "file descriptors (",
                             0) == 0);
    CHECK(local.detail.find("raise ulimit -n") != std::string::npos);
    CHECK(with_local_socket_state(verdict, refused, ENFILE).cause == Cause::dns_error);

    // A socket that opens, or fails for another reason, leaves the refusal as it is.
    CHECK(with_local_socket_state(verdict, refused, 0).detail == verdict.detail);
    CHECK(with_local_socket_state(verdict, refused, EACCES).cause == Cause::dns_refused);
    // Only a refusal can hide a local failure.
    const auto timed_out = answers(ARES_ETIMEOUT, ARES_ETIMEOUT);
    CHECK(with_local_socket_state(dns_verdict(timed_out), timed_out, EMFILE).cause ==
          Cause::dns_timeout);
}

namespace {

vpcprobe::ReverseAnswers reverse(int status_ptr, std::string reverse_name = "") {
    vpcprobe::ReverseAnswers out;
    out.address = "10.0.0.5";
    out.source = "dns";
    out.status_ptr = status_ptr;
    out.reverse_name = std::move(reverse_name);
    out.servers = "10.0.0.2:53";
    out.timeout = 3s;
    return out;
}

}  // namespace

TEST_CASE("a reverse lookup that gave no name says why and that the address is used",
          "[error_map][dns][canonical]") {
    using vpcprobe::canonical_verdict;
    const auto servfail = canonical_verdict(reverse(ARES_ESERVFAIL));
    CHECK(servfail.name.empty());
    CHECK(servfail.host() == "10.0.0.5");
    CHECK(servfail.cause == Cause::dns_servfail);
    CHECK(servfail.ares_status == ARES_ESERVFAIL);
    CHECK(servfail.detail ==
          "the PTR query for 10.0.0.5 via 10.0.0.2:53 failed: SERVFAIL; the client uses 10.0.0.5 "
          "itself as the name");
    CHECK(canonical_verdict(reverse(ARES_ENODATA)).detail ==
          "10.0.0.5 has no PTR record (no record (NODATA) from 10.0.0.2:53); the client uses "
          "10.0.0.5 itself as the name");
    CHECK(canonical_verdict(reverse(ARES_ETIMEOUT)).detail ==
          "no answer to the PTR query for 10.0.0.5 from 10.0.0.2:53 within 3s; the client uses "
          "10.0.0.5 itself as the name");
}

TEST_CASE("a reverse name is taken only when its lookup lists the address",
          "[error_map][dns][canonical]") {
    using vpcprobe::canonical_verdict;
    auto answers = reverse(ARES_SUCCESS, "b-1.internal.example");
    answers.forward.status = vpcprobe::StageStatus::ok;
    answers.forward.addresses = {"10.0.0.7", "10.0.0.5"};
    const auto taken = canonical_verdict(answers);
    CHECK(taken.name == "b-1.internal.example");
    CHECK(taken.host() == "b-1.internal.example");
    CHECK(taken.cause == Cause::none);

    answers.forward.addresses = {"10.0.0.7"};
    const auto elsewhere = canonical_verdict(answers);
    CHECK(elsewhere.name.empty());
    CHECK(elsewhere.reverse_name == "b-1.internal.example");
    CHECK(elsewhere.host() == "10.0.0.5");

    answers.source = "hosts-file";
    answers.hosts_path = "/etc/hosts";
    answers.forward.addresses = {"10.0.0.5"};
    const auto from_file = canonical_verdict(answers);
    CHECK(from_file.name == "b-1.internal.example");
    CHECK(from_file.ares_status == 0);
    CHECK(from_file.detail ==
          "10.0.0.5 is b-1.internal.example in /etc/hosts, which resolves back to it");
}

TEST_CASE("whether a resolver answered at all: any rcode counts, silence and refusal do not",
          "[error_map][dns]") {
    CHECK(resolver_answered(ARES_SUCCESS, ARES_ETIMEOUT));
    CHECK(resolver_answered(ARES_ETIMEOUT, ARES_ENODATA));
    CHECK(resolver_answered(ARES_ENOTFOUND, ARES_ENOTFOUND));
    CHECK(resolver_answered(ARES_ESERVFAIL, ARES_ETIMEOUT));
    CHECK(resolver_answered(ARES_EREFUSED, ARES_EREFUSED));
    CHECK_FALSE(resolver_answered(ARES_ETIMEOUT, ARES_ETIMEOUT));
    CHECK_FALSE(resolver_answered(ARES_ECONNREFUSED, ARES_ETIMEOUT));
}

namespace {

DnsVerdict udp_timeout(const DnsAnswers& udp) {
    DnsVerdict verdict = dns_verdict(udp);
    REQUIRE(verdict.cause == Cause::dns_timeout);
    return verdict;
}

DnsTcpFallback over_tcp(int status_a, int status_aaaa, std::vector<std::string> addresses = {}) {
    DnsTcpFallback tcp;
    tcp.answered = resolver_answered(status_a, status_aaaa);
    tcp.cause = cause_from_ares_pair(status_a, status_aaaa);
    tcp.ares_status_a = status_a;
    tcp.ares_status_aaaa = status_aaaa;
    tcp.addresses = std::move(addresses);
    return tcp;
}

}  // namespace

TEST_CASE("a UDP timeout TCP answers stays dns.timeout and says UDP/53 is blocked",
          "[error_map][dns]") {
    const DnsAnswers udp = answers(ARES_ETIMEOUT, ARES_ETIMEOUT);
    const DnsVerdict verdict = with_tcp_fallback(
        udp_timeout(udp), udp, over_tcp(ARES_SUCCESS, ARES_ENODATA, {"10.0.0.5"}));
    CHECK(verdict.cause == Cause::dns_timeout);
    CHECK(verdict.detail ==
          "no answer over UDP/53 from 10.0.0.2:53 within 3s to the A/AAAA queries for "
          "kafka.example; over TCP/53 it answers (10.0.0.5): UDP/53 is blocked between this host "
          "and the resolver, and a client using the C library's resolver, which does not retry "
          "over TCP, cannot resolve kafka.example");
}

TEST_CASE("a TCP answer without addresses is named by its rcode", "[error_map][dns]") {
    const DnsAnswers udp = answers(ARES_ETIMEOUT, ARES_ETIMEOUT);
    const auto nxdomain =
        with_tcp_fallback(udp_timeout(udp), udp, over_tcp(ARES_ENOTFOUND, ARES_ENOTFOUND));
    CHECK(nxdomain.detail.find("it answers (NXDOMAIN): UDP/53 is blocked") != std::string::npos);
    const auto nodata =
        with_tcp_fallback(udp_timeout(udp), udp, over_tcp(ARES_ETIMEOUT, ARES_ENODATA));
    CHECK(nodata.detail.find("it answers (no record (NODATA))") != std::string::npos);
}

TEST_CASE("a UDP timeout TCP does not answer either says both were tried", "[error_map][dns]") {
    const DnsAnswers udp = answers(ARES_ETIMEOUT, ARES_ETIMEOUT, {}, "10.0.0.2:53, 10.0.0.3:53");
    const auto silent =
        with_tcp_fallback(udp_timeout(udp), udp, over_tcp(ARES_ETIMEOUT, ARES_ETIMEOUT));
    CHECK(silent.cause == Cause::dns_timeout);
    CHECK(silent.detail ==
          "no answer over UDP/53 from 10.0.0.2:53, 10.0.0.3:53 within 3s to the A/AAAA queries "
          "for kafka.example; asked again over TCP/53: no answer within 3s either, so neither UDP "
          "nor TCP reaches the resolver");
    const auto refused =
        with_tcp_fallback(udp_timeout(udp), udp, over_tcp(ARES_ECONNREFUSED, ARES_ECONNREFUSED));
    CHECK(refused.detail.find("asked again over TCP/53: connection refused") != std::string::npos);
    CHECK(refused.detail.find("neither") == std::string::npos);
}

TEST_CASE("servers on different ports name no port", "[error_map][dns]") {
    const DnsAnswers udp = answers(ARES_ETIMEOUT, ARES_ETIMEOUT, {}, "10.0.0.2:53, 10.0.0.3:5353");
    const auto verdict = with_tcp_fallback(udp_timeout(udp), udp,
                                           over_tcp(ARES_SUCCESS, ARES_ENODATA, {"10.0.0.5"}));
    CHECK(verdict.detail.find("no answer over UDP from") != std::string::npos);
    CHECK(verdict.detail.find("UDP is blocked") != std::string::npos);
}

TEST_CASE("a verdict other than a timeout is left as it is", "[error_map][dns]") {
    const DnsAnswers udp = answers(ARES_ESERVFAIL, ARES_ESERVFAIL);
    const DnsVerdict before = dns_verdict(udp);
    const DnsVerdict after =
        with_tcp_fallback(before, udp, over_tcp(ARES_SUCCESS, ARES_ENODATA, {"10.0.0.5"}));
    CHECK(after.cause == before.cause);
    CHECK(after.detail == before.detail);
}
