// SPDX-License-Identifier: Apache-2.0
// Test support: a real HTTP/1.1 server on loopback (or inside a test's own network namespace)
// for the HTTP check (probes/http_probe.h), over TLS with a leaf of the test PKI
// (tests/support/pki.h) or in plaintext. Each listener follows a script: answer like a
// Confluent REST component would, answer with any status, or misbehave in one of the ways a
// port can fail to be the component (stall after the handshake, bytes that are not HTTP, a
// huge header, a huge body, a close right after the handshake). Used in-process by unit tests
// and by the `testpeer` program's http modes.
//
// Every connection is a small asynchronous session on the server's one io_context thread and
// ends when the client closes, when its script is done, or after kHoldLimit
// (tests/support/tls_server.h), whichever comes first.
//
// Threading: construct, listen(), start() and destroy from one thread; requests() and
// connections_accepted() may be called from any thread. Destruction stops the thread and
// closes every socket. A TestPki must outlive the servers built from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "tests/support/pki.h"

namespace vpcprobe::test {

// A complete answer. Content-Length is added from the body.
struct HttpResponse {
    int status = 200;
    std::string reason;  // "" = the standard phrase of the status
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

enum class HttpBehaviour {
    respond,      // read the request head, send `response` (or 404 off `path`), close
                  // (keep_alive: read the next request instead)
    stall,        // read the request head, never answer; hold until the client closes
    raw,          // read the request head, send `raw` verbatim, close
    huge_header,  // read the request head, answer 200 with one header line of `size` bytes
    huge_body,    // read the request head, answer 200 with a body of `size` bytes
    close,        // close right after the TLS handshake (plaintext: right after accepting)
};

struct HttpServeSpec {
    HttpBehaviour behaviour = HttpBehaviour::respond;
    HttpResponse response;
    // For `respond`: when not empty, a request for another path is answered 404 with a JSON
    // error, as the real component would (so a test sees the check asks the right path).
    std::string path;
    // For `respond`: more paths answered, each its own way (a second request's answer).
    std::vector<std::pair<std::string, HttpResponse>> more_paths;
    // For `respond`: answer without "Connection: close" and read the next request on the same
    // connection, until the client asks for close or closes.
    bool keep_alive = false;
    std::string raw;               // for `raw`
    std::size_t size = 64 * 1024;  // for huge_header / huge_body
    bool chunked = false;          // huge_body: chunked encoding instead of Content-Length
    bool tls = true;               // false: plaintext HTTP
    LeafVariant variant = LeafVariant::good;
    std::string mode;  // the testpeer MODE text this was parsed from; "" when built in code
};

// How the Confluent component answers its check, per its REST API: schema-registry,
// connect, ksqldb, rest-proxy, mds, control-center. nullopt for any other name.
std::optional<HttpServeSpec> component_spec(std::string_view component);

// A JSON error answer with this status (a Location for 3xx), on any path.
HttpServeSpec status_spec(int status);

// testpeer's http MODEs:
//   http:COMPONENT[:VARIANT]  like component_spec, over TLS (good leaf, or VARIANT's)
//   http-plaintext:COMPONENT  the same without TLS
//   http-status:CODE          status_spec(CODE), over TLS
//   http-stall | http-not-http | http-huge-header | http-huge-body | http-close
// nullopt with `error` set when the text is an http mode that is wrong; is_http_mode tells
// whether the text is meant to be one.
bool is_http_mode(std::string_view text);
std::optional<HttpServeSpec> parse_http_serve_spec(std::string_view text, std::string& error);
std::string describe(const HttpServeSpec& spec);  // the MODE text back

// Listeners on one io_context, run by one thread.
class HttpServer {
  public:
    explicit HttpServer(const TestPki& pki);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds address:port (port 0 = pick one) and listens at once; returns the bound endpoint.
    // Throws boost::system::system_error when the address cannot be bound.
    boost::asio::ip::tcp::endpoint listen(const std::string& address, std::uint16_t port,
                                          HttpServeSpec spec);
    void start();  // starts the thread
    void stop();   // idempotent; closes every listener and connection

    std::size_t connections_accepted() const;
    // The request heads received so far (request line and header lines, as sent).
    std::vector<std::string> requests() const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace vpcprobe::test
