// SPDX-License-Identifier: Apache-2.0
// Kafka wire codec (probes/kafka/kafka_wire.h): requests encode to known bytes; answers built here
// byte by byte decode back; every truncation, a wrong correlation id, counts that cannot fit
// and random noise are refused without reading out of bounds or allocating what a count
// announces; the size-prefix check tells Kafka frames from HTTP, TLS and absurd sizes.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/kafka/kafka_wire.h"
#include "tests/probes/kafka/kafka_test_frames.h"

namespace kafka = vpcprobe::kafka;
using kafka::Bytes;
using vpcprobe::test::kafka_frames::Body;
using vpcprobe::test::kafka_frames::bytes_of;

namespace {

// What a failed decode says; "" for an answer that decoded.
template <class T>
std::string error_of(const vpcprobe::Result<T>& decoded) {
    return decoded ? std::string() : decoded.error().message();
}

// A v3 ApiVersions answer: ApiVersions 0..3, Metadata 0..12, SaslAuthenticate 0..2.
Body api_versions_v3(std::int32_t correlation_id) {
    Body body;
    body.i32(correlation_id).i16(0).uvarint(4);
    body.i16(18).i16(0).i16(3).uvarint(0);
    body.i16(3).i16(0).i16(12).uvarint(0);
    body.i16(36).i16(0).i16(2).uvarint(0);
    body.i32(0).uvarint(0);
    return body;
}

Body metadata_v8(std::int32_t correlation_id) {
    Body body;
    body.i32(correlation_id).i32(0).i32(2);
    body.i32(1).str("b1.example").i32(9092).str("rack-a");
    body.i32(2).str("b2.example").i32(9093).null_str();
    body.str("cluster-xyz").i32(2);
    body.i32(0).i32(0);  // no topics, cluster authorized operations
    return body;
}

}  // namespace

TEST_CASE("ApiVersions v0 request bytes") {
    const Bytes request = kafka::encode_api_versions_request(0, 1, "vpcprobe", "0.1.0");
    const Bytes expected = {0, 0, 0, 18,  0,   18,  0,   0,   0,   0,   0,
                            1, 0, 8, 'v', 'p', 'c', 'p', 'r', 'o', 'b', 'e'};
    CHECK(request == expected);
}

TEST_CASE("ApiVersions v3 request bytes: header v2 and compact strings") {
    const Bytes request = kafka::encode_api_versions_request(3, 0x01020304, "vp", "1.2.3");
    // clang-format off
    const Bytes expected = {0, 0, 0, 29,                                   // size
                            0, 18, 0, 3, 1, 2, 3, 4, 0, 2, 'v', 'p', 0,  // header v2
                            9, 'v', 'p', 'c', 'p', 'r', 'o', 'b', 'e',   // software name
                            6, '1', '.', '2', '.', '3', 0};               // version, tags
    // clang-format on
    CHECK(request == expected);
}

TEST_CASE("SaslHandshake and SaslAuthenticate request bytes") {
    CHECK(kafka::encode_sasl_handshake_request(7, "c", "PLAIN") ==
          Bytes{0, 0, 0, 18, 0, 17, 0, 1, 0, 0, 0, 7, 0, 1, 'c', 0, 5, 'P', 'L', 'A', 'I', 'N'});
    const Bytes auth = {0, 'u', 0, 'p'};
    CHECK(kafka::encode_sasl_authenticate_request(1, 8, "c", auth) ==
          Bytes{0, 0, 0, 19, 0, 36, 0, 1, 0, 0, 0, 8, 0, 1, 'c', 0, 0, 0, 4, 0, 'u', 0, 'p'});
    CHECK(kafka::encode_sasl_authenticate_request(0, 8, "c", auth)[7] == 0);
}

