// SPDX-License-Identifier: Apache-2.0
// Kafka check: proves a Kafka broker answers on a connected stream, without credentials, and
// with credentials lists the brokers it advertises.
//
//   1. ApiVersions (api key 18) v3; on UNSUPPORTED_VERSION (35) again at v0. A valid answer
//      proves a broker; its API ranges are reported.
//   2. With SASL credentials: SaslHandshake (17) v1 naming the mechanism, then
//      SaslAuthenticate (36) rounds: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (RFC 5802/7677,
//      server signature verified). A refusal is protocol.auth_failed with the broker's message.
//   3. When options.metadata: Metadata (3) for no topics, at the highest version both sides
//      know (1..8, non-flexible), giving cluster id, controller and the advertised brokers.
//      Without credentials Metadata is still tried (listeners without SASL answer it); a
//      broker that then closes the connection wants SASL, which is reported in
//      metadata_not_checked, not as a failure.
//
// Every answer is parsed with strict bounds (probes/kafka/kafka_wire.h): the 4-byte size prefix is
// capped (max_frame_bytes), every count and length is checked against the bytes left, and a
// correlation id that does not match is protocol.not_kafka. Each request/answer exchange has
// its own `timeout` (protocol.timeout). Failures: protocol.not_kafka (an answer that is not a
// Kafka frame), protocol.tls_required (a TLS record in answer on a plaintext stream: a TLS
// listener), protocol.closed, protocol.timeout, protocol.too_large, protocol.auth_failed,
// protocol.kafka_error (e.g. Metadata answered with an error code).
//
// Credentials are used on the wire only: no evidence, detail or log line ever contains the
// username or password.
//
// Threading: call on the io_context's thread; `done` is called there exactly once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "core/sasl.h"
#include "probes/protocol_stream.h"

namespace vpcprobe {

struct KafkaProbeOptions {
    std::chrono::milliseconds timeout{3000};  // per request/answer exchange
    std::optional<SaslCredentials> sasl;
    // A mechanism the client uses that vpcprobe does not speak (GSSAPI, OAUTHBEARER,
    // AWS_MSK_IAM), with no credentials: the SASL handshake asks whether the broker offers it,
    // then the check stops before logging in. Ignored when `sasl` is set.
    std::string sasl_handshake_only;
    bool metadata = true;  // false for advertised brokers: ApiVersions (and SASL) only
    std::string client_id = "vpcprobe";
    std::size_t max_frame_bytes = 1 << 20;  // answers larger than this are protocol.too_large
};

void probe_kafka(std::shared_ptr<ProtocolStream> stream, const KafkaProbeOptions& options,
                 ProtocolDone done);

}  // namespace vpcprobe
