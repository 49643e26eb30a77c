// SPDX-License-Identifier: Apache-2.0
// HTTP check against a real HTTP server on loopback (tests/support/http_server.h), over TLS
// with the test PKI (the stream comes from a real TLS probe, as in the engine) and once in
// plaintext: every status class, the component recognition (versions stated, bodies of other
// services), peers that are not HTTP, stall, send too much or close, and that nothing a hostile
// peer sends reaches a detail unescaped. Also testpeer's http modes.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "probes/http/http_probe.h"
#include "probes/tls/tls_probe.h"
#include "tests/support/http_server.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tool_output.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::test::HttpBehaviour;
using vpcprobe::test::HttpServeSpec;

namespace {

const vpcprobe::test::TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const vpcprobe::test::TestPki instance(directory.path(), {"localhost", "127.0.0.1"});
    return instance;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// No byte a terminal or a line-based report would act on: controls, DEL, non-ASCII.
bool printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x7f;
    });
}

struct Outcome {
    // Declared first so it is destroyed last: the stream belongs to it.
    std::shared_ptr<asio::io_context> io = std::make_shared<asio::io_context>();
    std::shared_ptr<vpcprobe::ProtocolStream> stream;
    bool completed = false;
    int completions = 0;
    vpcprobe::ProtocolEvidence evidence;
    std::chrono::milliseconds wall{0};
    std::string tls_problem;  // set when the TLS stage did not hand a stream on
};

// Connects to `server`, completes TLS with the real TLS probe (unless plaintext), runs one
// HTTP check for `component` to completion and closes the stream, as the engine does.
Outcome check(const tcp::endpoint& server, const std::string& component,
              std::chrono::milliseconds timeout = 3s, bool tls = true,
              std::size_t body_limit = 64 * 1024, const std::string& host = "127.0.0.1") {
    Outcome outcome;
    tcp::socket socket(*outcome.io);
    socket.connect(server);
    vpcprobe::HttpProbeOptions options;
    options.component = component;
    options.host = host;
    options.port = server.port();
    options.timeout = timeout;
    options.body_limit = body_limit;
    auto on_done = [&outcome](vpcprobe::ProtocolEvidence evidence) {
        outcome.completed = true;
        ++outcome.completions;
        outcome.evidence = std::move(evidence);
        outcome.stream->close();
    };
    const auto started = std::chrono::steady_clock::now();
    if (tls) {
        auto created = vpcprobe::TlsContext::create({pki().ca_file()});
        REQUIRE(created);
        auto context = *created;
        vpcprobe::TlsProbeOptions tls_options;
        tls_options.server_name = "127.0.0.1";
        tls_options.timeout = 3s;
        vpcprobe::probe_tls(
            std::move(socket), context, tls_options,
            [&outcome, options, on_done](vpcprobe::TlsEvidence tls_evidence,
                                         vpcprobe::CertificateEvidence certificate,
                                         std::shared_ptr<vpcprobe::TlsStream> stream) {
                if (!stream || certificate.status != StageStatus::ok) {
                    outcome.tls_problem = tls_evidence.detail + " / " + certificate.detail;
                    return;
                }
                outcome.stream = std::make_shared<vpcprobe::ProtocolStream>(std::move(stream));
                vpcprobe::probe_http(outcome.stream, options, on_done);
            });
    } else {
        outcome.stream = std::make_shared<vpcprobe::ProtocolStream>(std::move(socket));
        vpcprobe::probe_http(outcome.stream, options, on_done);
    }
    outcome.io->run_for(15s);
    outcome.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    INFO(outcome.tls_problem);
    REQUIRE(outcome.tls_problem.empty());
    REQUIRE(outcome.completed);
    CHECK(outcome.completions == 1);
    CHECK(outcome.evidence.name == "http");
    REQUIRE(outcome.evidence.http);
    return outcome;
}

// One server with one listener, started.
struct Server {
    explicit Server(HttpServeSpec spec) : server(pki()) {
        endpoint = server.listen("127.0.0.1", 0, std::move(spec));
        server.start();
    }
    vpcprobe::test::HttpServer server;
    tcp::endpoint endpoint;
};

