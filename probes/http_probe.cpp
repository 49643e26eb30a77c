// HTTP check for the REST components (see http_probe.h for the verdicts). One exchange object
// per probe owns the request, the parser, the read buffer and the stage timer; every handler
// holds it alive through shared_from_this, and `finish` reports exactly once.
//
// Everything a peer sends that ends up in evidence or in a detail (status line, Server header,
// Location, versions from the body, the first bytes of a non-HTTP answer) goes through
// `printable` first: a hostile peer must not be able to put newlines or terminal escapes into
// a report.
#include "probes/http_probe.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#ifndef VPCPROBE_VERSION
#define VPCPROBE_VERSION "unknown"
#endif

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using ErrorCode = boost::system::error_code;

// The one table of the HTTP checks: component, request path, the name people know it by.
struct ComponentCheck {
    std::string_view component;
    std::string_view path;
    std::string_view display;  // as in the contract's component list
};

constexpr std::array<ComponentCheck, 6> kChecks{{
    {"schema-registry", "/", "Schema Registry"},
    {"connect", "/", "Kafka Connect"},
    {"ksqldb", "/info", "ksqlDB"},
    {"rest-proxy", "/v3/clusters", "Kafka REST Proxy"},
    {"mds", "/security/1.0/authenticate", "Confluent MDS"},
    {"control-center", "/", "Control Center"},
}};

const ComponentCheck* find_check(std::string_view component) {
    for (const auto& check : kChecks) {
        if (check.component == component) return &check;
    }
    return nullptr;
}

// Peer bytes made safe for one line of a report: printable ASCII kept, `\` doubled, CR, LF and
// TAB as \r \n \t, every other byte (controls, DEL, anything >= 0x80) as \xHH; at most
// max_chars of input, "..." marking a cut.
std::string printable(std::string_view bytes, std::size_t max_chars = 120) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    const std::size_t count = std::min(bytes.size(), max_chars);
    out.reserve(count + 8);
    for (std::size_t i = 0; i < count; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
        }
    }
    if (bytes.size() > max_chars) out += "...";
    return out;
}

bool contains_case_insensitive(std::string_view haystack, std::string_view needle) {
    const auto lower = [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

// What a body says it is. `service` is "" when nothing known was recognised.
struct Identity {
    std::string service;
    std::string looks_like;  // for details: "Kafka Connect", "an nginx default page"
    std::string version;
    bool empty_json_object = false;  // "{}": Confluent Schema Registry's answer to GET /
    bool json_object = false;
};

std::string json_string(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value && value->is_string()) return std::string(value->get_string());
    return {};
}

Identity identify(std::string_view body) {
    Identity identity;
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] == '{') {
        ErrorCode ec;
        const json::value document = json::parse(body, ec);
        if (!ec && document.is_object()) {
            const json::object& object = document.get_object();
            identity.json_object = true;
            identity.empty_json_object = object.empty();
            if (const auto* info = object.if_contains("KsqlServerInfo");
                info && info->is_object()) {
                identity.service = "ksqlDB";
                identity.version = json_string(info->get_object(), "version");
            } else if (object.contains("version") && object.contains("commit") &&
                       object.contains("kafka_cluster_id")) {
                identity.service = "Kafka Connect";
                identity.version = json_string(object, "version");
            } else if (const std::string kind = json_string(object, "kind");
                       kind.rfind("Kafka", 0) == 0) {
                // REST Proxy v3 answers are typed "KafkaClusterList", "KafkaCluster", ...
                identity.service = "Kafka REST Proxy";
            } else if (object.contains("auth_token") && object.contains("token_type")) {
                identity.service = "Confluent MDS";
            } else if (object.contains("tagline") && object.contains("cluster_name")) {
                identity.service = "Elasticsearch";
            }
            identity.looks_like = identity.service;
            return identity;
        }
    }
    if (contains_case_insensitive(body, "Control Center")) {
        identity.service = "Control Center";
    } else if (contains_case_insensitive(body, "Welcome to nginx")) {
        identity.service = "nginx";
        identity.looks_like = "an nginx default page";
    } else if (contains_case_insensitive(body, "Apache2 Default Page") ||
               contains_case_insensitive(body, "<h1>It works!</h1>")) {
        identity.service = "Apache httpd";
        identity.looks_like = "an Apache default page";
    }
    if (identity.looks_like.empty()) identity.looks_like = identity.service;
    return identity;
}

