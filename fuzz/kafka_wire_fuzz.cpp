// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: every Kafka response decoder of probes/kafka/kafka_wire.h, fed bytes as a
// broker (or whatever answers on a Kafka port) could send them. The first input byte picks the
// decoder, the second its version and whether the correlation id matches; the rest is the body.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "probes/kafka/kafka_wire.h"

namespace kafka = vpcprobe::kafka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t selector = data[0];
    const std::uint8_t version_byte = data[1];
    const kafka::ByteSpan body(data + 2, size - 2);

    // Use the id the body carries most of the time, so the decoders get past the correlation
    // check and into the parsing; the high bit of the version byte tests the mismatch path.
    const std::int32_t correlation_id =
        (version_byte & 0x80) != 0 ? 1 : kafka::peek_correlation_id(body).value_or(0);
    switch (selector % 6) {
        case 0: {
            const std::int16_t version = (version_byte & 1) != 0 ? 3 : 0;
            (void)kafka::decode_api_versions_response(body, correlation_id, version);
            break;
        }
        case 1: {
            const auto version = static_cast<std::int16_t>(1 + (version_byte & 0x7F) % 8);  // 1..8
            (void)kafka::decode_metadata_response(body, correlation_id, version);
            break;
        }
        case 2:
            (void)kafka::decode_sasl_handshake_response(body, correlation_id);
            break;
        case 3: {
            const std::int16_t version = (version_byte & 1) != 0 ? 1 : 0;
            (void)kafka::decode_sasl_authenticate_response(body, correlation_id, version);
            break;
        }
        case 4:
            // The probe's bound on a frame (the default max frame size is far below 2 GiB).
            (void)kafka::check_size_prefix(body, std::size_t{1} << (version_byte % 32));
            break;
        default:
            (void)kafka::printable_excerpt(body, version_byte);
            break;
    }
    return 0;
}