TEST_CASE("Metadata requests ask for no topics at every version") {
    // size 15; header v1 (api 3, version 1, correlation 9, client "c"); topics: empty array.
    const Bytes framed_v1 = {0, 0, 0, 15, 0, 3, 0, 1, 0, 0, 0, 9, 0, 1, 'c', 0, 0, 0, 0};
    CHECK(kafka::encode_metadata_request(1, 9, "c") == framed_v1);

    const Bytes v4 = kafka::encode_metadata_request(4, 9, "c");
    CHECK(v4.size() == 4 + 11 + 4 + 1);
    CHECK(v4.back() == 0);  // allow_auto_topic_creation = false
    const Bytes v8 = kafka::encode_metadata_request(8, 9, "c");
    CHECK(v8.size() == 4 + 11 + 4 + 3);
    CHECK(v8[7] == 8);
    CHECK(Bytes(v8.end() - 7, v8.end()) == Bytes{0, 0, 0, 0, 0, 0, 0});
    // Out-of-range versions are clamped to 1..8.
    CHECK(kafka::encode_metadata_request(12, 9, "c")[7] == 8);
    CHECK(kafka::encode_metadata_request(0, 9, "c")[7] == 1);
}

TEST_CASE("Metadata version choice") {
    using Range = vpcprobe::KafkaApiRange;
    CHECK(kafka::choose_metadata_version({Range{3, 0, 12}}) == 8);
    CHECK(kafka::choose_metadata_version({Range{3, 0, 5}}) == 5);
    CHECK(kafka::choose_metadata_version({Range{3, 0, 0}}) == std::nullopt);
    CHECK(kafka::choose_metadata_version({Range{3, 9, 12}}) == std::nullopt);
    CHECK(kafka::choose_metadata_version({Range{18, 0, 3}}) == std::nullopt);
}

TEST_CASE("ApiVersions v3 answer decodes") {
    const auto response = kafka::decode_api_versions_response(api_versions_v3(5).bytes, 5, 3);
    INFO(error_of(response));
    REQUIRE(response);
    CHECK(response->error_code == 0);
    REQUIRE(response->apis.size() == 3);
    CHECK(response->apis[1].api_key == 3);
    CHECK(response->apis[1].max_version == 12);
    CHECK_FALSE(response->v0_body);
}

TEST_CASE("ApiVersions UNSUPPORTED_VERSION answer to v3 is read in the v0 format") {
    Body body;
    body.i32(1).i16(35).i32(1).i16(18).i16(0).i16(2);
    const auto response = kafka::decode_api_versions_response(body.bytes, 1, 3);
    INFO(error_of(response));
    REQUIRE(response);
    CHECK(response->error_code == 35);
    CHECK(response->v0_body);
    REQUIRE(response->apis.size() == 1);
    CHECK(response->apis[0].max_version == 2);
}

TEST_CASE("ApiVersions UNSUPPORTED_VERSION in another layout still gives the error code") {
    // What librdkafka 2.0.2's mock cluster sends (bytes captured from it): a compact count, one
    // entry without tags, the throttle time. Not the v0 format, but the error code is what
    // matters: the caller asks again at v0.
    const Bytes body = {0, 0, 0, 1, 0, 35, 1, 0, 18, 0, 0, 0, 2, 0, 0, 0, 0};
    const auto response = kafka::decode_api_versions_response(body, 1, 3);
    INFO(error_of(response));
    REQUIRE(response);
    CHECK(response->error_code == 35);
    CHECK(response->apis.empty());
    // Still strict about the correlation id and the error code itself.
    CHECK_FALSE(kafka::decode_api_versions_response(body, 2, 3));
    CHECK_FALSE(kafka::decode_api_versions_response(kafka::ByteSpan(body.data(), 5), 1, 3));
}

TEST_CASE("ApiVersions v0 answer decodes") {
    Body body;
    body.i32(2).i16(0).i32(2).i16(18).i16(0).i16(2).i16(3).i16(0).i16(7);
    const auto response = kafka::decode_api_versions_response(body.bytes, 2, 0);
    REQUIRE(response);
    CHECK(response->apis.size() == 2);
}

