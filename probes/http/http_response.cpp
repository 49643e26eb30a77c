// SPDX-License-Identifier: Apache-2.0
// The HTTP check's reading of an answer (see http_response.h and, for the verdicts,
// http_probe.h). Everything a peer sends that ends up in evidence or in a detail (status line,
// Server header, Location, versions from the body, the first bytes of a non-HTTP answer) goes
// through printable_peer_text first: a hostile peer must not be able to put newlines or
// terminal escapes into a report.
#include "probes/http/http_response.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <utility>

#include <fmt/format.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/none.hpp>

#include "core/duration.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
using ErrorCode = boost::system::error_code;

// What Confluent's own Schema Registry clients accept: asked so, Schema Registry answers with
// its own content type (its resources offer application/json only at a lower server quality),
// which no other service sends.
constexpr std::string_view kSchemaRegistryAccept =
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, "
    "application/json";
constexpr std::string_view kJson = "application/json";

// The one table of the HTTP checks.
constexpr std::array<HttpComponentCheck, 6> kChecks{{
    {"schema-registry", "/", "Schema Registry", kSchemaRegistryAccept, "/config"},
    {"connect", "/", "Kafka Connect", kJson, ""},
    {"ksqldb", "/info", "ksqlDB", kJson, ""},
    {"rest-proxy", "/v3/clusters", "Kafka REST Proxy", kJson, ""},
    {"mds", "/security/1.0/authenticate", "Confluent MDS", kJson, ""},
    {"control-center", "/", "Control Center", kJson, ""},
}};

constexpr std::string_view kHttpPrefix = "HTTP/";
constexpr std::string_view kHeaderEnd = "\r\n\r\n";

bool contains_case_insensitive(std::string_view haystack, std::string_view needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

// What an answer says it is: a service recognised by what only it answers. `service` is ""
// when nothing known was recognised.
struct Identity {
    std::string service;
    std::string looks_like;  // for details: "Kafka Connect", "an nginx default page"
    std::string version;
};

std::string json_string(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value && value->is_string()) return std::string(value->get_string());
    return {};
}

std::optional<json::value> parse_json(std::string_view body) {
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || (body[first] != '{' && body[first] != '[')) {
        return std::nullopt;
    }
    ErrorCode ec;
    json::value document = json::parse(body, ec);
    if (ec) return std::nullopt;
    return document;
}

