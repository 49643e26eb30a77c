// SPDX-License-Identifier: Apache-2.0
// The HTTP check's reading of an answer, apart from the socket (probes/http/http_response.h): real
// answers as Confluent's components and other services send them, every status class, answers
// beyond the caps, chunked and close-delimited bodies, answers cut short or left hanging, and
// bytes that are not HTTP. Also that the verdict does not depend on how the bytes were split
// into reads (the live probe gets them in whatever pieces TCP and TLS deliver).
#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/error.hpp>
#include <catch2/catch.hpp>

#include "probes/http/http_response.h"

using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::HttpAnswerEnd;
using vpcprobe::StageStatus;

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

vpcprobe::HttpProbeOptions options_for(const std::string& component) {
    vpcprobe::HttpProbeOptions options;
    options.component = component;
    options.host = "sr.example.internal";
    options.timeout = 3s;
    return options;
}

// An answer as a server writes it: status line, headers, Content-Length (unless told not to,
// or the headers say chunked), the body.
std::string answer(const std::string& status_line, const std::string& body,
                   std::vector<std::string> headers = {}, bool content_length = true) {
    std::string out = status_line + "\r\n";
    for (const auto& header : headers) out += header + "\r\n";
    if (content_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "Connection: close\r\n\r\n" + body;
    return out;
}

// The same, leaving the connection open for another request (HTTP/1.1's default).
std::string open_answer(const std::string& status_line, const std::string& body,
                        std::vector<std::string> headers = {}) {
    std::string out = status_line + "\r\n";
    for (const auto& header : headers) out += header + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return out;
}

// What Python's `python3 -m http.server` (3.11) answers GET / with in a directory holding
// notes.txt, byte for byte.
const std::string kPythonListing =
    "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n"
    "Date: Sun, 06 Dec 2026 14:00:36 GMT\r\nContent-type: text/html; charset=utf-8\r\n"
    "Content-Length: 230\r\n\r\n"
    "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Directory listing for /</title>\n</head>\n<body>\n"
    "<h1>Directory listing for /</h1>\n<hr>\n<ul>\n"
    "<li><a href=\"notes.txt\">notes.txt</a></li>\n</ul>\n<hr>\n</body>\n</html>\n";

const std::string kSchemaRegistryType = "Content-Type: application/vnd.schemaregistry.v1+json";

vpcprobe::ProtocolEvidence classify(const std::string& component, const std::string& bytes,
                                    HttpAnswerEnd end = HttpAnswerEnd::closed) {
    return vpcprobe::classify_http_response(options_for(component), bytes, end);
}

const std::string kConnectBody =
    R"({"version":"7.6.1-ce","commit":"3d1bdb9e4a8c2f5b","kafka_cluster_id":"Zr2vQ9TYRl-tRmUB1Xbxqw"})";

}  // namespace

TEST_CASE("2xx: each component's own answer is ok with what it states", "[http_response]") {
    SECTION("Connect states its version") {
        const auto e = classify(
            "connect", answer("HTTP/1.1 200 OK", kConnectBody, {"Content-Type: application/json"}));
        INFO(e.detail);
        CHECK(e.name == "http");
        CHECK(e.status == StageStatus::ok);
        CHECK(e.cause == Cause::none);
        REQUIRE(e.http);
        CHECK(e.http->path == "/");
        CHECK(e.http->status == 200);
        CHECK(e.http->reason == "OK");
        CHECK(e.http->service == "Kafka Connect");
        CHECK(e.http->version == "7.6.1-ce");
        CHECK(e.detail == "Kafka Connect 7.6.1-ce answered GET / with 200 OK");
        CHECK(e.note.empty());
        CHECK(e.ms == 0);
    }
    SECTION("Schema Registry: {} with its own content type, no second request") {
        const auto sr = classify("schema-registry",
                                 open_answer("HTTP/1.1 200 OK", "{}", {kSchemaRegistryType}));
        INFO(sr.detail);
        CHECK(sr.status == StageStatus::ok);
        CHECK(sr.http->service == "Schema Registry");
        CHECK(sr.detail == "Schema Registry answered GET / with 200 OK");
        CHECK(sr.note.empty());
        // The same {} as plain JSON on another component's check is not that component.
        const auto connect = classify("connect", answer("HTTP/1.1 200 OK", "{}"));
        CHECK(connect.status == StageStatus::warning);
        CHECK(connect.cause == Cause::protocol_unrecognized);
        CHECK(connect.http->service.empty());
        CHECK(connect.detail ==
              "the peer answers HTTP 200 OK to GET /, but not as Kafka Connect does: an empty "
              "JSON object ({})");
    }
    SECTION("the REST Proxy's cluster list") {
        const auto e = classify(
            "rest-proxy",
            answer("HTTP/1.1 200 OK",
                   R"({"kind":"KafkaClusterList","metadata":{"self":"http://rp:8082/v3/clusters",)"
                   R"("next":null},"data":[{"kind":"KafkaCluster","cluster_id":"Zr2vQ9TY"}]})",
                   {"Content-Type: application/json"}));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->service == "Kafka REST Proxy");
    }
    SECTION("MDS hands out a token when it is given credentials") {
        const auto e = classify(
            "mds", answer("HTTP/1.1 200 OK",
                          R"({"auth_token":"eyJ0eXAi","token_type":"Bearer","expires_in":3600})",
                          {"Content-Type: application/json"}));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->service == "Confluent MDS");
    }
    SECTION("ksqlDB, with a Server header") {
        const auto e = classify(
            "ksqldb", answer("HTTP/1.1 200 OK",
                             R"({"KsqlServerInfo":{"version":"7.6.1","serverStatus":"RUNNING"}})",
                             {"Server: ksql"}));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->path == "/info");
        CHECK(e.http->version == "7.6.1");
        CHECK(e.http->server == "ksql");
        CHECK(e.detail == "ksqlDB 7.6.1 answered GET /info with 200 OK (Server: ksql)");
    }
    SECTION("Control Center's HTML") {
        const auto e = classify(
            "control-center",
            answer("HTTP/1.1 200 OK",
                   "<!DOCTYPE html><html><head><title>Confluent Control Center</title></head>"
                   "<body></body></html>",
                   {"Content-Type: text/html; charset=utf-8"}));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->service == "Control Center");
    }
    SECTION("an empty 2xx is not recognisably the component: a warning") {
        const auto e = classify("rest-proxy", answer("HTTP/1.1 204 No Content", ""));
        CHECK(e.status == StageStatus::warning);
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(e.http->status == 204);
        CHECK(e.detail ==
              "the peer answers HTTP 204 No Content to GET /v3/clusters, but not as Kafka REST "
              "Proxy does: an empty body");
    }
}

