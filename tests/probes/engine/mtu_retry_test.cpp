// SPDX-License-Identifier: Apache-2.0
// probes/engine/mtu_retry.h: which stalls are retried, the order of the clamps, what an attempt
// records, and the kernel's path MTU read from a connected UDP socket (on loopback: lo's MTU,
// capped at the largest IPv4 packet).
#include <catch2/catch.hpp>

#include <boost/asio/ip/address.hpp>

#include "probes/engine/mtu_retry.h"

using namespace vpcprobe;

namespace {

AddressEvidence connected() {
    AddressEvidence address;
    address.address = "10.0.0.5";
    address.tcp.status = StageStatus::ok;
    return address;
}

}  // namespace

TEST_CASE("a TLS or protocol stall after TCP connected is retried; nothing else is") {
    AddressEvidence tls = connected();
    tls.tls.status = StageStatus::failed;
    tls.tls.cause = Cause::tls_timeout;
    CHECK(stalled_stage(tls, false) == "tls");
    CHECK_FALSE(stalled_stage(tls, true).has_value());  // --tcp-only

    AddressEvidence protocol = connected();
    protocol.tls.status = StageStatus::ok;
    protocol.protocol.status = StageStatus::failed;
    protocol.protocol.cause = Cause::protocol_timeout;
    CHECK(stalled_stage(protocol, false) == "protocol");
    protocol.tls.status = StageStatus::skipped;  // a plaintext target
    CHECK(stalled_stage(protocol, false) == "protocol");
    // The plaintext try after a failed handshake is not the client's check.
    protocol.tls.status = StageStatus::failed;
    protocol.tls.cause = Cause::tls_not_tls;
    CHECK_FALSE(stalled_stage(protocol, false).has_value());

    AddressEvidence refused = connected();
    refused.tls.status = StageStatus::failed;
    refused.tls.cause = Cause::tls_handshake_failed;
    CHECK_FALSE(stalled_stage(refused, false).has_value());

    AddressEvidence dropped;
    dropped.tcp.status = StageStatus::failed;
    dropped.tcp.cause = Cause::tcp_timeout;
    CHECK_FALSE(stalled_stage(dropped, false).has_value());
}

TEST_CASE("536 first; 1200 only when 536 got through; the largest that completed works") {
    MtuEvidence mtu = start_mtu_evidence("tls", 1500);
    CHECK(mtu.kernel_path_mtu == 1500);
    CHECK(next_retry_mss(mtu) == 536);

    TlsEvidence stalled;
    stalled.status = StageStatus::failed;
    stalled.cause = Cause::tls_timeout;
    stalled.detail = "no TLS answer in 1s";
    TlsEvidence completed;
    completed.status = StageStatus::ok;

    mtu.attempts.push_back(attempt_outcome("tls", 536, completed, true, 4.2));
    CHECK(mtu.working_mss() == 536);
    CHECK(mtu.attempts.back().completed);
    CHECK(mtu.attempts.back().cause == Cause::none);
    CHECK(next_retry_mss(mtu) == 1200);

    SECTION("1200 stalls: 536 is what works") {
        mtu.attempts.push_back(attempt_outcome("tls", 1200, stalled, false, 1000.3));
        CHECK(mtu.working_mss() == 536);
        CHECK(mtu.attempts.back().cause == Cause::tls_timeout);
        CHECK(mtu.attempts.back().detail == "no TLS answer in 1s");
    }
    SECTION("1200 completes too: 1200 is what works") {
        mtu.attempts.push_back(attempt_outcome("tls", 1200, completed, true, 3.0));
        CHECK(mtu.working_mss() == 1200);
    }
    CHECK(next_retry_mss(mtu) == 0);

    // The smallest segments stalled too: no larger clamp is tried, it is not the path's MTU.
    MtuEvidence none = start_mtu_evidence("tls", 0);
    none.attempts.push_back(attempt_outcome("tls", 536, stalled, false, 1000));
    CHECK(none.working_mss() == 0);
    CHECK(next_retry_mss(none) == 0);
}

TEST_CASE("a protocol retry completes on any answer, not on its timeout") {
    ProtocolEvidence answered;
    answered.status = StageStatus::failed;
    answered.cause = Cause::protocol_auth_failed;
    CHECK(attempt_outcome("protocol", 1200, answered, false, 5).completed);
    ProtocolEvidence silent;
    silent.status = StageStatus::failed;
    silent.cause = Cause::protocol_timeout;
    const MssAttempt attempt = attempt_outcome("protocol", 1200, silent, false, 1000);
    CHECK_FALSE(attempt.completed);
    CHECK(attempt.cause == Cause::protocol_timeout);

    TcpEvidence refused;
    refused.status = StageStatus::failed;
    refused.cause = Cause::tcp_refused;
    refused.detail = "refused";
    const MssAttempt no_connect = connect_failed(536, refused, 0.4);
    CHECK_FALSE(no_connect.completed);
    CHECK(no_connect.cause == Cause::tcp_refused);
    CHECK(no_connect.mss == 536);
}

TEST_CASE("the kernel's path MTU to a loopback address is lo's") {
    const auto loopback = boost::asio::ip::make_address("127.0.102.1");
    CHECK(kernel_path_mtu(loopback, std::nullopt) == 65535);
    CHECK(kernel_path_mtu(loopback, boost::asio::ip::make_address("127.0.0.1")) == 65535);
    // A source of the other family is not used: the kernel picks one.
    CHECK(kernel_path_mtu(loopback, boost::asio::ip::make_address("::1")) == 65535);
    // A source address this host does not have: the kernel refuses it, and nothing is said.
    CHECK(kernel_path_mtu(boost::asio::ip::make_address("127.0.102.1"),
                          boost::asio::ip::make_address("192.0.2.1")) == 0);
}
