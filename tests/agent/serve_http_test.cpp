// SPDX-License-Identifier: Apache-2.0
// serve's listener (agent/serve_http.h) on a real socket on 127.0.112.10: the connection budget
// gives way longest-waiting first (and only when it is full), a partial request is closed
// after the header timeout, and basic authentication answers 401 with WWW-Authenticate. The flood
// of 1,000 connections and TLS with a real Prometheus are in tests/integration/test_listener.py.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/time.h>
#include <cerrno>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>

#include "agent/serve_http.h"
#include "agent/serve_snapshot.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace vpcprobe;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// An HttpServer on its own thread, on 127.0.112.10 and a port the kernel picks.
class RunningServer {
  public:
    explicit RunningServer(std::shared_ptr<ListenerConfig> config = nullptr)
        : server_(io_, [] { return pending_snapshot("listener-test", {}); }) {
        if (config) server_.configure(std::move(config));
        tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.112.10"), 0));
        port_ = probe.local_endpoint().port();
        probe.close();
        REQUIRE(server_.listen("127.0.112.10:" + std::to_string(port_)).ok());
        server_.start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~RunningServer() {
        asio::post(io_, [this] { server_.close(); });
        io_.stop();
        thread_.join();
    }
    RunningServer(const RunningServer&) = delete;
    RunningServer& operator=(const RunningServer&) = delete;

    tcp::endpoint endpoint() const { return {asio::ip::make_address("127.0.112.10"), port_}; }
    // Read on the server's thread.
    std::size_t evicted() {
        std::promise<std::size_t> count;
        asio::post(io_, [&] { count.set_value(server_.evicted_connections()); });
        return count.get_future().get();
    }
    std::size_t open() {
        std::promise<std::size_t> count;
        asio::post(io_, [&] { count.set_value(server_.open_connections()); });
        return count.get_future().get();
    }

  private:
    asio::io_context io_;
    HttpServer server_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// A blocking client socket with a receive timeout.
struct Client {
    asio::io_context io;
    tcp::socket socket{io};

    // From `from` (a loopback address) when given, as another host would be.
    explicit Client(const tcp::endpoint& to, const char* from = nullptr) {
        if (from != nullptr) {
            socket.open(tcp::v4());
            socket.bind(tcp::endpoint(asio::ip::make_address(from), 0));
        }
        socket.connect(to);
        timeval timeout{8, 0};
        setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    void send(const std::string& bytes) { asio::write(socket, asio::buffer(bytes)); }
    // Everything until the server closes (or the receive timeout): "" when closed without an
    // answer. Plain recv: Asio's blocking reads wait on poll() and ignore SO_RCVTIMEO.
    std::string read_all() {
        std::string out;
        char chunk[4096];
        for (;;) {
            const ssize_t n = ::recv(socket.native_handle(), chunk, sizeof chunk, 0);
            if (n <= 0) break;
            out.append(chunk, static_cast<std::size_t>(n));
        }
        return out;
    }
    // Whether the server closed this connection within `wait`.
    bool closed_within(std::chrono::milliseconds wait) {
        timeval timeout{0, static_cast<suseconds_t>(wait.count() * 1000)};
        if (wait >= 1s) timeout = {static_cast<time_t>(wait.count() / 1000), 0};
        setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char byte;
        const ssize_t n = ::recv(socket.native_handle(), &byte, 1, 0);
        return n == 0 || (n < 0 && errno == ECONNRESET);
    }
};

const std::string kPartial = "GET /metrics HTTP/1.1\r\nHost: test\r\nX-Slow: ";
const std::string kRequest = "GET /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

}  // namespace

TEST_CASE("listener: a full budget gives way longest-waiting first") {
    RunningServer server;
    std::vector<std::unique_ptr<Client>> held;
    for (std::size_t i = 0; i < HttpServer::kMaxConnections; ++i) {
        held.push_back(std::make_unique<Client>(server.endpoint()));
        held.back()->send(kPartial);
        std::this_thread::sleep_for(2ms);  // accepted in this order
    }
    std::this_thread::sleep_for(100ms);
    CHECK(server.evicted() == 0);
    CHECK(server.open() == HttpServer::kMaxConnections);

    // A scrape gets in: the first held connection gave way, and only it.
    Client scrape(server.endpoint());
    scrape.send(kRequest);
    CHECK(scrape.read_all().starts_with("HTTP/1.1 200 OK"));
    CHECK(held.front()->closed_within(1000ms));
    CHECK_FALSE(held[1]->closed_within(50ms));
    CHECK_FALSE(held.back()->closed_within(50ms));
    CHECK(server.evicted() == 1);
    CHECK(server.open() == HttpServer::kMaxConnections - 1);  // the scrape's ended too

    // The answered scrape left a place: a new held connection takes it without an eviction,
    // and the next scrape makes the next-oldest held connection go, not the newest.
    held.push_back(std::make_unique<Client>(server.endpoint()));
    held.back()->send(kPartial);
    std::this_thread::sleep_for(50ms);
    CHECK(server.evicted() == 1);
    Client second(server.endpoint());
    second.send(kRequest);
    CHECK(second.read_all().starts_with("HTTP/1.1 200 OK"));
    CHECK(held[1]->closed_within(1000ms));
    CHECK_FALSE(held[2]->closed_within(50ms));
    CHECK_FALSE(held.back()->closed_within(50ms));
    CHECK(server.evicted() == 2);
}

TEST_CASE("listener: the client holding the most connections gives way first") {
    RunningServer server;
    // The longest-waiting connection is another client's: it stays, the flood's own go.
    Client other(server.endpoint(), "127.0.112.12");
    other.send(kPartial);
    std::this_thread::sleep_for(5ms);
    std::vector<std::unique_ptr<Client>> flood;
    for (std::size_t i = 1; i < HttpServer::kMaxConnections + 10; ++i) {
        flood.push_back(std::make_unique<Client>(server.endpoint(), "127.0.112.11"));
        flood.back()->send(kPartial);
        std::this_thread::sleep_for(2ms);
    }
    Client scrape(server.endpoint(), "127.0.112.13");
    scrape.send(kRequest);
    CHECK(scrape.read_all().starts_with("HTTP/1.1 200 OK"));
    CHECK(server.evicted() == 11);
    CHECK_FALSE(other.closed_within(50ms));
    for (std::size_t i = 0; i < 11; ++i) CHECK(flood[i]->closed_within(1000ms));
    CHECK_FALSE(flood[11]->closed_within(50ms));
}

TEST_CASE("listener: a partial request is closed after the header timeout") {
    RunningServer server;
    Client slow(server.endpoint());
    slow.send(kPartial);
    const auto start = std::chrono::steady_clock::now();
    CHECK(slow.read_all().empty());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed > HttpServer::kHeaderTimeout - 500ms);
    CHECK(elapsed < HttpServer::kHeaderTimeout + 2s);
}

TEST_CASE("listener: basic authentication answers 401 with WWW-Authenticate") {
    // Made by Python's crypt module: crypt.crypt("pw", crypt.mksalt(crypt.METHOD_BLOWFISH,
    // rounds=16)).
    WebConfig web;
    web.users.push_back(
        {"prom", Secret("$2b$04$Bfd.DCdUXqHmLNRIFOBwfO3TM7B8IjV3hhiMp5AsjhZ0gJCu.5r7W")});
    web.headers.emplace_back("X-Frame-Options", "deny");
    auto config = make_listener_config(web);
    REQUIRE(config.ok());
    RunningServer server(*config);

    Client anonymous(server.endpoint());
    anonymous.send(kRequest);
    const std::string refused = anonymous.read_all();
    CHECK(refused.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
    CHECK(refused.find("WWW-Authenticate: Basic\r\n") != std::string::npos);
    CHECK(refused.find("X-Frame-Options: deny\r\n") != std::string::npos);
    CHECK(refused.find("vpcprobe_") == std::string::npos);

    Client wrong(server.endpoint());
    wrong.send(
        "GET /metrics HTTP/1.1\r\nAuthorization: Basic cHJvbTpweA==\r\n"  // prom:px
        "Connection: close\r\n\r\n");
    CHECK(wrong.read_all().starts_with("HTTP/1.1 401"));

    Client right(server.endpoint());
    right.send(
        "GET /metrics HTTP/1.1\r\nAuthorization: Basic cHJvbTpwdw==\r\n"  // prom:pw
        "Connection: close\r\n\r\n");
    const std::string answered = right.read_all();
    CHECK(answered.starts_with("HTTP/1.1 200 OK"));
    CHECK(answered.find("vpcprobe_serve_ready 0") != std::string::npos);
}

namespace {

// GET /metrics over TLS, trusting `ca_file`; the whole answer, or "" when the handshake or
// the exchange failed.
std::string tls_get(const tcp::endpoint& to, const std::string& ca_file) {
    asio::io_context io;
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.load_verify_file(ca_file);
    context.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<tcp::socket> stream(io, context);
    boost::system::error_code error;
    stream.next_layer().connect(to, error);
    if (!error) stream.handshake(asio::ssl::stream_base::client, error);
    if (!error) asio::write(stream, asio::buffer(kRequest), error);
    std::string out;
    char chunk[4096];
    while (!error) {
        const std::size_t n = stream.read_some(asio::buffer(chunk), error);
        out.append(chunk, n);
    }
    return out;
}

}  // namespace

TEST_CASE("listener: TLS, and held handshakes give way as held requests do") {
    const test::TempDir dir;
    const test::TestPki pki(dir.path(), {"127.0.112.10"});
    WebConfig web;
    web.tls = TlsServerSettings{};
    web.tls->cert_file = pki.credentials(test::LeafVariant::good).chain_file;
    web.tls->key_file = pki.credentials(test::LeafVariant::good).key_file;
    auto config = make_listener_config(web);
    REQUIRE(config.ok());
    RunningServer server(*config);

    CHECK(tls_get(server.endpoint(), pki.ca_file()).starts_with("HTTP/1.1 200 OK"));
    // Plain HTTP on the TLS port: no answer.
    Client plain(server.endpoint());
    plain.send(kRequest);
    CHECK(plain.read_all().empty());

    // The budget full of handshakes that never finish (a TLS record header, then nothing).
    std::vector<std::unique_ptr<Client>> held;
    for (std::size_t i = 0; i < HttpServer::kMaxConnections; ++i) {
        held.push_back(std::make_unique<Client>(server.endpoint()));
        held.back()->send(std::string("\x16\x03\x01\x02", 4));
        std::this_thread::sleep_for(2ms);
    }
    std::this_thread::sleep_for(100ms);
    CHECK(tls_get(server.endpoint(), pki.ca_file()).starts_with("HTTP/1.1 200 OK"));
    CHECK(held.front()->closed_within(1000ms));
    CHECK_FALSE(held.back()->closed_within(50ms));
    CHECK(server.evicted() == 1);
}
