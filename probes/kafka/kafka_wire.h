// SPDX-License-Identifier: Apache-2.0
// Kafka wire codec for the Kafka check (probes/kafka/kafka_probe.h): encodes the few requests the
// check sends (ApiVersions v0/v3, SaslHandshake v1, SaslAuthenticate v0/v1, Metadata v1..v8 for
// no topics) and decodes their answers with strict bounds. Pure functions over byte spans: no
// I/O, no exceptions, no reads out of bounds, and no allocation driven by a count or length
// before it is checked against the bytes actually present — the answers come from peers that
// may be anything (an HTTP server, a TLS endpoint, noise), and this code is fuzzed.
//
// Frames: every request returned here carries its 4-byte big-endian size prefix; decoders take
// a response body *without* its size prefix (what follows the prefix, exactly `size` bytes).
// Every ApiVersions answer uses response header v0 (no tagged fields), also for v3; the other
// answers used here are non-flexible versions, so header v0 too.
//
// Threading: no state; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/evidence.h"
#include "core/kafka_errors.h"
#include "core/result.h"

namespace vpcprobe::kafka {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

inline constexpr std::int16_t kMetadataKey = 3;
inline constexpr std::int16_t kSaslHandshakeKey = 17;
inline constexpr std::int16_t kApiVersionsKey = 18;
inline constexpr std::int16_t kSaslAuthenticateKey = 36;

inline constexpr std::int16_t kErrorNone = 0;
inline constexpr std::int16_t kErrorUnsupportedSaslMechanism = 33;
inline constexpr std::int16_t kErrorIllegalSaslState = 34;
inline constexpr std::int16_t kErrorUnsupportedVersion = 35;
inline constexpr std::int16_t kErrorSaslAuthenticationFailed = 58;

// Kafka's error names (core/kafka_errors.h), as the wire codec's callers have always used them.
using ::vpcprobe::describe_kafka_error;
using ::vpcprobe::kafka_error_name;

// ---------------------------------------------------------------------------------------------
// Requests (each with its size prefix)

// ApiVersions v0 (empty body, request header v1) or v3 (request header v2 with tagged fields,
// body: compact client_software_name "vpcprobe", compact client_software_version). Any other
// version is encoded as v0.
Bytes encode_api_versions_request(std::int16_t version, std::int32_t correlation_id,
                                  std::string_view client_id, std::string_view software_version);
// SaslHandshake v1: the mechanism name.
Bytes encode_sasl_handshake_request(std::int32_t correlation_id, std::string_view client_id,
                                    std::string_view mechanism);
// SaslAuthenticate v0 or v1 (same body: auth_bytes as BYTES).
Bytes encode_sasl_authenticate_request(std::int16_t version, std::int32_t correlation_id,
                                       std::string_view client_id, ByteSpan auth_bytes);
// Metadata v1..v8 (clamped) for no topics (an empty array, not null: null means all topics);
// v4+ allow_auto_topic_creation=false; v8 include_*_authorized_operations=false.
Bytes encode_metadata_request(std::int16_t version, std::int32_t correlation_id,
                              std::string_view client_id);

// The Metadata version to ask: min(8, the broker's max), at least 1; nullopt when the
// broker's range does not include any of 1..8 (or it lists no Metadata at all).
std::optional<std::int16_t> choose_metadata_version(const std::vector<KafkaApiRange>& apis);
// The broker's range for one API, if it lists it.
std::optional<KafkaApiRange> find_api(const std::vector<KafkaApiRange>& apis, std::int16_t key);

// ---------------------------------------------------------------------------------------------
// The size prefix

enum class SizeVerdict {
    ok,         // a plausible Kafka frame size within the bound
    too_large,  // plausible for Kafka but above max_frame_bytes
    not_kafka,  // text, a TLS record, a negative or too small size: not a Kafka answer
};

struct SizeCheck {
    SizeVerdict verdict = SizeVerdict::not_kafka;
    std::uint32_t size = 0;   // the prefix as an unsigned number
    std::string what;         // for not_kafka: what the bytes look like, for people
    bool tls_record = false;  // not_kafka because the bytes are a TLS record header
};

// Judges the first bytes of an answer (at least 4 should be given; fewer is not_kafka). The
// bytes after the prefix, if any, only make the description better ("the answer starts with
// 'HTTP/1.1 400': an HTTP server, not a Kafka broker").
SizeCheck check_size_prefix(ByteSpan first_bytes, std::size_t max_frame_bytes);

// ---------------------------------------------------------------------------------------------
// Responses (bodies without the size prefix)

struct ApiVersionsResponse {
    std::int16_t error_code = 0;
    std::vector<KafkaApiRange> apis;
    std::int32_t throttle_time_ms = 0;
    bool v0_body = false;  // answered in the v0 format (the UNSUPPORTED_VERSION fallback)
};

struct SaslHandshakeResponse {
    std::int16_t error_code = 0;
    std::vector<std::string> mechanisms;
};

struct SaslAuthenticateResponse {
    std::int16_t error_code = 0;
    std::optional<std::string> error_message;
    Bytes auth_bytes;
    std::int64_t session_lifetime_ms = 0;  // v1+
};

struct MetadataResponse {
    std::int32_t throttle_time_ms = 0;  // v3+
    std::vector<KafkaBroker> brokers;
    std::optional<std::string> cluster_id;  // v2+
    std::int32_t controller_id = -1;        // v1+
};

// Each decoder checks the correlation id first, then parses; on failure the Error says what was
// wrong ("correlation id 7, expected 1", "broker count 2147483647 does not fit the 12 bytes
// left"). Trailing bytes after what is parsed are allowed (newer tagged fields, topics of
// Metadata).
//
// ApiVersions: `version` is the version asked. When a v3 answer carries UNSUPPORTED_VERSION
// the body is the v0 format (error code + INT32 array) and parsed as such; if that list does not
// parse (librdkafka's mock writes another layout) the answer is still accepted with no APIs:
// the caller only needs the error code to ask again at v0.
Result<ApiVersionsResponse> decode_api_versions_response(ByteSpan body, std::int32_t correlation_id,
                                                         std::int16_t version);
Result<SaslHandshakeResponse> decode_sasl_handshake_response(ByteSpan body,
                                                             std::int32_t correlation_id);
Result<SaslAuthenticateResponse> decode_sasl_authenticate_response(ByteSpan body,
                                                                   std::int32_t correlation_id,
                                                                   std::int16_t version);
Result<MetadataResponse> decode_metadata_response(ByteSpan body, std::int32_t correlation_id,
                                                  std::int16_t version);

// The first line of an answer as text for a detail: up to `max_chars` characters before the
// first CR/LF, other non-printable bytes shown as '.'.
std::string printable_excerpt(ByteSpan bytes, std::size_t max_chars = 40);

// The correlation id a response body starts with, if it has 4 bytes.
std::optional<std::int32_t> peek_correlation_id(ByteSpan body);

}  // namespace vpcprobe::kafka
