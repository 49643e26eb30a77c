// SPDX-License-Identifier: Apache-2.0
// HTTP check for the REST components: one GET to a path the component answers (and, when that
// answer could be the component's but is not conclusive, one more request on the same
// connection), read with Boost.Beast under header and body size caps and the stage timeout.
//
// clang-format off
//   component        path                        recognised by
//   schema-registry  /                           Content-Type application/vnd.schemaregistry.v1+json
//                    then /config, when / gave a bare {} as application/json: {"compatibilityLevel": ...}
//   connect          /                           JSON with "version", "commit", "kafka_cluster_id"
//   ksqldb           /info                       JSON with "KsqlServerInfo"
//   rest-proxy       /v3/clusters                JSON with "kind": "KafkaClusterList"
//                    (/kafka/v3/clusters on a *.confluent.cloud host, as Confluent Cloud serves it)
//   mds              /security/1.0/authenticate  401/403 (needs credentials) or JSON "auth_token"
//   control-center   /                           HTML naming Control Center, or a redirect
// clang-format on
//
// Verdicts: a 2xx answered as only the component answers, 401 and 403 mean the component
// answers (401/403 set auth_required and a note); 3xx answers too (the Location is noted); a 2xx
// that is not recognisably the component is a warning, protocol.unrecognized, saying what it
// looks like (a directory listing, an HTML page and its title, JSON and its keys, text); 5xx is
// protocol.http_error naming the component as unhealthy; another 4xx on the component's own
// path, or an answer that is clearly another service, is protocol.wrong_service; bytes that are
// not HTTP are protocol.not_http; a header (status line through the blank line) beyond
// header_limit or a body beyond body_limit is protocol.too_large (a body beyond the cap is read
// no further), and so is an answer not complete after twice the two caps together (chunk
// framing that goes on); silence is protocol.timeout; a close before any answer is
// protocol.closed, a close in the middle of a body judges what came and notes it was cut short.
// A second request that fails leaves the first answer unrecognised (the warning says how it
// failed). The version the component states (Connect's "version", ksqlDB's
// KsqlServerInfo.version, a Server header) is reported. What the answer's bytes mean is decided
// by probes/http/http_response.h (the same code the tests and the `http_response` fuzz target
// run without a socket); this probe sends the requests, reads, and keeps the deadline. See
// docs/report.md, "How each REST component is recognised".
//
// Threading: call on the io_context's thread; `done` is called there exactly once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "probes/protocol_stream.h"

namespace vpcprobe {

// The request path the check uses for a component; "" for components without an HTTP check
// (kafka, or a name vpcprobe does not know).
std::string_view http_check_path(std::string_view component);

struct HttpProbeOptions {
    std::string component;  // selects the path and the recognition rules above
    std::string host;       // Host header (the port is added when it is not 443/80)
    std::uint16_t port = 443;
    std::chrono::milliseconds timeout{3000};  // the whole request and answer
    std::size_t header_limit = 16 * 1024;
    std::size_t body_limit = 64 * 1024;
};

void probe_http(std::shared_ptr<ProtocolStream> stream, const HttpProbeOptions& options,
                ProtocolDone done);

}  // namespace vpcprobe
