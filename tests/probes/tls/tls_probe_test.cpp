// SPDX-License-Identifier: Apache-2.0
// TLS probe against real TLS servers on loopback (tests/support/tls_server.h) presenting the
// leaf variants of a PKI made for this run (tests/support/pki.h): every variant must give its
// certificate cause and still report the full presented chain; peers that are silent, plain
// HTTP, garbage, closing or alerting must give their tls.* cause. Also the --ca-file loading
// and the testpeer program.
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "probes/tls/tls_probe.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"
#include "tests/support/tls_server.h"
#include "tests/support/tool_output.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using vpcprobe::Cause;
using vpcprobe::StageStatus;
using vpcprobe::test::LeafVariant;
using vpcprobe::test::ServeMode;
using vpcprobe::test::ServeSpec;
using vpcprobe::test::TestServer;

namespace {

// One PKI for the whole test program: leaves for a name, an IPv4 and an IPv6 literal.
const vpcprobe::test::TestPki& pki() {
    static vpcprobe::test::TempDir directory;
    static const vpcprobe::test::TestPki instance(directory.path(),
                                                  {"localhost", "127.0.0.1", "::1"});
    return instance;
}

std::shared_ptr<vpcprobe::TlsContext> make_context(const std::vector<std::string>& ca_files) {
    auto created = vpcprobe::TlsContext::create(ca_files);
    INFO((created ? std::string() : created.error().message()));
    REQUIRE(created);
    return *created;
}

std::shared_ptr<vpcprobe::TlsContext> trusting_context() {
    return make_context({pki().ca_file()});
}

struct Outcome {
    // Declared first so it is destroyed last: the handed-on stream belongs to it.
    std::shared_ptr<asio::io_context> io = std::make_shared<asio::io_context>();
    bool completed = false;
    vpcprobe::TlsEvidence tls;
    vpcprobe::CertificateEvidence certificate;
    std::shared_ptr<vpcprobe::TlsStream> stream;
    std::chrono::milliseconds wall{0};
};

// Connects (loopback, blocking) and runs one probe to completion on a fresh io_context.
Outcome probe(const tcp::endpoint& server, const std::string& server_name,
              std::shared_ptr<vpcprobe::TlsContext> context, std::chrono::milliseconds timeout = 3s,
              int warn_days = 30, std::optional<vpcprobe::SystemTime> now = std::nullopt) {
    Outcome outcome;
    tcp::socket socket(*outcome.io);
    socket.connect(server);
    vpcprobe::TlsProbeOptions options;
    options.server_name = server_name;
    options.timeout = timeout;
    options.warn_days = warn_days;
    if (now) options.now = *now;
    const auto started = std::chrono::steady_clock::now();
    vpcprobe::probe_tls(std::move(socket), std::move(context), options,
                        [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence certificate,
                            std::shared_ptr<vpcprobe::TlsStream> stream) {
                            outcome.completed = true;
                            outcome.wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started);
                            outcome.tls = std::move(tls);
                            outcome.certificate = std::move(certificate);
                            outcome.stream = std::move(stream);
                        });
    outcome.io->run_for(timeout + 10s);
    REQUIRE(outcome.completed);
    return outcome;
}

std::vector<std::string> subjects(const vpcprobe::CertificateEvidence& certificate) {
    std::vector<std::string> out;
    for (const auto& info : certificate.chain) out.push_back(info.subject);
    return out;
}