// Runs of whitespace as one space, none at the ends.
std::string collapse_whitespace(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// The text of an HTML page's <title>, whitespace collapsed, as the peer sent it (not yet
// escaped); nullopt when there is none.
std::optional<std::string> html_title(std::string_view body) {
    const std::string lowered = lower(body);
    const auto open = lowered.find("<title");
    if (open == std::string::npos) return std::nullopt;
    const auto start = lowered.find('>', open);
    if (start == std::string::npos) return std::nullopt;
    const auto end = lowered.find("</title", start);
    if (end == std::string::npos) return std::nullopt;
    return collapse_whitespace(body.substr(start + 1, end - start - 1));
}

// python3 -m http.server titles its listings "Directory listing for /"; nginx's autoindex,
// Apache's mod_autoindex and lighttpd "Index of /".
bool is_directory_listing(const std::optional<std::string>& title) {
    if (!title) return false;
    const std::string lowered = lower(*title);
    return lowered.rfind("directory listing for ", 0) == 0 || lowered.rfind("index of ", 0) == 0;
}

bool starts_with_lower(std::string_view text, std::string_view prefix) {
    return lower(text.substr(0, prefix.size())) == prefix;
}

// The vendor content types only one component sends.
std::string service_of_content_type(std::string_view content_type) {
    if (starts_with_lower(content_type, "application/vnd.schemaregistry")) return "Schema Registry";
    if (starts_with_lower(content_type, "application/vnd.ksql")) return "ksqlDB";
    if (starts_with_lower(content_type, "application/vnd.kafka")) return "Kafka REST Proxy";
    return {};
}

void identify_json(const json::object& object, Identity& identity) {
    if (const auto* info = object.if_contains("KsqlServerInfo"); info && info->is_object()) {
        identity.service = "ksqlDB";
        identity.version = json_string(info->get_object(), "version");
    } else if (object.contains("version") && object.contains("commit") &&
               object.contains("kafka_cluster_id")) {
        identity.service = "Kafka Connect";
        identity.version = json_string(object, "version");
    } else if (const std::string kind = json_string(object, "kind"); kind.rfind("Kafka", 0) == 0) {
        // REST Proxy v3 answers are typed "KafkaClusterList", "KafkaCluster", ...
        identity.service = "Kafka REST Proxy";
    } else if (object.contains("auth_token") && object.contains("token_type")) {
        identity.service = "Confluent MDS";
    } else if (object.contains("compatibilityLevel")) {
        // GET /config: the registry-wide compatibility level.
        identity.service = "Schema Registry";
    } else if (object.contains("tagline") && object.contains("cluster_name")) {
        identity.service = "Elasticsearch";
    }
}

void identify_page(std::string_view body, Identity& identity) {
    if (is_directory_listing(html_title(body))) return;  // not a service: described instead
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
}

Identity identify(std::string_view content_type, std::string_view body) {
    Identity identity;
    if (const auto document = parse_json(body)) {
        if (document->is_object()) identify_json(document->get_object(), identity);
    } else {
        identify_page(body, identity);
    }
    if (identity.service.empty()) identity.service = service_of_content_type(content_type);
    if (identity.looks_like.empty()) identity.looks_like = identity.service;
    return identity;
}

bool is_empty_json_object(std::string_view body) {
    const auto document = parse_json(body);
    return document && document->is_object() && document->get_object().empty();
}

// Peer text in double quotes, as details quote what a peer sent.
std::string quoted_peer_text(std::string_view text, std::size_t max_chars) {
    return fmt::format("\"{}\"", printable_peer_text(text, max_chars));
}

std::string describe_json(const json::value& document) {
    if (document.is_array()) {
        const std::size_t items = document.get_array().size();
        if (items == 0) return "an empty JSON array ([])";
        return "a JSON array of " + std::to_string(items) + (items == 1 ? " item" : " items");
    }
    const json::object& object = document.get_object();
    if (object.empty()) return "an empty JSON object ({})";
    constexpr std::size_t kKeysShown = 4;
    std::vector<std::string> keys;
    for (const auto& entry : object) {
        if (keys.size() == kKeysShown) break;
        keys.push_back(quoted_peer_text(std::string_view(entry.key()), 40));
    }
    std::string out = std::string("JSON with the key") + (object.size() == 1 ? " " : "s ");
    out += join(keys, ", ");
    if (object.size() > kKeysShown) out += ", ...";
    return out;
}

// What an answer that is no known service looks like, for a detail: a directory listing, an
// HTML page with its title, JSON with its top-level keys, text with its first words.
std::string describe_body(std::string_view content_type, std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return "an empty body";
    if (const auto document = parse_json(body)) return describe_json(*document);
    const auto title = html_title(body);
    if (is_directory_listing(title)) {
        return "a directory listing (" + quoted_peer_text(*title, 60) + ")";
    }
    if (title && !title->empty()) {
        return "an HTML page titled " + quoted_peer_text(*title, 60);
    }
    const std::string first = collapse_whitespace(body.substr(0, 200));
    if (starts_with_lower(content_type, "text/html") || starts_with_lower(first, "<")) {
        return "an HTML page without a title";
    }
    return "text starting " + quoted_peer_text(first, 40);
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
        text += printable_peer_text(reason, 60);
    }
    return text;
}

std::string describe_read_error(const ErrorCode& ec) {
    if (ec == asio::error::eof) return "end of stream";
    if (ec == asio::ssl::error::stream_truncated) return "TLS stream truncated";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == asio::error::broken_pipe) return "broken pipe";
    return printable_peer_text(ec.message(), 80);
}