TEST_CASE("A wrong correlation id is refused") {
    const auto api = kafka::decode_api_versions_response(api_versions_v3(5).bytes, 6, 3);
    CHECK_FALSE(api);
    CHECK(error_of(api) == "correlation id 5, expected 6");
    const auto metadata = kafka::decode_metadata_response(metadata_v8(1).bytes, 2, 8);
    CHECK_FALSE(metadata);
    CHECK(error_of(metadata).find("correlation id") != std::string::npos);
}

TEST_CASE("Every truncation of a valid answer is refused") {
    const Bytes api = api_versions_v3(1).bytes;
    const Bytes metadata = metadata_v8(1).bytes;
    // The metadata decoder stops after the controller id: the topics are not needed.
    const std::size_t metadata_needed = metadata.size() - 8;
    for (std::size_t length = 0; length < api.size(); ++length) {
        INFO(length);
        const auto cut =
            kafka::decode_api_versions_response(kafka::ByteSpan(api.data(), length), 1, 3);
        CHECK_FALSE(cut);
        CHECK_FALSE(error_of(cut).empty());
    }
    for (std::size_t length = 0; length < metadata_needed; ++length) {
        INFO(length);
        CHECK_FALSE(
            kafka::decode_metadata_response(kafka::ByteSpan(metadata.data(), length), 1, 8));
    }
    CHECK(kafka::decode_metadata_response(kafka::ByteSpan(metadata.data(), metadata_needed), 1, 8));
}

TEST_CASE("Huge counts and lengths in a small frame fail at once") {
    const auto started = std::chrono::steady_clock::now();
    {
        Body body;  // 2^31-1 APIs announced in a 20-byte frame
        body.i32(1).i16(0).i32(0x7FFFFFFF).i32(0).i32(0).i16(0);
        const auto huge = kafka::decode_api_versions_response(body.bytes, 1, 0);
        CHECK_FALSE(huge);
        CHECK(error_of(huge).find("does not fit") != std::string::npos);
    }
    {
        Body body;  // compact count of 2^32-2
        body.i32(1).i16(0).uvarint(0xFFFFFFFF).i32(0);
        CHECK_FALSE(kafka::decode_api_versions_response(body.bytes, 1, 3));
    }
    {
        Body body;  // an over-long varint
        body.i32(1).i16(0).i8(0xFF).i8(0xFF).i8(0xFF).i8(0xFF).i8(0xFF).i8(0x01);
        const auto varint = kafka::decode_api_versions_response(body.bytes, 1, 3);
        CHECK_FALSE(varint);
        CHECK(error_of(varint).find("varint") != std::string::npos);
    }
    {
        Body body;  // 2^31-1 brokers
        body.i32(1).i32(0).i32(0x7FFFFFFF).i32(1).i32(2);
        CHECK_FALSE(kafka::decode_metadata_response(body.bytes, 1, 8));
    }
    {
        Body body;  // a host of 32767 bytes in a tiny frame
        body.i32(1).i32(1).i32(1).i16(0x7FFF).i32(0);
        const auto host = kafka::decode_metadata_response(body.bytes, 1, 1);
        CHECK_FALSE(host);
        CHECK(error_of(host).find("broker") != std::string::npos);
    }
    {
        Body body;  // negative array count and negative string length
        body.i32(1).i16(0).i32(-2);
        CHECK_FALSE(kafka::decode_sasl_handshake_response(body.bytes, 1));
        Body other;
        other.i32(1).i16(0).i32(1).i16(-3);
        CHECK_FALSE(kafka::decode_sasl_handshake_response(other.bytes, 1));
    }
    {
        Body body;  // auth bytes of 2 GB announced
        body.i32(1).i16(0).null_str().i32(0x7FFFFFF0);
        CHECK_FALSE(kafka::decode_sasl_authenticate_response(body.bytes, 1, 0));
    }
    {
        Body body;  // 2^32-1 tagged fields
        body.i32(1).i16(0).uvarint(1).i32(0).uvarint(0xFFFFFFFE);
        CHECK_FALSE(kafka::decode_api_versions_response(body.bytes, 1, 3));
    }
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(200));
}

