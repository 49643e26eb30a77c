// SPDX-License-Identifier: Apache-2.0
// Mutual TLS against real TLS servers on loopback (tests/support/tls_server.h) that ask for a
// client certificate and verify it against the test PKI's client CA: the server wanting a
// certificate we do not have (tls.client_cert_required, with the CA names it listed) and the
// server refusing ours (tls.client_cert_rejected), in TLS 1.2 (refused during the handshake) and
// TLS 1.3 (refused after the client's Finished, at the first read: driven through the engine
// and through a protocol check as it really happens), and the cases that must stay ok. Also
// hostname and certificate verification as a client that does not verify sees them, and when
// SASL credentials may go to a peer.
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "probes/http/http_probe.h"
#include "probes/protocol_stream.h"
#include "probes/tls/error_map_tls.h"
#include "probes/tls/error_map_x509.h"
#include "probes/tls/tls_probe.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_proxy.h"
#include "tests/support/tls_server.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::test::ClientAuth;
using vpcprobe::test::ClientVariant;
using vpcprobe::test::LeafVariant;
using vpcprobe::test::ServeSpec;
using vpcprobe::test::TestServer;
using vpcprobe::test::TlsVersion;

namespace {

const vpcprobe::test::TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const vpcprobe::test::TestPki instance(directory.path(), {"localhost", "127.0.0.1"});
    return instance;
}

// A context trusting the PKI's root, presenting `client` when given: installed on the native
// context, as a TlsContext holding a client identity would have it.
std::shared_ptr<vpcprobe::TlsContext> context_with(std::optional<ClientVariant> client) {
    auto created = vpcprobe::TlsContext::create({pki().ca_file()});
    REQUIRE(created);
    if (client) {
        SSL_CTX* native = (*created)->native().native_handle();
        const auto& credentials = pki().client_credentials(*client);
        REQUIRE(SSL_CTX_use_certificate_chain_file(native, credentials.chain_file.c_str()) == 1);
        REQUIRE(SSL_CTX_use_PrivateKey_file(native, credentials.key_file.c_str(),
                                            SSL_FILETYPE_PEM) == 1);
    }
    return *created;
}

ServeSpec mutual(ClientAuth auth, TlsVersion version, LeafVariant leaf = LeafVariant::good) {
    ServeSpec spec;
    spec.variant = leaf;
    spec.client_auth = auth;
    spec.version = version;
    return spec;
}

struct Outcome {
    std::shared_ptr<asio::io_context> io = std::make_shared<asio::io_context>();
    vpcprobe::TlsEvidence tls;
    vpcprobe::CertificateEvidence certificate;
    std::shared_ptr<vpcprobe::TlsStream> stream;
};

Outcome handshake(const TestServer& server, std::shared_ptr<vpcprobe::TlsContext> context,
                  vpcprobe::TlsProbeOptions options = {}) {
    Outcome outcome;
    tcp::socket socket(*outcome.io);
    socket.connect(server.endpoint());
    if (options.server_name.empty()) options.server_name = "localhost";
    bool completed = false;
    vpcprobe::probe_tls(std::move(socket), std::move(context), options,
                        [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence certificate,
                            std::shared_ptr<vpcprobe::TlsStream> stream) {
                            completed = true;
                            outcome.tls = std::move(tls);
                            outcome.certificate = std::move(certificate);
                            outcome.stream = std::move(stream);
                        });
    outcome.io->run_for(10s);
    REQUIRE(completed);
    return outcome;
}

// The first read after the handshake, as the HTTP check does it: the alert that ended the
// session there, if any.
std::optional<int> first_read(Outcome& outcome) {
    REQUIRE(outcome.stream);
    auto stream = std::make_shared<vpcprobe::ProtocolStream>(outcome.stream);
    vpcprobe::HttpProbeOptions http;
    http.component = "schema-registry";
    http.host = "localhost";
    http.timeout = 700ms;
    bool completed = false;
    outcome.io->restart();
    vpcprobe::probe_http(stream, http, [&](vpcprobe::ProtocolEvidence) { completed = true; });
    outcome.io->run_for(10s);
    REQUIRE(completed);
    stream->close();
    return stream->alert_before_answer();
}