// The ways a peer ends a connection: each ends the answer where it stands.
bool is_close(const ErrorCode& ec) {
    return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == http::error::end_of_stream;
}

}  // namespace

std::optional<HttpComponentCheck> choose_http_check(const HttpProbeOptions& options) {
    for (HttpComponentCheck check : kChecks) {
        if (check.component != options.component) continue;
        // Confluent Cloud serves the REST Proxy's v3 API under /kafka on its 443 endpoint
        // (https://pkc-....confluent.cloud/kafka/v3/clusters); /v3/clusters would be a 404.
        if (check.component == "rest-proxy" && options.host.ends_with(".confluent.cloud")) {
            check.path = "/kafka/v3/clusters";
        }
        return check;
    }
    return std::nullopt;
}

std::string printable_peer_text(std::string_view bytes, std::size_t max_chars) {
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

void configure_response_parser(HttpResponseParser& parser, const HttpProbeOptions& options) {
    // A backstop only: the reader enforces both caps itself (see HttpResponseReader::parse).
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(options.header_limit, UINT32_MAX)));
    // No body cap in Beast: it subtracts a chunk's size from its cap each time it parses the
    // chunk's line, also when it re-parses the line because more bytes were needed, so a chunked
    // body fed in pieces could be called too large when the same bytes in one piece are not.
    parser.body_limit(boost::none);
}

ProtocolEvidence no_http_check_evidence(const HttpProbeOptions& options) {
    ProtocolEvidence evidence;
    evidence.status = StageStatus::skipped;
    evidence.detail =
        "no HTTP check for component \"" + printable_peer_text(options.component, 40) + "\"";
    return evidence;
}

HttpResponseReader::HttpResponseReader(const HttpProbeOptions& options,
                                       const HttpComponentCheck& check)
    : options_(options), check_(check) {
    parser_.emplace();
    configure_response_parser(*parser_, options_);
    evidence_.name = "http";
    evidence_.http.emplace();
    evidence_.http->path = std::string(check_.path);
}

std::string HttpResponseReader::request_line() const {
    return "GET " + std::string(follow_up_sent_ ? check_.follow_up_path : check_.path);
}

bool HttpResponseReader::on_bytes(std::string_view bytes) {
    if (done_) return true;
    if (awaiting_follow_up_) {
        // Kept for the answer to the second request (the caller sends it next).
        total_received_ += bytes.size();
        pending_.append(bytes);
        return false;
    }
    // Bytes past the wire cap are never looked at, so the verdict on an answer that long is the
    // same however it was cut: it is decided on its first wire_cap() bytes.
    const std::size_t cap = wire_cap();
    const std::size_t room = cap - std::min(received_, cap);
    const std::string_view rest = bytes.size() > room ? bytes.substr(room) : std::string_view{};
    bytes = bytes.substr(0, std::min(bytes.size(), room));
    received_ += bytes.size();
    total_received_ += bytes.size();
    pending_.append(bytes);
    if (decide_on_bytes()) return true;
    if (awaiting_follow_up_) {
        total_received_ += rest.size();
        pending_.append(rest);
        return false;
    }
    if (rest.empty()) return false;
    fail(Cause::protocol_too_large,
         "the answer to " + request_line() + " did not end within " + std::to_string(cap) +
             " bytes (twice the header and body caps; its framing or chunk lines go on)");
    return true;
}

std::optional<std::string_view> HttpResponseReader::follow_up_path() const {
    if (done_ || !awaiting_follow_up_) return std::nullopt;
    return check_.follow_up_path;
}

bool HttpResponseReader::on_follow_up_sent() {
    if (done_ || !awaiting_follow_up_) return done_;
    awaiting_follow_up_ = false;
    follow_up_sent_ = true;
    // A new answer: a new parser and its own caps. What came after the first answer is its start.
    parser_.emplace();
    configure_response_parser(*parser_, options_);
    received_ = 0;
    http_seen_ = false;
    header_fed_ = false;
    header_end_search_from_ = 0;
    unused_presented_ = 0;
    const std::string early = std::move(pending_);
    pending_.clear();
    total_received_ -= early.size();  // on_bytes counts them again
    if (early.empty()) return false;
    return on_bytes(early);
}

