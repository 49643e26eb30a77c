// SPDX-License-Identifier: Apache-2.0
// The TLS probe (probes/tls/tls_probe.h): drives one handshake, records what OpenSSL reports
// through its callbacks (verify errors, alerts, the first bytes read), and hands the facts to
// the error maps for the verdicts.
#include "probes/tls/tls_probe.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/address.h"
#include "core/duration.h"
#include "probes/tls/certificate_info.h"
#include "probes/tls/error_map_tls.h"
#include "probes/tls/error_map_x509.h"
#include "probes/tls/openssl_handle.h"
#include "probes/tls/verify_cache.h"

namespace vpcprobe {

namespace {

using SteadyClock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Certificate facts (probes/tls/certificate_info.h describes each certificate)

// The chain the peer presented, leaf first; just the leaf when OpenSSL kept no chain.
double elapsed_ms(SteadyClock::time_point since) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
}

// ---------------------------------------------------------------------------------------------
// One probe

constexpr std::size_t kFirstBytesKept = 64;

class TlsProbe : public std::enable_shared_from_this<TlsProbe> {
  public:
    TlsProbe(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> context,
             TlsProbeOptions options, TlsDone done)
        : context_(std::move(context)),
          stream_(std::make_shared<TlsStream>(std::move(socket), context_->native())),
          timer_(stream_->get_executor()),
          options_(std::move(options)),
          done_(std::move(done)) {}

    void start();

    // OpenSSL callbacks find their probe through this ex_data index of the SSL object.
    static int ex_index();
    void on_verify_error(X509_STORE_CTX* store);
    // Verifies the presented chain as X509_verify_cert does, or gives the outcome `cache` kept
    // for the same chain and name (probes/tls/verify_cache.h).
    int verify_chain(X509_STORE_CTX* store, VerifyCache& cache);
    void on_alert(int value, bool received);
    void on_certificate_request(SSL* ssl);
    void on_bytes_read(const char* data, std::size_t length);

  private:
    void on_handshake(const boost::system::error_code& ec);
    void on_timeout();
    void detach_callbacks();
    void fail_timed_out();
    void fail_handshake(const boost::system::error_code& ec);
    void fail_tls(Cause cause, std::string detail);
    void finish_certificate();
    void deliver(std::shared_ptr<TlsStream> stream);

    std::shared_ptr<TlsContext> context_;
    std::shared_ptr<TlsStream> stream_;
    boost::asio::steady_timer timer_;
    TlsProbeOptions options_;
    TlsDone done_;
    std::string server_name_;  // options_.server_name without a trailing dot
    std::string peer_;         // "address:port" for details
    SteadyClock::time_point started_{};
    bool timed_out_ = false;
    bool finished_ = false;

