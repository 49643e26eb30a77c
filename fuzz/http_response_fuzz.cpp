// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the HTTP check's reading of an answer (probes/http/http_response.h
// classify_http_response and HttpResponseReader): the first-bytes check, Beast's response parser
// with the probe's caps, the body recognition and the verdict, fed bytes as whatever answers on
// a REST port could send them.
// Input: byte 0 picks the check (bits 0-2: component, mod 6; bit 3: the peer then stays silent
// until the deadline instead of closing; bit 4: small caps, 256-byte header and 512-byte body,
// instead of the probe's 16 KiB / 64 KiB; bit 5: a *.confluent.cloud host), byte 1 the size of
// the pieces the bytes are fed in for the second reading (1..64), the rest is the answer (and,
// when the first answer asks for the check's second request, the answer to that).
// Checks: the evidence is well formed (ok without a cause, a warning or failed with one;
// a warning only as protocol.unrecognized), nothing the peer
// sent reaches it unescaped, and reading the bytes in pieces gives the same verdict as in one
// (the live probe gets them in whatever pieces TCP and TLS deliver); abort otherwise.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/error.hpp>

#include "probes/http/http_response.h"

namespace {

constexpr std::array<const char*, 6> kComponents = {"schema-registry", "connect", "ksqldb",
                                                    "rest-proxy",      "mds",     "control-center"};

bool printable_ascii(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) return false;
    }
    return true;
}

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t selector = data[0];
    const std::size_t piece = 1 + data[1] % 64;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);

    vpcprobe::HttpProbeOptions options;
    options.component = kComponents[(selector & 7) % kComponents.size()];
    options.host =
        (selector & 0x20) != 0 ? "pkc-1x2y3.us-west-2.aws.confluent.cloud" : "sr.example.internal";
    if ((selector & 0x10) != 0) {
        options.header_limit = 256;
        options.body_limit = 512;
    }
    const auto end =
        (selector & 8) != 0 ? vpcprobe::HttpAnswerEnd::silent : vpcprobe::HttpAnswerEnd::closed;

    const vpcprobe::ProtocolEvidence whole = vpcprobe::classify_http_response(options, bytes, end);
    require(whole.name == "http" && whole.http.has_value());
    require(whole.status == vpcprobe::StageStatus::ok ||
            whole.status == vpcprobe::StageStatus::warning ||
            whole.status == vpcprobe::StageStatus::failed);
    require((whole.status == vpcprobe::StageStatus::warning) ==
            (whole.cause == vpcprobe::Cause::protocol_unrecognized));
    require((whole.status == vpcprobe::StageStatus::ok) == (whole.cause == vpcprobe::Cause::none));
    require(!whole.detail.empty());
    for (const std::string* text :
         {&whole.detail, &whole.note, &whole.http->reason, &whole.http->server,
          &whole.http->service, &whole.http->version, &whole.http->path}) {
        require(printable_ascii(*text));
    }

    const auto check = vpcprobe::choose_http_check(options);
    require(check.has_value());
    vpcprobe::HttpResponseReader reader(options, *check);
    for (std::size_t at = 0; at < bytes.size() && !reader.done(); at += piece) {
        reader.on_bytes(bytes.substr(at, piece));
        // The second request goes out as soon as the first answer asks for it.
        if (reader.follow_up_path()) reader.on_follow_up_sent();
    }
    if (reader.follow_up_path()) reader.on_follow_up_sent();
    if (!reader.done()) {
        if (end == vpcprobe::HttpAnswerEnd::closed) {
            reader.on_read_error(boost::asio::error::eof);
        } else {
            reader.on_timeout();
        }
    }
    const vpcprobe::ProtocolEvidence& split = reader.evidence();
    require(split.status == whole.status && split.cause == whole.cause);
    require(split.http->status == whole.http->status);
    return 0;
}
