// SPDX-License-Identifier: Apache-2.0
// TLS sniff: whether a listener speaks TLS, asked with one bare TLS ClientHello over a connected
// socket. The probe engine uses it after a plaintext protocol check (PLAINTEXT://, http://) was
// cut off without an answer: a TLS listener reads the Kafka or HTTP request as a broken record
// and closes, which alone reads like a broken service (docs/report.md, "Wrong scheme").
//
// The ClientHello is OpenSSL's own (a client context verifying nothing, SNI for a host name),
// written out of a memory BIO: the handshake goes no further than that first flight, no
// certificate is judged, and no credential of any kind is ever sent. Only the first record
// header of the answer is read (at most kRecordHeaderBytes bytes), under `timeout`: a handshake
// record (the ServerHello) or an alert record is a TLS listener; a close, a reset, silence or
// other bytes are not.
//
// Threading: call on the io_context's thread; `done` is posted there, exactly once. The socket
// is closed before `done` runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace vpcprobe {

struct TlsSniffOptions {
    std::string server_name;                  // SNI when a host name ("" or an IP literal: none)
    std::chrono::milliseconds timeout{3000};  // the write and the answer together
};

struct TlsSniff {
    bool speaks_tls = false;  // the answer began with a TLS handshake or alert record
    // What came back, for people: "a TLS handshake record (its ServerHello)", "a TLS alert
    // record", "a close without an answer", "no answer in 3s", "bytes that are not TLS: ...".
    std::string saw;
    std::size_t bytes_received = 0;  // at most kRecordHeaderBytes
    double ms = 0;
};

inline constexpr std::size_t kRecordHeaderBytes = 5;

using TlsSniffDone = std::function<void(TlsSniff)>;

void sniff_tls(boost::asio::ip::tcp::socket socket, const TlsSniffOptions& options,
               TlsSniffDone done);

// How the first bytes of an answer to a ClientHello read (the pure part of sniff_tls, for
// tests): speaks_tls and saw, from up to kRecordHeaderBytes bytes; `closed` when the peer ended
// the stream after them.
TlsSniff judge_tls_answer(const std::string& first_bytes, bool closed);

}  // namespace vpcprobe
