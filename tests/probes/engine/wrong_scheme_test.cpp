// SPDX-License-Identifier: Apache-2.0
// A wrong scheme named as such (probes/engine/wrong_scheme.h), run_probes() end to end against
// real peers on loopback (127.0.94.x): librdkafka's mock cluster, in plaintext and behind the
// TLS proxy (tests/support/tls_proxy.h); the test HTTPS and plain HTTP servers; a listener that
// closes at once. Each peer counts the connections it accepted, so the one extra connection a
// wrong scheme costs (and no more) is checked too.
#include <sstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "probes/engine/wrong_scheme.h"
#include "tests/support/http_server.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_proxy.h"
#include "tests/support/tls_server.h"

using namespace std::chrono_literals;
using vpcprobe::AddressEvidence;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::Target;
using vpcprobe::test::ServeMode;
using vpcprobe::test::TestPki;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const TestPki instance(
        directory.path(), {"127.0.94.1", "127.0.94.2", "127.0.94.3", "127.0.94.4", "127.0.94.5",
                           "127.0.94.6", "127.0.94.7"});
    return instance;
}

// librdkafka's mock cluster: one plaintext broker on 127.0.0.1.
class MockCluster {
  public:
    MockCluster() {
        char error[512];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
        handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
        INFO(error);
        REQUIRE(handle_ != nullptr);
        cluster_ = rd_kafka_mock_cluster_new(handle_, 1);
        REQUIRE(cluster_ != nullptr);
        const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster_);
        port_ = static_cast<std::uint16_t>(std::stoi(bootstrap.substr(bootstrap.rfind(':') + 1)));
    }
    ~MockCluster() {
        rd_kafka_mock_cluster_destroy(cluster_);
        rd_kafka_destroy(handle_);
    }
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    std::uint16_t port() const { return port_; }

  private:
    rd_kafka_t* handle_ = nullptr;
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::uint16_t port_ = 0;
};

Target target(const std::string& component, const std::string& host, std::uint16_t port, bool tls) {
    Target out;
    out.component = component;
    out.host = host;
    out.port = port;
    out.origin = "argument";
    out.tls = tls;
    return out;
}

// One target, no DNS (an address literal), the stage timeout short: the address's evidence.
AddressEvidence probe_one(const Target& one, bool protocol_checks = true) {
    vpcprobe::EngineOptions options;
    options.settings.protocol_checks = protocol_checks;
    options.settings.hosts_file = "";
    options.settings.timeout = 2s;
    options.settings.ca_files = {pki().ca_file()};
    auto run = vpcprobe::run_probes({one}, options);
    INFO((run ? std::string() : run.error().message()));
    REQUIRE(run.ok());
    REQUIRE(run->targets.size() >= 1);
    REQUIRE(run->targets[0].addresses.size() == 1);
    return run->targets[0].addresses[0];
}

}  // namespace

TEST_CASE("PLAINTEXT:// to a TLS Kafka listener is protocol.tls_required naming SSL://",
          "[engine][scheme]") {
    MockCluster mock;
    vpcprobe::test::TlsProxy proxy(pki().credentials(vpcprobe::test::LeafVariant::good));
    const auto endpoint =
        proxy.listen("127.0.94.1", 0, {boost::asio::ip::make_address("127.0.0.1"), mock.port()});
    proxy.start();

    const auto address = probe_one(target("kafka", "127.0.94.1", endpoint.port(), false));
    const auto& protocol = address.protocol;
    INFO(protocol.detail);
    INFO(protocol.note);
    CHECK(protocol.status == StageStatus::failed);
    CHECK(protocol.cause == Cause::protocol_tls_required);
    // The original observation, then the scheme to use.
    CHECK(contains(protocol.detail, "before answering ApiVersions"));
    CHECK(contains(protocol.detail, "use SSL:// (or SASL_SSL:// with SASL), not PLAINTEXT://"));
    CHECK(contains(protocol.note, "a TLS ClientHello on a second connection to 127.0.94.1:"));
    CHECK(contains(protocol.note, "TLS handshake record"));
    CHECK(proxy.connections_accepted() == 2);
}

