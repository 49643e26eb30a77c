// SPDX-License-Identifier: Apache-2.0
// probes/tls/tls_sniff.h against real peers on loopback (tests/support/tls_server.h): a TLS
// server answers the ClientHello with its ServerHello, a TLS server with no cipher in common
// with an alert; a plain HTTP server, garbage, a close and silence are no TLS listener.
#include "probes/tls/tls_sniff.h"

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_server.h"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using vpcprobe::TlsSniff;
using vpcprobe::test::ServeMode;
using vpcprobe::test::TestPki;

namespace {

const TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const TestPki instance(directory.path(), {"127.0.0.1"});
    return instance;
}

struct Outcome {
    int completions = 0;
    TlsSniff sniff;
    std::chrono::milliseconds wall{0};
};

Outcome sniff_server(ServeMode mode, std::chrono::milliseconds timeout = 2s) {
    vpcprobe::test::ServeSpec spec;
    spec.mode = mode;
    vpcprobe::test::TestServer server(pki(), spec);
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(server.endpoint());
    vpcprobe::TlsSniffOptions options;
    options.server_name = "broker.example.test";
    options.timeout = timeout;
    Outcome outcome;
    const auto started = std::chrono::steady_clock::now();
    vpcprobe::sniff_tls(std::move(socket), options, [&](TlsSniff sniff) {
        ++outcome.completions;
        outcome.sniff = std::move(sniff);
    });
    io.run_for(10s);
    outcome.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return outcome;
}

}  // namespace

TEST_CASE("a TLS server answers the ClientHello with a handshake record", "[tls][sniff]") {
    const Outcome outcome = sniff_server(ServeMode::tls);
    INFO(outcome.sniff.saw);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.sniff.speaks_tls);
    CHECK(outcome.sniff.saw == "a TLS handshake record (its ServerHello)");
    CHECK(outcome.sniff.bytes_received == vpcprobe::kRecordHeaderBytes);
}

TEST_CASE("a TLS server with no cipher in common answers with an alert: TLS too", "[tls][sniff]") {
    const Outcome outcome = sniff_server(ServeMode::tls_alert);
    INFO(outcome.sniff.saw);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.sniff.speaks_tls);
    CHECK(outcome.sniff.saw == "a TLS alert record");
}

TEST_CASE("a plain HTTP server, garbage and a close are not TLS", "[tls][sniff]") {
    const Outcome http = sniff_server(ServeMode::plaintext_http);
    INFO(http.sniff.saw);
    CHECK_FALSE(http.sniff.speaks_tls);
    CHECK(http.sniff.saw.find("which is not TLS") != std::string::npos);

    const Outcome garbage = sniff_server(ServeMode::garbage);
    INFO(garbage.sniff.saw);
    CHECK_FALSE(garbage.sniff.speaks_tls);

    const Outcome closed = sniff_server(ServeMode::close);
    INFO(closed.sniff.saw);
    CHECK_FALSE(closed.sniff.speaks_tls);
    CHECK((closed.sniff.saw == "a close without an answer" ||
           closed.sniff.saw == "a reset without an answer"));
}

TEST_CASE("silence ends at the timeout", "[tls][sniff]") {
    const Outcome outcome = sniff_server(ServeMode::silent, 300ms);
    REQUIRE(outcome.completions == 1);
    CHECK_FALSE(outcome.sniff.speaks_tls);
    CHECK(outcome.sniff.saw == "no answer in 300ms");
    CHECK(outcome.wall >= 300ms);
    CHECK(outcome.wall < 3s);
}

TEST_CASE("the first bytes of an answer, judged", "[tls][sniff]") {
    using vpcprobe::judge_tls_answer;
    CHECK(judge_tls_answer(std::string("\x16\x03\x03\x00\x7a", 5), false).speaks_tls);
    CHECK(judge_tls_answer(std::string("\x15\x03\x01\x00\x02", 5), false).speaks_tls);
    // A record announcing more than a TLS record may hold, or none at all.
    CHECK_FALSE(judge_tls_answer(std::string("\x16\x03\x03\xff\xff", 5), false).speaks_tls);
    CHECK_FALSE(judge_tls_answer(std::string("\x16\x03\x03\x00\x00", 5), false).speaks_tls);
    // Application data or a version 3.9 is no answer to a ClientHello.
    CHECK_FALSE(judge_tls_answer(std::string("\x17\x03\x03\x00\x10", 5), false).speaks_tls);
    CHECK_FALSE(judge_tls_answer(std::string("\x16\x03\x09\x00\x10", 5), false).speaks_tls);
    CHECK_FALSE(judge_tls_answer("HTTP/", false).speaks_tls);
    const TlsSniff short_answer = judge_tls_answer(std::string("\x16\x03", 2), true);
    CHECK_FALSE(short_answer.speaks_tls);
    CHECK(short_answer.saw == "bytes 16 03 and then a close, too few for a TLS record header");
}