std::size_t HttpResponseReader::wire_cap() const {
    const std::size_t caps = options_.header_limit + options_.body_limit;
    if (caps < options_.header_limit || caps > SIZE_MAX / 2) return SIZE_MAX;
    return 2 * caps;
}

bool HttpResponseReader::decide_on_bytes() {
    if (!http_seen_) {
        // The first bytes decide whether the answer is HTTP at all: the parser alone would wait
        // for a header end that a Kafka broker or a TLS peer never sends, and call it too large.
        const std::size_t compared = std::min(pending_.size(), kHttpPrefix.size());
        if (std::string_view(pending_).substr(0, compared) != kHttpPrefix.substr(0, compared)) {
            fail(Cause::protocol_not_http, request_line() +
                                               " was answered with bytes that are not HTTP: \"" +
                                               printable_peer_text(pending_, 24) + "\"");
            return true;
        }
        if (pending_.size() < kHttpPrefix.size()) return false;
        http_seen_ = true;
    }
    if (!header_fed_) {
        // The header goes to the parser in one piece, and its cap is enforced here: Beast
        // checks lines as they come and counts its cap from the end of the status line when
        // that came in the same piece, so fed in pieces its verdict (malformed, too large, or
        // wait for more) would depend on how TCP cut the bytes.
        const std::size_t end = pending_.find(kHeaderEnd, header_end_search_from_);
        if (end == std::string::npos || end + kHeaderEnd.size() > options_.header_limit) {
            if (pending_.size() >= options_.header_limit) {
                fail_header_too_large();
                return true;
            }
            header_end_search_from_ = pending_.size() - std::min(pending_.size(), std::size_t{3});
            return false;
        }
        header_fed_ = true;
    }
    return parse();
}

// Hands the pending bytes to the parser as Beast's own read loop does (put, consume what was
// used, stop on need_more); returns done(). After the header, the bytes go one line (up to a
// CRLF) at a time: Beast's chunk-extension parsing looks past the end of the chunk line to the
// end of what it was given, so its verdict on a malformed chunk line would otherwise depend on
// how many bytes happened to follow it, that is on how TCP cut them. Cut at line ends, the
// pieces the parser sees are a function of the bytes alone.
bool HttpResponseReader::parse() {
    std::size_t consumed = 0;
    // Beast wants the bytes it was last given and did not use given again, and more: the next
    // piece never ends before `must_reach`, and the next line end is looked for from there.
    std::size_t must_reach = unused_presented_;
    std::size_t line_floor = must_reach;
    ErrorCode ec;
    while (consumed < pending_.size() && !parser_->is_done()) {
        std::size_t limit = pending_.size();
        if (parser_->is_header_done()) {
            // From one byte back: a CRLF may straddle the end of the last piece.
            const std::size_t from = std::max(consumed, line_floor > 0 ? line_floor - 1 : 0);
            const std::size_t eol = pending_.find("\r\n", from);
            if (eol != std::string::npos) limit = std::max(eol + 2, must_reach);
        }
        ec = {};
        const std::size_t used =
            parser_->put(asio::buffer(pending_.data() + consumed, limit - consumed), ec);
        consumed += used;
        // Only a piece it said it needs more than must be given again (whole, and more).
        must_reach = ec == http::error::need_more ? limit : consumed;
        if (ec == http::error::need_more && limit < pending_.size()) {
            // It wants more than this line (the CRLF after chunk data, the trailer's end):
            // the next line too.
            line_floor = limit;
            continue;
        }
        if (body_beyond_cap()) break;
        if (ec || used == 0) break;
        line_floor = consumed;
    }
    unused_presented_ = must_reach - consumed;
    pending_.erase(0, consumed);
    if (ec == http::error::need_more) ec = {};
    if (ec == http::error::header_limit) {
        fail_header_too_large();
    } else if (body_beyond_cap() || ec == http::error::body_limit ||
               ec == http::error::buffer_overflow) {
        record_header();
        fail(Cause::protocol_too_large,
             "the peer answered " + request_line() + " with " +
                 status_text(parser_->get().result_int(), parser_->get().reason()) +
                 " and a body beyond " + std::to_string(options_.body_limit) +
                 " bytes (read no further)");
    } else if (ec) {
        std::string what = "the answer to " + request_line() +
                           " starts like HTTP but is malformed (" +
                           printable_peer_text(ec.message(), 60) + ")";
        if (!pending_.empty()) what += ": \"" + printable_peer_text(pending_, 40) + "\"";
        fail(Cause::protocol_error, what);
    } else if (parser_->is_done()) {
        record_header();
        // The connection can carry a second request only when this answer did not end it.
        classify(false, parser_->keep_alive());
    }
    return done_;
}