bool has_error(const vpcprobe::CertificateEvidence& certificate, int code, int depth) {
    return std::any_of(certificate.verify_errors.begin(), certificate.verify_errors.end(),
                       [&](const vpcprobe::VerifyError& e) {
                           return e.code == code && e.depth == depth && !e.text.empty();
                       });
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void require_tls_ok(const Outcome& outcome) {
    INFO(outcome.tls.detail);
    REQUIRE(outcome.tls.status == StageStatus::ok);
    CHECK(outcome.tls.cause == Cause::none);
    CHECK((outcome.tls.version == "TLSv1.3" || outcome.tls.version == "TLSv1.2"));
    CHECK_FALSE(outcome.tls.cipher.empty());
    CHECK(outcome.tls.ms > 0);
    // The handshake completed, so the stream goes on to protocol checks even with a bad chain.
    CHECK(outcome.stream != nullptr);
}

void require_tls_failed(const Outcome& outcome, Cause cause) {
    INFO(outcome.tls.detail);
    CHECK(outcome.tls.status == StageStatus::failed);
    CHECK(vpcprobe::code(outcome.tls.cause) == vpcprobe::code(cause));
    CHECK_FALSE(outcome.tls.detail.empty());
    CHECK(outcome.tls.ms > 0);
    CHECK(outcome.certificate.status == StageStatus::skipped);
    CHECK(outcome.certificate.chain.empty());
    CHECK(outcome.stream == nullptr);
}

bool ipv6_loopback_available() {
    asio::io_context io;
    tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    acceptor.open(tcp::v6(), ec);
    if (!ec) acceptor.bind(tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
    return !ec;
}

}  // namespace

TEST_CASE("good chain: handshake and certificate ok, full chain reported", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
    require_tls_ok(outcome);
    CHECK(contains(outcome.tls.detail, outcome.tls.version));

    const auto& certificate = outcome.certificate;
    INFO(certificate.detail);
    CHECK(certificate.status == StageStatus::ok);
    CHECK(certificate.cause == Cause::none);
    CHECK(certificate.verify_errors.empty());
    CHECK(subjects(certificate) == pki().credentials(LeafVariant::good).chain_subjects);
    REQUIRE(certificate.chain.size() == 2);
    const auto& leaf = certificate.chain[0];
    const auto& intermediate = certificate.chain[1];
    CHECK(contains(leaf.subject, "CN=localhost"));
    CHECK(leaf.issuer == intermediate.subject);
    CHECK(intermediate.issuer == pki().root_subject());
    CHECK(leaf.sans == std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
    CHECK(intermediate.sans.empty());
    CHECK(leaf.sha256.size() == 64);
    CHECK(leaf.sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(leaf.sha256 != intermediate.sha256);
    CHECK_FALSE(leaf.self_issued);
    CHECK_FALSE(intermediate.self_issued);
    const auto now = std::chrono::system_clock::now();
    CHECK(leaf.not_before < now);
    CHECK(leaf.not_after > now + std::chrono::days(360));
    // The leaf (365 days) expires before the intermediate (3650 days).
    REQUIRE(certificate.days_left.has_value());
    CHECK(*certificate.days_left >= 363);
    CHECK(*certificate.days_left <= 365);
    CHECK(contains(certificate.detail, "localhost"));
}

TEST_CASE("every bad variant: its cause, the handshake completes, the chain is reported", "[tls]") {
    struct Case {
        LeafVariant variant;
        Cause cause;
        int error;
        int depth;
        std::size_t chain_length;
        std::string detail_part;
    };
    const Case cases[] = {
        {LeafVariant::expired, Cause::cert_expired, X509_V_ERR_CERT_HAS_EXPIRED, 0, 2,
         "expired on"},
        {LeafVariant::not_yet_valid, Cause::cert_not_yet_valid, X509_V_ERR_CERT_NOT_YET_VALID, 0, 2,
         "not valid before"},
        {LeafVariant::wrong_host, Cause::cert_hostname_mismatch, X509_V_ERR_HOSTNAME_MISMATCH, 0, 2,
         "wrong.example.invalid"},
        {LeafVariant::no_intermediate, Cause::cert_incomplete_chain,
         X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0, 1, "missing intermediate"},
        {LeafVariant::self_signed, Cause::cert_self_signed, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
         0, 1, "self-signed"},
        {LeafVariant::unknown_ca, Cause::cert_untrusted,
         X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1, 2, "vpcprobe unknown root CA"},
    };
    const auto context = trusting_context();
    for (const auto& c : cases) {
        SECTION(std::string(vpcprobe::test::name(c.variant))) {
            const TestServer server(pki(), ServeSpec{ServeMode::tls, c.variant});
            const auto outcome = probe(server.endpoint(), "localhost", context);
            require_tls_ok(outcome);
            const auto& certificate = outcome.certificate;
            INFO(certificate.detail);
            CHECK(certificate.status == StageStatus::failed);
            CHECK(vpcprobe::code(certificate.cause) == vpcprobe::code(c.cause));
            CHECK(has_error(certificate, c.error, c.depth));
            CHECK(certificate.chain.size() == c.chain_length);
            CHECK(subjects(certificate) == pki().credentials(c.variant).chain_subjects);
            CHECK(contains(certificate.detail, c.detail_part));
            CHECK(certificate.days_left.has_value());
            // Expired 30 days ago, less the moments since: floor() makes that -31.
            if (c.variant == LeafVariant::expired) CHECK(certificate.days_left == -31);
            if (c.variant == LeafVariant::self_signed) CHECK(certificate.chain[0].self_issued);
            if (c.variant == LeafVariant::wrong_host) {
                CHECK(certificate.chain[0].sans ==
                      std::vector<std::string>{"wrong.example.invalid"});
            }
        }
    }
}

TEST_CASE("expiring soon warns within --warn-days only", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::expiring_soon});
    const auto context = trusting_context();

    const auto warned = probe(server.endpoint(), "localhost", context, 3s, 30);
    require_tls_ok(warned);
    INFO(warned.certificate.detail);
    CHECK(warned.certificate.status == StageStatus::warning);
    CHECK(warned.certificate.cause == Cause::cert_expiring_soon);
    CHECK(warned.certificate.verify_errors.empty());
    CHECK(warned.certificate.days_left == 9);  // 10 days minus the moments since it was made
    CHECK(contains(warned.certificate.detail, "in 9 days"));

    const auto quiet = probe(server.endpoint(), "localhost", context, 3s, 5);
    CHECK(quiet.certificate.status == StageStatus::ok);
    CHECK(quiet.certificate.cause == Cause::none);
    CHECK(quiet.certificate.days_left == 9);
}

TEST_CASE("days_left follows the injected clock", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto later = std::chrono::system_clock::now() + std::chrono::days(340);
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context(), 3s, 30, later);
    INFO(outcome.certificate.detail);
    REQUIRE(outcome.certificate.days_left.has_value());
    CHECK(*outcome.certificate.days_left >= 23);
    CHECK(*outcome.certificate.days_left <= 25);
    // Verification itself ran on the real clock: only the expiry warning moved.
    CHECK(outcome.certificate.cause == Cause::cert_expiring_soon);
}