TEST_CASE("a 2xx that is not recognisably the component is protocol.unrecognized, described",
          "[http_response]") {
    SECTION("python3 -m http.server's directory listing on the Schema Registry check") {
        const auto e = classify("schema-registry", kPythonListing);
        INFO(e.detail);
        CHECK(e.status == StageStatus::warning);
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(e.http->status == 200);
        CHECK(e.http->server == "SimpleHTTP/0.6 Python/3.11.7");
        CHECK(e.http->service.empty());
        CHECK(e.detail ==
              "the peer answers HTTP 200 OK to GET / (Server: SimpleHTTP/0.6 Python/3.11.7), but "
              "not as Schema Registry does: a directory listing (\"Directory listing for /\")");
    }
    SECTION("nginx's autoindex and Apache's listing") {
        const auto nginx =
            classify("connect", answer("HTTP/1.1 200 OK",
                                       "<html>\r\n<head><title>Index of /</title></head>\r\n"
                                       "<body>\r\n<h1>Index of /</h1><hr><pre>"
                                       "<a href=\"../\">../</a>\r\n</pre><hr></body>\r\n</html>",
                                       {"Server: nginx/1.25.3", "Content-Type: text/html"}));
        CHECK(nginx.cause == Cause::protocol_unrecognized);
        CHECK(contains(nginx.detail, "a directory listing (\"Index of /\")"));
        const auto apache = classify(
            "ksqldb", answer("HTTP/1.1 200 OK",
                             "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n"
                             " <head>\n  <title>Index of /info</title>\n </head>\n<body>\n"
                             "<h1>Index of /info</h1>\n</body></html>\n"));
        CHECK(apache.cause == Cause::protocol_unrecognized);
        CHECK(contains(apache.detail, "a directory listing (\"Index of /info\")"));
    }
    SECTION("an HTML page by its title, escaped") {
        const auto e = classify("control-center",
                                answer("HTTP/1.1 200 OK",
                                       "<html><head><TITLE>\n  Grafana\x1b[2J  </TITLE></head>"
                                       "<body></body></html>",
                                       {"Content-Type: text/html"}));
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(contains(e.detail,
                       "but not as Control Center does: an HTML page titled "
                       "\"Grafana\\x1b[2J\""));
        const auto untitled =
            classify("control-center", answer("HTTP/1.1 200 OK", "<html><body>hi</body></html>"));
        CHECK(contains(untitled.detail, "an HTML page without a title"));
    }
    SECTION("JSON by its top-level keys, an array by its length") {
        const auto e = classify(
            "ksqldb", answer("HTTP/1.1 200 OK",
                             R"({"status":"UP","groups":["liveness"],"a":1,"b":2,"c":3})"));
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(contains(e.detail,
                       "but not as ksqlDB does: JSON with the keys \"status\", "
                       "\"groups\", \"a\", \"b\", ..."));
        const auto array = classify("connect", answer("HTTP/1.1 200 OK", R"(["a","b"])"));
        CHECK(contains(array.detail, "a JSON array of 2 items"));
    }
    SECTION("plain text by its first words") {
        const auto e =
            classify("connect", answer("HTTP/1.1 200 OK", "OK\n", {"Content-Type: text/plain"}));
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(contains(e.detail, "but not as Kafka Connect does: text starting \"OK\""));
    }
}