    TlsEvidence tls_;
    CertificateEvidence certificate_;
    std::vector<VerifyErrorSubject> error_subjects_;  // parallel to certificate_.verify_errors
    std::string received_alert_;
    int received_alert_code_ = -1;
    std::string sent_alert_;
    std::string first_bytes_;
    std::size_t bytes_received_ = 0;
};

int TlsProbe::ex_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

TlsProbe* probe_of(const SSL* ssl) {
    return ssl ? static_cast<TlsProbe*>(SSL_get_ex_data(ssl, TlsProbe::ex_index())) : nullptr;
}

int verify_callback(int preverify_ok, X509_STORE_CTX* store) {
    // Record and carry on: the handshake must complete so the whole chain is reported; the
    // verdict comes afterwards from every error seen (certificate_verdict).
    if (preverify_ok == 1) return 1;
    const auto* ssl = static_cast<const SSL*>(
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (TlsProbe* probe = probe_of(ssl)) probe->on_verify_error(store);
    return 1;
}

// The context's chain verification (SSL_CTX_set_cert_verify_callback): the probe's own, with
// the context's cache of outcomes.
int verify_chain_callback(X509_STORE_CTX* store, void* argument) {
    const auto* ssl = static_cast<const SSL*>(
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    TlsProbe* probe = probe_of(ssl);
    if (probe == nullptr || argument == nullptr) return X509_verify_cert(store);
    return probe->verify_chain(store, *static_cast<VerifyCache*>(argument));
}

// Called on a CertificateRequest (also when the context holds a certificate): records what the
// server asked for and what we answer with; returns 1 so the handshake goes on either way.
int certificate_request_callback(SSL* ssl, void* /*argument*/) {
    if (TlsProbe* probe = probe_of(ssl)) probe->on_certificate_request(ssl);
    return 1;
}

void info_callback(const SSL* ssl, int where, int value) {
    if ((where & SSL_CB_ALERT) == 0) return;
    if (TlsProbe* probe = probe_of(ssl)) probe->on_alert(value, (where & SSL_CB_READ) != 0);
}

long bio_callback(BIO* bio, int operation, const char* data, std::size_t, int, long, int result,
                  std::size_t* processed) {
    if (operation == (BIO_CB_READ | BIO_CB_RETURN) && result > 0 && processed != nullptr) {
        if (auto* probe = static_cast<TlsProbe*>(static_cast<void*>(BIO_get_callback_arg(bio)))) {
            probe->on_bytes_read(data, *processed);
        }
    }
    return result;
}

void TlsProbe::on_verify_error(X509_STORE_CTX* store) {
    VerifyError error;
    error.code = X509_STORE_CTX_get_error(store);
    error.depth = X509_STORE_CTX_get_error_depth(store);
    error.cause = cause_from_x509(error.code, error.depth);
    error.text = X509_verify_cert_error_string(error.code);
    for (const auto& seen : certificate_.verify_errors) {
        if (seen.code == error.code && seen.depth == error.depth) return;
    }
    VerifyErrorSubject about;
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
        CertificateInfo info = certificate_info(cert);
        about.subject = std::move(info.subject);
        about.issuer = std::move(info.issuer);
        about.not_before = info.not_before;
        about.not_after = info.not_after;
    }
    certificate_.verify_errors.push_back(std::move(error));
    error_subjects_.push_back(std::move(about));
}

int TlsProbe::verify_chain(X509_STORE_CTX* store, VerifyCache& cache) {
    // The clock X509_verify_cert checks validity against (the probe never sets another).
    const SystemTime now = std::chrono::system_clock::now();
    std::string key = certificate_.verify_errors.empty() ? cache.key(store) : std::string();
    if (!key.empty()) {
        if (const RecordedVerification* kept = cache.find(key, now)) {
            certificate_.verify_errors = kept->errors;
            error_subjects_ = kept->subjects;
            X509_STORE_CTX_set_error(store, kept->error);
            return kept->result;
        }
    }
    const int result = X509_verify_cert(store);
    // A verification that could not be done (out of memory, an internal error: result 0 or
    // less; the errors of the chain itself are recorded and return 1) is not kept.
    if (!key.empty() && result > 0) {
        cache.remember(std::move(key),
                       RecordedVerification{certificate_.verify_errors, error_subjects_, result,
                                            X509_STORE_CTX_get_error(store)},
                       store, now);
    }
    return result;
}

void TlsProbe::on_alert(int value, bool received) {
    const std::string text = alert_text(value);
    if (received) {
        if (received_alert_.empty()) {
            received_alert_ = text;
            received_alert_code_ = value & 0xff;
        }
    } else if (sent_alert_.empty()) {
        sent_alert_ = text;
    }
}

void TlsProbe::on_certificate_request(SSL* ssl) {
    tls_.client_certificate_requested = true;
    tls_.client_ca_names.clear();
    // The CertificateRequest's CA names: its certificate_authorities extension in TLS 1.3, its
    // certificate_authorities list in TLS 1.2.
    if (const STACK_OF(X509_NAME)* names = SSL_get0_peer_CA_list(ssl)) {
        for (int i = 0; i < sk_X509_NAME_num(names); ++i) {
            tls_.client_ca_names.push_back(name_text(sk_X509_NAME_value(names, i)));
        }
    }
    X509* ours = SSL_get_certificate(ssl);
    if (ours != nullptr && SSL_get_privatekey(ssl) != nullptr) {
        tls_.client_certificate = certificate_info(ours);
    }
}

void TlsProbe::on_bytes_read(const char* data, std::size_t length) {
    bytes_received_ += length;
    if (first_bytes_.size() < kFirstBytesKept && data != nullptr) {
        first_bytes_.append(data, std::min(length, kFirstBytesKept - first_bytes_.size()));
    }
}

void TlsProbe::start() {
    started_ = SteadyClock::now();
    server_name_ = options_.server_name;
    if (!server_name_.empty() && server_name_.back() == '.') server_name_.pop_back();
    boost::system::error_code ec;
    const auto remote = stream_->lowest_layer().remote_endpoint(ec);
    if (!ec) {
        peer_ = endpoint_text(remote.address().to_string(), remote.port());
    } else {
        peer_ = server_name_;
    }

    SSL* ssl = stream_->native_handle();
    SSL_set_ex_data(ssl, ex_index(), this);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, &verify_callback);
    if (VerifyCache& cache = context_->verifications(); !cache.installed) {
        SSL_CTX_set_cert_verify_callback(SSL_get_SSL_CTX(ssl), &verify_chain_callback, &cache);
        cache.installed = true;
    }
    SSL_set_info_callback(ssl, &info_callback);
    SSL_set_cert_cb(ssl, &certificate_request_callback, nullptr);
    BIO* network_side = SSL_get_rbio(ssl);
    BIO_set_callback_ex(network_side, &bio_callback);
    BIO_set_callback_arg(network_side, static_cast<char*>(static_cast<void*>(this)));

    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!server_name_.empty()) {
        if (ip_literal(server_name_)) {  // a scoped IPv6 address too
            // No SNI for addresses (RFC 6066); the certificate must name the IP. A zone
            // ("fe80::1%eth0") is local routing, not part of the address a certificate names.
            const std::string address = server_name_.substr(0, server_name_.find('%'));
            if (X509_VERIFY_PARAM_set1_ip_asc(param, address.c_str()) != 1) {
                X509_VERIFY_PARAM_set1_host(param, address.c_str(), address.size());
            }
        } else {
            // SSL_set_tlsext_host_name, without the macro's C cast.
            SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(server_name_.c_str()));
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            X509_VERIFY_PARAM_set1_host(param, server_name_.c_str(), server_name_.size());
        }
    }

    timer_.expires_after(options_.timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
        if (!wait_ec) self->on_timeout();
    });
    stream_->async_handshake(
        boost::asio::ssl::stream_base::client,
        [self = shared_from_this()](const boost::system::error_code& handshake_ec) {
            self->on_handshake(handshake_ec);
        });
}

