// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/mtu_retry.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <iterator>
#include <utility>

#include "core/descriptor.h"

namespace vpcprobe {

namespace {

// An address and port as the socket calls take them.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    SocketAddress(const boost::asio::ip::address& address, std::uint16_t port) {
        if (address.is_v4()) {
            auto* in = reinterpret_cast<sockaddr_in*>(&storage);
            in->sin_family = AF_INET;
            in->sin_port = htons(port);
            const auto bytes = address.to_v4().to_bytes();
            std::copy(bytes.begin(), bytes.end(), reinterpret_cast<unsigned char*>(&in->sin_addr));
            length = sizeof *in;
        } else {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(port);
            const auto v6 = address.to_v6();
            const auto bytes = v6.to_bytes();
            std::copy(bytes.begin(), bytes.end(), in6->sin6_addr.s6_addr);
            in6->sin6_scope_id = v6.scope_id();
            length = sizeof *in6;
        }
    }
    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

}  // namespace

std::optional<std::string> stalled_stage(const AddressEvidence& address, bool tcp_only) {
    if (tcp_only || address.tcp.status != StageStatus::ok) return std::nullopt;
    if (address.tls.cause == Cause::tls_timeout) return std::string("tls");
    // A protocol stall after a failed handshake is the plaintext try of a TLS failure
    // (probes/engine/wrong_scheme.h), not the check the client makes.
    if (address.protocol.cause == Cause::protocol_timeout &&
        address.tls.status != StageStatus::failed) {
        return std::string("protocol");
    }
    return std::nullopt;
}

MtuEvidence start_mtu_evidence(std::string stalled_stage, int kernel_path_mtu) {
    MtuEvidence mtu;
    mtu.stalled_stage = std::move(stalled_stage);
    mtu.kernel_path_mtu = kernel_path_mtu;
    return mtu;
}

int next_retry_mss(const MtuEvidence& mtu) {
    const std::size_t tried = mtu.attempts.size();
    if (tried >= std::size(kMtuRetryMss)) return 0;
    if (tried > 0 && !mtu.attempts.front().completed) return 0;
    return kMtuRetryMss[tried];
}

MssAttempt attempt_outcome(const std::string& stage, int mss, const StageResult& result,
                           bool handshake_completed, double ms) {
    MssAttempt attempt;
    attempt.mss = mss;
    attempt.ms = ms;
    // A protocol answer of any kind (an error, a refusal) proves the server's packets arrive;
    // only silence until the timeout is the symptom being tested.
    attempt.completed = stage == "tls" ? handshake_completed
                                       : result.cause != Cause::protocol_timeout &&
                                             result.cause != Cause::run_deadline;
    if (attempt.completed) {
        attempt.detail =
            stage == "tls" ? "the TLS handshake completed" : "the protocol check got its answer";
        return attempt;
    }
    attempt.cause = result.cause;
    attempt.detail = result.detail;
    return attempt;
}

MssAttempt connect_failed(int mss, const TcpEvidence& tcp, double ms) {
    MssAttempt attempt;
    attempt.mss = mss;
    attempt.ms = ms;
    attempt.cause = tcp.cause;
    attempt.detail = tcp.detail;
    return attempt;
}

int kernel_path_mtu(const boost::asio::ip::address& destination,
                    const std::optional<boost::asio::ip::address>& source) {
    const bool v4 = destination.is_v4();
    Descriptor fd(::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return 0;
    // The same source as the probe, so the kernel picks the route the connection took.
    if (source && source->is_v4() == v4) {
        const SocketAddress from(*source, 0);
        if (::bind(fd.get(), from.get(), from.length) != 0) return 0;
    }
    const SocketAddress to(destination, 9);  // any port: connect() on UDP sends nothing
    if (::connect(fd.get(), to.get(), to.length) != 0) return 0;
    int mtu = 0;
    socklen_t size = sizeof mtu;
    if (::getsockopt(fd.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_MTU : IPV6_MTU, &mtu,
                     &size) != 0) {
        return 0;
    }
    return mtu;
}

}  // namespace vpcprobe