std::string status_text(unsigned status, std::string_view reason_as_sent) {
    std::string text = std::to_string(status);
    std::string_view reason = reason_as_sent;
    if (reason.empty()) {
        const auto standard = http::obsolete_reason(static_cast<http::status>(status));
        reason = std::string_view(standard.data(), standard.size());
    }
    if (!reason.empty() && reason != "<unknown-status>") {
        text += ' ';
        text += printable(reason, 60);
    }
    return text;
}

std::string describe_read_error(const ErrorCode& ec) {
    if (ec == asio::error::eof) return "end of stream";
    if (ec == asio::ssl::error::stream_truncated) return "TLS stream truncated";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::broken_pipe) return "broken pipe";
    return printable(ec.message(), 80);
}

bool is_close(const ErrorCode& ec) {
    return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == http::error::end_of_stream;
}

std::string host_header(const HttpProbeOptions& options) {
    std::string host = options.host;
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    if (options.port != 443 && options.port != 80) host += ":" + std::to_string(options.port);
    return host;
}

std::string format_ms(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
  public:
    HttpExchange(std::shared_ptr<ProtocolStream> stream, const HttpProbeOptions& options,
                 const ComponentCheck& check, ProtocolDone done)
        : stream_(std::move(stream)),
          options_(options),
          check_(check),
          done_(std::move(done)),
          timer_(stream_->get_executor()),
          started_(std::chrono::steady_clock::now()) {
        evidence_.name = "http";
        evidence_.http.emplace();
        evidence_.http->path = std::string(check.path);
        parser_.header_limit(
            static_cast<std::uint32_t>(std::min<std::size_t>(options.header_limit, UINT32_MAX)));
        parser_.body_limit(options.body_limit);
    }

    void start() {
        request_.version(11);
        request_.method(http::verb::get);
        request_.target(std::string(check_.path));
        request_.set(http::field::host, host_header(options_));
        request_.set(http::field::user_agent, "vpcprobe/" VPCPROBE_VERSION);
        request_.set(http::field::accept, "application/json");
        request_.set(http::field::connection, "close");
        request_.prepare_payload();

        timer_.expires_after(options_.timeout);
        timer_.async_wait([self = shared_from_this()](const ErrorCode& ec) {
            if (ec || self->finished_) return;
            self->timed_out_ = true;
            self->stream_->close();  // pending reads and writes complete with an error
        });
        http::async_write(*stream_, request_,
                          [self = shared_from_this()](const ErrorCode& ec, std::size_t) {
                              self->on_written(ec);
                          });
    }

  private:
    std::string request_line() const { return "GET " + std::string(check_.path); }
    std::string display() const { return std::string(check_.display); }

    void on_written(const ErrorCode& ec) {
        if (timed_out_) return fail_timeout();
        if (ec) {
            if (is_close(ec)) {
                return fail(Cause::protocol_closed, "the peer closed the connection before " +
                                                        request_line() + " could be sent (" +
                                                        describe_read_error(ec) + ")");
            }
            return fail(Cause::protocol_error,
                        "sending " + request_line() + " failed: " + printable(ec.message(), 80));
        }
        read_first_bytes();
    }

    // The first bytes decide whether the answer is HTTP at all: the parser alone would wait for
    // a header end that a Kafka broker or a TLS peer never sends, and call it too large.
    void read_first_bytes() {
        auto space = buffer_.prepare(512);
        stream_->async_read_some(space,
                                 [self = shared_from_this()](const ErrorCode& ec, std::size_t n) {
                                     self->buffer_.commit(n);
                                     self->on_first_bytes(ec);
                                 });
    }

    void on_first_bytes(const ErrorCode& ec) {
        const std::string_view seen(static_cast<const char*>(buffer_.data().data()),
                                    buffer_.size());
        constexpr std::string_view kHttpPrefix = "HTTP/";
        const std::size_t compared = std::min(seen.size(), kHttpPrefix.size());
        if (seen.substr(0, compared) != kHttpPrefix.substr(0, compared)) {
            return fail(Cause::protocol_not_http,
                        request_line() + " was answered with bytes that are not HTTP: \"" +
                            printable(seen, 24) + "\"");
        }
        if (timed_out_) return fail_timeout();
        if (ec) {
            if (is_close(ec)) {
                if (seen.empty()) {
                    return fail(Cause::protocol_closed,
                                "the peer closed the connection without answering " +
                                    request_line() + " (" + describe_read_error(ec) + ")");
                }
                return fail(Cause::protocol_closed, "the peer closed the connection after " +
                                                        std::to_string(seen.size()) +
                                                        " bytes of an answer to " + request_line() +
                                                        ": \"" + printable(seen, 24) + "\"");
            }
            return fail(Cause::protocol_error, "reading the answer to " + request_line() +
                                                   " failed: " + printable(ec.message(), 80));
        }
        if (seen.size() < kHttpPrefix.size()) return read_first_bytes();
        http::async_read(*stream_, buffer_, parser_,
                         [self = shared_from_this()](const ErrorCode& read_ec, std::size_t) {
                             self->on_read(read_ec);
                         });
    }

    void record_header() {
        const auto& message = parser_.get();
        auto& facts = *evidence_.http;
        facts.status = static_cast<int>(message.result_int());
        facts.reason = printable(message.reason(), 60);
        if (const auto server = message.find(http::field::server); server != message.end()) {
            facts.server = printable(server->value(), 80);
        }
    }

    void on_read(ErrorCode ec) {
        if (timed_out_) {
            if (parser_.is_header_done()) record_header();
            return fail_timeout();
        }
        if (ec == http::error::header_limit) {
            return fail(Cause::protocol_too_large,
                        "the header of the answer to " + request_line() + " exceeds " +
                            std::to_string(options_.header_limit) + " bytes");
        }
        if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
            record_header();
            return fail(Cause::protocol_too_large,
                        "the peer answered " + request_line() + " with " +
                            status_text(parser_.get().result_int(), parser_.get().reason()) +
                            " and a body beyond " + std::to_string(options_.body_limit) +
                            " bytes (read no further)");
        }
        bool truncated = false;
        if (ec && is_close(ec) && parser_.is_header_done()) {
            // A close-delimited body ends at the close; TLS peers often skip close_notify.
            ErrorCode eof_ec;
            parser_.put_eof(eof_ec);
            truncated = static_cast<bool>(eof_ec);
            ec = {};
        }
        if (ec) {
            if (is_close(ec) || ec == http::error::partial_message) {
                return fail(Cause::protocol_closed,
                            "the peer closed the connection in the middle of the header of its "
                            "answer to " +
                                request_line() + " (" + describe_read_error(ec) + ")");
            }
            const std::string_view seen(static_cast<const char*>(buffer_.data().data()),
                                        buffer_.size());
            std::string what = "the answer to " + request_line() +
                               " starts like HTTP but is malformed (" +
                               printable(ec.message(), 60) + ")";
            if (!seen.empty()) what += ": \"" + printable(seen, 40) + "\"";
            return fail(Cause::protocol_error, what);
        }
        record_header();
        classify(truncated);
    }

    void classify(bool truncated) {
        auto& facts = *evidence_.http;
        const auto& message = parser_.get();
        const unsigned status = message.result_int();
        const std::string answered =
            "answered " + request_line() + " with " + status_text(status, message.reason());
        const Identity identity = identify(message.body());
        const bool other_service = !identity.service.empty() && identity.service != display();
        // The service is what the body says it is; a version only when that is this
        // component (another service's version is not the component's).
        facts.service = identity.service;
        if (!other_service) facts.version = printable(identity.version, 60);
        std::string server_note;
        if (!facts.server.empty()) server_note = " (Server: " + facts.server + ")";
        if (truncated) evidence_.note = "the body was cut short by the peer's close";

        if (status >= 500) {
            return fail(Cause::protocol_http_error,
                        display() + " " + answered + server_note + ": the component is unhealthy");
        }
        if (status == 401 || status == 403) {
            facts.auth_required = true;
            add_note("authentication required (" + status_text(status, message.reason()) + ")");
            return succeed(display() + " " + answered + server_note +
                           ": it answers and wants credentials");
        }
        if (status == 429) {
            return fail(Cause::protocol_http_error,
                        display() + " " + answered + server_note + ": the component is throttling");
        }
        if (status >= 400) {
            std::string what = "the peer " + answered + server_note;
            if (other_service) what += ", which looks like " + identity.looks_like;
            return fail(Cause::protocol_wrong_service, what + ": not a " + display() + "?");
        }
        if (other_service) {
            return fail(Cause::protocol_wrong_service,
                        "the peer " + answered + server_note + ", and its body looks like " +
                            identity.looks_like + ", not " + display());
        }
        if (status >= 300) {
            std::string location;
            if (const auto field = message.find(http::field::location); field != message.end()) {
                location = printable(field->value(), 120);
            }
            add_note(location.empty() ? "redirect without a Location" : "redirects to " + location);
            return succeed(display() + " " + answered + server_note);
        }
        if (status >= 200) {
            std::string what = display() + " " + answered;
            if (!facts.service.empty()) {
                what = facts.service + (facts.version.empty() ? "" : " " + facts.version) + " " +
                       answered;
            } else if (check_.component == "schema-registry" && identity.empty_json_object) {
                // Confluent's Schema Registry answers GET / with "{}" and says nothing more.
                facts.service = "Schema Registry";
            } else {
                add_note(identity.json_object
                             ? "the answer is a JSON object vpcprobe does not recognise"
                             : "the answer's body is not one vpcprobe recognises");
            }
            return succeed(what + server_note);
        }
        fail(Cause::protocol_error,
             "the peer " + answered + ", an interim answer, and no final one");
    }

    void add_note(const std::string& text) {
        evidence_.note = evidence_.note.empty() ? text : evidence_.note + "; " + text;
    }

    void fail_timeout() {
        const std::string what = parser_.is_header_done()
                                     ? "the body of the answer to " + request_line() +
                                           " did not finish within " + format_ms(options_.timeout)
                                     : "no complete HTTP answer to " + request_line() + " within " +
                                           format_ms(options_.timeout) + " (" +
                                           std::to_string(buffer_.size()) + " bytes received)";
        fail(Cause::protocol_timeout, what);
    }

    void succeed(std::string detail) { finish(StageStatus::ok, Cause::none, std::move(detail)); }
    void fail(Cause cause, std::string detail) {
        finish(StageStatus::failed, cause, std::move(detail));
    }

    void finish(StageStatus status, Cause cause, std::string detail) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        evidence_.status = status;
        evidence_.cause = cause;
        evidence_.detail = std::move(detail);
        evidence_.ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
                .count();
        asio::post(stream_->get_executor(),
                   [done = std::move(done_), evidence = std::move(evidence_)]() mutable {
                       done(std::move(evidence));
                   });
    }

    std::shared_ptr<ProtocolStream> stream_;
    HttpProbeOptions options_;
    const ComponentCheck check_;  // a copy: the path may be chosen per host
    ProtocolDone done_;
    asio::steady_timer timer_;
    std::chrono::steady_clock::time_point started_;
    http::request<http::empty_body> request_;
    beast::flat_buffer buffer_;
    http::response_parser<http::string_body> parser_;
    ProtocolEvidence evidence_;
    bool timed_out_ = false;
    bool finished_ = false;
};

}  // namespace

std::string_view http_check_path(std::string_view component) {
    const ComponentCheck* check = find_check(component);
    return check ? check->path : std::string_view{};
}

void probe_http(std::shared_ptr<ProtocolStream> stream, const HttpProbeOptions& options,
                ProtocolDone done) {
    const ComponentCheck* check = find_check(options.component);
    if (!check) {
        ProtocolEvidence evidence;
        evidence.status = StageStatus::skipped;
        evidence.detail =
            "no HTTP check for component \"" + printable(options.component, 40) + "\"";
        asio::post(stream->get_executor(),
                   [done = std::move(done), evidence = std::move(evidence)]() mutable {
                       done(std::move(evidence));
                   });
        return;
    }
    ComponentCheck chosen = *check;
    // Confluent Cloud serves the REST Proxy's v3 API under /kafka on its 443 endpoint
    // (https://pkc-....confluent.cloud/kafka/v3/clusters); /v3/clusters would be a 404 there.
    if (chosen.component == "rest-proxy" && options.host.ends_with(".confluent.cloud")) {
        chosen.path = "/kafka/v3/clusters";
    }
    std::make_shared<HttpExchange>(std::move(stream), options, chosen, std::move(done))->start();
}

}  // namespace vpcprobe
