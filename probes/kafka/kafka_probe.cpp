// SPDX-License-Identifier: Apache-2.0
#include "probes/kafka/kafka_probe.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <utility>

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "core/duration.h"
#include "core/text.h"
#include "probes/kafka/kafka_wire.h"
#include "probes/kafka/scram.h"

#ifndef VPCPROBE_VERSION
#define VPCPROBE_VERSION "0"
#endif

namespace vpcprobe {

namespace {

using SteadyClock = std::chrono::steady_clock;

bool is_closed_error(const boost::system::error_code& ec) {
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset ||
           ec == boost::asio::error::broken_pipe || ec == boost::asio::ssl::error::stream_truncated;
}

// How one request/answer exchange ended.
struct Answer {
    bool ok = false;
    kafka::Bytes body;  // the frame without its size prefix, when ok
    Cause cause = Cause::none;
    std::string problem;  // for people, when not ok
};

class KafkaConversation : public std::enable_shared_from_this<KafkaConversation> {
  public:
    KafkaConversation(std::shared_ptr<ProtocolStream> stream, KafkaProbeOptions options,
                      ProtocolDone done)
        : stream_(std::move(stream)),
          options_(std::move(options)),
          done_(std::move(done)),
          timer_(stream_->get_executor()),
          started_(SteadyClock::now()) {
        evidence_.name = "kafka";
    }

    ~KafkaConversation() {
        if (!outbound_.empty()) OPENSSL_cleanse(outbound_.data(), outbound_.size());
        if (options_.sasl) {
            OPENSSL_cleanse(options_.sasl->password.data(), options_.sasl->password.size());
        }
    }

    void start();

  private:
    using AnswerHandler = void (KafkaConversation::*)(Answer);

    // One request and its answer, bounded by options_.timeout.
    void exchange(std::string name, kafka::Bytes request, std::int32_t correlation_id,
                  AnswerHandler on_answer);
    void on_written(std::uint64_t exchange_id, const boost::system::error_code& ec);
    void read_more(std::uint64_t exchange_id);
    void on_read(std::uint64_t exchange_id, const boost::system::error_code& ec, std::size_t bytes);
    // Judges inbound_: completes the exchange when a whole frame or a verdict is there;
    // returns false when more bytes are needed. `no_more_bytes`: the stream ended (closed,
    // failed or timed out), so a verdict that waits for more bytes is made on what is there.
    bool try_complete(std::uint64_t exchange_id, bool no_more_bytes = false);
    // A size prefix beyond the frame cap that check_size_prefix calls "not Kafka" (>= 1 GiB)
    // is still a Kafka answer when the next four bytes are our correlation id: a broker (or a
    // hostile peer) announcing a frame nobody should allocate. nullopt: not known yet.
    std::optional<bool> echoes_correlation_id(const kafka::SizeCheck& check) const;
    void complete(std::uint64_t exchange_id, Answer answer);
    void on_timeout(std::uint64_t exchange_id);
    Answer transport_failure(const boost::system::error_code& ec, bool writing) const;

    void send_api_versions(std::int16_t version);
    void on_api_versions(Answer answer);
    void send_sasl_handshake();
    void on_sasl_handshake(Answer answer);
    // Fails the conversation when the broker does not offer the mechanism or refuses SASL;
    // returns whether it did.
    bool fail_if_refused(const kafka::SaslHandshakeResponse& response);
    void start_sasl_authenticate();
    void send_sasl_authenticate(const std::string& payload);
    void on_sasl_authenticate(Answer answer);
    void send_metadata();
    void on_metadata(Answer answer);

    void fail(Cause cause, std::string detail);
    // The exchange's answer did not decode (protocol.not_kafka).
    void fail_not_kafka(const Error& error);
    // The SCRAM exchange went wrong (protocol.auth_failed).
    void fail_authentication(const Error& error);
    void succeed();
    void finish(StageStatus status, Cause cause, std::string detail);
    // Removes the configured credentials from any text that leaves the conversation.
    std::string redacted(std::string text) const;

    std::int32_t next_correlation_id() { return next_correlation_id_++; }
    std::string_view mechanism() const {
        return options_.sasl ? std::string_view(options_.sasl->mechanism)
                             : std::string_view(options_.sasl_handshake_only);
    }
    bool handshake_only() const { return !options_.sasl && !options_.sasl_handshake_only.empty(); }

