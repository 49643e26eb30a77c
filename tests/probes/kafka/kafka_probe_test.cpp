// SPDX-License-Identifier: Apache-2.0
// Kafka check (probes/kafka/kafka_probe.h) against real peers on loopback: librdkafka's mock
// cluster (a real Kafka-protocol implementation) for ApiVersions and Metadata; scripted peers in
// this process for what a mock cannot be — an HTTP server, silence, an immediate close, a 100 MB
// size prefix, garbage, a wrong correlation id, an old broker that answers ApiVersions v3 with
// UNSUPPORTED_VERSION, a SASL listener that wants credentials — and a minimal SASL/PLAIN
// broker for authentication success and refusal. Credentials must never reach the evidence.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "probes/kafka/kafka_probe.h"
#include "probes/kafka/kafka_wire.h"
#include "probes/tls/tls_probe.h"
#include "tests/probes/kafka/kafka_test_frames.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_server.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::KafkaProbeOptions;
using vpcprobe::ProtocolEvidence;
using vpcprobe::StageStatus;
using vpcprobe::test::kafka_frames::Body;
using vpcprobe::test::kafka_frames::Bytes;
using vpcprobe::test::kafka_frames::bytes_of;

namespace {

// ---------------------------------------------------------------------------------------------
// Running the check

struct Outcome {
    int completions = 0;
    ProtocolEvidence evidence;
    std::chrono::milliseconds wall{0};
};

Outcome run_probe(std::uint16_t port, const KafkaProbeOptions& options) {
    Outcome outcome;
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const auto started = std::chrono::steady_clock::now();
    vpcprobe::probe_kafka(std::make_shared<vpcprobe::ProtocolStream>(std::move(socket)), options,
                          [&](ProtocolEvidence evidence) {
                              ++outcome.completions;
                              outcome.evidence = std::move(evidence);
                          });
    io.run_for(20s);  // bounded: every exchange has its own timeout far below this
    outcome.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return outcome;
}

// Every string the evidence holds, for the credential check.
std::string all_text(const ProtocolEvidence& evidence) {
    std::ostringstream out;
    out << evidence.name << '\n' << evidence.detail << '\n' << evidence.note << '\n';
    if (evidence.kafka) {
        const auto& kafka = *evidence.kafka;
        out << kafka.sasl_mechanism << '\n' << kafka.metadata_not_checked << '\n';
        for (const auto& mechanism : kafka.sasl_mechanisms_offered) out << mechanism << '\n';
        if (kafka.cluster_id) out << *kafka.cluster_id << '\n';
        for (const auto& broker : kafka.brokers) {
            out << broker.host << '\n' << broker.rack.value_or("") << '\n';
        }
    }
    return out.str();
}

// ---------------------------------------------------------------------------------------------
// Scripted peers: plain POSIX sockets with poll-bounded waits, one connection, own thread.

struct Request {
    std::int16_t api_key = -1;
    std::int16_t api_version = -1;
    std::int32_t correlation_id = 0;
    Bytes body;                      // the whole request without the size prefix
    std::size_t payload_offset = 0;  // where the request body starts after header v1
};

bool wait_readable(int fd, std::chrono::milliseconds limit) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(limit.count())) > 0;
}

bool recv_exact(int fd, std::uint8_t* out, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::size_t have = 0;
    while (have < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms || !wait_readable(fd, left)) return false;
        const ssize_t got = ::recv(fd, out + have, count - have, 0);
        if (got <= 0) return false;
        have += static_cast<std::size_t>(got);
    }
    return true;
}

std::optional<Request> read_request(int fd) {
    std::uint8_t prefix[4];
    if (!recv_exact(fd, prefix, 4)) return std::nullopt;
    const std::uint32_t size = (std::uint32_t{prefix[0]} << 24) | (std::uint32_t{prefix[1]} << 16) |
                               (std::uint32_t{prefix[2]} << 8) | prefix[3];
    if (size < 10 || size > (1u << 20)) return std::nullopt;
    Request request;
    request.body.resize(size);
    if (!recv_exact(fd, request.body.data(), size)) return std::nullopt;
    const auto& b = request.body;
    request.api_key = static_cast<std::int16_t>((b[0] << 8) | b[1]);
    request.api_version = static_cast<std::int16_t>((b[2] << 8) | b[3]);
    request.correlation_id =
        static_cast<std::int32_t>((std::uint32_t{b[4]} << 24) | (std::uint32_t{b[5]} << 16) |
                                  (std::uint32_t{b[6]} << 8) | b[7]);
    const std::size_t client_id_length = static_cast<std::size_t>((b[8] << 8) | b[9]);
    request.payload_offset = std::min<std::size_t>(10 + client_id_length, size);
    return request;
}

void send_all(int fd, const Bytes& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t wrote = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (wrote <= 0) return;
        sent += static_cast<std::size_t>(wrote);
    }
}

