// SPDX-License-Identifier: Apache-2.0
// Error-queue control message decoding (probes/tcp/icmp_queue.h): control bytes the Linux kernel
// really returned (captured from recvmsg(MSG_ERRQUEUE) in a private network namespace against
// nft `reject` rules, x86-64, Linux 6.x), and hand-built hostile ones: lengths that lie, short
// offenders, messages that are not errors. Every buffer is a vector of exactly its size, so
// under ASan a read past the bytes is a failure.
// <linux/errqueue.h> uses struct timespec without including its definition.
#include <time.h>

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/tcp/icmp_queue.h"

using Bytes = std::vector<unsigned char>;
using vpcprobe::decode_error_queue_control;

namespace {

// As captured (little-endian x86-64 layout: 16-byte cmsghdr, then sock_extended_err, then the
// offender sockaddr, padded to 8 bytes).
const Bytes kV4AdminProhibited = {
    0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
    0x71, 0x00, 0x00, 0x00, 0x02, 0x03, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x0a, 0x58, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
const Bytes kV6PortUnreachable = {
    0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
    0x6f, 0x00, 0x00, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// An IPv6 socket connecting to ::ffff:10.88.0.14: the ICMPv4 error comes at the IPv6 level,
// the offender as a v4-mapped address.
const Bytes kV6SocketV4Mapped = {
    0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00,
    0x71, 0x00, 0x00, 0x00, 0x02, 0x03, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xff, 0x0a, 0x58, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// A local error (UDP datagram over a 1500-byte path MTU with DF): no offender (AF_UNSPEC).
const Bytes kV4LocalMessageSize = {
    0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
    0x5a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xdc, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

bool captures_apply() {
    return sizeof(cmsghdr) == 16 && std::endian::native == std::endian::little;
}

// One control message as the kernel lays it out: header, data, padding to CMSG_SPACE. The
// header's cmsg_len says `declared_length` when given (a lie), CMSG_LEN(data) otherwise.
Bytes control_message(int level, int type, const Bytes& data,
                      std::size_t declared_length = std::numeric_limits<std::size_t>::max()) {
    Bytes out(CMSG_SPACE(data.size()), 0);
    cmsghdr header{};
    header.cmsg_len = declared_length == std::numeric_limits<std::size_t>::max()
                          ? CMSG_LEN(data.size())
                          : declared_length;
    header.cmsg_level = level;
    header.cmsg_type = type;
    std::memcpy(out.data(), &header, sizeof header);
    std::memcpy(out.data() + CMSG_LEN(0), data.data(), data.size());
    return out;
}

// sock_extended_err for an ICMP error, then `offender` (any bytes).
Bytes extended_error(std::uint8_t origin, std::uint8_t type, std::uint8_t code, int error_number,
                     const Bytes& offender) {
    sock_extended_err extended{};
    extended.ee_errno = static_cast<std::uint32_t>(error_number);
    extended.ee_origin = origin;
    extended.ee_type = type;
    extended.ee_code = code;
    // Sized once and filled by copies: GCC 12 at -O3 warns falsely (-Warray-bounds) when a
    // vector memcpy'd into then grows with insert().
    Bytes out(sizeof extended + offender.size());
    std::memcpy(out.data(), &extended, sizeof extended);
    std::copy(offender.begin(), offender.end(), out.begin() + sizeof extended);
    return out;
}

Bytes ipv4_offender(const char* text) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, text, &address.sin_addr) == 1);
    Bytes out(sizeof address);
    std::memcpy(out.data(), &address, sizeof address);
    return out;
}

Bytes ipv6_offender(const char* text) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, text, &address.sin6_addr) == 1);
    Bytes out(sizeof address);
    std::memcpy(out.data(), &address, sizeof address);
    return out;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("control messages the kernel really returned", "[icmp_queue]") {
    if (!captures_apply()) {
        WARN("SKIPPED: the captures are x86-64 little-endian layouts");
        return;
    }
    SECTION("IPv4 admin-prohibited from the rejecting host") {
        const auto error = decode_error_queue_control(kV4AdminProhibited);
        REQUIRE(error);
        CHECK(error->report.origin == SO_EE_ORIGIN_ICMP);
        CHECK(error->report.type == 3);
        CHECK(error->report.code == 13);
        CHECK(error->error_number == EHOSTUNREACH);
        CHECK(error->report.offender == "10.88.0.14");
    }
    SECTION("IPv6 port-unreachable") {
        const auto error = decode_error_queue_control(kV6PortUnreachable);
        REQUIRE(error);
        CHECK(error->report.origin == SO_EE_ORIGIN_ICMP6);
        CHECK(error->report.type == 1);
        CHECK(error->report.code == 4);
        CHECK(error->error_number == ECONNREFUSED);
        CHECK(error->report.offender == "fd00::15");
    }
    SECTION("an ICMPv4 error on an IPv6 socket") {
        const auto error = decode_error_queue_control(kV6SocketV4Mapped);
        REQUIRE(error);
        CHECK(error->report.origin == SO_EE_ORIGIN_ICMP);
        CHECK(error->report.code == 13);
        CHECK(error->report.offender == "::ffff:10.88.0.14");
    }
    SECTION("a local error names no offender") {
        const auto error = decode_error_queue_control(kV4LocalMessageSize);
        REQUIRE(error);
        CHECK(error->report.origin == SO_EE_ORIGIN_LOCAL);
        CHECK(error->error_number == EMSGSIZE);
        CHECK(error->report.offender.empty());
    }
    SECTION("cut anywhere short of its cmsg_len, a capture decodes to nothing") {
        for (std::size_t size = 0; size < kV4AdminProhibited.size(); ++size) {
            INFO(size);
            const Bytes cut(kV4AdminProhibited.begin(),
                            kV4AdminProhibited.begin() + static_cast<std::ptrdiff_t>(size));
            CHECK_FALSE(decode_error_queue_control(cut));
        }
    }
    SECTION("no alignment is assumed") {
        Bytes shifted(kV6PortUnreachable.size() + 1);
        std::memcpy(shifted.data() + 1, kV6PortUnreachable.data(), kV6PortUnreachable.size());
        const auto error = decode_error_queue_control(std::span(shifted).subspan(1));
        REQUIRE(error);
        CHECK(error->report.offender == "fd00::15");
    }
}