vpcprobe::EngineRun run_engine(std::uint16_t port, const std::string& component,
                               std::optional<ClientVariant> client = std::nullopt,
                               bool protocol_checks = true) {
    vpcprobe::Target target;
    target.component = component;
    target.host = "127.0.0.1";
    target.port = port;
    target.origin = "argument";
    target.tls = true;
    vpcprobe::EngineOptions options;
    options.settings.timeout = 2s;
    options.settings.ca_files = {pki().ca_file()};
    options.settings.hosts_file = "";
    options.settings.dns_servers = {"127.0.0.1:9"};
    options.settings.protocol_checks = protocol_checks;
    if (client) {
        // The client identity as --client-cert / --client-key give it to the engine.
        const auto& credentials = pki().client_credentials(*client);
        vpcprobe::ClientIdentity identity;
        identity.certificate.path = credentials.chain_file;
        identity.certificate.named_by = "--client-cert";
        vpcprobe::StoreSource key;
        key.path = credentials.key_file;
        key.named_by = "--client-key";
        identity.key = key;
        options.settings.tls.identity = identity;
    }
    auto run = vpcprobe::run_probes({target}, options);
    REQUIRE(run);
    REQUIRE(run->targets.size() == 1);
    REQUIRE(run->targets[0].addresses.size() == 1);
    return std::move(*run);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string client_subject(ClientVariant variant) {
    return pki().client_credentials(variant).chain_subjects.front();
}

}  // namespace

TEST_CASE(
    "TLS 1.3, certificate required, none configured: tls.client_cert_required at the "
    "first read, through the engine",
    "[tls][mtls]") {
    const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_3));
    for (const std::string component : {"kafka", "schema-registry"}) {
        INFO(component);
        const auto run = run_engine(server.port(), component);
        const auto& address = run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::failed);
        CHECK(address.tls.cause == Cause::tls_client_cert_required);
        CHECK(address.tls.alert == "certificate required");
        CHECK(address.tls.version == "TLSv1.3");
        CHECK(address.tls.client_certificate_requested);
        CHECK(address.tls.client_ca_names == std::vector<std::string>{pki().client_ca_subject()});
        CHECK_FALSE(address.tls.client_certificate);
        CHECK(address.tls.detail ==
              "the server at 127.0.0.1:" + std::to_string(server.port()) +
                  " requires a client certificate (mutual TLS) and none was configured; it "
                  "accepts certificates issued by " +
                  pki().client_ca_subject() +
                  "; it refused the session after the handshake, at the first read (alert "
                  "\"certificate required\")");
        // The server's own certificate was fine; the service behind was never reached.
        CHECK(address.certificate.status == StageStatus::ok);
        CHECK(address.protocol.status == StageStatus::skipped);
        CHECK(address.protocol.cause == Cause::none);
        CHECK(contains(address.protocol.detail, "refused at the first read"));
    }
}

TEST_CASE(
    "TLS 1.2, certificate required, none configured: tls.client_cert_required during the "
    "handshake",
    "[tls][mtls]") {
    const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_2));
    const auto outcome = handshake(server, context_with(std::nullopt));
    INFO(outcome.tls.detail);
    CHECK(outcome.tls.status == StageStatus::failed);
    CHECK(outcome.tls.cause == Cause::tls_client_cert_required);
    CHECK(outcome.tls.alert == "handshake failure");
    CHECK(outcome.tls.client_ca_names == std::vector<std::string>{pki().client_ca_subject()});
    CHECK(contains(outcome.tls.detail, "it accepts certificates issued by " +
                                           pki().client_ca_subject() +
                                           " (alert \"handshake failure\" during the handshake)"));
    CHECK_FALSE(outcome.stream);
}