HttpServeSpec component(std::string_view name) {
    auto spec = vpcprobe::test::component_spec(name);
    REQUIRE(spec);
    return *spec;
}

HttpServeSpec answer(int status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpServeSpec spec;
    spec.response.status = status;
    spec.response.body = std::move(body);
    spec.response.headers = std::move(headers);
    return spec;
}

HttpServeSpec raw(std::string bytes) {
    HttpServeSpec spec;
    spec.behaviour = HttpBehaviour::raw;
    spec.raw = std::move(bytes);
    return spec;
}

}  // namespace

TEST_CASE("http_check_path: one path per REST component, none for kafka", "[http]") {
    CHECK(vpcprobe::http_check_path("schema-registry") == "/");
    CHECK(vpcprobe::http_check_path("connect") == "/");
    CHECK(vpcprobe::http_check_path("ksqldb") == "/info");
    CHECK(vpcprobe::http_check_path("rest-proxy") == "/v3/clusters");
    CHECK(vpcprobe::http_check_path("mds") == "/security/1.0/authenticate");
    CHECK(vpcprobe::http_check_path("control-center") == "/");
    CHECK(vpcprobe::http_check_path("kafka").empty());
    CHECK(vpcprobe::http_check_path("nonsense").empty());
}

TEST_CASE("each component answering like Confluent's is ok, with what it states", "[http]") {
    struct Case {
        std::string component;
        int status;
        std::string service;
        std::string version;
    };
    const std::vector<Case> cases = {
        {"schema-registry", 200, "Schema Registry", ""},
        {"connect", 200, "Kafka Connect", "7.6.1-ce"},
        {"ksqldb", 200, "ksqlDB", "7.6.1"},
        {"rest-proxy", 200, "Kafka REST Proxy", ""},
        {"control-center", 200, "Control Center", ""},
    };
    for (const auto& c : cases) {
        SECTION(c.component) {
            // The server answers 404 off the component's real path: ok proves the path.
            Server server(component(c.component));
            const auto outcome = check(server.endpoint, c.component);
            const auto& evidence = outcome.evidence;
            INFO(evidence.detail);
            CHECK(evidence.status == StageStatus::ok);
            CHECK(evidence.cause == Cause::none);
            CHECK(evidence.http->status == c.status);
            CHECK(evidence.http->reason == "OK");
            CHECK(evidence.http->path == vpcprobe::http_check_path(c.component));
            CHECK(evidence.http->service == c.service);
            CHECK(evidence.http->version == c.version);
            CHECK_FALSE(evidence.http->auth_required);
            if (!c.version.empty()) CHECK(contains(evidence.detail, c.version));
            CHECK(evidence.ms > 0);

            const auto requests = server.server.requests();
            REQUIRE(requests.size() == 1);
            const std::string& head = requests[0];
            INFO(head);
            CHECK(head.rfind("GET " + std::string(vpcprobe::http_check_path(c.component)) +
                                 " HTTP/1.1\r\n",
                             0) == 0);
            CHECK(contains(
                head, "\r\nHost: 127.0.0.1:" + std::to_string(server.endpoint.port()) + "\r\n"));
            CHECK(contains(head, "\r\nUser-Agent: vpcprobe/" VPCPROBE_VERSION "\r\n"));
            if (c.component == "schema-registry") {
                // As Confluent's own clients ask, so Schema Registry answers with its own type;
                // kept open for the second request an inconclusive answer would need.
                CHECK(contains(head,
                               "\r\nAccept: application/vnd.schemaregistry.v1+json, "
                               "application/vnd.schemaregistry+json, application/json\r\n"));
                CHECK(contains(head, "\r\nConnection: keep-alive\r\n"));
            } else {
                CHECK(contains(head, "\r\nAccept: application/json\r\n"));
                CHECK(contains(head, "\r\nConnection: close\r\n"));
            }
        }
    }
}