// Checked after every put: a Content-Length beyond the cap as soon as the header is in (before
// the parser reserves room for the body), and the body read so far.
bool HttpResponseReader::body_beyond_cap() const {
    if (!parser_->is_header_done()) return false;
    const auto length = parser_->content_length();
    if (length && *length > options_.body_limit) return true;
    return parser_->get().body().size() > options_.body_limit;
}

bool HttpResponseReader::feed_unfed_header() {
    if (!http_seen_ || header_fed_) return false;
    header_fed_ = true;
    return parse();
}

void HttpResponseReader::on_read_error(const ErrorCode& ec) {
    if (done_) return;
    // An end before the second request went out ends its answer too.
    if (awaiting_follow_up_ && on_follow_up_sent()) return;
    if (!http_seen_) {
        if (is_close(ec)) {
            if (pending_.empty()) {
                return fail(Cause::protocol_closed,
                            "the peer closed the connection without answering " + request_line() +
                                " (" + describe_read_error(ec) + ")");
            }
            return fail(Cause::protocol_closed,
                        "the peer closed the connection after " + std::to_string(received_) +
                            " bytes of an answer to " + request_line() + ": \"" +
                            printable_peer_text(pending_, 24) + "\"");
        }
        return fail(Cause::protocol_error, "reading the answer to " + request_line() +
                                               " failed: " + printable_peer_text(ec.message(), 80));
    }
    // What came of a header is judged whole first: malformed beats cut short.
    if (feed_unfed_header()) return;
    if (is_close(ec) && parser_->is_header_done()) {
        // A close-delimited body ends at the close; TLS peers often skip close_notify. A body
        // its length says is longer was cut short: judged on what came, and noted.
        ErrorCode eof_ec;
        parser_->put_eof(eof_ec);
        record_header();
        return classify(static_cast<bool>(eof_ec), false);
    }
    if (is_close(ec)) {
        return fail(Cause::protocol_closed,
                    "the peer closed the connection in the middle of the header of its answer "
                    "to " +
                        request_line() + " (" + describe_read_error(ec) + ")");
    }
    fail(Cause::protocol_error, "reading the answer to " + request_line() +
                                    " failed: " + printable_peer_text(ec.message(), 80));
}

void HttpResponseReader::on_write_error(const ErrorCode& ec) {
    if (done_) return;
    // An end before the second request went out ends its answer too.
    if (awaiting_follow_up_ && on_follow_up_sent()) return;
    if (is_close(ec)) {
        return fail(Cause::protocol_closed, "the peer closed the connection before " +
                                                request_line() + " could be sent (" +
                                                describe_read_error(ec) + ")");
    }
    fail(Cause::protocol_error,
         "sending " + request_line() + " failed: " + printable_peer_text(ec.message(), 80));
}