TEST_CASE("a certificate from another CA is tls.client_cert_rejected, in TLS 1.2 and 1.3",
          "[tls][mtls]") {
    const std::string ours = client_subject(ClientVariant::other_ca);
    SECTION("TLS 1.2: during the handshake") {
        const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_2));
        const auto outcome = handshake(server, context_with(ClientVariant::other_ca));
        INFO(outcome.tls.detail);
        CHECK(outcome.tls.cause == Cause::tls_client_cert_rejected);
        REQUIRE(outcome.tls.client_certificate);
        CHECK(outcome.tls.client_certificate->subject == ours);
        CHECK(contains(outcome.tls.detail,
                       "refused our client certificate " + ours + " (issued by " +
                           outcome.tls.client_certificate->issuer + "): alert unknown CA"));
    }
    SECTION("TLS 1.3: at the first read") {
        const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_3));
        auto outcome = handshake(server, context_with(ClientVariant::other_ca));
        REQUIRE(outcome.tls.status == StageStatus::ok);  // the refusal comes after Finished
        REQUIRE(outcome.tls.client_certificate);
        const auto alert = first_read(outcome);
        REQUIRE(alert);
        CHECK(*alert == SSL_AD_UNKNOWN_CA);
        const auto failure = vpcprobe::alert_after_handshake(
            *alert, vpcprobe::client_certificate_facts(outcome.tls), "127.0.0.1:1");
        CHECK(failure.cause == Cause::tls_client_cert_rejected);
        CHECK(failure.detail == "the server at 127.0.0.1:1 refused our client certificate " + ours +
                                    " (issued by " + outcome.tls.client_certificate->issuer +
                                    "): alert unknown CA, after the handshake, at the first read");
    }
}

TEST_CASE("an expired client certificate is tls.client_cert_rejected (certificate expired)",
          "[tls][mtls]") {
    SECTION("TLS 1.2") {
        const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_2));
        const auto outcome = handshake(server, context_with(ClientVariant::expired));
        INFO(outcome.tls.detail);
        CHECK(outcome.tls.cause == Cause::tls_client_cert_rejected);
        CHECK(outcome.tls.alert == "certificate expired");
    }
    SECTION("TLS 1.3") {
        const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_3));
        auto outcome = handshake(server, context_with(ClientVariant::expired));
        const auto alert = first_read(outcome);
        REQUIRE(alert);
        CHECK(*alert == SSL_AD_CERTIFICATE_EXPIRED);
    }
}

TEST_CASE("a server that only asks for a certificate lets a client without one in", "[tls][mtls]") {
    for (const auto version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
        const TestServer server(pki(), mutual(ClientAuth::optional, version));
        auto outcome = handshake(server, context_with(std::nullopt));
        INFO(outcome.tls.detail);
        CHECK(outcome.tls.status == StageStatus::ok);
        CHECK(outcome.tls.client_certificate_requested);
        CHECK(outcome.tls.client_ca_names == std::vector<std::string>{pki().client_ca_subject()});
        CHECK(contains(outcome.tls.detail, "asked for a client certificate and we had none"));
        CHECK_FALSE(first_read(outcome));
    }
}

TEST_CASE("the right certificate passes a server that requires one", "[tls][mtls]") {
    for (const auto version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
        const TestServer server(pki(), mutual(ClientAuth::required, version));
        auto outcome = handshake(server, context_with(ClientVariant::good));
        INFO(outcome.tls.detail);
        CHECK(outcome.tls.status == StageStatus::ok);
        REQUIRE(outcome.tls.client_certificate);
        CHECK(outcome.tls.client_certificate->subject == client_subject(ClientVariant::good));
        CHECK(outcome.tls.client_certificate->issuer == pki().client_ca_subject());
        CHECK(contains(outcome.tls.detail, "we presented " + client_subject(ClientVariant::good)));
        CHECK_FALSE(first_read(outcome));
    }
}

TEST_CASE("a server that asks for nothing records no CertificateRequest", "[tls][mtls]") {
    const TestServer server(pki(), ServeSpec{});
    const auto outcome = handshake(server, context_with(ClientVariant::good));
    CHECK(outcome.tls.status == StageStatus::ok);
    CHECK_FALSE(outcome.tls.client_certificate_requested);
    CHECK(outcome.tls.client_ca_names.empty());
    CHECK_FALSE(outcome.tls.client_certificate);  // never asked, never presented
}