TEST_CASE("plaintext HTTP: the same check over a bare TCP stream", "[http]") {
    auto spec = component("connect");
    spec.tls = false;
    Server server(spec);
    const auto outcome = check(server.endpoint, "connect", 3s, /*tls=*/false);
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::ok);
    CHECK(outcome.evidence.http->service == "Kafka Connect");
    CHECK(outcome.evidence.http->version == "7.6.1-ce");
}

TEST_CASE("an IPv6 literal goes into Host in brackets, with the port", "[http]") {
    Server server(component("schema-registry"));
    const auto outcome = check(server.endpoint, "schema-registry", 3s, true, 64 * 1024, "::1");
    CHECK(outcome.evidence.status == StageStatus::ok);
    const auto requests = server.server.requests();
    REQUIRE(requests.size() == 1);
    INFO(requests[0]);
    CHECK(contains(requests[0],
                   "\r\nHost: [::1]:" + std::to_string(server.endpoint.port()) + "\r\n"));
}

TEST_CASE("401 and 403 answer and want credentials: ok, auth_required, a note", "[http]") {
    SECTION("MDS as Confluent's answers an unauthenticated request") {
        Server server(component("mds"));
        const auto outcome = check(server.endpoint, "mds");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::ok);
        CHECK(outcome.evidence.http->status == 401);
        CHECK(outcome.evidence.http->auth_required);
        CHECK(contains(outcome.evidence.note, "authentication required (401 Unauthorized)"));
    }
    SECTION("403 on Connect") {
        Server server(vpcprobe::test::status_spec(403));
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::ok);
        CHECK(outcome.evidence.http->status == 403);
        CHECK(outcome.evidence.http->auth_required);
        CHECK(contains(outcome.evidence.note, "403 Forbidden"));
    }
}

TEST_CASE("a redirect answers too; its Location is noted", "[http]") {
    Server server(vpcprobe::test::status_spec(301));
    const auto outcome = check(server.endpoint, "control-center");
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::ok);
    CHECK(outcome.evidence.http->status == 301);
    CHECK(outcome.evidence.note == "redirects to /login");
}

TEST_CASE("404 on the component's own path is the wrong service", "[http]") {
    Server server(vpcprobe::test::status_spec(404));
    const auto outcome = check(server.endpoint, "rest-proxy");
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_wrong_service);
    CHECK(outcome.evidence.http->status == 404);
    CHECK(contains(outcome.evidence.detail, "404 Not Found"));
    CHECK(contains(outcome.evidence.detail, "/v3/clusters"));
    CHECK(contains(outcome.evidence.detail, "not a Kafka REST Proxy?"));
}

TEST_CASE("405 with an nginx Server header is the wrong service and says so", "[http]") {
    Server server(answer(405, "<html><center>nginx</center></html>", {{"Server", "nginx/1.25.3"}}));
    const auto outcome = check(server.endpoint, "ksqldb");
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.cause == Cause::protocol_wrong_service);
    CHECK(outcome.evidence.http->server == "nginx/1.25.3");
    CHECK(contains(outcome.evidence.detail, "405 Method Not Allowed"));
    CHECK(contains(outcome.evidence.detail, "Server: nginx/1.25.3"));
}

TEST_CASE("503 is the component unhealthy", "[http]") {
    Server server(vpcprobe::test::status_spec(503));
    const auto outcome = check(server.endpoint, "schema-registry");
    CHECK(outcome.evidence.status == StageStatus::failed);
    CHECK(outcome.evidence.cause == Cause::protocol_http_error);
    CHECK(outcome.evidence.http->status == 503);
    CHECK(outcome.evidence.http->reason == "Service Unavailable");
    CHECK(outcome.evidence.detail ==
          "Schema Registry answered GET / with 503 Service Unavailable: the component is "
          "unhealthy");
}