void send_text(int fd, const std::string& text) {
    send_all(fd, bytes_of(text));
}

// Waits (bounded) for the client to close its end.
void wait_for_close(int fd, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::uint8_t scratch[512];
    while (std::chrono::steady_clock::now() < deadline) {
        if (!wait_readable(fd, 100ms)) continue;
        if (::recv(fd, scratch, sizeof scratch, 0) <= 0) return;
    }
}

class ScriptedPeer {
  public:
    using Script = std::function<void(int fd)>;

    explicit ScriptedPeer(Script script) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listen_fd_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listen_fd_, 4) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, script = std::move(script)] {
            if (!wait_readable(listen_fd_, 10s)) return;
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) return;
            script(fd);
            ::close(fd);
        });
    }
    ~ScriptedPeer() {
        thread_.join();
        ::close(listen_fd_);
    }
    ScriptedPeer(const ScriptedPeer&) = delete;
    ScriptedPeer& operator=(const ScriptedPeer&) = delete;

    std::uint16_t port() const { return port_; }

  private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

KafkaProbeOptions fast_options() {
    KafkaProbeOptions options;
    options.timeout = 2s;
    return options;
}

// The check against a peer that answers the first request with `answer`, whatever was asked,
// then waits for the close.
Outcome probe_peer_answering(Bytes answer) {
    ScriptedPeer peer([answer = std::move(answer)](int fd) {
        (void)read_request(fd);
        send_all(fd, answer);
        wait_for_close(fd);
    });
    return run_probe(peer.port(), fast_options());
}

// A v3 ApiVersions answer listing the APIs a SASL-capable broker has.
Bytes api_versions_v3_answer(std::int32_t correlation_id) {
    Body body;
    body.i32(correlation_id).i16(0).i8(5);  // compact array: 4 entries
    for (const auto& [key, max] : {std::pair{18, 3}, {3, 12}, {17, 1}, {36, 2}}) {
        body.i16(key).i16(0).i16(max).i8(0);
    }
    body.i32(0).i8(0);
    return body.frame();
}

// ---------------------------------------------------------------------------------------------
// librdkafka's mock cluster

class MockCluster {
  public:
    explicit MockCluster(int brokers) {
        char error[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
        handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
        INFO(error);
        REQUIRE(handle_ != nullptr);
        cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
        REQUIRE(cluster_ != nullptr);
        // "host:port,host:port,..."
        std::stringstream list(rd_kafka_mock_cluster_bootstraps(cluster_));
        std::string item;
        while (std::getline(list, item, ',')) {
            ports_.push_back(
                static_cast<std::uint16_t>(std::stoi(item.substr(item.rfind(':') + 1))));
        }
    }
    ~MockCluster() {
        rd_kafka_mock_cluster_destroy(cluster_);
        rd_kafka_destroy(handle_);
    }
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    rd_kafka_mock_cluster_t* get() { return cluster_; }
    const std::vector<std::uint16_t>& ports() const { return ports_; }

  private:
    rd_kafka_t* handle_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::vector<std::uint16_t> ports_;
};

bool lists_api(const vpcprobe::KafkaEvidence& kafka, std::int16_t key) {
    return std::any_of(kafka.apis.begin(), kafka.apis.end(),
                       [key](const vpcprobe::KafkaApiRange& api) { return api.api_key == key; });
}

}  // namespace

TEST_CASE("Mock cluster: ApiVersions and Metadata list the mock's brokers") {
    MockCluster mock(3);
    REQUIRE(mock.ports().size() == 3);
    const Outcome outcome = run_probe(mock.ports()[0], fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.name == "kafka");
    CHECK(outcome.evidence.status == StageStatus::ok);
    CHECK(outcome.evidence.cause == Cause::none);
    REQUIRE(outcome.evidence.kafka);
    const auto& kafka = *outcome.evidence.kafka;
    CHECK((kafka.api_versions_version == 3 || kafka.api_versions_version == 0));
    CHECK(lists_api(kafka, 18));
    CHECK(lists_api(kafka, 3));
    CHECK(kafka.metadata_checked);
    CHECK(kafka.metadata_version >= 1);
    CHECK(kafka.metadata_version <= 8);
    REQUIRE(kafka.brokers.size() == 3);
    std::set<std::int32_t> node_ids;
    std::set<std::uint16_t> ports;
    for (const auto& broker : kafka.brokers) {
        node_ids.insert(broker.node_id);
        ports.insert(static_cast<std::uint16_t>(broker.port));
    }
    CHECK(node_ids == std::set<std::int32_t>{1, 2, 3});
    CHECK(ports == std::set<std::uint16_t>(mock.ports().begin(), mock.ports().end()));
    // librdkafka 2.0.2's mock writes controller id 0 (captured from the wire; it has no
    // controller); later mocks name one of their brokers. Either way not the -1 default.
    CHECK((kafka.controller_id == 0 || node_ids.count(kafka.controller_id) == 1));
    CHECK(kafka.cluster_id.has_value() == (kafka.metadata_version >= 2));
    CHECK(outcome.evidence.detail.find("3 brokers") != std::string::npos);
    CHECK(outcome.evidence.ms > 0);
}