TEST_CASE("the system store alone does not trust the test root", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto outcome = probe(server.endpoint(), "localhost", make_context({}));
    require_tls_ok(outcome);
    CHECK(outcome.certificate.cause == Cause::cert_untrusted);
    CHECK(outcome.certificate.chain.size() == 2);
}

TEST_CASE("another --ca-file makes the unknown CA trusted", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::unknown_ca});
    const auto outcome =
        probe(server.endpoint(), "localhost",
              make_context({pki().ca_file(), pki().directory() + "/other-ca.pem"}));
    INFO(outcome.certificate.detail);
    CHECK(outcome.certificate.status == StageStatus::ok);
    CHECK(outcome.certificate.verify_errors.empty());
}

TEST_CASE("the name is verified by the probe, not by the handshake", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto context = trusting_context();

    SECTION("a name the leaf does not cover") {
        const auto outcome = probe(server.endpoint(), "kafka.example.invalid", context);
        require_tls_ok(outcome);
        CHECK(outcome.certificate.cause == Cause::cert_hostname_mismatch);
        CHECK(has_error(outcome.certificate, X509_V_ERR_HOSTNAME_MISMATCH, 0));
        CHECK(contains(outcome.certificate.detail, "kafka.example.invalid"));
    }
    SECTION("an IP literal covered by an IP SAN") {
        const auto outcome = probe(server.endpoint(), "127.0.0.1", context);
        require_tls_ok(outcome);
        INFO(outcome.certificate.detail);
        CHECK(outcome.certificate.status == StageStatus::ok);
    }
    SECTION("an IP literal the leaf does not name") {
        const auto outcome = probe(server.endpoint(), "127.0.0.2", context);
        require_tls_ok(outcome);
        CHECK(outcome.certificate.cause == Cause::cert_hostname_mismatch);
        CHECK(has_error(outcome.certificate, X509_V_ERR_IP_ADDRESS_MISMATCH, 0));
    }
    SECTION("a trailing dot is the same name") {
        const auto outcome = probe(server.endpoint(), "localhost.", context);
        CHECK(outcome.certificate.status == StageStatus::ok);
    }
}