TEST_CASE("without hostname verification a mismatch is a warning; other failures still fail",
          "[tls][verify]") {
    vpcprobe::TlsProbeOptions options;
    options.verify_hostname = false;
    {
        const TestServer server(pki(),
                                ServeSpec{vpcprobe::test::ServeMode::tls, LeafVariant::wrong_host});
        const auto outcome = handshake(server, context_with(std::nullopt), options);
        INFO(outcome.certificate.detail);
        CHECK(outcome.certificate.status == StageStatus::warning);
        CHECK(outcome.certificate.cause == Cause::cert_hostname_mismatch);
        CHECK(outcome.certificate.detail ==
              "the certificate does not cover localhost (it is for wrong.example.invalid); this "
              "client connects because it does not verify the hostname "
              "(ssl.endpoint.identification.algorithm is empty)");
        CHECK_FALSE(vpcprobe::proved_its_identity(outcome.certificate, true));
        CHECK(vpcprobe::proved_its_identity(outcome.certificate, false));
    }
    {
        const TestServer server(pki(),
                                ServeSpec{vpcprobe::test::ServeMode::tls, LeafVariant::unknown_ca});
        const auto outcome = handshake(server, context_with(std::nullopt), options);
        CHECK(outcome.certificate.status == StageStatus::failed);
        CHECK(outcome.certificate.cause == Cause::cert_untrusted);
    }
}

TEST_CASE(
    "without certificate verification every failure is a warning, and credentials are "
    "still withheld",
    "[tls][verify]") {
    vpcprobe::TlsProbeOptions options;
    options.verify_certificate = false;
    const TestServer server(pki(),
                            ServeSpec{vpcprobe::test::ServeMode::tls, LeafVariant::unknown_ca});
    const auto outcome = handshake(server, context_with(std::nullopt), options);
    INFO(outcome.certificate.detail);
    CHECK(outcome.certificate.status == StageStatus::warning);
    CHECK(outcome.certificate.cause == Cause::cert_untrusted);
    CHECK(contains(outcome.certificate.detail,
                   "; this client connects anyway because it does not verify certificates"));
    CHECK_FALSE(vpcprobe::proved_its_identity(outcome.certificate, false));
    CHECK_FALSE(vpcprobe::proved_its_identity(outcome.certificate, true));
}

TEST_CASE("a verified peer proved its identity", "[tls][verify]") {
    const TestServer server(pki(), ServeSpec{});
    const auto outcome = handshake(server, context_with(std::nullopt));
    CHECK(outcome.certificate.status == StageStatus::ok);
    CHECK(vpcprobe::proved_its_identity(outcome.certificate, true));
    CHECK_FALSE(vpcprobe::proved_its_identity(vpcprobe::CertificateEvidence{}, false));
}

TEST_CASE("testpeer's TLS options read and print back", "[tls][mtls]") {
    std::string error;
    const auto spec =
        vpcprobe::test::parse_serve_spec("tls:expired:client-cert-required:tls1.3", error);
    REQUIRE(spec);
    CHECK(spec->variant == LeafVariant::expired);
    CHECK(spec->client_auth == ClientAuth::required);
    CHECK(spec->version == TlsVersion::tls1_3);
    CHECK(vpcprobe::test::describe(*spec) == "tls:expired:client-cert-required:tls1.3");
    const auto optional = vpcprobe::test::parse_serve_spec("tls:good:client-cert-optional", error);
    REQUIRE(optional);
    CHECK(vpcprobe::test::describe(*optional) == "tls:good:client-cert-optional");
    CHECK_FALSE(vpcprobe::test::parse_serve_spec("tls:good:client-cert-maybe", error));
    CHECK(error.find("client-cert-required, client-cert-optional, tls1.2, tls1.3") !=
          std::string::npos);
}