TEST_CASE("Mock cluster: metadata=false asks ApiVersions only") {
    MockCluster mock(3);
    KafkaProbeOptions options = fast_options();
    options.metadata = false;
    const Outcome outcome = run_probe(mock.ports()[1], options);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::ok);
    REQUIRE(outcome.evidence.kafka);
    CHECK_FALSE(outcome.evidence.kafka->metadata_checked);
    CHECK(outcome.evidence.kafka->brokers.empty());
    CHECK(outcome.evidence.kafka->controller_id == -1);
    CHECK_FALSE(outcome.evidence.kafka->apis.empty());
}

TEST_CASE("Mock cluster limited to ApiVersions v2: the check falls back to v0") {
    MockCluster mock(1);
    rd_kafka_mock_set_apiversion(mock.get(), 18, 0, 2);
    const Outcome outcome = run_probe(mock.ports()[0], fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::ok);
    REQUIRE(outcome.evidence.kafka);
    CHECK(outcome.evidence.kafka->api_versions_version == 0);
    CHECK(outcome.evidence.kafka->brokers.size() == 1);
}

TEST_CASE("An HTTP server is not a Kafka broker") {
    ScriptedPeer peer([](int fd) {
        (void)read_request(fd);
        send_text(fd,
                  "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: "
                  "11\r\nConnection: close\r\n\r\nBad Request");
    });
    const Outcome outcome = run_probe(peer.port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_not_kafka);
    CHECK(outcome.evidence.detail.find("'HTTP/1.1 400 Bad Request'") != std::string::npos);
    CHECK(outcome.evidence.detail.find("HTTP server") != std::string::npos);
}

TEST_CASE("A silent peer times out within the timeout") {
    ScriptedPeer peer([](int fd) { wait_for_close(fd); });
    KafkaProbeOptions options = fast_options();
    options.timeout = 300ms;
    const Outcome outcome = run_probe(peer.port(), options);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_timeout);
    CHECK(outcome.evidence.detail == "no answer to ApiVersions v3 in 300ms");
    CHECK(outcome.wall >= 280ms);
    CHECK(outcome.wall < 1500ms);
}

TEST_CASE("A peer that closes at once: protocol.closed") {
    ScriptedPeer peer([](int fd) {
        ::shutdown(fd, SHUT_WR);
        wait_for_close(fd);
    });
    const Outcome outcome = run_probe(peer.port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_closed);
    CHECK(outcome.evidence.detail.find("ApiVersions") != std::string::npos);
}

TEST_CASE("A 100 MB size prefix is protocol.too_large, without waiting for it") {
    // 100,000,000 bytes announced.
    const Outcome outcome = probe_peer_answering(Bytes{0x05, 0xF5, 0xE1, 0x00, 0, 0, 0, 1});
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_too_large);
    CHECK(outcome.evidence.detail.find("100000000") != std::string::npos);
    CHECK(outcome.wall < 1s);  // judged on the prefix, not after a timeout
}

TEST_CASE("A 2 GiB size prefix with our correlation id is protocol.too_large, at once") {
    // 0x7fffffff, the largest int32 size, then the correlation id of the first request (1):
    // a Kafka answer announcing a frame nobody should allocate, not "something else".
    const Outcome outcome = probe_peer_answering(Bytes{0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1});
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_too_large);
    CHECK(outcome.evidence.detail.find("2147483647") != std::string::npos);
    CHECK(outcome.wall < 1s);
}

TEST_CASE("A 2 GiB size prefix without our correlation id is not Kafka") {
    SECTION("another id after it") {
        const Outcome outcome = probe_peer_answering(Bytes{0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 9});
        INFO(outcome.evidence.detail);
        REQUIRE(outcome.completions == 1);
        CHECK(outcome.evidence.cause == Cause::protocol_not_kafka);
        CHECK(outcome.wall < 1s);
    }
    SECTION("nothing after it: judged on the prefix when the peer closes") {
        ScriptedPeer peer([](int fd) {
            (void)read_request(fd);
            send_all(fd, Bytes{0x7F, 0xFF, 0xFF, 0xFF});
            ::shutdown(fd, SHUT_WR);
            wait_for_close(fd);
        });
        const Outcome outcome = run_probe(peer.port(), fast_options());
        INFO(outcome.evidence.detail);
        REQUIRE(outcome.completions == 1);
        CHECK(outcome.evidence.cause == Cause::protocol_not_kafka);
        CHECK(outcome.wall < 1s);
    }
}

