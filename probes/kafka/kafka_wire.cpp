// SPDX-License-Identifier: Apache-2.0
#include "probes/kafka/kafka_wire.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "core/text.h"

namespace vpcprobe::kafka {

namespace {

// Kafka frames on the wire are big-endian; built byte by byte so no alignment or endianness
// assumption is made.
class Writer {
  public:
    void i8(std::int8_t value) { bytes_.push_back(static_cast<std::uint8_t>(value)); }
    void i16(std::int16_t value) {
        const auto bits = static_cast<std::uint16_t>(value);
        bytes_.push_back(static_cast<std::uint8_t>(bits >> 8));
        bytes_.push_back(static_cast<std::uint8_t>(bits & 0xFFu));
    }
    void i32(std::int32_t value) {
        const auto bits = static_cast<std::uint32_t>(value);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes_.push_back(static_cast<std::uint8_t>((bits >> shift) & 0xFFu));
        }
    }
    void uvarint(std::uint32_t value) {
        while (value >= 0x80u) {
            bytes_.push_back(static_cast<std::uint8_t>((value & 0x7Fu) | 0x80u));
            value >>= 7;
        }
        bytes_.push_back(static_cast<std::uint8_t>(value));
    }
    // STRING: INT16 length then the bytes; longer input is cut at the INT16 bound.
    void string(std::string_view text) {
        const std::size_t length =
            std::min<std::size_t>(text.size(), std::numeric_limits<std::int16_t>::max());
        i16(static_cast<std::int16_t>(length));
        raw(text.substr(0, length));
    }
    // COMPACT_STRING: UNSIGNED_VARINT length+1 then the bytes.
    void compact_string(std::string_view text) {
        const std::size_t length = std::min<std::size_t>(text.size(), 0x7FFF);
        uvarint(static_cast<std::uint32_t>(length + 1));
        raw(text.substr(0, length));
    }
    // BYTES: INT32 length then the bytes.
    void bytes(ByteSpan data) {
        i32(static_cast<std::int32_t>(data.size()));
        bytes_.insert(bytes_.end(), data.begin(), data.end());
    }
    void raw(std::string_view text) {
        for (const char c : text) bytes_.push_back(static_cast<std::uint8_t>(c));
    }
    void no_tagged_fields() { uvarint(0); }

    // The request header (v1, or v2 with its empty tagged fields when flexible).
    void header(std::int16_t api_key, std::int16_t api_version, std::int32_t correlation_id,
                std::string_view client_id, bool flexible) {
        i16(api_key);
        i16(api_version);
        i32(correlation_id);
        string(client_id);
        if (flexible) no_tagged_fields();
    }

    // The frame with its INT32 size prefix.
    Bytes finish() && {
        Bytes frame;
        frame.reserve(bytes_.size() + 4);
        const auto size = static_cast<std::uint32_t>(bytes_.size());
        for (int shift = 24; shift >= 0; shift -= 8) {
            frame.push_back(static_cast<std::uint8_t>((size >> shift) & 0xFFu));
        }
        frame.insert(frame.end(), bytes_.begin(), bytes_.end());
        return frame;
    }

  private:
    Bytes bytes_;
};

// A bounded cursor over a response body. Every read checks the bytes left first; the first
// failure is kept in error() and every later read fails too, so decoders can read a whole
// structure and check once (but must not use values of failed reads: they are zero).
class Reader {
  public:
    explicit Reader(ByteSpan data) : data_(data) {}

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::size_t left() const { return data_.size() - position_; }

    bool fail(std::string what) {
        if (error_.empty()) error_ = std::move(what);
        return false;
    }

