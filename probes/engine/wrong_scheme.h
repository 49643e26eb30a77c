// SPDX-License-Identifier: Apache-2.0
// A wrong scheme, named as such (docs/report.md, "Wrong scheme"): which failures the probe
// engine follows with one more connection to the same address, and what the evidence says
// afterwards. The engine makes the connections (probes/engine/engine.cpp); this decides and words.
//
//  - Plaintext meets TLS. A TLS listener reads our Kafka or HTTP request as a broken record and
//    closes, which alone reads like a broken service. When a plaintext check ended without an
//    answer (closed or reset before one, or bytes that are not HTTP), one bare TLS ClientHello
//    on a new connection (probes/tls/tls_sniff.h) tells: a TLS answer makes the cause
//    protocol.tls_required, naming the scheme to use. A TLS record in answer to the Kafka
//    request is proof by itself (the Kafka check says protocol.tls_required at once): no second
//    connection then. Silence is no sign: TLS servers reject a first record that is not TLS at
//    once, so a check that timed out is not followed.
//  - TLS meets plaintext Kafka. A Kafka broker reads our ClientHello as the size of an absurd
//    frame and closes. When the handshake with a kafka target failed without a TLS alert (a
//    close, a reset, bytes that are not TLS), one plaintext ApiVersions on a new connection
//    (probes/kafka/kafka_probe.h, without SASL) tells: an answer makes the cause tls.not_tls,
//    naming the scheme to use. A plain HTTP server answers a ClientHello with "HTTP/1.1 400",
//    which the TLS probe names by itself (probes/tls/error_map_tls.h).
//
// What the extra connection saw is the protocol stage's note, whatever it saw. No credential is
// ever sent on it.
//
// Threading: pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/evidence.h"
#include "probes/tls/tls_sniff.h"

namespace vpcprobe {

// The advice once a TLS listener is known: "this listener speaks TLS: use SSL:// (or
// SASL_SSL:// with SASL), not PLAINTEXT://" for kafka, "... use https://, not http://" else.
std::string tls_scheme_advice(std::string_view component);

// Whether a plaintext check's failure is worth a TLS ClientHello on a new connection.
bool worth_a_tls_sniff(const ProtocolEvidence& protocol);

// The plaintext check's evidence once the sniff is done: protocol.tls_required with the
// original observation and the advice when the listener speaks TLS, the original cause
// otherwise; the note says what the sniff saw. `peer`: "address:port".
void apply_tls_sniff(ProtocolEvidence& protocol, const TlsSniff& sniff, std::string_view component,
                     const std::string& peer);

// The note when the second connection could not be made: `unsent` names what was not sent
// ("a TLS ClientHello"), `why` is the tcp probe's detail.
void note_second_connection_failed(ProtocolEvidence& protocol, std::string_view unsent,
                                   const std::string& why);

// The Kafka check found a TLS record in answer (protocol.tls_required): the advice is added.
void name_tls_scheme(ProtocolEvidence& protocol, std::string_view component);

// Whether a failed TLS handshake with `target` is worth a plaintext ApiVersions on a new
// connection: a kafka target whose peer sent no TLS alert and completed no handshake.
bool worth_a_plaintext_try(const TlsEvidence& tls, const Target& target);

// After the plaintext try: an answer makes the tls stage tls.not_tls with the advice ("this
// listener speaks plaintext Kafka: use PLAINTEXT:// ..."); the protocol stage's note says what
// the try saw either way. `answer`: the Kafka check's evidence on the second connection.
void apply_plaintext_answer(TlsEvidence& tls, ProtocolEvidence& protocol,
                            const ProtocolEvidence& answer, const std::string& peer);

}  // namespace vpcprobe