TEST_CASE("A valid size with a garbage body is not Kafka") {
    const Outcome outcome =
        probe_peer_answering(Bytes{0, 0, 0, 8, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04});
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_not_kafka);
    CHECK(outcome.evidence.detail.find("correlation id") != std::string::npos);
}

TEST_CASE("A well-formed answer with the wrong correlation id is not Kafka") {
    ScriptedPeer peer([](int fd) {
        const auto request = read_request(fd);
        if (!request) return;
        Body body;
        body.i32(request->correlation_id + 1).i16(0).i32(1).i16(18).i16(0).i16(0);
        send_all(fd, body.frame());
        wait_for_close(fd);
    });
    const Outcome outcome = run_probe(peer.port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_not_kafka);
    CHECK(outcome.evidence.detail.find("expected 1") != std::string::npos);
}

TEST_CASE(
    "An old broker: ApiVersions v3 gets error 35 in the v0 format, v0 succeeds, and a "
    "SASL listener closes on Metadata") {
    std::atomic<bool> v3_was_flexible{false};
    std::atomic<int> v0_version{-1};
    std::atomic<int> metadata_version{-1};
    ScriptedPeer peer([&](int fd) {
        const auto first = read_request(fd);
        if (!first || first->api_key != 18) return;
        // Header v2: client id then an empty tag buffer; body: compact "vpcprobe", version.
        const Bytes& b = first->body;
        const std::string name = "\x09vpcprobe";
        v3_was_flexible = first->api_version == 3 && b.size() > first->payload_offset + 9 &&
                          b[first->payload_offset] == 0 &&
                          std::equal(name.begin(), name.end(),
                                     b.begin() + static_cast<long>(first->payload_offset) + 1);
        Body refusal;
        refusal.i32(first->correlation_id).i16(35).i32(1).i16(18).i16(0).i16(2);
        send_all(fd, refusal.frame());

        const auto second = read_request(fd);
        if (!second || second->api_key != 18) return;
        v0_version = second->api_version;
        Body answer;
        answer.i32(second->correlation_id).i16(0).i32(3);
        answer.i16(18).i16(0).i16(2).i16(3).i16(0).i16(5).i16(17).i16(0).i16(1);
        send_all(fd, answer.frame());

        const auto third = read_request(fd);
        if (third && third->api_key == 3) metadata_version = third->api_version;
        // A SASL listener closes the connection on any request before authentication.
    });
    const Outcome outcome = run_probe(peer.port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(v3_was_flexible);
    CHECK(v0_version == 0);
    CHECK(metadata_version == 5);  // min(8, the broker's max 5)
    CHECK(outcome.evidence.status == StageStatus::ok);
    CHECK(outcome.evidence.cause == Cause::none);
    REQUIRE(outcome.evidence.kafka);
    const auto& kafka = *outcome.evidence.kafka;
    CHECK(kafka.api_versions_version == 0);
    CHECK(kafka.apis.size() == 3);
    CHECK_FALSE(kafka.metadata_checked);
    CHECK(kafka.metadata_not_checked.find("requires SASL") != std::string::npos);
    CHECK_FALSE(outcome.evidence.note.empty());
}

TEST_CASE("ApiVersions answered with another Kafka error is protocol.kafka_error") {
    ScriptedPeer peer([](int fd) {
        const auto request = read_request(fd);
        if (!request) return;
        Body body;  // v3 layout, error 42 INVALID_REQUEST, no APIs
        body.i32(request->correlation_id).i16(42).i8(1).i32(0).i8(0);
        send_all(fd, body.frame());
        wait_for_close(fd);
    });
    const Outcome outcome = run_probe(peer.port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_kafka_error);
    REQUIRE(outcome.evidence.kafka);
    CHECK(outcome.evidence.kafka->error_code == 42);
    CHECK(outcome.evidence.detail.find("42 INVALID_REQUEST") != std::string::npos);
}

TEST_CASE("A broker that answers ApiVersions but not Metadata times out on Metadata") {
    ScriptedPeer peer([](int fd) {
        const auto request = read_request(fd);
        if (!request) return;
        send_all(fd, api_versions_v3_answer(request->correlation_id));
        wait_for_close(fd);
    });
    KafkaProbeOptions options = fast_options();
    options.timeout = 300ms;
    const Outcome outcome = run_probe(peer.port(), options);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_timeout);
    CHECK(outcome.evidence.detail == "no answer to Metadata v8 in 300ms");
    REQUIRE(outcome.evidence.kafka);
    CHECK(outcome.evidence.kafka->api_versions_version == 3);
    CHECK(outcome.wall < 1500ms);
}

// ---------------------------------------------------------------------------------------------
// SASL