void HttpResponseReader::on_timeout() {
    if (done_) return;
    // An end before the second request went out ends its answer too.
    if (awaiting_follow_up_ && on_follow_up_sent()) return;
    if (feed_unfed_header()) return;
    const bool header_done = http_seen_ && parser_->is_header_done();
    if (header_done) record_header();
    fail(Cause::protocol_timeout,
         header_done ? "the body of the answer to " + request_line() + " did not finish within " +
                           format_duration(options_.timeout)
                     : "no complete HTTP answer to " + request_line() + " within " +
                           format_duration(options_.timeout) + " (" + std::to_string(received_) +
                           " bytes received)");
}

void HttpResponseReader::fail_header_too_large() {
    fail(Cause::protocol_too_large, "the header of the answer to " + request_line() + " exceeds " +
                                        std::to_string(options_.header_limit) + " bytes");
}

void HttpResponseReader::record_header() {
    // The evidence keeps the answer to the check's own request; a second answer is told in the
    // detail and note.
    if (follow_up_sent_) return;
    const auto& message = parser_->get();
    auto& facts = *evidence_.http;
    facts.status = static_cast<int>(message.result_int());
    facts.reason = printable_peer_text(message.reason(), 60);
    if (const auto server = message.find(http::field::server); server != message.end()) {
        facts.server = printable_peer_text(server->value(), 80);
    }
}

void HttpResponseReader::classify(bool truncated, bool connection_open) {
    if (follow_up_sent_) return classify_follow_up();
    auto& facts = *evidence_.http;
    const auto& message = parser_->get();
    const unsigned status = message.result_int();
    const std::string answered =
        "answered " + request_line() + " with " + status_text(status, message.reason());
    const Identity identity = identify(message[http::field::content_type], message.body());
    const bool other_service = !identity.service.empty() && identity.service != display();
    // The service is what the answer says it is; a version only when that is this component
    // (another service's version is not the component's).
    facts.service = identity.service;
    if (!other_service) facts.version = printable_peer_text(identity.version, 60);
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
        return fail(Cause::protocol_wrong_service, "the peer " + answered + server_note +
                                                       ", and its body looks like " +
                                                       identity.looks_like + ", not " + display());
    }
    if (status >= 300) {
        std::string location;
        if (const auto field = message.find(http::field::location); field != message.end()) {
            location = printable_peer_text(field->value(), 120);
        }
        add_note(location.empty() ? "redirect without a Location" : "redirects to " + location);
        return succeed(display() + " " + answered + server_note);
    }
    if (status >= 200) return classify_success(answered, server_note, connection_open);
    fail(Cause::protocol_error, "the peer " + answered + ", an interim answer, and no final one");
}

// A 2xx that is no other known service: the component when it answers as only the component
// does; a second request when the answer could be the component's but says too little;
// otherwise a warning saying what answered instead.
void HttpResponseReader::classify_success(const std::string& answered,
                                          const std::string& server_note, bool connection_open) {
    auto& facts = *evidence_.http;
    const auto& message = parser_->get();
    if (facts.service == display()) {
        return succeed(facts.service + (facts.version.empty() ? "" : " " + facts.version) + " " +
                       answered + server_note);
    }
    const std::string content_type(message[http::field::content_type]);
    first_status_ = status_text(message.result_int(), message.reason());
    first_answer_ = "HTTP " + first_status_ + " to " + request_line() + server_note;
    if (check_.follow_up_path.empty() || !is_empty_json_object(message.body())) {
        return warn_unrecognized(not_as_component(describe_body(content_type, message.body())));
    }
    // Schema Registry's own answer to GET / is {} with its content type; the same {} as
    // application/json (a proxy that rewrites it, a registry that does not negotiate) is asked
    // once more, on this connection: a second connection would need the engine's TLS set-up.
    if (connection_open) {
        awaiting_follow_up_ = true;
        return;
    }
    warn_unrecognized(
        not_as_component("an empty JSON object ({}) without " + display() +
                         "'s content type, and the peer ended the connection before GET " +
                         std::string(check_.follow_up_path) + " could tell more"));
}