TEST_CASE("another component's or service's answer is the wrong service", "[http]") {
    SECTION("Connect's JSON on the Schema Registry check") {
        auto spec = component("connect");
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_wrong_service);
        CHECK(contains(outcome.evidence.detail, "Kafka Connect"));
        CHECK(contains(outcome.evidence.detail, "not Schema Registry"));
        // What the body says it is, but another service's version is not this component's.
        CHECK(outcome.evidence.http->service == "Kafka Connect");
        CHECK(outcome.evidence.http->version.empty());
    }
    SECTION("ksqlDB's KsqlServerInfo on the Connect check") {
        auto spec = component("ksqldb");
        spec.path.clear();  // answers on every path
        Server server(spec);
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_wrong_service);
        CHECK(contains(outcome.evidence.detail, "ksqlDB"));
    }
    SECTION("nginx's default page on the Schema Registry check") {
        Server server(answer(200,
                             "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head>"
                             "<body><h1>Welcome to nginx!</h1></body></html>",
                             {{"Content-Type", "text/html"}, {"Server", "nginx"}}));
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_wrong_service);
        CHECK(contains(outcome.evidence.detail, "nginx default page"));
    }
}

TEST_CASE("a 2xx body vpcprobe does not recognise is protocol.unrecognized, a warning", "[http]") {
    Server server(answer(200, "{\"status\":\"up\"}", {{"Content-Type", "application/json"}}));
    const auto outcome = check(server.endpoint, "connect");
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::warning);
    CHECK(outcome.evidence.cause == Cause::protocol_unrecognized);
    CHECK(outcome.evidence.http->service.empty());
    CHECK(outcome.evidence.http->version.empty());
    CHECK(outcome.evidence.detail ==
          "the peer answers HTTP 200 OK to GET /, but not as Kafka Connect does: JSON with the key "
          "\"status\"");
}

TEST_CASE("a directory listing on the Schema Registry port, in plaintext, is described", "[http]") {
    auto spec = answer(
        200,
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>Directory listing for /</title>\n</head>\n<body>\n"
        "<h1>Directory listing for /</h1>\n</body>\n</html>\n",
        {{"Server", "SimpleHTTP/0.6 Python/3.11.7"}, {"Content-type", "text/html; charset=utf-8"}});
    spec.tls = false;
    Server server(spec);
    const auto outcome = check(server.endpoint, "schema-registry", 3s, /*tls=*/false);
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::warning);
    CHECK(outcome.evidence.cause == Cause::protocol_unrecognized);
    CHECK(contains(outcome.evidence.detail,
                   "but not as Schema Registry does: a directory listing (\"Directory listing for "
                   "/\")"));
    // Not {}: no second request.
    CHECK(server.server.requests().size() == 1);
}

TEST_CASE("Schema Registry's {} as plain JSON: GET /config on the same connection", "[http]") {
    auto spec = answer(200, "{}", {{"Content-Type", "application/json"}});
    spec.path = "/";
    spec.keep_alive = true;
    vpcprobe::test::HttpResponse config;
    config.headers = {{"Content-Type", "application/json"}};
    config.body = R"({"compatibilityLevel":"BACKWARD"})";
    SECTION("a compatibility level: Schema Registry") {
        spec.more_paths = {{"/config", config}};
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        const auto& evidence = outcome.evidence;
        INFO(evidence.detail);
        CHECK(evidence.status == StageStatus::ok);
        CHECK(evidence.http->service == "Schema Registry");
        CHECK(evidence.detail ==
              "Schema Registry answered GET / with 200 OK ({}) and GET /config with 200 OK");
        CHECK(evidence.note == "recognised by its answer to GET /config");
        const auto requests = server.server.requests();
        REQUIRE(requests.size() == 2);
        CHECK(requests[0].rfind("GET / HTTP/1.1\r\n", 0) == 0);
        CHECK(requests[1].rfind("GET /config HTTP/1.1\r\n", 0) == 0);
        CHECK(contains(requests[1], "\r\nConnection: close\r\n"));
        CHECK(server.server.connections_accepted() == 1);
    }
    SECTION("plaintext too") {
        spec.more_paths = {{"/config", config}};
        spec.tls = false;
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry", 3s, /*tls=*/false);
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::ok);
        CHECK(server.server.requests().size() == 2);
    }
    SECTION("404 on /config: unrecognized") {
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::warning);
        CHECK(outcome.evidence.cause == Cause::protocol_unrecognized);
        CHECK(contains(outcome.evidence.detail,
                       "and it answered GET /config with 404 Not Found: JSON with the keys "
                       "\"error_code\", \"message\""));
        CHECK(server.server.requests().size() == 2);
    }
    SECTION("a peer that ends the connection after {}: no second request, unrecognized") {
        spec.keep_alive = false;
        spec.more_paths = {{"/config", config}};
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::warning);
        CHECK(contains(outcome.evidence.detail, "before GET /config could tell more"));
        CHECK(server.server.requests().size() == 1);
    }
    SECTION("an empty 200 on /config: unrecognized, saying so") {
        spec.more_paths = {{"/config", vpcprobe::test::HttpResponse{}}};
        Server server(spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::warning);
        CHECK(contains(outcome.evidence.detail,
                       "and it answered GET /config with 200 OK: an empty body"));
    }
}