TEST_CASE("several errors: every one is recorded, the most fundamental is the cause", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::unknown_ca});
    const auto outcome = probe(server.endpoint(), "kafka.example.invalid", trusting_context());
    require_tls_ok(outcome);
    CHECK(has_error(outcome.certificate, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1));
    CHECK(has_error(outcome.certificate, X509_V_ERR_HOSTNAME_MISMATCH, 0));
    CHECK(outcome.certificate.cause == Cause::cert_untrusted);
}

TEST_CASE("a chain longer than the verify depth is cert.invalid, not an untrusted CA", "[tls]") {
    // OpenSSL cuts a chain at its verify depth (100 by default; 0 here, so the good chain of
    // leaf + intermediate under a trusted root is too long) and then also reports the cut end
    // as "unable to get local issuer": the root is trusted, the length is the finding.
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    auto context = trusting_context();
    SSL_CTX_set_verify_depth(context->native().native_handle(), 0);
    const auto outcome = probe(server.endpoint(), "localhost", context);
    require_tls_ok(outcome);
    CHECK(has_error(outcome.certificate, X509_V_ERR_CERT_CHAIN_TOO_LONG, 1));
    CHECK(has_error(outcome.certificate, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1));
    CHECK(outcome.certificate.cause == Cause::cert_invalid);
    INFO(outcome.certificate.detail);
    CHECK(contains(outcome.certificate.detail, "is too long"));
    CHECK(contains(outcome.certificate.detail, "2 certificates sent"));
}

TEST_CASE("IPv6 literal target with an IP SAN", "[tls]") {
    if (!ipv6_loopback_available()) {
        WARN("SKIPPED: no IPv6 loopback (::1) on this host");
        return;
    }
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good}, "::1");
    const auto outcome = probe(server.endpoint(), "::1", trusting_context());
    require_tls_ok(outcome);
    INFO(outcome.certificate.detail);
    CHECK(outcome.certificate.status == StageStatus::ok);
    CHECK(contains(outcome.tls.detail, "[::1]:"));
}

TEST_CASE("a silent peer is tls.timeout after the timeout", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::silent});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context(), 400ms);
    require_tls_failed(outcome, Cause::tls_timeout);
    CHECK(outcome.wall >= 400ms);
    CHECK(outcome.wall < 400ms + 1500ms);
    CHECK(outcome.tls.ms >= 400);
    CHECK(contains(outcome.tls.detail, "400ms"));
}

TEST_CASE("plain HTTP is tls.not_tls", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::plaintext_http});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
    require_tls_failed(outcome, Cause::tls_not_tls);
    CHECK(contains(outcome.tls.detail, "\"HTTP/1.1 400 Bad Request\""));
}

TEST_CASE("garbage is tls.not_tls", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::garbage});
    for (int attempt = 0; attempt < 5; ++attempt) {  // different random bytes each time
        const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
        require_tls_failed(outcome, Cause::tls_not_tls);
        CHECK(contains(outcome.tls.detail, "bytes "));
    }
}

TEST_CASE("a Kafka-style length-prefixed reply is tls.not_tls", "[tls]") {
    // A plaintext peer that answers anything with 4-byte length + payload, as Kafka does.
    asio::io_context server_io;
    tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::thread peer([&] {
        boost::system::error_code ec;
        tcp::socket connection(server_io);
        acceptor.accept(connection, ec);
        if (ec) return;
        std::array<char, 512> request{};
        connection.read_some(asio::buffer(request), ec);
        const unsigned char reply[] = {0, 0, 0, 6, 0, 0, 0, 1, 0, 35};
        asio::write(connection, asio::buffer(reply), ec);
        connection.shutdown(tcp::socket::shutdown_send, ec);
        connection.read_some(asio::buffer(request), ec);  // until the probe closes
    });
    const auto outcome = probe(acceptor.local_endpoint(), "localhost", trusting_context());
    peer.join();
    require_tls_failed(outcome, Cause::tls_not_tls);
    CHECK(contains(outcome.tls.detail, "00 00 00 06"));
}