    std::shared_ptr<ProtocolStream> stream_;
    KafkaProbeOptions options_;
    ProtocolDone done_;
    boost::asio::steady_timer timer_;
    SteadyClock::time_point started_;

    ProtocolEvidence evidence_;
    KafkaEvidence kafka_;
    bool finished_ = false;

    // The exchange in flight.
    std::uint64_t exchange_id_ = 0;
    bool exchange_open_ = false;
    bool timed_out_ = false;
    std::string exchange_name_;
    std::int32_t correlation_id_ = 0;
    std::int32_t next_correlation_id_ = 1;
    AnswerHandler on_answer_ = nullptr;
    kafka::Bytes outbound_;
    kafka::Bytes inbound_;  // grows only with bytes received, never by an announced size
    std::array<std::uint8_t, 16384> chunk_{};

    // SASL state.
    std::int16_t sasl_authenticate_version_ = 0;
    std::unique_ptr<ScramClient> scram_;
    int sasl_round_ = 0;

    // Metadata state.
    std::int16_t metadata_version_ = 0;
    std::string metadata_summary_;
};

// ---------------------------------------------------------------------------------------------
// Exchanges

void KafkaConversation::exchange(std::string name, kafka::Bytes request,
                                 std::int32_t correlation_id, AnswerHandler on_answer) {
    ++exchange_id_;
    exchange_open_ = true;
    timed_out_ = false;
    exchange_name_ = std::move(name);
    correlation_id_ = correlation_id;
    on_answer_ = on_answer;
    if (!outbound_.empty()) OPENSSL_cleanse(outbound_.data(), outbound_.size());
    outbound_ = std::move(request);

    const std::uint64_t id = exchange_id_;
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
        if (!ec) self->on_timeout(id);
    });
    boost::asio::async_write(
        *stream_, boost::asio::buffer(outbound_),
        [self = shared_from_this(), id](const boost::system::error_code& ec,
                                        std::size_t /*written*/) { self->on_written(id, ec); });
}

void KafkaConversation::on_timeout(std::uint64_t exchange_id) {
    if (exchange_id != exchange_id_ || !exchange_open_) return;
    timed_out_ = true;
    // Close rather than cancel: the pending operation completes with operation_aborted, and
    // nothing can start a new one on a stream that a hostile or stalled peer holds open.
    stream_->close();
}

void KafkaConversation::on_written(std::uint64_t exchange_id, const boost::system::error_code& ec) {
    if (exchange_id != exchange_id_ || !exchange_open_) return;
    // The request may hold a SASL secret: wipe it once it is on the wire.
    if (!outbound_.empty()) OPENSSL_cleanse(outbound_.data(), outbound_.size());
    if (ec) {
        complete(exchange_id, transport_failure(ec, true));
        return;
    }
    if (!try_complete(exchange_id)) read_more(exchange_id);
}

void KafkaConversation::read_more(std::uint64_t exchange_id) {
    stream_->async_read_some(boost::asio::buffer(chunk_),
                             [self = shared_from_this(), exchange_id](
                                 const boost::system::error_code& ec, std::size_t bytes) {
                                 self->on_read(exchange_id, ec, bytes);
                             });
}

void KafkaConversation::on_read(std::uint64_t exchange_id, const boost::system::error_code& ec,
                                std::size_t bytes) {
    if (exchange_id != exchange_id_ || !exchange_open_) return;
    inbound_.insert(inbound_.end(), chunk_.begin(),
                    chunk_.begin() + static_cast<std::ptrdiff_t>(std::min(bytes, chunk_.size())));
    if (try_complete(exchange_id, static_cast<bool>(ec))) return;
    if (ec) {
        complete(exchange_id, transport_failure(ec, false));
        return;
    }
    read_more(exchange_id);
}

std::optional<bool> KafkaConversation::echoes_correlation_id(const kafka::SizeCheck& check) const {
    constexpr std::uint32_t kLargestFrameSize = 0x7fffffff;  // a Kafka size is an int32
    if (check.verdict != kafka::SizeVerdict::not_kafka || check.size <= options_.max_frame_bytes ||
        check.size > kLargestFrameSize) {
        return false;
    }
    if (inbound_.size() < 8) return std::nullopt;
    const kafka::ByteSpan after_prefix(inbound_.data() + 4, inbound_.size() - 4);
    return kafka::peek_correlation_id(after_prefix) == correlation_id_;
}