TEST_CASE("Metadata answers decode at v1, v2 and v8") {
    const auto v8 = kafka::decode_metadata_response(metadata_v8(4).bytes, 4, 8);
    INFO(error_of(v8));
    REQUIRE(v8);
    REQUIRE(v8->brokers.size() == 2);
    CHECK(v8->brokers[0].node_id == 1);
    CHECK(v8->brokers[0].host == "b1.example");
    CHECK(v8->brokers[0].port == 9092);
    CHECK(v8->brokers[0].rack == "rack-a");
    CHECK_FALSE(v8->brokers[1].rack);
    CHECK(v8->cluster_id == "cluster-xyz");
    CHECK(v8->controller_id == 2);

    Body v1;  // no throttle time, no cluster id
    v1.i32(1).i32(1).i32(0).str("h").i32(1).null_str().i32(0).i32(0);
    const auto decoded_v1 = kafka::decode_metadata_response(v1.bytes, 1, 1);
    REQUIRE(decoded_v1);
    CHECK_FALSE(decoded_v1->cluster_id);
    CHECK(decoded_v1->controller_id == 0);

    Body v2;  // a null cluster id
    v2.i32(1).i32(0).null_str().i32(-1);
    const auto decoded_v2 = kafka::decode_metadata_response(v2.bytes, 1, 2);
    REQUIRE(decoded_v2);
    CHECK_FALSE(decoded_v2->cluster_id);
    CHECK(decoded_v2->controller_id == -1);
}

TEST_CASE("SASL answers decode") {
    Body handshake;
    handshake.i32(3).i16(0).i32(2).str("PLAIN").str("SCRAM-SHA-512");
    const auto offered = kafka::decode_sasl_handshake_response(handshake.bytes, 3);
    REQUIRE(offered);
    CHECK(offered->mechanisms == std::vector<std::string>{"PLAIN", "SCRAM-SHA-512"});

    Body refused;
    refused.i32(4).i16(58).str("Authentication failed").i32(0).i64(0);
    const auto v1 = kafka::decode_sasl_authenticate_response(refused.bytes, 4, 1);
    REQUIRE(v1);
    CHECK(v1->error_code == 58);
    CHECK(v1->error_message == "Authentication failed");

    Body accepted;
    accepted.i32(5).i16(0).null_str().i32(3).i8('v').i8('=').i8('x');
    const auto v0 = kafka::decode_sasl_authenticate_response(accepted.bytes, 5, 0);
    REQUIRE(v0);
    CHECK_FALSE(v0->error_message);
    CHECK(v0->auth_bytes == bytes_of("v=x"));
    // The v1 answer needs the session lifetime.
    CHECK_FALSE(kafka::decode_sasl_authenticate_response(accepted.bytes, 5, 1));
}