TEST_CASE("Schema Registry's bare {} as plain JSON is settled by GET /config", "[http_response]") {
    const std::string bare =
        open_answer("HTTP/1.1 200 OK", "{}", {"Content-Type: application/json"});
    SECTION("a compatibility level: Schema Registry") {
        const auto e =
            classify("schema-registry",
                     bare + open_answer("HTTP/1.1 200 OK", R"({"compatibilityLevel":"BACKWARD"})",
                                        {"Content-Type: application/json"}));
        INFO(e.detail);
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->path == "/");
        CHECK(e.http->status == 200);
        CHECK(e.http->service == "Schema Registry");
        CHECK(e.detail ==
              "Schema Registry answered GET / with 200 OK ({}) and GET /config with "
              "200 OK");
        CHECK(e.note == "recognised by its answer to GET /config");
    }
    SECTION("Schema Registry's content type on /config, in pieces") {
        const std::string bytes =
            bare + open_answer("HTTP/1.1 200 OK", R"({"compatibilityLevel":"FULL"})",
                               {kSchemaRegistryType});
        const auto options = options_for("schema-registry");
        vpcprobe::HttpResponseReader reader(options, *vpcprobe::choose_http_check(options));
        std::size_t follow_ups = 0;
        for (const char c : bytes) {
            reader.on_bytes(std::string_view(&c, 1));
            if (const auto path = reader.follow_up_path()) {
                CHECK(*path == "/config");
                ++follow_ups;
                reader.on_follow_up_sent();
            }
        }
        CHECK(follow_ups == 1);
        REQUIRE(reader.done());
        CHECK(reader.evidence().status == StageStatus::ok);
        CHECK(reader.evidence().http->service == "Schema Registry");
    }
    SECTION("404 on /config: unrecognized, saying what answered") {
        const auto e = classify("schema-registry",
                                bare + open_answer("HTTP/1.1 404 Not Found",
                                                   "<html><head><title>404 Not Found</title>"
                                                   "</head></html>"));
        INFO(e.detail);
        CHECK(e.status == StageStatus::warning);
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(e.http->status == 200);
        CHECK(e.detail ==
              "the peer answers HTTP 200 OK to GET /, but not as Schema Registry does: an empty "
              "JSON object ({}) without Schema Registry's content type, and it answered GET "
              "/config with 404 Not Found: an HTML page titled \"404 Not Found\"");
    }
    SECTION("a close instead of an answer to /config") {
        const auto e = classify("schema-registry", bare);
        CHECK(e.status == StageStatus::warning);
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(contains(e.detail,
                       "and then the peer closed the connection without answering GET "
                       "/config (end of stream)"));
    }
    SECTION("silence after the question: the deadline, still a warning") {
        const auto e = classify("schema-registry", bare, HttpAnswerEnd::silent);
        CHECK(e.status == StageStatus::warning);
        CHECK(contains(e.detail, "no complete HTTP answer to GET /config within 3s"));
    }
    SECTION("/config wants credentials: it answers and wants them") {
        const auto e =
            classify("schema-registry",
                     bare + open_answer("HTTP/1.1 401 Unauthorized",
                                        R"({"error_code":401,"message":"Unauthorized"})"));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->auth_required);
        CHECK(contains(e.detail, "it answers and wants credentials"));
        CHECK(e.note ==
              "authentication required (401 Unauthorized) for GET /config; GET / "
              "answered an empty JSON object ({}) without Schema Registry's content "
              "type");
    }
    SECTION("/config answered 5xx in Schema Registry's content type: unhealthy") {
        const auto e = classify(
            "schema-registry",
            bare + open_answer("HTTP/1.1 500 Internal Server Error",
                               R"({"error_code":50001,"message":"Error"})", {kSchemaRegistryType}));
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::protocol_http_error);
        CHECK(e.detail ==
              "Schema Registry answered GET / with 200 OK ({}) and GET /config with "
              "500 Internal Server Error: the component is unhealthy");
    }
    SECTION("/config answered as another service: the wrong service") {
        const auto e =
            classify("schema-registry", bare + open_answer("HTTP/1.1 200 OK", kConnectBody));
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(contains(e.detail, "which looks like Kafka Connect, not Schema Registry"));
    }
    SECTION("the first answer ended the connection: no second request") {
        const auto e = classify("schema-registry", answer("HTTP/1.1 200 OK", "{}"));
        CHECK(e.status == StageStatus::warning);
        CHECK(e.detail ==
              "the peer answers HTTP 200 OK to GET /, but not as Schema Registry does: an empty "
              "JSON object ({}) without Schema Registry's content type, and the peer ended the "
              "connection before GET /config could tell more");
    }
    SECTION("only Schema Registry's check asks a second question") {
        const auto options = options_for("connect");
        vpcprobe::HttpResponseReader reader(options, *vpcprobe::choose_http_check(options));
        reader.on_bytes(bare);
        CHECK(reader.done());
        CHECK_FALSE(reader.follow_up_path());
    }
}