namespace {

constexpr const char* kUser = "probe-user";
constexpr const char* kPassword = "Tr0ub4dor&3-unique";

// A minimal SASL/PLAIN broker: ApiVersions v3, SaslHandshake v1 offering PLAIN,
// SaslAuthenticate accepting kUser/kPassword only, then Metadata v8 with one broker.
void sasl_plain_broker(int fd) {
    bool authenticated = false;
    for (int round = 0; round < 6; ++round) {
        const auto request = read_request(fd);
        if (!request) return;
        const Bytes& b = request->body;
        const std::size_t at = request->payload_offset;
        if (request->api_key == 18 && request->api_version == 3) {
            send_all(fd, api_versions_v3_answer(request->correlation_id));
        } else if (request->api_key == 17) {
            const std::size_t length =
                at + 2 <= b.size() ? static_cast<std::size_t>((b[at] << 8) | b[at + 1]) : 0;
            const std::string mechanism(
                b.begin() + static_cast<long>(at) + 2,
                b.begin() + static_cast<long>(std::min(b.size(), at + 2 + length)));
            Body answer;
            answer.i32(request->correlation_id)
                .i16(mechanism == "PLAIN" ? 0 : 33)
                .i32(1)
                .str("PLAIN");
            send_all(fd, answer.frame());
        } else if (request->api_key == 36) {
            const std::string auth(b.begin() + static_cast<long>(std::min(b.size(), at + 4)),
                                   b.end());
            const std::string expected = std::string(1, '\0') + kUser + '\0' + kPassword;
            Body answer;
            answer.i32(request->correlation_id);
            if (auth == expected) {
                authenticated = true;
                answer.i16(0).null_str().i32(0);
            } else {
                answer.i16(58).str("Authentication failed: Invalid username or password").i32(0);
            }
            if (request->api_version >= 1) answer.i32(0).i32(0);  // session lifetime (INT64)
            send_all(fd, answer.frame());
            if (!authenticated) return;
        } else if (request->api_key == 3 && authenticated && request->api_version == 8) {
            Body answer;
            answer.i32(request->correlation_id).i32(0).i32(1);
            answer.i32(7).str("127.0.0.1").i32(9093).str("zone-a");
            answer.str("sasl-cluster").i32(7).i32(0).i32(0);
            send_all(fd, answer.frame());
        } else {
            return;  // what a SASL listener does with anything else: close
        }
    }
}

KafkaProbeOptions sasl_options(const std::string& mechanism, const std::string& password) {
    KafkaProbeOptions options = fast_options();
    options.sasl = vpcprobe::SaslCredentials{mechanism, kUser, password};
    return options;
}

}  // namespace

TEST_CASE("SASL/PLAIN with the right password authenticates and lists the brokers") {
    ScriptedPeer peer(sasl_plain_broker);
    const Outcome outcome = run_probe(peer.port(), sasl_options("PLAIN", kPassword));
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::ok);
    REQUIRE(outcome.evidence.kafka);
    const auto& kafka = *outcome.evidence.kafka;
    CHECK(kafka.sasl_mechanism == "PLAIN");
    CHECK(kafka.sasl_mechanisms_offered == std::vector<std::string>{"PLAIN"});
    CHECK(kafka.authenticated);
    CHECK(kafka.metadata_checked);
    CHECK(kafka.metadata_version == 8);
    CHECK(kafka.cluster_id == "sasl-cluster");
    CHECK(kafka.controller_id == 7);
    REQUIRE(kafka.brokers.size() == 1);
    CHECK(kafka.brokers[0].port == 9093);
    CHECK(kafka.brokers[0].rack == "zone-a");
    CHECK(outcome.evidence.detail.find("SASL PLAIN authenticated") != std::string::npos);
    const std::string text = all_text(outcome.evidence);
    CHECK(text.find(kPassword) == std::string::npos);
    CHECK(text.find(kUser) == std::string::npos);
}

TEST_CASE("SASL/PLAIN with a wrong password is protocol.auth_failed with the broker's message") {
    ScriptedPeer peer(sasl_plain_broker);
    const std::string wrong = "wrong-Pa55word-xyz";
    const Outcome outcome = run_probe(peer.port(), sasl_options("PLAIN", wrong));
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_auth_failed);
    REQUIRE(outcome.evidence.kafka);
    CHECK(outcome.evidence.kafka->error_code == 58);
    CHECK_FALSE(outcome.evidence.kafka->authenticated);
    CHECK(outcome.evidence.detail.find("58 SASL_AUTHENTICATION_FAILED") != std::string::npos);
    CHECK(outcome.evidence.detail.find("Invalid username or password") != std::string::npos);
    const std::string text = all_text(outcome.evidence);
    CHECK(text.find(wrong) == std::string::npos);
    CHECK(text.find(kUser) == std::string::npos);
}