bool KafkaConversation::try_complete(std::uint64_t exchange_id, bool no_more_bytes) {
    if (inbound_.size() < 4) return false;
    const kafka::SizeCheck check = kafka::check_size_prefix(inbound_, options_.max_frame_bytes);
    const std::optional<bool> kafka_sized = echoes_correlation_id(check);
    if (!kafka_sized && !no_more_bytes) return false;  // four more bytes decide
    Answer answer;
    if (kafka_sized.value_or(false)) {
        answer.cause = Cause::protocol_too_large;
        answer.problem = fmt::format(
            "the answer to {} announces {} bytes, more than the {} allowed (read no further)",
            exchange_name_, check.size, options_.max_frame_bytes);
    } else if (check.verdict == kafka::SizeVerdict::not_kafka) {
        // A TLS record in answer to a plaintext request proves a TLS listener by itself; inside
        // a TLS session it would be something stranger, and stays "not Kafka".
        answer.cause = check.tls_record && !stream_->is_tls() ? Cause::protocol_tls_required
                                                              : Cause::protocol_not_kafka;
        answer.problem = check.what;
    } else if (check.verdict == kafka::SizeVerdict::too_large) {
        answer.cause = Cause::protocol_too_large;
        answer.problem = fmt::format("{} (the answer to {})", check.what, exchange_name_);
    } else {
        const std::size_t frame_end = 4 + static_cast<std::size_t>(check.size);
        if (inbound_.size() < frame_end) return false;
        answer.ok = true;
        answer.body.assign(inbound_.begin() + 4,
                           inbound_.begin() + static_cast<std::ptrdiff_t>(frame_end));
        inbound_.erase(inbound_.begin(), inbound_.begin() + static_cast<std::ptrdiff_t>(frame_end));
    }
    complete(exchange_id, std::move(answer));
    return true;
}

Answer KafkaConversation::transport_failure(const boost::system::error_code& ec,
                                            bool writing) const {
    Answer answer;
    const std::string when =
        writing ? fmt::format("sending {}", exchange_name_)
                : (inbound_.empty() ? fmt::format("before answering {}", exchange_name_)
                                    : fmt::format("after {} bytes of the answer to {}",
                                                  inbound_.size(), exchange_name_));
    if (timed_out_) {
        answer.cause = Cause::protocol_timeout;
        answer.problem =
            inbound_.empty()
                ? fmt::format("no answer to {} in {}", exchange_name_,
                              format_duration(options_.timeout))
                : fmt::format("the answer to {} was incomplete after {} ({} bytes received)",
                              exchange_name_, format_duration(options_.timeout), inbound_.size());
    } else if (is_closed_error(ec)) {
        answer.cause = Cause::protocol_closed;
        answer.problem =
            fmt::format("the peer {} the connection {}",
                        ec == boost::asio::error::connection_reset ? "reset" : "closed", when);
    } else {
        answer.cause = Cause::protocol_error;
        answer.problem =
            fmt::format("{} {}: {}", writing ? "failed" : "reading failed", when, ec.message());
    }
    return answer;
}

void KafkaConversation::complete(std::uint64_t exchange_id, Answer answer) {
    if (exchange_id != exchange_id_ || !exchange_open_) return;
    exchange_open_ = false;
    timer_.cancel();
    if (timed_out_ && answer.ok) {
        // The answer came in the same instant the timer closed the stream: too late to go on.
        answer = Answer{};
        answer.cause = Cause::protocol_timeout;
        answer.problem = fmt::format("the answer to {} came only as the {} timeout expired",
                                     exchange_name_, format_duration(options_.timeout));
    }
    const AnswerHandler handler = on_answer_;
    (this->*handler)(std::move(answer));
}

// ---------------------------------------------------------------------------------------------
// The conversation

void KafkaConversation::start() {
    if (options_.sasl && !sasl_mechanism_supported(options_.sasl->mechanism)) {
        boost::asio::post(stream_->get_executor(), [self = shared_from_this()] {
            self->fail(Cause::protocol_error,
                       fmt::format("SASL mechanism {} is not one vpcprobe speaks (PLAIN, "
                                   "SCRAM-SHA-256, SCRAM-SHA-512)",
                                   quote(self->options_.sasl->mechanism)));
        });
        return;
    }
    if (options_.sasl || handshake_only()) kafka_.sasl_mechanism = std::string(mechanism());
    send_api_versions(3);
}

