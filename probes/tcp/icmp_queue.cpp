// SPDX-License-Identifier: Apache-2.0
// Error-queue control message decoding (see icmp_queue.h). The glibc macros (CMSG_NXTHDR,
// CMSG_DATA) do pointer arithmetic with cmsg_len before checking it against the buffer, so the
// walk here works on offsets and copies every structure out with memcpy instead.
#include "probes/tcp/icmp_queue.h"

#include <arpa/inet.h>
// <linux/errqueue.h> uses struct timespec without including its definition.
#include <time.h>

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace vpcprobe {

namespace {

// CMSG_ALIGN: control messages start on size_t boundaries.
constexpr std::size_t cmsg_align(std::size_t length) {
    return (length + sizeof(std::size_t) - 1) & ~(sizeof(std::size_t) - 1);
}

// Where a control message's data starts (CMSG_DATA - header, CMSG_LEN(0)).
constexpr std::size_t kDataOffset = cmsg_align(sizeof(cmsghdr));

constexpr std::size_t kIpv4AddressEnd = offsetof(sockaddr_in, sin_addr) + sizeof(in_addr);
constexpr std::size_t kIpv6AddressEnd = offsetof(sockaddr_in6, sin6_addr) + sizeof(in6_addr);

// The offender sockaddr's text, from the bytes after the sock_extended_err; "" when its family
// is not an IP one (AF_UNSPEC: unknown) or the bytes stop before the address does.
std::string offender_text(std::span<const unsigned char> bytes) {
    sa_family_t family = AF_UNSPEC;
    if (bytes.size() < sizeof family) return "";
    std::memcpy(&family, bytes.data(), sizeof family);
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET && bytes.size() >= kIpv4AddressEnd) {
        in_addr address{};
        std::memcpy(&address, bytes.data() + offsetof(sockaddr_in, sin_addr), sizeof address);
        if (inet_ntop(AF_INET, &address, text, sizeof text)) return text;
    } else if (family == AF_INET6 && bytes.size() >= kIpv6AddressEnd) {
        in6_addr address{};
        std::memcpy(&address, bytes.data() + offsetof(sockaddr_in6, sin6_addr), sizeof address);
        if (inet_ntop(AF_INET6, &address, text, sizeof text)) return text;
    }
    return "";
}

bool is_recverr(const cmsghdr& header) {
    return (header.cmsg_level == SOL_IP && header.cmsg_type == IP_RECVERR) ||
           (header.cmsg_level == SOL_IPV6 && header.cmsg_type == IPV6_RECVERR);
}

}  // namespace

std::optional<QueuedIcmpError> decode_error_queue_control(std::span<const unsigned char> control) {
    std::size_t offset = 0;
    // Each step moves on by at least kDataOffset bytes, so the walk ends within the buffer.
    while (control.size() - offset >= sizeof(cmsghdr)) {
        cmsghdr header{};
        std::memcpy(&header, control.data() + offset, sizeof header);
        const std::size_t length = header.cmsg_len;
        // Shorter than its own header (CMSG_NXTHDR ends there too), or claiming bytes that are
        // not there (a truncated or forged message): nothing after it can be trusted.
        if (length < kDataOffset || length > control.size() - offset) break;
        if (is_recverr(header) && length - kDataOffset >= sizeof(sock_extended_err)) {
            const auto data = control.subspan(offset + kDataOffset, length - kDataOffset);
            sock_extended_err extended{};
            std::memcpy(&extended, data.data(), sizeof extended);
            QueuedIcmpError error;
            error.report.origin = extended.ee_origin;
            error.report.type = extended.ee_type;
            error.report.code = extended.ee_code;
            // SO_EE_OFFENDER: the sender's address follows the struct (AF_UNSPEC if unknown).
            error.report.offender = offender_text(data.subspan(sizeof extended));
            error.error_number = static_cast<int>(extended.ee_errno);
            return error;
        }
        const std::size_t step = cmsg_align(length);
        if (step >= control.size() - offset) break;
        offset += step;
    }
    return std::nullopt;
}

void decode_quoted_ports(std::span<const unsigned char> quoted, QueuedIcmpError& error) {
    if (quoted.size() < 4) return;
    error.quoted_source_port = static_cast<std::uint16_t>((quoted[0] << 8) | quoted[1]);
    error.quoted_destination_port = static_cast<std::uint16_t>((quoted[2] << 8) | quoted[3]);
}

}  // namespace vpcprobe