    std::int8_t i8(const char* what) {
        if (!need(1, what)) return 0;
        return static_cast<std::int8_t>(data_[position_++]);
    }
    std::int16_t i16(const char* what) {
        if (!need(2, what)) return 0;
        const auto value =
            static_cast<std::uint16_t>((data_[position_] << 8) | data_[position_ + 1]);
        position_ += 2;
        return static_cast<std::int16_t>(value);
    }
    std::int32_t i32(const char* what) {
        if (!need(4, what)) return 0;
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i)
            value = (value << 8) | data_[position_ + static_cast<std::size_t>(i)];
        position_ += 4;
        return static_cast<std::int32_t>(value);
    }
    std::int64_t i64(const char* what) {
        if (!need(8, what)) return 0;
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i)
            value = (value << 8) | data_[position_ + static_cast<std::size_t>(i)];
        position_ += 8;
        return static_cast<std::int64_t>(value);
    }
    // UNSIGNED_VARINT of at most 5 bytes (32 bits).
    std::uint32_t uvarint(const char* what) {
        std::uint32_t value = 0;
        for (int index = 0; index < 5; ++index) {
            if (!need(1, what)) return 0;
            const std::uint8_t byte = data_[position_++];
            if (index == 4 && (byte & 0xF0u) != 0) {
                fail(fmt::format("{}: a varint longer than 32 bits", what));
                return 0;
            }
            value |= static_cast<std::uint32_t>(byte & 0x7Fu) << (7 * index);
            if ((byte & 0x80u) == 0) return value;
        }
        fail(fmt::format("{}: a varint longer than 5 bytes", what));
        return 0;
    }

    // STRING / NULLABLE_STRING (INT16 length, -1 = null).
    std::optional<std::string> string(const char* what, bool nullable) {
        const std::int16_t length = i16(what);
        if (!ok()) return std::nullopt;
        if (length == -1 && nullable) return std::nullopt;
        if (length < 0) {
            fail(fmt::format("{}: string length {}", what, length));
            return std::nullopt;
        }
        return take_text(static_cast<std::size_t>(length), what);
    }
    // COMPACT_STRING / COMPACT_NULLABLE_STRING (UNSIGNED_VARINT length+1, 0 = null).
    std::optional<std::string> compact_string(const char* what, bool nullable) {
        const std::uint32_t length_plus_one = uvarint(what);
        if (!ok()) return std::nullopt;
        if (length_plus_one == 0) {
            if (!nullable) fail(fmt::format("{}: null where a string is required", what));
            return std::nullopt;
        }
        return take_text(length_plus_one - 1, what);
    }
    // BYTES (INT32 length; -1 only where nullable, read as empty).
    Bytes bytes(const char* what, bool nullable) {
        const std::int32_t length = i32(what);
        if (!ok()) return {};
        if (length == -1 && nullable) return {};
        if (length < 0) {
            fail(fmt::format("{}: byte length {}", what, length));
            return {};
        }
        if (!need(static_cast<std::size_t>(length), what)) return {};
        const auto begin = data_.begin() + static_cast<std::ptrdiff_t>(position_);
        Bytes out(begin, begin + length);
        position_ += static_cast<std::size_t>(length);
        return out;
    }

    // ARRAY count (INT32; -1 = null only where nullable, read as 0), checked so that
    // `count` elements of at least `min_element_bytes` each fit in what is left.
    std::size_t array_count(const char* what, std::size_t min_element_bytes, bool nullable) {
        const std::int32_t count = i32(what);
        if (!ok()) return 0;
        if (count == -1 && nullable) return 0;
        if (count < 0) {
            fail(fmt::format("{}: count {}", what, count));
            return 0;
        }
        return check_count(static_cast<std::size_t>(count), min_element_bytes, what);
    }
    // COMPACT_ARRAY count (UNSIGNED_VARINT count+1; 0 = null, not accepted here).
    std::size_t compact_array_count(const char* what, std::size_t min_element_bytes) {
        const std::uint32_t count_plus_one = uvarint(what);
        if (!ok()) return 0;
        if (count_plus_one == 0) {
            fail(fmt::format("{}: null array", what));
            return 0;
        }
        return check_count(count_plus_one - 1, min_element_bytes, what);
    }

    // TAG_BUFFER: a count, then per field a tag and a size and that many bytes, all skipped.
    void skip_tagged_fields(const char* what) {
        const std::uint32_t count = uvarint(what);
        if (!ok()) return;
        if (count > left()) {  // each field takes at least 2 bytes (tag, size)
            fail(fmt::format("{}: {} tagged fields do not fit the {} bytes left", what, count,
                             left()));
            return;
        }
        for (std::uint32_t index = 0; index < count && ok(); ++index) {
            uvarint(what);  // the tag
            const std::uint32_t size = uvarint(what);
            if (!need(size, what)) return;
            position_ += size;
        }
    }

  private:
    bool need(std::size_t count, const char* what) {
        if (!ok()) return false;
        if (count > left()) {
            return fail(fmt::format("{}: needs {} bytes, {} left", what, count, left()));
        }
        return true;
    }
    std::size_t check_count(std::size_t count, std::size_t min_element_bytes, const char* what) {
        // Divide rather than multiply: no overflow whatever the count.
        if (min_element_bytes > 0 && count > left() / min_element_bytes) {
            fail(fmt::format("{}: count {} does not fit the {} bytes left", what, count, left()));
            return 0;
        }
        return count;
    }
    std::optional<std::string> take_text(std::size_t length, const char* what) {
        if (!need(length, what)) return std::nullopt;
        const auto* begin = reinterpret_cast<const char*>(data_.data() + position_);
        std::string text(begin, length);
        position_ += length;
        return text;
    }

    ByteSpan data_;
    std::size_t position_ = 0;
    std::string error_;
};