void KafkaConversation::send_api_versions(std::int16_t version) {
    const std::int32_t id = next_correlation_id();
    exchange(fmt::format("ApiVersions v{}", version),
             kafka::encode_api_versions_request(version, id, options_.client_id, VPCPROBE_VERSION),
             id, &KafkaConversation::on_api_versions);
}

void KafkaConversation::on_api_versions(Answer answer) {
    const std::int16_t version = exchange_name_ == "ApiVersions v3" ? 3 : 0;
    if (!answer.ok) {
        fail(answer.cause, answer.problem);
        return;
    }
    const auto response =
        kafka::decode_api_versions_response(answer.body, correlation_id_, version);
    if (!response) return fail_not_kafka(response.error());
    if (response->error_code == kafka::kErrorUnsupportedVersion && version == 3) {
        send_api_versions(0);
        return;
    }
    if (response->error_code != kafka::kErrorNone) {
        kafka_.error_code = response->error_code;
        fail(Cause::protocol_kafka_error,
             fmt::format("{} answered with error {}", exchange_name_,
                         kafka::describe_kafka_error(response->error_code)));
        return;
    }
    if (response->apis.empty()) {
        fail(Cause::protocol_not_kafka,
             fmt::format("the answer to {} lists no APIs: not a Kafka broker", exchange_name_));
        return;
    }
    kafka_.api_versions_version = version;
    kafka_.apis = response->apis;
    if (options_.sasl || handshake_only()) {
        send_sasl_handshake();
    } else {
        send_metadata();
    }
}

void KafkaConversation::send_sasl_handshake() {
    const std::int32_t id = next_correlation_id();
    exchange("SaslHandshake v1",
             kafka::encode_sasl_handshake_request(id, options_.client_id, mechanism()), id,
             &KafkaConversation::on_sasl_handshake);
}

void KafkaConversation::on_sasl_handshake(Answer answer) {
    if (!answer.ok) {
        fail(answer.cause, answer.problem);
        return;
    }
    const auto response = kafka::decode_sasl_handshake_response(answer.body, correlation_id_);
    if (!response) {
        fail(Cause::protocol_not_kafka,
             fmt::format("the answer to SaslHandshake is not a Kafka answer: {}",
                         response.error().message()));
        return;
    }
    kafka_.sasl_mechanisms_offered = response->mechanisms;
    if (fail_if_refused(*response)) return;
    if (handshake_only()) {
        kafka_.metadata_not_checked = fmt::format(
            "not asked: the broker offers {}, which vpcprobe does not speak, so it "
            "did not log in",
            mechanism());
        succeed();
        return;
    }
    start_sasl_authenticate();
}

bool KafkaConversation::fail_if_refused(const kafka::SaslHandshakeResponse& response) {
    const bool offered = std::find(response.mechanisms.begin(), response.mechanisms.end(),
                                   mechanism()) != response.mechanisms.end();
    if (response.error_code == kafka::kErrorNone && offered) return false;
    kafka_.error_code = response.error_code;
    if (response.error_code == kafka::kErrorUnsupportedSaslMechanism ||
        response.error_code == kafka::kErrorNone) {
        const std::string offers =
            response.mechanisms.empty()
                ? std::string("it offers none")
                : fmt::format("it offers {}", join(response.mechanisms, ", "));
        fail(Cause::protocol_auth_failed,
             fmt::format("the broker does not offer SASL mechanism {}; {}", mechanism(), offers));
    } else if (response.error_code == kafka::kErrorIllegalSaslState) {
        fail(Cause::protocol_auth_failed,
             fmt::format("SaslHandshake answered with error {}: this listener does not take SASL "
                         "(a PLAINTEXT or SSL listener?)",
                         kafka::describe_kafka_error(response.error_code)));
    } else {
        fail(Cause::protocol_auth_failed,
             fmt::format("SaslHandshake answered with error {}",
                         kafka::describe_kafka_error(response.error_code)));
    }
    return true;
}