TEST_CASE("the first error message is the one decoded, whatever precedes it", "[icmp_queue]") {
    const Bytes other = control_message(SOL_SOCKET, SO_TIMESTAMP, Bytes(16, 0xab));
    const Bytes first = control_message(
        SOL_IP, IP_RECVERR,
        extended_error(SO_EE_ORIGIN_ICMP, 3, 1, EHOSTUNREACH, ipv4_offender("192.0.2.1")));
    const Bytes second = control_message(
        SOL_IPV6, IPV6_RECVERR,
        extended_error(SO_EE_ORIGIN_ICMP6, 1, 1, EACCES, ipv6_offender("2001:db8::1")));
    const auto error = decode_error_queue_control(concat(concat(other, first), second));
    REQUIRE(error);
    CHECK(error->report.offender == "192.0.2.1");
    CHECK(error->report.code == 1);
    const auto only_second = decode_error_queue_control(concat(other, second));
    REQUIRE(only_second);
    CHECK(only_second->report.offender == "2001:db8::1");
    CHECK(only_second->error_number == EACCES);
    CHECK_FALSE(decode_error_queue_control(other));
    // The right type at the wrong level is not an error message.
    CHECK_FALSE(decode_error_queue_control(control_message(
        SOL_SOCKET, IP_RECVERR, extended_error(SO_EE_ORIGIN_ICMP, 3, 1, EHOSTUNREACH, {}))));
}