bool check_correlation(Reader& reader, std::int32_t expected) {
    const std::int32_t actual = reader.i32("correlation id");
    if (!reader.ok()) return false;
    if (actual != expected) {
        return reader.fail(fmt::format("correlation id {}, expected {}", actual, expected));
    }
    return true;
}

// Hands the reader's verdict to the caller: the value when every read succeeded.
template <class T>
Result<T> result(const Reader& reader, T value) {
    if (!reader.ok()) return Error(reader.error());
    return value;
}

std::uint32_t big_endian_32(ByteSpan bytes) {
    return (static_cast<std::uint32_t>(bytes[0]) << 24) |
           (static_cast<std::uint32_t>(bytes[1]) << 16) |
           (static_cast<std::uint32_t>(bytes[2]) << 8) | static_cast<std::uint32_t>(bytes[3]);
}

bool is_text_byte(std::uint8_t byte) {
    return (byte >= 0x20 && byte < 0x7F) || byte == '\r' || byte == '\n' || byte == '\t';
}

bool starts_with(ByteSpan bytes, std::string_view prefix) {
    if (bytes.size() < prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), bytes.begin(),
                      [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

// Kafka answers the check expects are small; Kafka itself bounds requests at 100 MiB by
// default. Beyond 1 GiB a prefix is not a Kafka size at all.
constexpr std::uint32_t kAbsurdFrameSize = 1u << 30;

}  // namespace

Bytes encode_api_versions_request(std::int16_t version, std::int32_t correlation_id,
                                  std::string_view client_id, std::string_view software_version) {
    Writer writer;
    if (version == 3) {
        writer.header(kApiVersionsKey, 3, correlation_id, client_id, true);
        writer.compact_string("vpcprobe");
        writer.compact_string(software_version);
        writer.no_tagged_fields();
    } else {
        writer.header(kApiVersionsKey, 0, correlation_id, client_id, false);
    }
    return std::move(writer).finish();
}

Bytes encode_sasl_handshake_request(std::int32_t correlation_id, std::string_view client_id,
                                    std::string_view mechanism) {
    Writer writer;
    writer.header(kSaslHandshakeKey, 1, correlation_id, client_id, false);
    writer.string(mechanism);
    return std::move(writer).finish();
}

Bytes encode_sasl_authenticate_request(std::int16_t version, std::int32_t correlation_id,
                                       std::string_view client_id, ByteSpan auth_bytes) {
    Writer writer;
    writer.header(kSaslAuthenticateKey, version >= 1 ? std::int16_t{1} : std::int16_t{0},
                  correlation_id, client_id, false);
    writer.bytes(auth_bytes);
    return std::move(writer).finish();
}

Bytes encode_metadata_request(std::int16_t version, std::int32_t correlation_id,
                              std::string_view client_id) {
    const std::int16_t clamped = std::clamp<std::int16_t>(version, 1, 8);
    Writer writer;
    writer.header(kMetadataKey, clamped, correlation_id, client_id, false);
    writer.i32(0);                   // topics: an empty array (null would mean every topic)
    if (clamped >= 4) writer.i8(0);  // allow_auto_topic_creation
    if (clamped >= 8) {
        writer.i8(0);  // include_cluster_authorized_operations
        writer.i8(0);  // include_topic_authorized_operations
    }
    return std::move(writer).finish();
}

std::optional<KafkaApiRange> find_api(const std::vector<KafkaApiRange>& apis, std::int16_t key) {
    for (const KafkaApiRange& api : apis) {
        if (api.api_key == key) return api;
    }
    return std::nullopt;
}

std::optional<std::int16_t> choose_metadata_version(const std::vector<KafkaApiRange>& apis) {
    const auto metadata = find_api(apis, kMetadataKey);
    if (!metadata) return std::nullopt;
    const std::int16_t version =
        std::max<std::int16_t>(1, std::min<std::int16_t>(8, metadata->max_version));
    if (version < metadata->min_version || version > metadata->max_version) return std::nullopt;
    return version;
}

std::string printable_excerpt(ByteSpan bytes, std::size_t max_chars) {
    std::string text;
    for (const std::uint8_t byte : bytes) {
        if (byte == '\r' || byte == '\n' || text.size() >= max_chars) break;
        text.push_back(byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '.');
    }
    return text;
}

SizeCheck check_size_prefix(ByteSpan first_bytes, std::size_t max_frame_bytes) {
    SizeCheck check;
    if (first_bytes.size() < 4) {
        check.what = fmt::format("the answer has only {} bytes, less than a Kafka size prefix",
                                 first_bytes.size());
        return check;
    }
    check.size = big_endian_32(first_bytes);
    const std::uint8_t b0 = first_bytes[0];
    const std::uint8_t b1 = first_bytes[1];
    const std::uint8_t b2 = first_bytes[2];

    // A TLS record header: content type 20..24, version 3.x.
    if (b0 >= 20 && b0 <= 24 && b1 == 3 && b2 <= 4) {
        check.tls_record = true;
        check.what = b0 == 21 ? "the answer is a TLS alert record: the port speaks TLS, not "
                                "plaintext Kafka"
                              : "the answer is a TLS record: the port speaks TLS, not "
                                "plaintext Kafka";
        return check;
    }
    if (std::all_of(first_bytes.begin(), first_bytes.begin() + 4, is_text_byte)) {
        const std::string excerpt = quote(printable_excerpt(first_bytes));
        if (starts_with(first_bytes, "HTTP/")) {
            check.what = fmt::format(
                "the answer starts with {}: an HTTP server, not a Kafka "
                "broker",
                excerpt);
        } else if (starts_with(first_bytes, "SSH-")) {
            check.what = fmt::format(
                "the answer starts with {}: an SSH server, not a Kafka "
                "broker",
                excerpt);
        } else {
            check.what = fmt::format("the answer starts with {}: text, not a Kafka frame", excerpt);
        }
        return check;
    }
    if (check.size >= kAbsurdFrameSize) {
        check.what = fmt::format(
            "the answer starts with bytes {:02x} {:02x} {:02x} {:02x}, a size of {} bytes that "
            "no Kafka answer has",
            b0, b1, b2, first_bytes[3], check.size);
        return check;
    }
    if (check.size < 4) {
        check.what = fmt::format("a frame of {} bytes cannot hold a Kafka answer", check.size);
        return check;
    }
    if (check.size > max_frame_bytes) {
        check.verdict = SizeVerdict::too_large;
        check.what = fmt::format("the answer announces {} bytes, more than the {} allowed",
                                 check.size, max_frame_bytes);
        return check;
    }
    check.verdict = SizeVerdict::ok;
    return check;
}

std::optional<std::int32_t> peek_correlation_id(ByteSpan body) {
    if (body.size() < 4) return std::nullopt;
    return static_cast<std::int32_t>(big_endian_32(body));
}

Result<ApiVersionsResponse> decode_api_versions_response(ByteSpan body, std::int32_t correlation_id,
                                                         std::int16_t version) {
    Reader reader(body);
    ApiVersionsResponse response;
    if (check_correlation(reader, correlation_id)) {
        response.error_code = reader.i16("error code");
        if (reader.ok() && version >= 3 && response.error_code == kErrorUnsupportedVersion) {
            // Kafka answers UNSUPPORTED_VERSION in the v0 body whatever version was asked;
            // some implementations (librdkafka's mock) write another layout. The list is only
            // informative — the caller asks again at v0, and that answer is checked strictly —
            // so an unreadable list is dropped rather than failing the answer.
            response.v0_body = true;
            Reader rest(body.subspan(6));
            const std::size_t count = rest.array_count("api count", 6, false);
            std::vector<KafkaApiRange> apis;
            for (std::size_t index = 0; index < count && rest.ok(); ++index) {
                KafkaApiRange api;
                api.api_key = rest.i16("api key");
                api.min_version = rest.i16("api min version");
                api.max_version = rest.i16("api max version");
                if (rest.ok()) apis.push_back(api);
            }
            if (rest.ok()) response.apis = std::move(apis);
            return result(reader, std::move(response));
        }
        const bool v0_body = version < 3;
        response.v0_body = v0_body;
        std::size_t count = 0;
        if (v0_body) {
            count = reader.array_count("api count", 6, false);
        } else {
            count = reader.compact_array_count("api count", 7);
        }
        response.apis.reserve(count);
        for (std::size_t index = 0; index < count && reader.ok(); ++index) {
            KafkaApiRange api;
            api.api_key = reader.i16("api key");
            api.min_version = reader.i16("api min version");
            api.max_version = reader.i16("api max version");
            if (!v0_body) reader.skip_tagged_fields("api tagged fields");
            if (reader.ok()) response.apis.push_back(api);
        }
        if (version >= 1 && !(v0_body && response.error_code == kErrorUnsupportedVersion)) {
            response.throttle_time_ms = reader.i32("throttle time");
        }
        if (!v0_body) reader.skip_tagged_fields("tagged fields");
    }
    return result(reader, std::move(response));
}

Result<SaslHandshakeResponse> decode_sasl_handshake_response(ByteSpan body,
                                                             std::int32_t correlation_id) {
    Reader reader(body);
    SaslHandshakeResponse response;
    if (check_correlation(reader, correlation_id)) {
        response.error_code = reader.i16("error code");
        const std::size_t count = reader.array_count("mechanism count", 2, false);
        response.mechanisms.reserve(count);
        for (std::size_t index = 0; index < count && reader.ok(); ++index) {
            auto mechanism = reader.string("mechanism", false);
            if (mechanism) response.mechanisms.push_back(std::move(*mechanism));
        }
    }
    return result(reader, std::move(response));
}

Result<SaslAuthenticateResponse> decode_sasl_authenticate_response(ByteSpan body,
                                                                   std::int32_t correlation_id,
                                                                   std::int16_t version) {
    Reader reader(body);
    SaslAuthenticateResponse response;
    if (check_correlation(reader, correlation_id)) {
        response.error_code = reader.i16("error code");
        response.error_message = reader.string("error message", true);
        response.auth_bytes = reader.bytes("auth bytes", false);
        if (version >= 1) response.session_lifetime_ms = reader.i64("session lifetime");
    }
    return result(reader, std::move(response));
}

Result<MetadataResponse> decode_metadata_response(ByteSpan body, std::int32_t correlation_id,
                                                  std::int16_t version) {
    Reader reader(body);
    MetadataResponse response;
    if (check_correlation(reader, correlation_id)) {
        if (version >= 3) response.throttle_time_ms = reader.i32("throttle time");
        // node_id, host (>= 2 bytes), port, rack (>= 2 bytes, v1+)
        const std::size_t count = reader.array_count("broker count", version >= 1 ? 12 : 10, false);
        response.brokers.reserve(count);
        for (std::size_t index = 0; index < count && reader.ok(); ++index) {
            KafkaBroker broker;
            broker.node_id = reader.i32("broker node id");
            broker.host = reader.string("broker host", false).value_or("");
            broker.port = reader.i32("broker port");
            if (version >= 1) broker.rack = reader.string("broker rack", true);
            if (reader.ok()) response.brokers.push_back(std::move(broker));
        }
        if (version >= 2) response.cluster_id = reader.string("cluster id", true);
        if (version >= 1) response.controller_id = reader.i32("controller id");
        // The topics follow; none were asked, and they are not needed.
    }
    return result(reader, std::move(response));
}

}  // namespace vpcprobe::kafka