TEST_CASE("bytes that are not HTTP are protocol.not_http, quoted escaped", "[http]") {
    SECTION("a Kafka frame, over TLS") {
        std::string error;
        auto spec = vpcprobe::test::parse_http_serve_spec("http-not-http", error);
        REQUIRE(spec);
        Server server(*spec);
        const auto outcome = check(server.endpoint, "schema-registry");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_not_http);
        CHECK(contains(outcome.evidence.detail, "\\x00\\x00\\x00\\n\\x00"));
        CHECK(printable_ascii(outcome.evidence.detail));
        CHECK(outcome.evidence.http->status == 0);
    }
    SECTION("a TLS alert, in plaintext") {
        auto spec = raw(std::string("\x15\x03\x03\x00\x02\x02\x28", 7));
        spec.tls = false;
        Server server(spec);
        const auto outcome = check(server.endpoint, "connect", 3s, /*tls=*/false);
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_not_http);
        CHECK(contains(outcome.evidence.detail, "\\x15\\x03\\x03\\x00\\x02\\x02("));
    }
}

TEST_CASE("a peer that reads the request and never answers is protocol.timeout", "[http]") {
    HttpServeSpec spec;
    spec.behaviour = HttpBehaviour::stall;
    Server server(spec);
    const auto outcome = check(server.endpoint, "ksqldb", 300ms);
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.cause == Cause::protocol_timeout);
    CHECK(contains(outcome.evidence.detail, "within 300ms"));
    CHECK(outcome.evidence.ms >= 250);
    CHECK(outcome.evidence.ms < 1500);
    CHECK(outcome.wall < 3s);  // the TLS handshake plus the stage, never more
}

TEST_CASE("answers beyond the size caps are protocol.too_large", "[http]") {
    SECTION("a 64 KiB header line") {
        HttpServeSpec spec;
        spec.behaviour = HttpBehaviour::huge_header;
        spec.size = 64 * 1024;
        Server server(spec);
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_too_large);
        CHECK(contains(outcome.evidence.detail, "header"));
    }
    SECTION("a 4 MiB body with Content-Length") {
        HttpServeSpec spec;
        spec.behaviour = HttpBehaviour::huge_body;
        spec.size = 4 * 1024 * 1024;
        Server server(spec);
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_too_large);
        CHECK(outcome.evidence.http->status == 200);
        CHECK(contains(outcome.evidence.detail, "body beyond 65536 bytes"));
    }
    SECTION("a 4 MiB chunked body") {
        HttpServeSpec spec;
        spec.behaviour = HttpBehaviour::huge_body;
        spec.size = 4 * 1024 * 1024;
        spec.chunked = true;
        Server server(spec);
        const auto outcome = check(server.endpoint, "connect", 3s, true, 16 * 1024);
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_too_large);
        CHECK(contains(outcome.evidence.detail, "body beyond 16384 bytes"));
    }
    SECTION("a body just under the cap is read whole") {
        // Connect's answer, padded to just under the cap: recognised whole.
        Server server(answer(200,
                             "{\"version\":\"7.6.1-ce\",\"commit\":\"3d1bdb9e\","
                             "\"kafka_cluster_id\":\"Zr2vQ9TY\",\"pad\":\"" +
                                 std::string(60 * 1024, 'x') + "\"}"));
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.status == StageStatus::ok);
        CHECK(outcome.evidence.http->service == "Kafka Connect");
    }
}