TEST_CASE("TLS-shaped but broken answers are tls.handshake_failed, not tls.not_tls", "[tls]") {
    // A well-formed handshake record holding nonsense: it is TLS, spoken badly.
    asio::io_context server_io;
    tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::thread peer([&] {
        boost::system::error_code ec;
        tcp::socket connection(server_io);
        acceptor.accept(connection, ec);
        if (ec) return;
        std::array<char, 512> request{};
        connection.read_some(asio::buffer(request), ec);
        const std::string reply = std::string("\x16\x03\x03\x00\x05", 5) + "hello";
        asio::write(connection, asio::buffer(reply), ec);
        connection.shutdown(tcp::socket::shutdown_send, ec);
        for (int i = 0; i < 10 && !ec; ++i) connection.read_some(asio::buffer(request), ec);
    });
    const auto outcome = probe(acceptor.local_endpoint(), "localhost", trusting_context());
    peer.join();
    require_tls_failed(outcome, Cause::tls_handshake_failed);
    CHECK(contains(outcome.tls.detail, "failed: "));
}

TEST_CASE("a peer that closes at once is tls.handshake_failed", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::close});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
    require_tls_failed(outcome, Cause::tls_handshake_failed);
    const bool says_why =
        contains(outcome.tls.detail, "closed the connection without a TLS answer") ||
        contains(outcome.tls.detail, "reset the connection without a TLS answer");
    INFO(outcome.tls.detail);
    CHECK(says_why);
    CHECK(outcome.tls.alert.empty());
}

TEST_CASE("a TLS alert is tls.handshake_failed with the alert recorded", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls_alert});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
    require_tls_failed(outcome, Cause::tls_handshake_failed);
    CHECK(outcome.tls.alert == "handshake failure");
    CHECK(contains(outcome.tls.detail, "alert \"handshake failure\""));
}

