// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the decoding of recvmsg(MSG_ERRQUEUE) control messages
// (probes/tcp/icmp_queue.h decode_error_queue_control), then the cause the TCP probe maps the
// decoded error to (probes/tcp/error_map_tcp.h cause_from_connect), as probes/tcp/tcp_probe.cpp
// does. Input: the control bytes, as recvmsg would have filled msg_control (libFuzzer hands them in
// a buffer of exactly their size, so ASan catches a read past them). Checks: the same bytes at an
// odd address decode the same (no alignment assumed); an offender is address text or nothing; the
// cause has a code and an explanation; the same bytes read as a quoted TCP header give the same
// ports wherever they sit (decode_quoted_ports); abort otherwise.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "core/cause.h"
#include "probes/tcp/error_map_tcp.h"
#include "probes/tcp/icmp_queue.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

bool address_text(const std::string& text) {
    if (text.size() > 45) return false;  // INET6_ADDRSTRLEN - 1
    for (const char c : text) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const unsigned char> control(data, size);
    const auto decoded = vpcprobe::decode_error_queue_control(control);

    const auto shifted = std::make_unique<unsigned char[]>(size + 1);
    if (size > 0) std::memcpy(shifted.get() + 1, data, size);
    const auto again = vpcprobe::decode_error_queue_control(
        std::span<const unsigned char>(shifted.get() + 1, size));
    require(decoded.has_value() == again.has_value());
    // The quoted header's ports: read only from bytes that are there, the same wherever the
    // buffer sits.
    vpcprobe::QueuedIcmpError quoted;
    vpcprobe::QueuedIcmpError quoted_again;
    vpcprobe::decode_quoted_ports(control, quoted);
    vpcprobe::decode_quoted_ports(std::span<const unsigned char>(shifted.get() + 1, size),
                                  quoted_again);
    require(quoted.quoted_source_port == quoted_again.quoted_source_port &&
            quoted.quoted_destination_port == quoted_again.quoted_destination_port);
    require(size >= 4 || (quoted.quoted_source_port == 0 && quoted.quoted_destination_port == 0));
    if (!decoded) return 0;
    require(decoded->report.origin == again->report.origin &&
            decoded->report.type == again->report.type &&
            decoded->report.code == again->report.code &&
            decoded->report.offender == again->report.offender &&
            decoded->error_number == again->error_number);
    require(address_text(decoded->report.offender));

    const vpcprobe::Cause cause =
        vpcprobe::cause_from_connect(decoded->error_number, decoded->report);
    if (cause != vpcprobe::Cause::none) {
        require(!vpcprobe::code(cause).empty() && !vpcprobe::explain(cause).empty());
    }
    return 0;
}