// The answer to the second request: the component when it answers as only the component does.
// Failures of the exchange end in the warning too (see fail): the first answer was a 2xx.
void HttpResponseReader::classify_follow_up() {
    auto& facts = *evidence_.http;
    const auto& message = parser_->get();
    const unsigned status = message.result_int();
    const std::string second = request_line() + " with " + status_text(status, message.reason());
    const Identity identity = identify(message[http::field::content_type], message.body());
    const std::string first =
        "GET " + std::string(check_.path) + " with " + first_status_ + " ({})";
    std::string server_note;
    if (!facts.server.empty()) server_note = " (Server: " + facts.server + ")";
    const std::string unconfirmed =
        "an empty JSON object ({}) without " + display() + "'s content type";
    if (identity.service == display()) {
        if (status >= 500) {
            return conclude(StageStatus::failed, Cause::protocol_http_error,
                            display() + " answered " + first + " and " + second + server_note +
                                ": the component is unhealthy");
        }
        facts.service = identity.service;
        add_note("recognised by its answer to " + request_line());
        return succeed(display() + " answered " + first + " and " + second + server_note);
    }
    if (status == 401 || status == 403) {
        facts.auth_required = true;
        add_note("authentication required (" + status_text(status, message.reason()) + ") for " +
                 request_line() + "; GET " + std::string(check_.path) + " answered " + unconfirmed);
        return succeed("the peer answered " + first + " and " + second + server_note +
                       ": it answers and wants credentials");
    }
    if (!identity.service.empty() && status >= 200 && status < 300) {
        facts.service = identity.service;
        return conclude(StageStatus::failed, Cause::protocol_wrong_service,
                        "the peer answered " + first + " and " + second + server_note +
                            ", which looks like " + identity.looks_like + ", not " + display());
    }
    std::string what = identity.looks_like.empty()
                           ? describe_body(message[http::field::content_type], message.body())
                           : identity.looks_like;
    warn_unrecognized(not_as_component(unconfirmed + ", and it answered " + second + ": " + what));
}

std::string HttpResponseReader::not_as_component(const std::string& what) const {
    return "the peer answers " + first_answer_ + ", but not as " + display() + " does: " + what;
}

std::string HttpResponseReader::display() const {
    return std::string(check_.display);
}

void HttpResponseReader::add_note(const std::string& text) {
    evidence_.note = evidence_.note.empty() ? text : evidence_.note + "; " + text;
}

void HttpResponseReader::succeed(std::string detail) {
    conclude(StageStatus::ok, Cause::none, std::move(detail));
}

void HttpResponseReader::warn_unrecognized(std::string detail) {
    conclude(StageStatus::warning, Cause::protocol_unrecognized, std::move(detail));
}

// A failure of the second exchange (closed, silent, not HTTP, too large) does not undo the 2xx
// the first request had: the answer stays unrecognised, and the detail says what happened.
void HttpResponseReader::fail(Cause cause, std::string detail) {
    if (follow_up_sent_) {
        return warn_unrecognized(not_as_component("an empty JSON object ({}) without " + display() +
                                                  "'s content type, and then " + detail));
    }
    conclude(StageStatus::failed, cause, std::move(detail));
}

void HttpResponseReader::conclude(StageStatus status, Cause cause, std::string detail) {
    done_ = true;
    evidence_.status = status;
    evidence_.cause = cause;
    evidence_.detail = std::move(detail);
}

ProtocolEvidence classify_http_response(const HttpProbeOptions& options,
                                        std::string_view wire_bytes, HttpAnswerEnd end) {
    const auto check = choose_http_check(options);
    if (!check) return no_http_check_evidence(options);
    HttpResponseReader reader(options, *check);
    // The bytes after a first answer that asks for the second request answer that request, as
    // if it had been sent the moment the first answer was read.
    reader.on_bytes(wire_bytes);
    if (reader.follow_up_path()) reader.on_follow_up_sent();
    if (!reader.done()) {
        if (end == HttpAnswerEnd::closed) {
            reader.on_read_error(asio::error::eof);
        } else {
            reader.on_timeout();
        }
    }
    return reader.take_evidence();
}

}  // namespace vpcprobe