TEST_CASE("3xx answers; the Location is noted", "[http_response]") {
    const auto e =
        classify("control-center", answer("HTTP/1.1 302 Found", "", {"Location: /login"}));
    CHECK(e.status == StageStatus::ok);
    CHECK(e.http->status == 302);
    CHECK(e.note == "redirects to /login");
    const auto bare = classify("control-center", answer("HTTP/1.1 301 Moved Permanently", ""));
    CHECK(bare.note == "redirect without a Location");
}

TEST_CASE("401 and 403 answer and want credentials", "[http_response]") {
    const auto mds = classify(
        "mds",
        answer("HTTP/1.1 401 Unauthorized",
               R"({"status_code":401,"message":"Unauthorized","type":"AUTHENTICATION_ERROR"})",
               {"WWW-Authenticate: Basic realm=\"mds\""}));
    INFO(mds.detail);
    CHECK(mds.status == StageStatus::ok);
    CHECK(mds.http->path == "/security/1.0/authenticate");
    CHECK(mds.http->auth_required);
    CHECK(mds.note == "authentication required (401 Unauthorized)");
    CHECK(contains(mds.detail, "it answers and wants credentials"));

    // No reason phrase sent: Beast gives the standard one.
    const auto forbidden = classify("connect", answer("HTTP/1.1 403 ", ""));
    CHECK(forbidden.status == StageStatus::ok);
    CHECK(forbidden.http->auth_required);
    CHECK(forbidden.http->reason == "Forbidden");
    CHECK(forbidden.note == "authentication required (403 Forbidden)");
}

TEST_CASE("4xx on the component's own path is the wrong service", "[http_response]") {
    const auto e = classify("rest-proxy", answer("HTTP/1.1 404 Not Found",
                                                 R"({"error_code":404,"message":"Not Found"})"));
    CHECK(e.status == StageStatus::failed);
    CHECK(e.cause == Cause::protocol_wrong_service);
    CHECK(e.detail ==
          "the peer answered GET /v3/clusters with 404 Not Found: not a Kafka REST Proxy?");

    const auto nginx = classify(
        "ksqldb", answer("HTTP/1.1 405 Not Allowed", "<html><h1>Welcome to nginx!</h1></html>",
                         {"Server: nginx/1.25.3"}));
    CHECK(nginx.cause == Cause::protocol_wrong_service);
    CHECK(nginx.detail ==
          "the peer answered GET /info with 405 Not Allowed (Server: nginx/1.25.3), which looks "
          "like an nginx default page: not a ksqlDB?");
}

TEST_CASE("429 and 5xx are the component unhealthy or throttling", "[http_response]") {
    const auto unhealthy = classify(
        "schema-registry", answer("HTTP/1.1 503 Service Unavailable", R"({"error_code":503})"));
    CHECK(unhealthy.cause == Cause::protocol_http_error);
    CHECK(unhealthy.http->status == 503);
    CHECK(unhealthy.detail ==
          "Schema Registry answered GET / with 503 Service Unavailable: the component is "
          "unhealthy");
    const auto throttled = classify("connect", answer("HTTP/1.1 429 Too Many Requests", ""));
    CHECK(throttled.cause == Cause::protocol_http_error);
    CHECK(contains(throttled.detail, "throttling"));
}

