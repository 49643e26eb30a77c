// SPDX-License-Identifier: Apache-2.0
// Path-MTU black holes as the diagnosis reads them (docs/report.md, "MTU black holes"): an
// address whose TLS handshake or protocol exchange stalled (the cause a client sees stays
// tls.timeout / protocol.timeout) and that a retry with a clamped MSS got through
// (AddressEvidence::mtu, probes/engine/mtu_retry.h). The finding network.mtu_blackhole_suspected
// (findings.cpp) and the per-target remedy (remedies.cpp) share these sentences.
//
// Pure functions over plain values: safe from any thread.
#pragma once

#include <string>

#include "core/evidence.h"

namespace vpcprobe {

// The address stalled and a clamp completed where the first try did not.
bool mtu_blackhole_suspected(const AddressEvidence& address);

// The largest packet the working MSS implies: MSS + 40 bytes of IPv4 and TCP headers, + 60 for
// IPv6 (an address with a colon).
int implied_path_mtu(int mss, const std::string& address);

// "its TLS handshake" / "its Kafka exchange"-style phrase for the stage that stalled.
std::string stalled_stage_phrase(const MtuEvidence& mtu);

// "MSS 1200 completed the TLS handshake to 10.0.1.5:9093 where full-size packets stalled it:
// packets of up to 1240 bytes get through, full-size ones do not; the kernel still holds a path
// MTU of 1500 to it, so no ICMP fragmentation-needed came back". `endpoint` is address:port.
std::string mtu_blackhole_fact(const AddressEvidence& address, const std::string& endpoint);

// What to do, for a path on which segments of `mss` get through: let the ICMP through, or clamp
// the MSS on the tunnel or router.
std::string mtu_blackhole_remedy(int mss);

}  // namespace vpcprobe