TEST_CASE("A SASL mechanism the broker does not offer is protocol.auth_failed naming the offer") {
    ScriptedPeer peer(sasl_plain_broker);
    const Outcome outcome = run_probe(peer.port(), sasl_options("SCRAM-SHA-512", kPassword));
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_auth_failed);
    CHECK(outcome.evidence.detail.find("SCRAM-SHA-512") != std::string::npos);
    CHECK(outcome.evidence.detail.find("it offers PLAIN") != std::string::npos);
    CHECK(all_text(outcome.evidence).find(kPassword) == std::string::npos);
}

TEST_CASE("A broker's message that quotes the credentials is redacted") {
    ScriptedPeer peer([](int fd) {
        for (int round = 0; round < 3; ++round) {
            const auto request = read_request(fd);
            if (!request) return;
            Body answer;
            answer.i32(request->correlation_id);
            if (request->api_key == 18) {
                send_all(fd, api_versions_v3_answer(request->correlation_id));
                continue;
            }
            if (request->api_key == 17) {
                answer.i16(0).i32(1).str("PLAIN");
            } else {
                answer.i16(58)
                    .str(std::string("user ") + kUser + " password " + kPassword + " rejected")
                    .i32(0)
                    .i32(0)
                    .i32(0);
            }
            send_all(fd, answer.frame());
        }
    });
    const Outcome outcome = run_probe(peer.port(), sasl_options("PLAIN", kPassword));
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_auth_failed);
    CHECK(outcome.evidence.detail.find("rejected") != std::string::npos);
    const std::string text = all_text(outcome.evidence);
    CHECK(text.find(kPassword) == std::string::npos);
    CHECK(text.find(kUser) == std::string::npos);
}

TEST_CASE("An unsupported configured mechanism fails without touching the wire") {
    ScriptedPeer peer([](int fd) { wait_for_close(fd, 3s); });
    const Outcome outcome = run_probe(peer.port(), sasl_options("GSSAPI", kPassword));
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_error);
    CHECK(outcome.evidence.detail.find("GSSAPI") != std::string::npos);
    CHECK(vpcprobe::sasl_mechanism_supported("PLAIN"));
    CHECK(vpcprobe::sasl_mechanism_supported("SCRAM-SHA-256"));
    CHECK(vpcprobe::sasl_mechanism_supported("SCRAM-SHA-512"));
    CHECK_FALSE(vpcprobe::sasl_mechanism_supported("GSSAPI"));
    CHECK_FALSE(vpcprobe::sasl_mechanism_supported("OAUTHBEARER"));
}

// ---------------------------------------------------------------------------------------------
// SCRAM against a server side written here from RFC 5802 (verifies the client's proof, signs
// its answer), so the probe's rounds and its check of the server signature are exercised.

