// SPDX-License-Identifier: Apache-2.0
// Tests only: builds Kafka protocol bytes the way a broker writes them (big-endian integers,
// INT16-prefixed strings, unsigned varints, compact strings), so the wire codec tests
// (kafka_wire_test.cpp) can decode answers made byte by byte and the check's tests
// (kafka_probe_test.cpp) can have scripted peers send them. Independent of
// probes/kafka/kafka_wire.h on purpose: a test that built its bytes with the code under test could
// not catch its mistakes.
//
// Threading: plain values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vpcprobe::test::kafka_frames {

using Bytes = std::vector<std::uint8_t>;

// A message body, appended to field by field.
struct Body {
    Bytes bytes;
    Body& i8(int value) {
        bytes.push_back(static_cast<std::uint8_t>(value));
        return *this;
    }
    Body& i16(int value) {
        const auto bits = static_cast<std::uint16_t>(value);
        bytes.push_back(static_cast<std::uint8_t>(bits >> 8));
        bytes.push_back(static_cast<std::uint8_t>(bits));
        return *this;
    }
    Body& i32(std::int64_t value) {
        const auto bits = static_cast<std::uint32_t>(value);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
        }
        return *this;
    }
    Body& i64(std::int64_t value) {
        i32(value >> 32);
        return i32(value & 0xFFFFFFFF);
    }
    Body& uvarint(std::uint32_t value) {
        while (value >= 0x80) {
            bytes.push_back(static_cast<std::uint8_t>((value & 0x7F) | 0x80));
            value >>= 7;
        }
        bytes.push_back(static_cast<std::uint8_t>(value));
        return *this;
    }
    Body& str(const std::string& text) {
        i16(static_cast<int>(text.size()));
        bytes.insert(bytes.end(), text.begin(), text.end());
        return *this;
    }
    Body& null_str() { return i16(-1); }
    Body& compact_str(const std::string& text) {
        uvarint(static_cast<std::uint32_t>(text.size() + 1));
        bytes.insert(bytes.end(), text.begin(), text.end());
        return *this;
    }
    Body& blob(const std::string& data) {  // BYTES: INT32 length
        i32(static_cast<std::int64_t>(data.size()));
        bytes.insert(bytes.end(), data.begin(), data.end());
        return *this;
    }
    // The frame: INT32 size, then the body.
    Bytes frame() const {
        Body framed;
        framed.i32(static_cast<std::int64_t>(bytes.size()));
        framed.bytes.insert(framed.bytes.end(), bytes.begin(), bytes.end());
        return framed.bytes;
    }
};

inline Bytes bytes_of(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

}  // namespace vpcprobe::test::kafka_frames
