// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the mapping of a failed connect's errno and the ICMP error the kernel queued
// (probes/tcp/error_map_tcp.h cause_from_connect, over any IcmpReport a peer's router could make
// the kernel queue). The recvmsg(MSG_ERRQUEUE) byte decoding that produces an IcmpReport is the
// `icmp_queue` target's (probes/tcp/icmp_queue.h); this one reaches reports no decoding would give.
// Input: INT32 errno, then origin, type, code (one INT32 each, any value), then a flag byte
// (bit 0: an ICMP report is present) and the offender's address text.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "core/cause.h"
#include "probes/tcp/error_map_tcp.h"

namespace {

int read_int(const std::uint8_t* bytes) {
    std::int32_t value = 0;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 17) return 0;
    const int error_number = read_int(data);
    std::optional<vpcprobe::IcmpReport> icmp;
    if ((data[16] & 1) != 0) {
        icmp.emplace();
        icmp->origin = read_int(data + 4);
        icmp->type = read_int(data + 8);
        icmp->code = read_int(data + 12);
        icmp->offender.assign(reinterpret_cast<const char*>(data + 17), size - 17);
    }
    // Every report has a name the trace and the reports can print.
    if (icmp && vpcprobe::icmp_name(*icmp).empty()) std::abort();
    const vpcprobe::Cause cause = vpcprobe::cause_from_connect(error_number, icmp);
    // Every cause but `none` (a connect that did not fail) must have a code and an
    // explanation: they are what the reports print.
    if (cause != vpcprobe::Cause::none &&
        (vpcprobe::code(cause).empty() || vpcprobe::explain(cause).empty())) {
        std::abort();
    }
    return 0;
}
