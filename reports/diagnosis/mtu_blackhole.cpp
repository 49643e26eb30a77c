// SPDX-License-Identifier: Apache-2.0
#include "reports/diagnosis/mtu_blackhole.h"

#include <fmt/format.h>

namespace vpcprobe {

bool mtu_blackhole_suspected(const AddressEvidence& address) {
    if (!address.mtu || address.mtu->working_mss() == 0) return false;
    // The retry proves the path only while the first try's stall is still the address's story.
    return address.tls.cause == Cause::tls_timeout ||
           address.protocol.cause == Cause::protocol_timeout;
}

int implied_path_mtu(int mss, const std::string& address) {
    const bool ipv6 = address.find(':') != std::string::npos;
    return mss + (ipv6 ? 60 : 40);
}

std::string stalled_stage_phrase(const MtuEvidence& mtu) {
    return mtu.stalled_stage == "protocol" ? "the protocol exchange" : "the TLS handshake";
}

std::string mtu_blackhole_fact(const AddressEvidence& address, const std::string& endpoint) {
    const MtuEvidence& mtu = *address.mtu;
    std::string fact = fmt::format(
        "{} to {} stalled, and a retry with MSS {} completed it: packets of up to {} bytes get "
        "through, full-size ones do not",
        stalled_stage_phrase(mtu), endpoint, mtu.working_mss(),
        implied_path_mtu(mtu.working_mss(), address.address));
    if (mtu.kernel_path_mtu > 0) {
        fact += fmt::format(
            "; the kernel still holds a path MTU of {} to {}: no ICMP fragmentation-needed "
            "came back, so it never learned a smaller one",
            mtu.kernel_path_mtu, address.address);
    }
    return fact;
}

std::string mtu_blackhole_remedy(int mss) {
    return fmt::format(
        "Let ICMP fragmentation-needed (IPv4 type 3 code 4) and packet-too-big (ICMPv6 type 2) "
        "through every firewall, security group and network ACL on the path, so path MTU "
        "discovery works; or clamp the MSS on the tunnel or transit router to {} or less (e.g. "
        "`iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS "
        "--clamp-mss-to-pmtu`, or the VPN's MSS setting). Behind PrivateLink or in a VPC with "
        "jumbo frames (an 8500 or 9001-byte MTU) the hosts start from the large MTU: every hop "
        "past it into a 1500-byte network needs one of the two",
        mss);
}

}  // namespace vpcprobe