void KafkaConversation::start_sasl_authenticate() {
    const auto authenticate = kafka::find_api(kafka_.apis, kafka::kSaslAuthenticateKey);
    sasl_authenticate_version_ =
        authenticate && authenticate->max_version >= 1 ? std::int16_t{1} : std::int16_t{0};
    sasl_round_ = 0;
    const SaslCredentials& credentials = *options_.sasl;
    if (credentials.mechanism == "PLAIN") {
        // RFC 4616: authzid NUL authcid NUL passwd, with an empty authzid.
        std::string message;
        message.reserve(credentials.username.size() + credentials.password.size() + 2);
        message.push_back('\0');
        message += credentials.username;
        message.push_back('\0');
        message += credentials.password;
        send_sasl_authenticate(message);
        OPENSSL_cleanse(message.data(), message.size());
        return;
    }
    scram_ = std::make_unique<ScramClient>(*scram_algorithm(credentials.mechanism),
                                           credentials.username, credentials.password);
    send_sasl_authenticate(scram_->client_first_message());
}

void KafkaConversation::send_sasl_authenticate(const std::string& payload) {
    ++sasl_round_;
    const std::int32_t id = next_correlation_id();
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload.data());
    exchange(
        fmt::format("SaslAuthenticate v{}", sasl_authenticate_version_),
        kafka::encode_sasl_authenticate_request(sasl_authenticate_version_, id, options_.client_id,
                                                kafka::ByteSpan(bytes, payload.size())),
        id, &KafkaConversation::on_sasl_authenticate);
}

void KafkaConversation::on_sasl_authenticate(Answer answer) {
    if (!answer.ok) {
        // A broker closes the connection on a failed authentication when it cannot say so
        // (SaslAuthenticate v0 brokers do answer; very old ones just close).
        if (answer.cause == Cause::protocol_closed) {
            fail(Cause::protocol_auth_failed,
                 fmt::format("{} during SASL {} authentication: the broker refused the "
                             "credentials",
                             answer.problem, mechanism()));
        } else {
            fail(answer.cause, answer.problem);
        }
        return;
    }
    const auto response = kafka::decode_sasl_authenticate_response(answer.body, correlation_id_,
                                                                   sasl_authenticate_version_);
    if (!response) return fail_not_kafka(response.error());
    if (response->error_code != kafka::kErrorNone) {
        kafka_.error_code = response->error_code;
        const std::string message =
            response->error_message && !response->error_message->empty()
                ? fmt::format(": {}", kafka::printable_excerpt(
                                          kafka::ByteSpan(reinterpret_cast<const std::uint8_t*>(
                                                              response->error_message->data()),
                                                          response->error_message->size()),
                                          200))
                : std::string();
        fail(Cause::protocol_auth_failed,
             fmt::format("SASL {} authentication refused with error {}{}", mechanism(),
                         kafka::describe_kafka_error(response->error_code), message));
        return;
    }
    const std::string server_message(response->auth_bytes.begin(), response->auth_bytes.end());
    if (scram_ && sasl_round_ == 1) {
        const auto client_final = scram_->client_final_message(server_message);
        if (!client_final) return fail_authentication(client_final.error());
        send_sasl_authenticate(*client_final);
        return;
    }
    if (scram_) {
        if (const auto verified = scram_->verify_server_final(server_message); !verified) {
            return fail_authentication(verified.error());
        }
    }
    scram_.reset();
    kafka_.authenticated = true;
    send_metadata();
}

void KafkaConversation::send_metadata() {
    if (!options_.metadata) {
        kafka_.metadata_not_checked =
            "not asked: Metadata is asked of bootstrap servers only, not of advertised brokers";
        succeed();
        return;
    }
    const auto version = kafka::choose_metadata_version(kafka_.apis);
    if (!version) {
        const auto range = kafka::find_api(kafka_.apis, kafka::kMetadataKey);
        kafka_.metadata_not_checked =
            range ? fmt::format(
                        "the broker supports Metadata v{}..v{} only; vpcprobe speaks "
                        "v1..v8",
                        range->min_version, range->max_version)
                  : "the broker does not list the Metadata API";
        succeed();
        return;
    }
    metadata_version_ = *version;
    const std::int32_t id = next_correlation_id();
    exchange(fmt::format("Metadata v{}", metadata_version_),
             kafka::encode_metadata_request(metadata_version_, id, options_.client_id), id,
             &KafkaConversation::on_metadata);
}