TEST_CASE("the TLS proxy can require a client certificate", "[tls][mtls]") {
    // The upstream: a plain peer that reads and never answers.
    const TestServer upstream(pki(), ServeSpec{vpcprobe::test::ServeMode::silent});
    vpcprobe::test::TlsProxy proxy(pki().credentials(LeafVariant::good), ClientAuth::required,
                                   pki().client_ca_file());
    const auto endpoint = proxy.listen("127.0.0.1", 0, upstream.endpoint());
    proxy.start();
    const auto through_proxy = [&](std::optional<ClientVariant> client) {
        Outcome outcome;
        tcp::socket socket(*outcome.io);
        socket.connect(endpoint);
        vpcprobe::TlsProbeOptions options;
        options.server_name = "localhost";
        bool completed = false;
        vpcprobe::probe_tls(std::move(socket), context_with(client), options,
                            [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence,
                                std::shared_ptr<vpcprobe::TlsStream> stream) {
                                completed = true;
                                outcome.tls = std::move(tls);
                                outcome.stream = std::move(stream);
                            });
        outcome.io->run_for(10s);
        REQUIRE(completed);
        return outcome;
    };
    auto without = through_proxy(std::nullopt);
    CHECK(without.tls.client_ca_names == std::vector<std::string>{pki().client_ca_subject()});
    CHECK(first_read(without) == SSL_AD_CERTIFICATE_REQUIRED);
    auto with = through_proxy(ClientVariant::good);
    CHECK(with.tls.status == StageStatus::ok);
    CHECK_FALSE(first_read(with));
}

TEST_CASE(
    "TLS 1.3, our certificate refused: tls.client_cert_rejected at the first read, through "
    "the engine with the configured client identity",
    "[tls][mtls]") {
    const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_3));
    const auto run = run_engine(server.port(), "kafka", ClientVariant::other_ca);
    const auto& address = run.targets[0].addresses[0];
    INFO(address.tls.detail);
    CHECK(address.tls.status == StageStatus::failed);
    CHECK(address.tls.cause == Cause::tls_client_cert_rejected);
    CHECK(address.tls.alert == "unknown CA");
    REQUIRE(address.tls.client_certificate);
    CHECK(address.tls.client_certificate->subject == client_subject(ClientVariant::other_ca));
    CHECK(contains(address.tls.detail,
                   "refused our client certificate " + client_subject(ClientVariant::other_ca)));
    CHECK(contains(address.tls.detail, "after the handshake, at the first read"));
    CHECK(address.protocol.status == StageStatus::skipped);
    // The run says which certificate it presented, too.
    REQUIRE(run.tls);
    REQUIRE(run.tls->client_certificate);
    CHECK(run.tls->client_certificate->subject == client_subject(ClientVariant::other_ca));

    // With the right one, the session stands (the peer never answers Kafka: protocol.timeout).
    const auto good = run_engine(server.port(), "kafka", ClientVariant::good);
    CHECK(good.targets[0].addresses[0].tls.status == StageStatus::ok);
    CHECK(good.targets[0].addresses[0].protocol.cause == Cause::protocol_timeout);
}

namespace {

// The engine's wait for a TLS 1.3 refusal when nothing reads (probes/engine/engine.cpp:
// refusal_wait): a second, as run_engine's 2 s stage timeout leaves it.
constexpr auto refusal_wait = 1s;

struct TimedRun {
    vpcprobe::EngineRun run;
    std::chrono::milliseconds took{};
};

TimedRun timed_run(std::uint16_t port, const std::string& component,
                   std::optional<ClientVariant> client, bool protocol_checks) {
    const auto start = std::chrono::steady_clock::now();
    auto run = run_engine(port, component, client, protocol_checks);
    return {std::move(run), std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - start)};
}

}  // namespace