TEST_CASE("many probes at once on one io_context", "[tls]") {
    const TestServer good(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const TestServer expired(pki(), ServeSpec{ServeMode::tls, LeafVariant::expired});
    const auto context = trusting_context();
    asio::io_context io;
    constexpr int kProbes = 40;
    int done = 0;
    int ok = 0;
    int expired_seen = 0;
    for (int i = 0; i < kProbes; ++i) {
        tcp::socket socket(io);
        socket.connect(i % 2 == 0 ? good.endpoint() : expired.endpoint());
        vpcprobe::TlsProbeOptions options;
        options.server_name = "localhost";
        vpcprobe::probe_tls(
            std::move(socket), context, options,
            [&](vpcprobe::TlsEvidence tls, vpcprobe::CertificateEvidence cert,
                std::shared_ptr<vpcprobe::TlsStream>) {
                ++done;
                if (tls.status == StageStatus::ok && cert.status == StageStatus::ok) {
                    ++ok;
                }
                if (cert.cause == Cause::cert_expired) ++expired_seen;
            });
    }
    io.run_for(20s);
    CHECK(done == kProbes);
    CHECK(ok == kProbes / 2);
    CHECK(expired_seen == kProbes / 2);
}

// Everything the certificate stage reports, as text, to compare two probes' evidence whole.
std::string certificate_evidence_text(const vpcprobe::CertificateEvidence& certificate) {
    std::string text = fmt::format("{}|{}|{}|{}|", static_cast<int>(certificate.status),
                                   vpcprobe::code(certificate.cause), certificate.detail,
                                   certificate.days_left.value_or(-9999));
    for (const auto& error : certificate.verify_errors) {
        text += fmt::format("[{} {} {} {}]", error.depth, error.code, error.text,
                            vpcprobe::code(error.cause));
    }
    for (const auto& info : certificate.chain) text += info.sha256 + ",";
    return text;
}

TEST_CASE("a chain verified once per name: the second probe gets the same evidence", "[tls]") {
    for (const LeafVariant variant : vpcprobe::test::kAllLeafVariants) {
        DYNAMIC_SECTION(vpcprobe::test::name(variant)) {
            const TestServer server(pki(), ServeSpec{ServeMode::tls, variant});
            const auto context = trusting_context();
            const auto first = probe(server.endpoint(), "localhost", context);
            CHECK(context->verifications().hits() == 0);
            const auto second = probe(server.endpoint(), "localhost", context);
            // Given, not verified again ...
            CHECK(context->verifications().hits() == 1);
            CHECK(context->verifications().size() == 1);
            // ... and nothing in the evidence tells the two apart.
            CHECK(certificate_evidence_text(second.certificate) ==
                  certificate_evidence_text(first.certificate));
            CHECK(second.certificate.verify_errors.size() ==
                  first.certificate.verify_errors.size());
            // The chain was described once: both hold the one copy (probes/tls/chain_cache.h).
            CHECK(second.certificate.chain.shares(first.certificate.chain));
            // Against a fresh context, the same again, from its own copy.
            const auto fresh = probe(server.endpoint(), "localhost", trusting_context());
            CHECK(certificate_evidence_text(fresh.certificate) ==
                  certificate_evidence_text(first.certificate));
            CHECK_FALSE(fresh.certificate.chain.shares(first.certificate.chain));
        }
    }
}

TEST_CASE("the same chain for another name is verified again", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto context = trusting_context();
    const auto covered = probe(server.endpoint(), "localhost", context);
    const auto uncovered = probe(server.endpoint(), "kafka.example.invalid", context);
    const auto address = probe(server.endpoint(), "127.0.0.1", context);
    CHECK(covered.certificate.status == StageStatus::ok);
    CHECK(uncovered.certificate.cause == Cause::cert_hostname_mismatch);
    CHECK(has_error(uncovered.certificate, X509_V_ERR_HOSTNAME_MISMATCH, 0));
    CHECK(address.certificate.status == StageStatus::ok);
    CHECK(context->verifications().size() == 3);
    CHECK(context->verifications().hits() == 0);
    // And each name's outcome is its own when asked again.
    CHECK(probe(server.endpoint(), "kafka.example.invalid", context).certificate.cause ==
          Cause::cert_hostname_mismatch);
    CHECK(probe(server.endpoint(), "localhost", context).certificate.status == StageStatus::ok);
    CHECK(context->verifications().hits() == 2);
}

TEST_CASE("the handed-on stream carries application data", "[tls]") {
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::good});
    const auto outcome = probe(server.endpoint(), "localhost", trusting_context());
    REQUIRE(outcome.stream);
    boost::system::error_code ec;
    asio::write(*outcome.stream, asio::buffer(std::string("ping\n")), ec);
    CHECK_FALSE(ec);
}

TEST_CASE("unusable --ca-file: create() fails naming the file", "[tls][ca-file]") {
    vpcprobe::test::TempDir directory;
    const auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(directory.file(name)) << content;
        return directory.file(name);
    };
    struct Case {
        std::string path;
        std::string problem;
    };
    const Case cases[] = {
        {directory.file("missing.pem"), "no such file"},
        {"/dev/zero", "larger than 8 MiB"},
        {write("empty.pem", ""), "empty"},
        {write("text.pem", "this is not a certificate\n"), "no PEM certificate"},
        {write(
             "broken.pem",
             "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"),
         "malformed PEM certificate"},
        {directory.path(), "directory"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.path);
        const auto context = vpcprobe::TlsContext::create({pki().ca_file(), c.path});
        REQUIRE_FALSE(context);
        const std::string& error = context.error().message();
        CHECK(error.rfind("--ca-file " + c.path + ": ", 0) == 0);
        CHECK(contains(error, c.problem));
        CHECK(error.find('\n') == std::string::npos);
    }
}

TEST_CASE("a --ca-file with a key and several certificates loads them all", "[tls][ca-file]") {
    vpcprobe::test::TempDir directory;
    const auto read = [](const std::string& path) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    };
    const std::string bundle = directory.file("bundle.pem");
    std::ofstream(bundle) << read(pki().credentials(LeafVariant::good).key_file)
                          << read(pki().directory() + "/other-ca.pem") << read(pki().ca_file());
    const TestServer server(pki(), ServeSpec{ServeMode::tls, LeafVariant::unknown_ca});
    const auto outcome = probe(server.endpoint(), "localhost", make_context({bundle}));
    CHECK(outcome.certificate.status == StageStatus::ok);
}