namespace {

std::string b64(const Bytes& data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Bytes unb64(const std::string& text) {
    Bytes out(text.size() / 4 * 3 + 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) return {};
    std::size_t size = static_cast<std::size_t>(n);
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
    out.resize(size);
    return out;
}

Bytes mac(const EVP_MD* md, const Bytes& key, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    return Bytes(out, out + length);
}

std::string field(const std::string& message, const std::string& name) {
    const std::string key = name + "=";
    for (std::size_t start = 0; start < message.size();) {
        const std::size_t end = std::min(message.find(',', start), message.size());
        if (message.compare(start, key.size(), key) == 0) {
            return message.substr(start + key.size(), end - start - key.size());
        }
        start = end + 1;
    }
    return "";
}

struct ScramBrokerResult {
    std::atomic<bool> proof_valid{false};
    std::atomic<bool> saw_escaped_user{false};
};

// A SASL/SCRAM-SHA-256 broker that knows kUser/kPassword; with forge_signature it accepts the
// proof but signs its final message wrongly (a server that does not know the password).
void scram_broker(int fd, bool forge_signature, ScramBrokerResult& result, const char* password) {
    const EVP_MD* md = EVP_sha256();
    const Bytes salt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    Bytes salted(32);
    PKCS5_PBKDF2_HMAC(password, static_cast<int>(std::string(password).size()), salt.data(),
                      static_cast<int>(salt.size()), 4096, md, 32, salted.data());
    std::string client_first_bare;
    std::string server_first;
    for (int round = 0; round < 6; ++round) {
        const auto request = read_request(fd);
        if (!request) return;
        const Bytes& b = request->body;
        const std::size_t at = request->payload_offset;
        if (request->api_key == 18) {
            send_all(fd, api_versions_v3_answer(request->correlation_id));
            continue;
        }
        Body answer;
        answer.i32(request->correlation_id);
        if (request->api_key == 17) {
            answer.i16(0).i32(2).str("PLAIN").str("SCRAM-SHA-256");
        } else if (request->api_key == 36) {
            const std::string message(b.begin() + static_cast<long>(std::min(b.size(), at + 4)),
                                      b.end());
            if (client_first_bare.empty()) {
                client_first_bare = message.substr(std::min<std::size_t>(3, message.size()));
                result.saw_escaped_user = field(client_first_bare, "n") == "probe=3Duser=2Cx";
                server_first =
                    "r=" + field(client_first_bare, "r") + "srvNONCE,s=" + b64(salt) + ",i=4096";
                answer.i16(0).null_str().blob(server_first);
            } else {
                const std::string without_proof = message.substr(0, message.find(",p="));
                const std::string auth =
                    client_first_bare + "," + server_first + "," + without_proof;
                const Bytes client_key = mac(md, salted, "Client Key");
                Bytes stored(32);
                unsigned int length = 0;
                EVP_Digest(client_key.data(), client_key.size(), stored.data(), &length, md,
                           nullptr);
                const Bytes signature = mac(md, stored, auth);
                const Bytes proof = unb64(field(message, "p"));
                Bytes recovered(32);
                for (std::size_t i = 0; i < 32 && i < proof.size(); ++i) {
                    recovered[i] = static_cast<std::uint8_t>(proof[i] ^ signature[i]);
                }
                result.proof_valid = proof.size() == 32 && recovered == client_key;
                if (!result.proof_valid) {
                    answer.i16(58).str(
                        "Authentication failed during authentication due to "
                        "invalid credentials with SASL mechanism SCRAM-SHA-256");
                    answer.blob("");
                } else {
                    Bytes server_signature = mac(md, mac(md, salted, "Server Key"), auth);
                    if (forge_signature) server_signature[0] ^= 1;
                    answer.i16(0).null_str().blob("v=" + b64(server_signature));
                }
            }
            answer.i32(0).i32(0);  // SaslAuthenticate v1: session lifetime (INT64)
        } else if (request->api_key == 3) {
            answer.i32(0).i32(1).i32(1).str("127.0.0.1").i32(9094).null_str();
            answer.str("scram-cluster").i32(1).i32(0).i32(0);
        } else {
            return;
        }
        send_all(fd, answer.frame());
    }
}

// The check logging in with SCRAM-SHA-256 as "probe=user,x" and `password` to scram_broker
// (which knows kPassword); `result` holds what the broker saw once this returns.
Outcome probe_scram_broker(const char* password, bool forge_signature, ScramBrokerResult& result) {
    ScriptedPeer peer([&](int fd) { scram_broker(fd, forge_signature, result, kPassword); });
    KafkaProbeOptions options = fast_options();
    options.sasl = vpcprobe::SaslCredentials{"SCRAM-SHA-256", "probe=user,x", password};
    return run_probe(peer.port(), options);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TLS

namespace {

const vpcprobe::test::TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const vpcprobe::test::TestPki instance(directory.path(), {"127.0.0.1"});
    return instance;
}

// A TLS front for one connection: terminates TLS with the test PKI's good leaf and relays
// Kafka frames, one request and its answer at a time, to a plaintext Kafka port (the mock).
// Blocking I/O on its own thread; ends when either side closes.
class TlsFront {
  public:
    TlsFront(const vpcprobe::test::TestPki& keys, std::uint16_t kafka_port)
        : context_(asio::ssl::context::tls_server),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        const auto& credentials = keys.credentials(vpcprobe::test::LeafVariant::good);
        context_.use_certificate_chain_file(credentials.chain_file);
        context_.use_private_key_file(credentials.key_file, asio::ssl::context::pem);
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this, kafka_port] { relay(kafka_port); });
    }
    ~TlsFront() { thread_.join(); }
    TlsFront(const TlsFront&) = delete;
    TlsFront& operator=(const TlsFront&) = delete;

    std::uint16_t port() const { return port_; }
    int frames_relayed() const { return frames_relayed_; }

  private:
    template <class Stream>
    static std::optional<Bytes> read_frame(Stream& stream) {
        boost::system::error_code ec;
        Bytes frame(4);
        asio::read(stream, asio::buffer(frame), ec);
        if (ec) return std::nullopt;
        const std::size_t size = (std::size_t{frame[0]} << 24) | (std::size_t{frame[1]} << 16) |
                                 (std::size_t{frame[2]} << 8) | frame[3];
        if (size > (1u << 20)) return std::nullopt;
        frame.resize(4 + size);
        asio::read(stream, asio::buffer(frame.data() + 4, size), ec);
        if (ec) return std::nullopt;
        return frame;
    }

    void relay(std::uint16_t kafka_port) {
        if (!wait_readable(acceptor_.native_handle(), 10s)) return;
        boost::system::error_code ec;
        asio::ssl::stream<tcp::socket> client(acceptor_.accept(ec), context_);
        if (ec) return;
        client.handshake(asio::ssl::stream_base::server, ec);
        if (ec) return;
        tcp::socket kafka(io_);
        kafka.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), kafka_port), ec);
        if (ec) return;
        for (int round = 0; round < 10; ++round) {
            const auto request = read_frame(client);
            if (!request) return;
            asio::write(kafka, asio::buffer(*request), ec);
            if (ec) return;
            const auto answer = read_frame(kafka);
            if (!answer) return;
            asio::write(client, asio::buffer(*answer), ec);
            if (ec) return;
            ++frames_relayed_;
        }
    }

    asio::io_context io_;
    asio::ssl::context context_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<int> frames_relayed_{0};
    std::thread thread_;
};

}  // namespace