void KafkaConversation::on_metadata(Answer answer) {
    if (!answer.ok) {
        if (answer.cause == Cause::protocol_closed && !options_.sasl) {
            kafka_.metadata_not_checked =
                "the broker closed the connection on Metadata: this listener requires SASL "
                "authentication; configure credentials to list the advertised brokers";
            evidence_.note = "authentication required: the listener wants SASL credentials";
            succeed();
            return;
        }
        fail(answer.cause, answer.problem);
        return;
    }
    const auto response =
        kafka::decode_metadata_response(answer.body, correlation_id_, metadata_version_);
    if (!response) return fail_not_kafka(response.error());
    kafka_.metadata_checked = true;
    kafka_.metadata_version = metadata_version_;
    kafka_.cluster_id = response->cluster_id;
    kafka_.controller_id = response->controller_id;
    kafka_.brokers = response->brokers;
    metadata_summary_ = fmt::format(
        "; {}: cluster {}, controller {}, {} broker{}", exchange_name_,
        response->cluster_id
            ? kafka::printable_excerpt(kafka::ByteSpan(reinterpret_cast<const std::uint8_t*>(
                                                           response->cluster_id->data()),
                                                       response->cluster_id->size()),
                                       64)
            : std::string("(none)"),
        response->controller_id, response->brokers.size(),
        response->brokers.size() == 1 ? "" : "s");
    succeed();
}

// ---------------------------------------------------------------------------------------------
// Endings

void KafkaConversation::succeed() {
    std::string detail = fmt::format(
        "ApiVersions v{} answered{}: {} APIs", kafka_.api_versions_version,
        kafka_.api_versions_version == 0 ? " (v3 unsupported)" : "", kafka_.apis.size());
    if (kafka_.authenticated) detail += fmt::format("; SASL {} authenticated", mechanism());
    if (kafka_.metadata_checked) {
        detail += metadata_summary_;
    } else if (options_.metadata && !kafka_.metadata_not_checked.empty()) {
        detail += "; Metadata not checked: " + kafka_.metadata_not_checked;
    }
    finish(StageStatus::ok, Cause::none, std::move(detail));
}

void KafkaConversation::fail(Cause cause, std::string detail) {
    finish(StageStatus::failed, cause, std::move(detail));
}

void KafkaConversation::fail_not_kafka(const Error& error) {
    fail(Cause::protocol_not_kafka, fmt::format("the answer to {} is not a Kafka answer: {}",
                                                exchange_name_, error.message()));
}

void KafkaConversation::fail_authentication(const Error& error) {
    fail(Cause::protocol_auth_failed,
         fmt::format("SASL {} authentication failed: {}", mechanism(), error.message()));
}

void KafkaConversation::finish(StageStatus status, Cause cause, std::string detail) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    scram_.reset();
    evidence_.status = status;
    evidence_.cause = cause;
    evidence_.detail = redacted(std::move(detail));
    evidence_.note = redacted(std::move(evidence_.note));
    kafka_.metadata_not_checked = redacted(std::move(kafka_.metadata_not_checked));
    // Free text the broker sent is redacted too (a PLAIN broker has seen the password). Host
    // names, racks and the cluster id are left as sent: they are the facts the run acts on.
    for (std::string& offered : kafka_.sasl_mechanisms_offered) offered = redacted(offered);
    evidence_.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
    evidence_.kafka = std::move(kafka_);
    ProtocolDone done = std::move(done_);
    done(std::move(evidence_));
}

std::string KafkaConversation::redacted(std::string text) const {
    if (!options_.sasl) return text;
    for (const std::string* secret : {&options_.sasl->password, &options_.sasl->username}) {
        if (secret->empty()) continue;
        for (std::size_t at = text.find(*secret); at != std::string::npos;
             at = text.find(*secret, at)) {
            text.replace(at, secret->size(), "<redacted>");
            at += 10;
        }
    }
    return text;
}

}  // namespace

void probe_kafka(std::shared_ptr<ProtocolStream> stream, const KafkaProbeOptions& options,
                 ProtocolDone done) {
    auto conversation =
        std::make_shared<KafkaConversation>(std::move(stream), options, std::move(done));
    conversation->start();
}

}  // namespace vpcprobe