TEST_CASE("Size prefix: Kafka sizes, HTTP, TLS and absurd sizes") {
    using kafka::SizeVerdict;
    const auto check = [](const Bytes& bytes, std::size_t max = 1 << 20) {
        return kafka::check_size_prefix(bytes, max);
    };
    CHECK(check({0, 0, 1, 0}).verdict == SizeVerdict::ok);
    CHECK(check({0, 0, 1, 0}).size == 256);
    const auto http = check(bytes_of("HTTP/1.1 400 Bad Request\r\nServer: x\r\n"));
    CHECK(http.verdict == SizeVerdict::not_kafka);
    CHECK(http.what ==
          "the answer starts with 'HTTP/1.1 400 Bad Request': an HTTP server, not a Kafka broker");
    CHECK(check(bytes_of("SSH-2.0-OpenSSH")).what.find("SSH server") != std::string::npos);
    CHECK(check(bytes_of("hello there")).what.find("text") != std::string::npos);
    const auto tls_alert = check({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46});
    CHECK(tls_alert.verdict == SizeVerdict::not_kafka);
    CHECK(tls_alert.what.find("TLS") != std::string::npos);
    CHECK(tls_alert.tls_record);
    CHECK_FALSE(http.tls_record);
    CHECK(check({0x16, 0x03, 0x03, 0x00, 0x7a}).tls_record);  // a ServerHello's record
    const auto hundred_mb = check({0x05, 0xF5, 0xE1, 0x00});
    CHECK(hundred_mb.verdict == SizeVerdict::too_large);
    CHECK(hundred_mb.size == 100000000);
    CHECK(check({0x05, 0xF5, 0xE1, 0x00}, 200000000).verdict == SizeVerdict::ok);
    CHECK(check({0xFF, 0xFF, 0xFF, 0xF0}).verdict == SizeVerdict::not_kafka);  // negative
    CHECK(check({0x7F, 0x00, 0x00, 0x01}).verdict == SizeVerdict::not_kafka);  // > 1 GiB
    CHECK(check({0, 0, 0, 2}).verdict == SizeVerdict::not_kafka);              // < 4
    CHECK(check({0, 0, 1}).verdict == SizeVerdict::not_kafka);                 // < 4 bytes
}

TEST_CASE("Kafka error names") {
    CHECK(kafka::kafka_error_name(35) == "UNSUPPORTED_VERSION");
    CHECK(kafka::kafka_error_name(58) == "SASL_AUTHENTICATION_FAILED");
    CHECK(kafka::kafka_error_name(33) == "UNSUPPORTED_SASL_MECHANISM");
    CHECK(kafka::kafka_error_name(34) == "ILLEGAL_SASL_STATE");
    CHECK(kafka::kafka_error_name(29) == "TOPIC_AUTHORIZATION_FAILED");
    CHECK(kafka::kafka_error_name(31) == "CLUSTER_AUTHORIZATION_FAILED");
    CHECK(kafka::kafka_error_name(12345).empty());
    CHECK(kafka::describe_kafka_error(58) == "58 SASL_AUTHENTICATION_FAILED");
    CHECK(kafka::describe_kafka_error(999) == "999");
}

TEST_CASE("Random noise never decodes out of bounds") {
    // Bounded: a few thousand frames of noise and of mutated valid answers through every
    // decoder; the sanitizer build turns any out-of-bounds read into a failure.
    std::mt19937 random(12345);
    const Bytes seeds[] = {api_versions_v3(1).bytes, metadata_v8(1).bytes};
    for (int round = 0; round < 4000; ++round) {
        Bytes frame;
        if (round % 2 == 0) {
            frame.resize(random() % 64);
            for (auto& byte : frame) byte = static_cast<std::uint8_t>(random());
            if (frame.size() >= 4) frame[0] = frame[1] = frame[2] = 0, frame[3] = 1;
        } else {
            frame = seeds[(round / 2) % 2];
            for (int flips = 0; flips < 3; ++flips) {
                frame[random() % frame.size()] = static_cast<std::uint8_t>(random());
            }
            frame.resize(random() % (frame.size() + 1));
        }
        for (const std::int16_t version : {std::int16_t{0}, std::int16_t{1}, std::int16_t{2},
                                           std::int16_t{3}, std::int16_t{8}}) {
            (void)kafka::decode_api_versions_response(frame, 1, version);
            (void)kafka::decode_metadata_response(frame, 1, version);
            (void)kafka::decode_sasl_authenticate_response(frame, 1, version);
        }
        (void)kafka::decode_sasl_handshake_response(frame, 1);
        (void)kafka::check_size_prefix(frame, 1 << 20);
    }
    SUCCEED("no crash, no out-of-bounds read");
}