TEST_CASE("Over TLS: the check talks to the mock cluster through a TLS stream") {
    MockCluster mock(3);
    TlsFront front(pki(), mock.ports()[0]);
    auto created = vpcprobe::TlsContext::create({pki().ca_file()});
    INFO((created ? std::string() : created.error().message()));
    REQUIRE(created);
    auto context = *created;

    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), front.port()));
    vpcprobe::TlsProbeOptions tls_options;
    tls_options.server_name = "127.0.0.1";
    int completions = 0;
    ProtocolEvidence evidence;
    std::shared_ptr<vpcprobe::TlsStream> kept;
    vpcprobe::probe_tls(
        std::move(socket), context, tls_options,
        [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence,
            std::shared_ptr<vpcprobe::TlsStream> stream) {
            INFO(tls.detail);
            REQUIRE(stream);
            kept = stream;
            auto protocol_stream = std::make_shared<vpcprobe::ProtocolStream>(stream);
            CHECK(protocol_stream->is_tls());
            vpcprobe::probe_kafka(protocol_stream, fast_options(), [&](ProtocolEvidence result) {
                ++completions;
                evidence = std::move(result);
            });
        });
    io.run_for(20s);
    INFO(evidence.detail);
    REQUIRE(completions == 1);
    CHECK(evidence.status == StageStatus::ok);
    REQUIRE(evidence.kafka);
    CHECK(evidence.kafka->brokers.size() == 3);
    CHECK(front.frames_relayed() >= 2);
    boost::system::error_code ignored;
    kept->lowest_layer().close(ignored);  // lets the front see the end
}

TEST_CASE("Plaintext Kafka to a real TLS listener: the listener closes the connection") {
    // OpenSSL 3 drops a first record that is not TLS without an alert.
    vpcprobe::test::TestServer server(pki(), vpcprobe::test::ServeSpec{});
    const Outcome outcome = run_probe(server.endpoint().port(), fast_options());
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_closed);
}

TEST_CASE("A TLS alert in answer to plaintext Kafka is a TLS listener: protocol.tls_required") {
    // A fatal protocol_version alert: proof by itself, no second connection needed.
    const Outcome outcome = probe_peer_answering(Bytes{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46});
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(outcome.evidence.cause == Cause::protocol_tls_required);
    CHECK(outcome.evidence.detail.find("TLS alert") != std::string::npos);
}

TEST_CASE("SASL/SCRAM-SHA-256: the proof is accepted and the server signature verified") {
    ScramBrokerResult result;
    const Outcome outcome = probe_scram_broker(kPassword, false, result);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(result.proof_valid);
    CHECK(result.saw_escaped_user);
    CHECK(outcome.evidence.status == StageStatus::ok);
    REQUIRE(outcome.evidence.kafka);
    CHECK(outcome.evidence.kafka->authenticated);
    CHECK(outcome.evidence.kafka->cluster_id == "scram-cluster");
    CHECK(outcome.evidence.kafka->sasl_mechanisms_offered ==
          std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"});
    CHECK(all_text(outcome.evidence).find(kPassword) == std::string::npos);
}

TEST_CASE("SASL/SCRAM-SHA-256 with a wrong password: the broker refuses") {
    ScramBrokerResult result;
    const Outcome outcome = probe_scram_broker("not-the-password", false, result);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK_FALSE(result.proof_valid);
    CHECK(outcome.evidence.cause == Cause::protocol_auth_failed);
    CHECK(outcome.evidence.detail.find("58 SASL_AUTHENTICATION_FAILED") != std::string::npos);
    CHECK(all_text(outcome.evidence).find("not-the-password") == std::string::npos);
}

TEST_CASE("SASL/SCRAM-SHA-256: a server with a wrong signature is not trusted") {
    ScramBrokerResult result;
    const Outcome outcome = probe_scram_broker(kPassword, true, result);
    INFO(outcome.evidence.detail);
    REQUIRE(outcome.completions == 1);
    CHECK(result.proof_valid);
    CHECK(outcome.evidence.cause == Cause::protocol_auth_failed);
    CHECK(outcome.evidence.detail.find("signature is wrong") != std::string::npos);
    REQUIRE(outcome.evidence.kafka);
    CHECK_FALSE(outcome.evidence.kafka->authenticated);
    CHECK_FALSE(outcome.evidence.kafka->metadata_checked);
}