TEST_CASE("a 2xx body that is another service is the wrong service", "[http_response]") {
    SECTION("Connect's answer on the Schema Registry check: its version is not kept") {
        const auto e = classify("schema-registry", answer("HTTP/1.1 200 OK", kConnectBody));
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(e.http->service == "Kafka Connect");
        CHECK(e.http->version.empty());
        CHECK(contains(e.detail, "its body looks like Kafka Connect, not Schema Registry"));
    }
    SECTION("Elasticsearch on the REST Proxy check") {
        const auto e =
            classify("rest-proxy",
                     answer("HTTP/1.1 200 OK",
                            R"({"name":"n1","cluster_name":"es","version":{"number":"8.11.0"},)"
                            R"("tagline":"You Know, for Search"})"));
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(e.http->service == "Elasticsearch");
    }
    SECTION("Apache's default page on the Connect check") {
        const auto e =
            classify("connect", answer("HTTP/1.1 200 OK",
                                       "<html><title>Apache2 Debian Default Page: It works</title>"
                                       "<body><h1>It works!</h1></body></html>",
                                       {"Server: Apache/2.4.57 (Debian)"}));
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(contains(e.detail, "an Apache default page"));
    }
    SECTION("nginx's default page with 200 on the Schema Registry check") {
        const auto e = classify(
            "schema-registry",
            answer("HTTP/1.1 200 OK",
                   "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>"
                   "<h1>Welcome to nginx!</h1></body></html>",
                   {"Server: nginx/1.25.3", "Content-Type: text/html"}));
        CHECK(e.status == StageStatus::failed);
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(contains(e.detail, "an nginx default page, not Schema Registry"));
    }
    SECTION("Schema Registry's answer (its content type) on the Connect check") {
        const auto e = classify("connect", answer("HTTP/1.1 200 OK", "{}", {kSchemaRegistryType}));
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(e.http->service == "Schema Registry");
        CHECK(contains(e.detail, "looks like Schema Registry, not Kafka Connect"));
    }
    SECTION("the REST Proxy's answer on the ksqlDB check") {
        const auto e = classify(
            "ksqldb", answer("HTTP/1.1 200 OK", R"({"kind":"KafkaClusterList","data":[]})"));
        CHECK(e.cause == Cause::protocol_wrong_service);
        CHECK(e.http->service == "Kafka REST Proxy");
    }
}

TEST_CASE("bytes that are not HTTP are protocol.not_http, quoted escaped", "[http_response]") {
    SECTION("a Kafka frame") {
        const auto e = classify(
            "ksqldb", std::string("\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x23\x00\x00\x00\x00", 14));
        CHECK(e.cause == Cause::protocol_not_http);
        CHECK(e.http->status == 0);
        CHECK(e.detail ==
              "GET /info was answered with bytes that are not HTTP: "
              "\"\\x00\\x00\\x00\\n\\x00\\x00\\x00\\x01\\x00#\\x00\\x00\\x00\\x00\"");
    }
    SECTION("a TLS alert: decided on the first byte, whatever follows") {
        const auto e = classify("connect", std::string("\x15\x03\x03\x00\x02\x02\x28", 7),
                                HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_not_http);
        CHECK(contains(e.detail, "\\x15\\x03\\x03\\x00\\x02\\x02("));
    }
    SECTION("a near miss in the fourth byte") {
        CHECK(classify("connect", "HTTX/1.1 200 OK\r\n\r\n").cause == Cause::protocol_not_http);
        CHECK(classify("connect", "http/1.1 200 OK\r\n\r\n").cause == Cause::protocol_not_http);
    }
    SECTION("a long answer is quoted to 24 bytes") {
        const auto e = classify("connect", std::string(200, '\x16'));
        std::string quoted;
        for (int i = 0; i < 24; ++i) quoted += "\\x16";
        CHECK(contains(e.detail, ": \"" + quoted + "...\""));
    }
}

TEST_CASE("answers beyond the caps are protocol.too_large", "[http_response]") {
    SECTION("a header over header_limit") {
        const auto e = classify(
            "connect", answer("HTTP/1.1 200 OK", "{}", {"X-Pad: " + std::string(17 * 1024, 'a')}));
        CHECK(e.cause == Cause::protocol_too_large);
        CHECK(e.detail == "the header of the answer to GET / exceeds 16384 bytes");
    }
    SECTION("endless header lines with no end, left hanging") {
        std::string endless = "HTTP/1.1 200 OK\r\n";
        while (endless.size() < 40 * 1024) endless += "X-A: b\r\n";
        const auto e = classify("connect", endless, HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_too_large);
    }
    SECTION("the cap counts the status line too") {
        const auto e = classify("connect", answer("HTTP/1.1 200 OK", kConnectBody,
                                                  {"X-Pad: " + std::string(16 * 1024 - 60, 'p')}));
        CHECK(e.cause == Cause::protocol_too_large);
    }
    SECTION("a header just under the limit is read") {
        const auto e = classify("connect", answer("HTTP/1.1 200 OK", kConnectBody,
                                                  {"X-Pad: " + std::string(15 * 1024, 'a')}));
        CHECK(e.status == StageStatus::ok);
    }
    SECTION("a Content-Length over body_limit: refused before the body, status kept") {
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\nServer: big\r\n\r\n";
        const auto e = classify("connect", head + "{\"x\":", HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_too_large);
        CHECK(e.http->status == 200);
        CHECK(e.http->server == "big");
        CHECK(e.detail ==
              "the peer answered GET / with 200 OK and a body beyond 65536 bytes (read no "
              "further)");
    }
    SECTION("a close-delimited body over body_limit") {
        const auto e =
            classify("connect", answer("HTTP/1.1 200 OK", std::string(70 * 1024, 'x'), {}, false));
        CHECK(e.cause == Cause::protocol_too_large);
    }
    SECTION("a chunked body over a smaller body_limit") {
        auto options = options_for("connect");
        options.body_limit = 1024;
        std::string chunked = answer("HTTP/1.1 200 OK", "", {"Transfer-Encoding: chunked"}, false);
        for (int i = 0; i < 8; ++i) chunked += "100\r\n" + std::string(256, 'y') + "\r\n";
        const auto e = vpcprobe::classify_http_response(options, chunked, HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_too_large);
        CHECK(contains(e.detail, "a body beyond 1024 bytes"));
    }
}