void TlsProbe::on_timeout() {
    if (finished_) return;
    timed_out_ = true;
    // Close rather than only cancel: a read that already completed would otherwise let the
    // handshake start a new one that nothing cancels.
    boost::system::error_code ignored;
    stream_->lowest_layer().cancel(ignored);
    stream_->lowest_layer().close(ignored);
}

void TlsProbe::detach_callbacks() {
    SSL* ssl = stream_->native_handle();
    SSL_set_ex_data(ssl, ex_index(), nullptr);
    SSL_set_info_callback(ssl, nullptr);
    SSL_set_cert_cb(ssl, nullptr, nullptr);
    BIO* network_side = SSL_get_rbio(ssl);
    BIO_set_callback_ex(network_side, nullptr);
    BIO_set_callback_arg(network_side, nullptr);
}

void TlsProbe::on_handshake(const boost::system::error_code& ec) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    tls_.ms = elapsed_ms(started_);
    if (timed_out_) return fail_timed_out();
    if (ec) return fail_handshake(ec);

    detach_callbacks();
    SSL* ssl = stream_->native_handle();
    tls_.status = StageStatus::ok;
    tls_.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
        tls_.cipher = SSL_CIPHER_get_name(cipher);
    }
    tls_.detail =
        fmt::format("{} handshake with {} completed ({})", tls_.version, peer_, tls_.cipher);
    if (tls_.client_certificate_requested) {
        tls_.detail += tls_.client_certificate
                           ? fmt::format("; it asked for a client certificate and we presented {}",
                                         tls_.client_certificate->subject)
                           : std::string("; it asked for a client certificate and we had none");
    }
    finish_certificate();
}

