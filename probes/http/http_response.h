// SPDX-License-Identifier: Apache-2.0
// What the HTTP check (probes/http/http_probe.h) makes of the bytes that answer its request, apart
// from any socket: the one table of component checks, the Beast parser with the check's caps,
// the "is this HTTP at all" look at the first bytes, the body recognition and the verdict
// (evidence, cause, detail, note). The live probe feeds an HttpResponseReader the bytes as they
// arrive and reports what it decides; classify_http_response runs the same reader over bytes
// already in hand (tests, the `http_response` fuzz target), so the two cannot drift.
//
// Threading: plain values; an HttpResponseReader is used by one thread at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "core/evidence.h"
#include "probes/http/http_probe.h"

namespace vpcprobe {

// One REST component's check: the path asked, the name people know the component by, the
// Accept header it is asked with, and the second request that settles an answer to the first
// that could be the component's but is not conclusive ("" when none; see docs/report.md, "How
// each REST component is recognised").
struct HttpComponentCheck {
    std::string_view component;
    std::string_view path;
    std::string_view display;  // as details name it ("Kafka REST Proxy")
    std::string_view accept;
    std::string_view follow_up_path;
};

// The check for options.component as asked of options.host (Confluent Cloud serves the REST
// Proxy under /kafka); nullopt for a component without an HTTP check.
std::optional<HttpComponentCheck> choose_http_check(const HttpProbeOptions& options);

// Peer bytes made safe for one line of a report: printable ASCII kept, `\` doubled, CR, LF and
// TAB as \r \n \t, every other byte as \xHH; at most max_chars of input, "..." marking a cut.
std::string printable_peer_text(std::string_view bytes, std::size_t max_chars = 120);

using HttpResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

// The one place the parser is configured (the probe's and the pure path's readers both call
// it): the header cap as a backstop, no body cap (the reader keeps it; see the .cpp for why).
void configure_response_parser(HttpResponseParser& parser, const HttpProbeOptions& options);

// Reads the answer to `GET check.path` and, when that answer asks for it, the answer to the
// check's follow-up request on the same connection. Feed it every byte read, in order, then
// tell it how reading ended if it has not decided by then; once done() the evidence is final
// (ms is left to the caller, who knows the wall time). When follow_up_path() is set instead,
// send that request and call on_follow_up_sent(); bytes that came after the first answer are
// the start of the second. Each answer has its own caps; the caller's deadline covers both. The
// header (status line through the blank line) must end within header_limit bytes, and is parsed
// once it is all there (or the peer closed, or the deadline passed), so the verdict does not depend
// on how the bytes were cut into reads. The body is handed on a line at a time and capped on the
// bytes of body read; an answer still not complete after twice the two caps together (chunk
// framing, extensions that never end) is too large, judged on those first bytes only. Memory is
// bounded by the caps.
class HttpResponseReader {
  public:
    HttpResponseReader(const HttpProbeOptions& options, const HttpComponentCheck& check);

    // Bytes as they came off the wire. Returns done().
    bool on_bytes(std::string_view bytes);
    // Reading failed or the peer closed (eof, a TLS stream cut without close_notify, a reset):
    // decides.
    void on_read_error(const boost::system::error_code& ec);
    // The request could not be sent: decides.
    void on_write_error(const boost::system::error_code& ec);
    // The stage deadline passed with no verdict: decides.
    void on_timeout();

    // The path of the second request to send now (a 2xx answer to the first that could be the
    // component's, with the connection left open); nullopt otherwise.
    std::optional<std::string_view> follow_up_path() const;
    // The second request is on its way: what arrives from now on answers it. Returns done().
    bool on_follow_up_sent();

    bool done() const { return done_; }
    std::size_t bytes_received() const { return total_received_; }
    const ProtocolEvidence& evidence() const { return evidence_; }
    ProtocolEvidence take_evidence() { return std::move(evidence_); }

  private:
    bool decide_on_bytes();
    std::size_t wire_cap() const;
    bool parse();
    bool feed_unfed_header();
    bool body_beyond_cap() const;
    void fail_header_too_large();
    void record_header();
    void classify(bool truncated, bool connection_open);
    void classify_success(const std::string& answered, const std::string& server_note,
                          bool connection_open);
    void classify_follow_up();
    std::string not_as_component(const std::string& what) const;
    std::string request_line() const;
    std::string display() const;
    void add_note(const std::string& text);
    void succeed(std::string detail);
    void warn_unrecognized(std::string detail);
    void fail(Cause cause, std::string detail);
    void conclude(StageStatus status, Cause cause, std::string detail);

    HttpProbeOptions options_;
    HttpComponentCheck check_;
    std::optional<HttpResponseParser> parser_;  // one per answer
    std::string pending_;                       // received, not yet consumed by the parser
    std::size_t received_ = 0;                  // of the answer being read
    std::size_t total_received_ = 0;
    bool awaiting_follow_up_ = false;  // the first answer asks for the second request
    bool follow_up_sent_ = false;      // reading the answer to the second request
    std::string first_status_;         // "200 OK"
    std::string first_answer_;         // "HTTP 200 OK to GET / (Server: ...)", for details
    bool http_seen_ = false;           // the first bytes were "HTTP/"
    bool header_fed_ = false;  // the parser has had the bytes (the whole header, or the cap)
    std::size_t header_end_search_from_ = 0;
    std::size_t unused_presented_ = 0;  // bytes of pending_ the parser saw and did not use
    bool done_ = false;
    ProtocolEvidence evidence_;
};

// How the bytes given to classify_http_response ended.
enum class HttpAnswerEnd {
    closed,  // the peer closed the connection after them (end of stream)
    silent,  // the peer kept the connection open and sent nothing more until the deadline
};

// What the HTTP check records when `wire_bytes` answer its request: the same reader the probe
// uses, fed the bytes in one piece. A component without a check gives the probe's `skipped`
// evidence. ms is 0.
ProtocolEvidence classify_http_response(const HttpProbeOptions& options,
                                        std::string_view wire_bytes,
                                        HttpAnswerEnd end = HttpAnswerEnd::closed);

// The `skipped` evidence of a component without an HTTP check.
ProtocolEvidence no_http_check_evidence(const HttpProbeOptions& options);

}  // namespace vpcprobe