TEST_CASE("lengths that lie end the walk inside the buffer", "[icmp_queue]") {
    const Bytes payload =
        extended_error(SO_EE_ORIGIN_ICMP, 3, 13, EHOSTUNREACH, ipv4_offender("192.0.2.7"));
    SECTION("nothing, or less than a header") {
        CHECK_FALSE(decode_error_queue_control(Bytes{}));
        CHECK_FALSE(decode_error_queue_control(Bytes(sizeof(cmsghdr) - 1, 0x30)));
    }
    SECTION("cmsg_len beyond the buffer, by one byte or by everything") {
        for (const std::size_t lie :
             {CMSG_LEN(payload.size()) + 1, CMSG_SPACE(payload.size()) + 8, std::size_t{1} << 31,
              std::numeric_limits<std::size_t>::max() - 3}) {
            INFO(lie);
            CHECK_FALSE(
                decode_error_queue_control(control_message(SOL_IP, IP_RECVERR, payload, lie)));
        }
    }
    SECTION("cmsg_len shorter than a header (0 would loop forever on a naive walk)") {
        for (const std::size_t lie : {std::size_t{0}, std::size_t{1}, sizeof(cmsghdr) - 1}) {
            INFO(lie);
            const Bytes bogus = control_message(SOL_SOCKET, SO_TIMESTAMP, Bytes(16, 0), lie);
            const Bytes good = control_message(SOL_IP, IP_RECVERR, payload);
            CHECK_FALSE(decode_error_queue_control(concat(bogus, good)));
        }
    }
    SECTION("a non-error message whose length jumps past the end") {
        const Bytes jumping =
            control_message(SOL_SOCKET, SO_TIMESTAMP, Bytes(16, 0), CMSG_LEN(16) + 64);
        CHECK_FALSE(decode_error_queue_control(
            concat(jumping, control_message(SOL_IP, IP_RECVERR, payload))));
    }
    SECTION("a message with no padding after it, last in the buffer") {
        const Bytes offender = ipv4_offender("10.0.0.1");
        Bytes tight =
            control_message(SOL_IP, IP_RECVERR,
                            extended_error(SO_EE_ORIGIN_ICMP, 3, 13, EHOSTUNREACH,
                                           Bytes(offender.begin(), offender.begin() + 9)));
        tight.resize(CMSG_LEN(sizeof(sock_extended_err) + 9));
        const auto error = decode_error_queue_control(tight);
        REQUIRE(error);
        CHECK(error->report.offender == "10.0.0.1");
    }
    SECTION("an error message too short for a sock_extended_err") {
        CHECK_FALSE(decode_error_queue_control(
            control_message(SOL_IP, IP_RECVERR, Bytes(sizeof(sock_extended_err) - 1, 0x02))));
    }
}

TEST_CASE("an offender is named only when its bytes are all there", "[icmp_queue]") {
    auto decode_with_offender = [](const Bytes& offender) {
        const auto error = decode_error_queue_control(control_message(
            SOL_IP, IP_RECVERR, extended_error(SO_EE_ORIGIN_ICMP, 3, 13, EHOSTUNREACH, offender)));
        REQUIRE(error);
        CHECK(error->error_number == EHOSTUNREACH);  // the error itself is still read
        return error->report.offender;
    };
    const Bytes v4 = ipv4_offender("198.51.100.9");
    const Bytes v6 = ipv6_offender("2001:db8::9");
    CHECK(decode_with_offender(v4) == "198.51.100.9");
    CHECK(decode_with_offender(v6) == "2001:db8::9");
    CHECK(decode_with_offender({}).empty());
    CHECK(decode_with_offender(Bytes{0x02}).empty());  // half a family
    // AF_INET with the address cut one byte short, and AF_INET6 in an IPv4-sized sockaddr.
    CHECK(decode_with_offender(Bytes(v4.begin(), v4.begin() + 7)).empty());
    CHECK(decode_with_offender(Bytes(v4.begin(), v4.begin() + 8)) == "198.51.100.9");
    CHECK(decode_with_offender(Bytes(v6.begin(), v6.begin() + 16)).empty());
    CHECK(decode_with_offender(Bytes(v6.begin(), v6.begin() + 23)).empty());
    CHECK(decode_with_offender(Bytes(v6.begin(), v6.begin() + 24)) == "2001:db8::9");
    // A family that is not IP.
    Bytes unix_family = v4;
    unix_family[0] = AF_UNIX;
    CHECK(decode_with_offender(unix_family).empty());
}

TEST_CASE("the quoted TCP header's ports are read when the bytes are there", "[icmp]") {
    vpcprobe::QueuedIcmpError error;
    const unsigned char header[] = {0x9c, 0x40, 0x23, 0x87, 0, 0, 0, 1};  // 40000 -> 9095
    vpcprobe::decode_quoted_ports(header, error);
    CHECK(error.quoted_source_port == 40000);
    CHECK(error.quoted_destination_port == 9095);

    vpcprobe::QueuedIcmpError short_one;
    vpcprobe::decode_quoted_ports(std::span(header, 3), short_one);
    CHECK(short_one.quoted_source_port == 0);
    CHECK(short_one.quoted_destination_port == 0);
}