TEST_CASE("http:// to an HTTPS component is protocol.tls_required naming https://",
          "[engine][scheme]") {
    vpcprobe::test::HttpServer server(pki());
    const auto endpoint =
        server.listen("127.0.94.2", 0, *vpcprobe::test::component_spec("schema-registry"));
    server.start();

    const auto address = probe_one(target("schema-registry", "127.0.94.2", endpoint.port(), false));
    const auto& protocol = address.protocol;
    INFO(protocol.detail);
    INFO(protocol.note);
    CHECK(protocol.status == StageStatus::failed);
    CHECK(protocol.cause == Cause::protocol_tls_required);
    CHECK(contains(protocol.detail, "GET /"));
    CHECK(contains(protocol.detail, "use https://, not http://"));
    CHECK(contains(protocol.note, "TLS handshake record"));
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("TLS to a plaintext Kafka listener is tls.not_tls naming PLAINTEXT://",
          "[engine][scheme]") {
    MockCluster mock;
    // The mock listens on 127.0.0.1 only.
    const auto address = probe_one(target("kafka", "127.0.0.1", mock.port(), true));
    INFO(address.tls.detail);
    INFO(address.protocol.note);
    CHECK(address.tls.status == StageStatus::failed);
    CHECK(address.tls.cause == Cause::tls_not_tls);
    CHECK(contains(address.tls.detail,
                   "this listener speaks plaintext Kafka: use PLAINTEXT:// (or "
                   "SASL_PLAINTEXT://), or enable TLS on the listener"));
    CHECK(contains(address.protocol.note, "a plaintext Kafka ApiVersions on a second connection"));
    CHECK(contains(address.protocol.note, "was answered"));
    CHECK(address.protocol.status == StageStatus::skipped);
}

TEST_CASE("with --no-protocol a TLS kafka target gets no plaintext ApiVersions",
          "[engine][scheme]") {
    vpcprobe::test::ServeSpec spec;
    spec.mode = ServeMode::close;
    vpcprobe::test::TestServer server(pki(), spec, "127.0.94.7");

    const auto address =
        probe_one(target("kafka", "127.0.94.7", server.port(), true), /*protocol_checks=*/false);
    INFO(address.tls.detail);
    CHECK(address.tls.cause == Cause::tls_handshake_failed);
    CHECK(address.protocol.note.empty());
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("https to a plain HTTP listener is tls.not_tls naming plain HTTP, with no second try",
          "[engine][scheme]") {
    vpcprobe::test::ServeSpec spec;
    spec.mode = ServeMode::plaintext_http;
    vpcprobe::test::TestServer server(pki(), spec, "127.0.94.3");

    const auto address = probe_one(target("schema-registry", "127.0.94.3", server.port(), true));
    INFO(address.tls.detail);
    CHECK(address.tls.cause == Cause::tls_not_tls);
    CHECK(contains(address.tls.detail, "HTTP/1.1 400"));
    CHECK(contains(address.tls.detail, "this listener speaks plain HTTP: use http://"));
    CHECK(address.protocol.note.empty());
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE(
    "a plaintext listener that closes at once, with no TLS behind it, stays "
    "protocol.closed after one sniff",
    "[engine][scheme]") {
    vpcprobe::test::ServeSpec spec;
    spec.mode = ServeMode::close;
    vpcprobe::test::TestServer server(pki(), spec, "127.0.94.4");

    const auto address = probe_one(target("kafka", "127.0.94.4", server.port(), false));
    const auto& protocol = address.protocol;
    INFO(protocol.detail);
    INFO(protocol.note);
    CHECK(protocol.cause == Cause::protocol_closed);
    CHECK_FALSE(contains(protocol.detail, "SSL://"));
    CHECK(contains(protocol.note, "not a TLS listener either"));
    CHECK(server.connections_accepted() == 2);  // the check's, and exactly one sniff
}

TEST_CASE(
    "a TLS kafka target whose listener closes at once stays a failed handshake after one "
    "plaintext try",
    "[engine][scheme]") {
    vpcprobe::test::ServeSpec spec;
    spec.mode = ServeMode::close;
    vpcprobe::test::TestServer server(pki(), spec, "127.0.94.5");

    const auto address = probe_one(target("kafka", "127.0.94.5", server.port(), true));
    INFO(address.tls.detail);
    INFO(address.protocol.note);
    CHECK(address.tls.cause == Cause::tls_handshake_failed);
    CHECK_FALSE(contains(address.tls.detail, "PLAINTEXT://"));
    CHECK(contains(address.protocol.note, "got no Kafka answer either"));
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("a TLS listener refusing a TLS client with an alert gets no plaintext try",
          "[engine][scheme]") {
    vpcprobe::test::ServeSpec spec;
    spec.mode = ServeMode::tls_alert;
    vpcprobe::test::TestServer server(pki(), spec, "127.0.94.6");

    const auto address = probe_one(target("kafka", "127.0.94.6", server.port(), true));
    INFO(address.tls.detail);
    CHECK(address.tls.cause == Cause::tls_handshake_failed);
    CHECK_FALSE(address.tls.alert.empty());
    CHECK(address.protocol.note.empty());
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("which failures are worth a second connection", "[engine][scheme]") {
    vpcprobe::ProtocolEvidence closed;
    closed.status = StageStatus::failed;
    closed.cause = Cause::protocol_closed;
    closed.kafka.emplace();
    CHECK(vpcprobe::worth_a_tls_sniff(closed));
    // ApiVersions answered: a Kafka broker, whatever closed later.
    closed.kafka->api_versions_version = 3;
    CHECK_FALSE(vpcprobe::worth_a_tls_sniff(closed));

    vpcprobe::ProtocolEvidence silent;
    silent.status = StageStatus::failed;
    silent.cause = Cause::protocol_timeout;  // TLS servers do not stay silent on a bad record
    CHECK_FALSE(vpcprobe::worth_a_tls_sniff(silent));

    vpcprobe::TlsEvidence tls;
    tls.status = StageStatus::failed;
    tls.cause = Cause::tls_handshake_failed;
    CHECK(vpcprobe::worth_a_plaintext_try(tls, target("kafka", "h", 9093, true)));
    CHECK_FALSE(vpcprobe::worth_a_plaintext_try(tls, target("connect", "h", 8083, true)));
    tls.alert = "handshake failure";  // a TLS peer said so
    CHECK_FALSE(vpcprobe::worth_a_plaintext_try(tls, target("kafka", "h", 9093, true)));
}