TEST_CASE("chunk framing that never ends is too large, within a bounded read", "[http_response]") {
    // A quoted chunk extension left open: Beast waits for its end and keeps every byte, so the
    // reader stops at twice the two caps (160 KiB here) and judges on those bytes alone.
    std::string endless = answer("HTTP/1.1 200 OK", "", {"Transfer-Encoding: chunked"}, false);
    endless += "1;e=\"\r\n";
    while (endless.size() < 200 * 1024) endless += std::string(62, '\t') + "\r\n";
    const auto whole = classify("connect", endless, HttpAnswerEnd::silent);
    CHECK(whole.cause == Cause::protocol_too_large);
    CHECK(whole.detail ==
          "the answer to GET / did not end within 163840 bytes (twice the header and body caps; "
          "its framing or chunk lines go on)");
    const auto options = options_for("connect");
    vpcprobe::HttpResponseReader reader(options, *vpcprobe::choose_http_check(options));
    std::size_t fed = 0;
    for (std::size_t at = 0; at < endless.size() && !reader.done(); at += 4096) {
        reader.on_bytes(std::string_view(endless).substr(at, 4096));
        fed = at + 4096;
    }
    CHECK(reader.done());
    CHECK(reader.evidence().detail == whole.detail);
    CHECK(fed <= 164 * 1024);
    CHECK(reader.bytes_received() == 163840);
}

TEST_CASE("a chunked answer is read whole", "[http_response]") {
    std::string chunked = answer("HTTP/1.1 200 OK", "", {"Transfer-Encoding: chunked"}, false);
    for (std::size_t at = 0; at < kConnectBody.size(); at += 10) {
        const std::string piece = kConnectBody.substr(at, 10);
        chunked +=
            (piece.size() == 10 ? "a" : std::to_string(piece.size())) + "\r\n" + piece + "\r\n";
    }
    chunked += "0\r\n\r\n";
    // Left open after the last chunk: the terminating chunk, not the close, ends it.
    const auto e = classify("connect", chunked, HttpAnswerEnd::silent);
    INFO(e.detail);
    CHECK(e.status == StageStatus::ok);
    CHECK(e.http->version == "7.6.1-ce");
}

TEST_CASE("answers cut short, left hanging or absent", "[http_response]") {
    SECTION("nothing at all, then a close") {
        const auto e = classify("rest-proxy", "");
        CHECK(e.cause == Cause::protocol_closed);
        CHECK(e.detail ==
              "the peer closed the connection without answering GET /v3/clusters (end of "
              "stream)");
    }
    SECTION("nothing at all until the deadline") {
        const auto e = classify("ksqldb", "", HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_timeout);
        CHECK(e.detail == "no complete HTTP answer to GET /info within 3s (0 bytes received)");
    }
    SECTION("the deadline is named as --timeout is written") {
        auto options = options_for("ksqldb");
        options.timeout = 1250ms;
        const auto e = vpcprobe::classify_http_response(options, "", HttpAnswerEnd::silent);
        CHECK(e.detail == "no complete HTTP answer to GET /info within 1.25s (0 bytes received)");
    }
    SECTION("two bytes of HTTP, then a close") {
        const auto e = classify("connect", "HT");
        CHECK(e.cause == Cause::protocol_closed);
        CHECK(e.detail ==
              "the peer closed the connection after 2 bytes of an answer to GET /: \"HT\"");
    }
    SECTION("a close in the middle of the header") {
        const auto e = classify("connect", "HTTP/1.1 200 OK\r\nContent-");
        CHECK(e.cause == Cause::protocol_closed);
        CHECK(contains(e.detail, "in the middle of the header"));
    }
    SECTION("a header left hanging") {
        const auto e = classify("connect", "HTTP/1.1 200 OK\r\nContent-", HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_timeout);
        CHECK(contains(e.detail, "(25 bytes received)"));
    }
    SECTION("a body shorter than its Content-Length, then a close: judged, and noted") {
        std::string cut = answer("HTTP/1.1 200 OK", kConnectBody);
        cut.resize(cut.size() - 10);
        const auto e = classify("connect", cut);
        // Connect's JSON cut short is no longer recognisably Connect's.
        CHECK(e.status == StageStatus::warning);
        CHECK(e.cause == Cause::protocol_unrecognized);
        CHECK(e.http->status == 200);
        CHECK(e.note == "the body was cut short by the peer's close");
        CHECK(contains(e.detail, "not as Kafka Connect does: text starting \"{\"version\""));
    }
    SECTION("the same body left hanging is a timeout, with the status kept") {
        std::string cut = answer("HTTP/1.1 503 Service Unavailable", kConnectBody);
        cut.resize(cut.size() - 10);
        const auto e = classify("connect", cut, HttpAnswerEnd::silent);
        CHECK(e.cause == Cause::protocol_timeout);
        CHECK(e.http->status == 503);
        CHECK(e.detail == "the body of the answer to GET / did not finish within 3s");
    }
    SECTION("a close-delimited body ends at the close, no note") {
        const auto e = classify("connect", answer("HTTP/1.1 200 OK", kConnectBody, {}, false));
        CHECK(e.status == StageStatus::ok);
        CHECK(e.http->version == "7.6.1-ce");
        CHECK(e.note.empty());
    }
    SECTION("only an interim answer") {
        const auto e = classify("connect", "HTTP/1.1 100 Continue\r\n\r\n");
        CHECK(e.cause == Cause::protocol_error);
        CHECK(contains(e.detail, "an interim answer, and no final one"));
    }
}