TEST_CASE(
    "TLS 1.3 with no protocol check reading: one bounded read still sees the refusal of our "
    "client certificate",
    "[tls][mtls]") {
    const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_3));
    const std::string peer = "127.0.0.1:" + std::to_string(server.port());
    SECTION("--no-protocol, no certificate: tls.client_cert_required") {
        const auto timed = timed_run(server.port(), "kafka", std::nullopt, false);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::failed);
        CHECK(address.tls.cause == Cause::tls_client_cert_required);
        CHECK(address.tls.alert == "certificate required");
        CHECK(address.tls.version == "TLSv1.3");
        CHECK(address.tls.client_ca_names == std::vector<std::string>{pki().client_ca_subject()});
        CHECK(contains(address.tls.detail, "the server at " + peer +
                                               " requires a client certificate (mutual TLS) and "
                                               "none was configured"));
        CHECK(address.certificate.status == StageStatus::ok);
        CHECK(address.protocol.status == StageStatus::skipped);
        CHECK(address.protocol.detail == "not checked: --no-protocol");
        // The refusal arrives one round trip after our Finished, not at the bound.
        CHECK(timed.took < refusal_wait);
    }
    SECTION("--no-protocol, a certificate from another CA: tls.client_cert_rejected") {
        const auto timed = timed_run(server.port(), "kafka", ClientVariant::other_ca, false);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::failed);
        CHECK(address.tls.cause == Cause::tls_client_cert_rejected);
        CHECK(address.tls.alert == "unknown CA");
        REQUIRE(address.tls.client_certificate);
        CHECK(contains(address.tls.detail, "the server at " + peer +
                                               " refused our client certificate " +
                                               client_subject(ClientVariant::other_ca)));
        CHECK(address.protocol.detail == "not checked: --no-protocol");
    }
    SECTION("a component without a protocol check: tls.client_cert_required") {
        const auto timed = timed_run(server.port(), "endpoint", std::nullopt, true);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::failed);
        CHECK(address.tls.cause == Cause::tls_client_cert_required);
        CHECK(address.tls.alert == "certificate required");
        CHECK(address.protocol.status == StageStatus::skipped);
        CHECK(contains(address.protocol.detail, "no protocol check for component 'endpoint'"));
    }
    SECTION("--no-protocol, the right certificate: the session stands after the bound") {
        const auto timed = timed_run(server.port(), "kafka", ClientVariant::good, false);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::ok);
        CHECK(address.tls.alert.empty());
        CHECK(address.tls.cause == Cause::none);
    }
}

TEST_CASE(
    "TLS 1.3, a server that only asks, nothing reading: ok, and the wait is bounded by a second",
    "[tls][mtls]") {
    const TestServer server(pki(), mutual(ClientAuth::optional, TlsVersion::tls1_3));
    for (const std::string component : {"kafka", "endpoint"}) {
        INFO(component);
        const auto timed = timed_run(server.port(), component, std::nullopt, false);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.status == StageStatus::ok);
        CHECK(address.tls.client_certificate_requested);
        CHECK(address.tls.alert.empty());
        CHECK(address.protocol.detail == "not checked: --no-protocol");
        // The server accepts and stays silent: the read waits out the bound, not the stage
        // timeout (2 s); the margin is for slow sanitizer builds on busy machines.
        CHECK(timed.took >= refusal_wait);
        CHECK(timed.took < refusal_wait + 900ms);
    }
}

TEST_CASE("TLS 1.2, or no CertificateRequest, nothing reading: no wait after the handshake",
          "[tls][mtls]") {
    SECTION("TLS 1.2 requires a certificate: refused during the handshake, as before") {
        const TestServer server(pki(), mutual(ClientAuth::required, TlsVersion::tls1_2));
        const auto timed = timed_run(server.port(), "kafka", std::nullopt, false);
        const auto& address = timed.run.targets[0].addresses[0];
        INFO(address.tls.detail);
        CHECK(address.tls.cause == Cause::tls_client_cert_required);
        CHECK(address.tls.alert == "handshake failure");
        CHECK(contains(address.tls.detail, "during the handshake"));
        CHECK(timed.took < refusal_wait);  // no wait for a refusal at all
    }
    SECTION("TLS 1.2 only asks: ok at once") {
        const TestServer server(pki(), mutual(ClientAuth::optional, TlsVersion::tls1_2));
        const auto timed = timed_run(server.port(), "kafka", std::nullopt, false);
        CHECK(timed.run.targets[0].addresses[0].tls.status == StageStatus::ok);
        CHECK(timed.run.targets[0].addresses[0].tls.client_certificate_requested);
        CHECK(timed.took < refusal_wait);  // no wait for a refusal at all
    }
    SECTION("TLS 1.3 without a CertificateRequest: ok at once") {
        ServeSpec spec;
        spec.version = TlsVersion::tls1_3;
        const TestServer server(pki(), spec);
        const auto timed = timed_run(server.port(), "endpoint", std::nullopt, true);
        CHECK(timed.run.targets[0].addresses[0].tls.status == StageStatus::ok);
        CHECK_FALSE(timed.run.targets[0].addresses[0].tls.client_certificate_requested);
        CHECK(timed.took < refusal_wait);  // no wait for a refusal at all
    }
}