TEST_CASE("a close before any answer is protocol.closed", "[http]") {
    SECTION("right after the TLS handshake") {
        HttpServeSpec spec;
        spec.behaviour = HttpBehaviour::close;
        Server server(spec);
        const auto outcome = check(server.endpoint, "rest-proxy");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_closed);
        CHECK(contains(outcome.evidence.detail, "GET /v3/clusters"));
    }
    SECTION("in the middle of the header") {
        Server server(raw("HTTP/1.1 200 OK\r\nContent-"));
        const auto outcome = check(server.endpoint, "connect");
        INFO(outcome.evidence.detail);
        CHECK(outcome.evidence.cause == Cause::protocol_closed);
    }
}

TEST_CASE("a malformed answer that starts like HTTP is protocol.error", "[http]") {
    Server server(raw("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"));
    const auto outcome = check(server.endpoint, "connect");
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.cause == Cause::protocol_error);
    CHECK(contains(outcome.evidence.detail, "malformed"));
}

TEST_CASE("nothing a hostile peer sends reaches evidence or details raw", "[http]") {
    // Non-ASCII bytes in the reason phrase and the Server header (HTTP allows them), and a
    // version whose JSON escapes decode to CR, LF and a terminal escape.
    const std::string body =
        "{\"version\":\"7.6\\r\\nprotocol: ok\\u001b[2J\",\"commit\":\"x\","
        "\"kafka_cluster_id\":\"y\"}";
    Server server(
        raw("HTTP/1.1 200 Fine\xff\xfe\r\nServer: evil\t\xc3\x28 \x80\r\n"
            "Content-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
    const auto outcome = check(server.endpoint, "connect");
    const auto& evidence = outcome.evidence;
    INFO(evidence.detail);
    CHECK(evidence.status == StageStatus::ok);
    CHECK(evidence.http->version == "7.6\\r\\nprotocol: ok\\x1b[2J");
    CHECK(evidence.http->reason == "Fine\\xff\\xfe");
    CHECK(evidence.http->server == "evil\\t\\xc3( \\x80");
    for (const std::string* text : {&evidence.detail, &evidence.note, &evidence.http->version,
                                    &evidence.http->reason, &evidence.http->server}) {
        INFO(*text);
        CHECK(printable_ascii(*text));
    }
    CHECK(contains(evidence.detail, "7.6\\r\\nprotocol: ok"));
}

// ---------------------------------------------------------------------------------------------
// testpeer's http modes, as the end-to-end tests and the demo use them.

TEST_CASE("testpeer serves REST components and any status over TLS", "[http][testpeer]") {
    REQUIRE(::access(vpcprobe::test::tool_path("testpeer").c_str(), X_OK) == 0);
    vpcprobe::test::TempDir directory;
    const std::string log = directory.file("testpeer.log");
    vpcprobe::test::Subprocess peer(
        {vpcprobe::test::tool_path("testpeer"), "--pki-dir", directory.file("pki"), "--hosts",
         "localhost", "--serve", "127.0.0.1:0=http:ksqldb", "--serve",
         "127.0.0.1:0=http-status:503", "--serve", "127.0.0.1:0=tls:good"},
        log);
    const std::string output = vpcprobe::test::wait_for_ready(log);
    INFO(output);
    REQUIRE(contains(output, "ready\n"));
    std::vector<tcp::endpoint> endpoints;
    std::vector<std::string> modes;
    for (const auto& listening : vpcprobe::test::listening_lines(output)) {
        endpoints.push_back(listening.endpoint);
        modes.push_back(listening.mode);
    }
    REQUIRE(modes == std::vector<std::string>{"http:ksqldb", "http-status:503", "tls:good"});

    // testpeer's PKI, not this program's: trust its root for these checks.
    auto probe_peer = [&](const tcp::endpoint& endpoint, const std::string& component) {
        Outcome outcome;
        tcp::socket socket(*outcome.io);
        socket.connect(endpoint);
        auto created = vpcprobe::TlsContext::create({directory.file("pki") + "/ca.pem"});
        REQUIRE(created);
        auto context = *created;
        vpcprobe::TlsProbeOptions tls_options;
        tls_options.server_name = "localhost";
        vpcprobe::HttpProbeOptions options;
        options.component = component;
        options.host = "localhost";
        options.port = endpoint.port();
        vpcprobe::probe_tls(std::move(socket), context, tls_options,
                            [&](vpcprobe::TlsEvidence, vpcprobe::CertificateEvidence certificate,
                                std::shared_ptr<vpcprobe::TlsStream> stream) {
                                if (!stream || certificate.status != StageStatus::ok) return;
                                outcome.stream =
                                    std::make_shared<vpcprobe::ProtocolStream>(std::move(stream));
                                vpcprobe::probe_http(outcome.stream, options,
                                                     [&](vpcprobe::ProtocolEvidence evidence) {
                                                         outcome.completed = true;
                                                         outcome.evidence = std::move(evidence);
                                                         outcome.stream->close();
                                                     });
                            });
        outcome.io->run_for(10s);
        return outcome;
    };
    const auto ksqldb = probe_peer(endpoints[0], "ksqldb");
    REQUIRE(ksqldb.completed);
    CHECK(ksqldb.evidence.status == StageStatus::ok);
    CHECK(ksqldb.evidence.http->version == "7.6.1");
    const auto unhealthy = probe_peer(endpoints[1], "connect");
    REQUIRE(unhealthy.completed);
    CHECK(unhealthy.evidence.cause == Cause::protocol_http_error);

    ::kill(peer.pid(), SIGTERM);
    CHECK(peer.wait_for(5s) == 0);
}

TEST_CASE("testpeer rejects bad http modes with exit 3", "[http][testpeer]") {
    vpcprobe::test::TempDir directory;
    for (const std::string mode : {"http:kafka", "http-status:99", "http-status:abc", "http-x"}) {
        INFO(mode);
        const auto result = vpcprobe::test::run_command(
            {vpcprobe::test::tool_path("testpeer"), "--pki-dir", directory.path(), "--hosts", "a",
             "--serve", "127.0.0.1:0=" + mode},
            10s);
        CHECK(result.exit_code == 3);
        CHECK(contains(result.err, mode.substr(0, mode.find(':'))));
    }
}

TEST_CASE("Confluent Cloud's REST endpoint is asked under /kafka", "[http]") {
    // Confluent Cloud serves the v3 API at https://pkc-....confluent.cloud/kafka/v3/clusters;
    // this server answers 404 anywhere else, as the cloud's endpoint does.
    auto spec = answer(200, R"({"kind":"KafkaClusterList","metadata":{},"data":[]})",
                       {{"Content-Type", "application/json"}});
    spec.path = "/kafka/v3/clusters";
    Server server(spec);
    const std::string host = "pkc-1x2y3.us-west-2.aws.confluent.cloud";
    const auto outcome = check(server.endpoint, "rest-proxy", 3s, true, 64 * 1024, host);
    INFO(outcome.evidence.detail);
    CHECK(outcome.evidence.status == StageStatus::ok);
    CHECK(outcome.evidence.http->path == "/kafka/v3/clusters");
    CHECK(outcome.evidence.http->service == "Kafka REST Proxy");
    const auto requests = server.server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].rfind("GET /kafka/v3/clusters HTTP/1.1\r\n", 0) == 0);

    // Anywhere else the plain REST Proxy path is kept.
    Server plain(component("rest-proxy"));
    CHECK(check(plain.endpoint, "rest-proxy", 3s, true, 64 * 1024, "rest.example.internal")
              .evidence.http->path == "/v3/clusters");
}