TEST_CASE("a malformed answer that starts like HTTP is protocol.error", "[http_response]") {
    const auto e = classify("connect", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
    CHECK(e.cause == Cause::protocol_error);
    CHECK(contains(e.detail, "starts like HTTP but is malformed"));
    const auto bad_length =
        classify("connect", "HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n{}");
    CHECK(bad_length.cause == Cause::protocol_error);
}

TEST_CASE("peer text reaches evidence escaped", "[http_response]") {
    const std::string body =
        "{\"version\":\"7.6\\r\\nprotocol: ok\\u001b[2J\",\"commit\":\"x\","
        "\"kafka_cluster_id\":\"y\"}";
    const auto e = classify(
        "connect", answer("HTTP/1.1 200 Fine\xff\xfe", body, {"Server: evil\t\xc3\x28 \x80"}));
    CHECK(e.status == StageStatus::ok);
    CHECK(e.http->version == "7.6\\r\\nprotocol: ok\\x1b[2J");
    CHECK(e.http->reason == "Fine\\xff\\xfe");
    CHECK(e.http->server == "evil\\t\\xc3( \\x80");
    CHECK(vpcprobe::printable_peer_text("a\\b", 2) == "a\\\\...");
}

TEST_CASE("the verdict does not depend on how the bytes were split into reads", "[http_response]") {
    std::string chunked = answer("HTTP/1.1 200 OK", "", {"Transfer-Encoding: chunked"}, false);
    chunked += "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n";
    const std::vector<std::string> answers = {
        answer("HTTP/1.1 200 OK", kConnectBody),
        answer("HTTP/1.1 401 Unauthorized", "{}"),
        answer("HTTP/1.1 200 OK", std::string(70 * 1024, 'x'), {}, false),
        answer("HTTP/1.1 200 OK", "{}", {"X-Pad: " + std::string(17 * 1024, 'a')}),
        chunked,
        "HTTP/1.1 2x0 OK\r\n\r\n",
        // Found by fuzz_http_response: a header line with no colon and no header end. Beast
        // checks lines as they come, so fed in pieces it waited for more (closed), in one piece
        // it failed (malformed); the reader now hands the parser a header in one piece.
        "HTTP/1.1 200 OK\r\nContent-Length: 400\r\n" + std::string(40, 'i') + "\r\n" + kConnectBody,
        // Also found by it: a header a few bytes over the cap once the status line is counted
        // (16391 bytes; the fields alone are 16374). Beast counts its cap from the end of a
        // status line that came in the same piece, so whole it passed and in pieces it was too
        // large; the reader enforces the cap itself.
        answer("HTTP/1.1 200 OK", kConnectBody, {"X-Pad: " + std::string(16 * 1024 - 60, 'p')}),
        std::string("\x00\x00\x00\x0a", 4),
        // Found by it under UBSan: after the last chunk Beast must be given again at least the
        // bytes it last saw; giving it less (a shorter line) made it compute a pointer before
        // its buffer (basic_parser.ipp, parse_chunk_header). Pieces of 10 bytes showed it.
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n4;ext=1\r\n"
        "{\"a\"\r\n3\r\n:1}\r\n0\r\nX-T: v\r\n\r\n",
    };
    const auto options = options_for("connect");
    for (const auto& bytes : answers) {
        const auto whole = vpcprobe::classify_http_response(options, bytes);
        for (const std::size_t piece :
             {std::size_t{1}, std::size_t{7}, std::size_t{10}, std::size_t{4096}}) {
            INFO(bytes.substr(0, 40) << " in pieces of " << piece);
            const auto check = vpcprobe::choose_http_check(options);
            REQUIRE(check);
            vpcprobe::HttpResponseReader reader(options, *check);
            for (std::size_t at = 0; at < bytes.size() && !reader.done(); at += piece) {
                reader.on_bytes(std::string_view(bytes).substr(at, piece));
            }
            if (!reader.done()) reader.on_read_error(boost::asio::error::eof);
            const auto& split = reader.evidence();
            CHECK(split.status == whole.status);
            CHECK(split.cause == whole.cause);
            CHECK(split.http->status == whole.http->status);
            CHECK(split.note == whole.note);
            // Not HTTP is decided on the first bytes that show it, and quotes what was seen.
            if (whole.cause != Cause::protocol_not_http) CHECK(split.detail == whole.detail);
        }
    }
}

TEST_CASE("with a second request, the verdict does not depend on how the bytes were split",
          "[http_response]") {
    const std::string bare = open_answer("HTTP/1.1 200 OK", "{}");
    const std::vector<std::string> exchanges = {
        bare + open_answer("HTTP/1.1 200 OK", R"({"compatibilityLevel":"BACKWARD"})"),
        bare + open_answer("HTTP/1.1 404 Not Found", "nope"),
        bare + "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(17 * 1024, 'a') + "\r\n\r\n",
        bare + std::string("\x15\x03\x03\x00\x02\x02\x28", 7),
        bare,
        kPythonListing,
    };
    const auto options = options_for("schema-registry");
    for (const auto& bytes : exchanges) {
        const auto whole = vpcprobe::classify_http_response(options, bytes);
        for (const std::size_t piece : {std::size_t{1}, std::size_t{5}, std::size_t{4096}}) {
            INFO(bytes.substr(0, 60) << " in pieces of " << piece);
            vpcprobe::HttpResponseReader reader(options, *vpcprobe::choose_http_check(options));
            for (std::size_t at = 0; at < bytes.size() && !reader.done(); at += piece) {
                reader.on_bytes(std::string_view(bytes).substr(at, piece));
                if (reader.follow_up_path()) reader.on_follow_up_sent();
            }
            if (reader.follow_up_path()) reader.on_follow_up_sent();
            if (!reader.done()) reader.on_read_error(boost::asio::error::eof);
            const auto& split = reader.evidence();
            CHECK(split.status == whole.status);
            CHECK(split.cause == whole.cause);
            CHECK(split.note == whole.note);
            // Not HTTP is decided on the first bytes that show it, and quotes what was seen.
            if (!contains(whole.detail, "not HTTP")) CHECK(split.detail == whole.detail);
        }
    }
}

TEST_CASE("a chunk line re-read for want of bytes is not counted twice against the cap",
          "[http_response]") {
    // Found by fuzz_http_response: Beast subtracts a chunk's size from its body cap each time
    // it parses the chunk's line, also when an unfinished quoted extension makes it wait for
    // more and parse the line again, so a 256-byte chunk fed in pieces was "beyond 1024 bytes".
    // The reader keeps the cap itself, on the bytes of body actually read.
    auto options = options_for("connect");
    options.body_limit = 1024;
    std::string bytes = answer("HTTP/1.1 200 OK", "", {"Transfer-Encoding: chunked"}, false);
    bytes += "100;e=\"\r\n";
    for (int i = 0; i < 12; ++i) bytes += std::string(30, '\t') + "\r\n";
    const auto whole = vpcprobe::classify_http_response(options, bytes);
    INFO(whole.detail);
    CHECK(whole.cause != Cause::protocol_too_large);
    const auto check = vpcprobe::choose_http_check(options);
    REQUIRE(check);
    vpcprobe::HttpResponseReader reader(options, *check);
    for (const char c : bytes) reader.on_bytes(std::string_view(&c, 1));
    if (!reader.done()) reader.on_read_error(boost::asio::error::eof);
    INFO(reader.evidence().detail);
    CHECK(reader.evidence().cause == whole.cause);
    CHECK(reader.evidence().status == whole.status);
}

TEST_CASE("component and host choose the check", "[http_response]") {
    auto options = options_for("kafka");
    const auto skipped = vpcprobe::classify_http_response(options, "HTTP/1.1 200 OK\r\n\r\n");
    CHECK(skipped.status == StageStatus::skipped);
    CHECK(skipped.detail == "no HTTP check for component \"kafka\"");
    CHECK_FALSE(skipped.http);

    options = options_for("rest-proxy");
    options.host = "pkc-1x2y3.us-west-2.aws.confluent.cloud";
    const auto cloud = vpcprobe::classify_http_response(
        options, answer("HTTP/1.1 200 OK", R"({"kind":"KafkaClusterList","data":[]})"));
    CHECK(cloud.status == StageStatus::ok);
    CHECK(cloud.http->path == "/kafka/v3/clusters");
    CHECK(cloud.detail == "Kafka REST Proxy answered GET /kafka/v3/clusters with 200 OK");
}