void TlsProbe::fail_timed_out() {
    detach_callbacks();
    const std::string timeout = format_duration(options_.timeout);
    fail_tls(Cause::tls_timeout,
             bytes_received_ == 0
                 ? fmt::format("no TLS answer from {} in {}", peer_, timeout)
                 : fmt::format("TLS handshake with {} did not complete in {} ({} bytes received)",
                               peer_, timeout, bytes_received_));
}

void TlsProbe::fail_handshake(const boost::system::error_code& ec) {
    // The rest of what arrived is still in the engine's buffer; read it for the detail.
    BIO* network_side = SSL_get_rbio(stream_->native_handle());
    std::array<char, kFirstBytesKept> scratch{};
    for (int round = 0;
         round < 4 && first_bytes_.size() < kFirstBytesKept && BIO_ctrl_pending(network_side) > 0;
         ++round) {
        if (BIO_read(network_side, scratch.data(), static_cast<int>(scratch.size())) <= 0) break;
    }
    detach_callbacks();
    ERR_clear_error();
    tls_.alert = received_alert_;
    const HandshakeFailure facts{
        ec,           peer_,           received_alert_,      sent_alert_,
        first_bytes_, bytes_received_, received_alert_code_, client_certificate_facts(tls_)};
    TlsFailure failure = handshake_failure(facts);
    fail_tls(failure.cause, std::move(failure.detail));
}

void TlsProbe::fail_tls(Cause cause, std::string detail) {
    tls_.status = StageStatus::failed;
    tls_.cause = cause;
    tls_.detail = std::move(detail);
    certificate_.status = StageStatus::skipped;
    deliver(nullptr);
}

void TlsProbe::finish_certificate() {
    const auto certificate_started = SteadyClock::now();
    certificate_.chain = context_->chains().presented(stream_->native_handle());
    if (certificate_.chain.empty()) {
        certificate_.status = StageStatus::failed;
        certificate_.cause = Cause::cert_invalid;
        certificate_.detail = fmt::format("{} sent no certificate", peer_);
    } else {
        const CertificateCheck check{server_name_.empty() ? peer_ : server_name_,
                                     options_.warn_days, options_.now, options_.verify_hostname,
                                     options_.verify_certificate};
        CertificateVerdict verdict = certificate_verdict(certificate_, error_subjects_, check);
        certificate_.status = verdict.status;
        certificate_.cause = verdict.cause;
        certificate_.detail = std::move(verdict.detail);
        certificate_.days_left = verdict.days_left;
    }
    certificate_.ms = elapsed_ms(certificate_started);
    deliver(stream_);
}

void TlsProbe::deliver(std::shared_ptr<TlsStream> stream) {
    // Always posted: the caller never sees its completion run inside its own call stack.
    boost::asio::post(stream_->get_executor(), [done = std::move(done_), tls = std::move(tls_),
                                                certificate = std::move(certificate_),
                                                stream = std::move(stream)]() mutable {
        done(std::move(tls), std::move(certificate), std::move(stream));
    });
}

}  // namespace

void probe_tls(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> context,
               const TlsProbeOptions& options, TlsDone done) {
    auto probe =
        std::make_shared<TlsProbe>(std::move(socket), std::move(context), options, std::move(done));
    probe->start();
}

}  // namespace vpcprobe