// ---------------------------------------------------------------------------------------------
// testpeer, the program end-to-end tests and benchmarks use.

TEST_CASE("testpeer serves the PKI's variants and stops on SIGTERM", "[testpeer]") {
    REQUIRE(::access(vpcprobe::test::tool_path("testpeer").c_str(), X_OK) == 0);
    vpcprobe::test::TempDir directory;
    const std::string log = directory.file("testpeer.log");
    std::vector<std::string> argv = {vpcprobe::test::tool_path("testpeer"),
                                     "--pki-dir",
                                     directory.file("pki"),
                                     "--hosts",
                                     "kafka.test.invalid,other.test.invalid",
                                     "--serve",
                                     "127.0.0.1:0=tls:good",
                                     "--serve",
                                     "127.0.0.1:0=tls:wrong-host",
                                     "--serve",
                                     "127.0.0.1:0=plaintext-http"};
    const bool ipv6 = ipv6_loopback_available();
    if (ipv6) {
        argv.push_back("--serve");
        argv.push_back("[::1]:0=tls-alert");
    }
    vpcprobe::test::Subprocess peer(argv, log);

    const std::string output = vpcprobe::test::wait_for_ready(log);
    INFO(output);
    REQUIRE(contains(output, "ready\n"));

    // "listening ADDR:PORT MODE", IPv6 as [ADDR]:PORT.
    std::vector<tcp::endpoint> endpoints;
    std::vector<std::string> modes;
    for (const auto& listening : vpcprobe::test::listening_lines(output)) {
        endpoints.push_back(listening.endpoint);
        modes.push_back(listening.mode);
    }
    REQUIRE(endpoints.size() == (ipv6 ? 4U : 3U));
    CHECK(modes[0] == "tls:good");
    CHECK(modes[1] == "tls:wrong-host");
    CHECK(modes[2] == "plaintext-http");
    for (const auto& endpoint : endpoints) CHECK(endpoint.port() != 0);

    const auto context = make_context({directory.file("pki") + "/ca.pem"});
    const auto good = probe(endpoints[0], "other.test.invalid", context);
    CHECK(good.certificate.status == StageStatus::ok);
    CHECK(probe(endpoints[0], "127.0.0.1", context).certificate.status == StageStatus::ok);
    CHECK(probe(endpoints[1], "kafka.test.invalid", context).certificate.cause ==
          Cause::cert_hostname_mismatch);
    CHECK(probe(endpoints[2], "kafka.test.invalid", context).tls.cause == Cause::tls_not_tls);
    if (ipv6) {
        CHECK(modes[3] == "tls-alert");
        CHECK(contains(output, "listening [::1]:"));
        CHECK(probe(endpoints[3], "::1", context).tls.alert == "handshake failure");
    }

    ::kill(peer.pid(), SIGTERM);
    CHECK(peer.wait_for(5s) == 0);
}

TEST_CASE("testpeer rejects bad arguments with exit 3", "[testpeer]") {
    vpcprobe::test::TempDir directory;
    const std::vector<std::vector<std::string>> bad = {
        {},
        {"--pki-dir", directory.path(), "--hosts", "a"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "127.0.0.1:0=tls:bogus"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "127.0.0.1=silent"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "localhost:0=silent"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "127.0.0.1:70000=silent"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "::1:0=silent"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--serve", "127.0.0.1:0=ftp"},
        {"--pki-dir", directory.path(), "--hosts", "a", "--frobnicate"},
    };
    for (const auto& arguments : bad) {
        std::vector<std::string> argv = {vpcprobe::test::tool_path("testpeer")};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        const auto result = vpcprobe::test::run_command(argv, 10s);
        CAPTURE(arguments, result.err);
        CHECK(result.exit_code == 3);
        CHECK(result.err.rfind("testpeer: ", 0) == 0);
        CHECK(std::count(result.err.begin(), result.err.end(), '\n') == 1);
        CHECK(result.out.empty());
    }
}
