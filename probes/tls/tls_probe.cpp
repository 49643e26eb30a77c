// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/tls_probe.h"
#include "probes/tls/openssl_handle.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "probes/error_map.h"

namespace vpcprobe {

namespace {

using SteadyClock = std::chrono::steady_clock;

using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free>>;
using CertPtr = std::unique_ptr<X509, FreeWith<X509_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;

std::string openssl_reason(unsigned long code) {
    const char* reason = ERR_reason_error_string(code);
    if (reason != nullptr) return reason;
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    return buffer.data();
}

// ---------------------------------------------------------------------------------------------
// --ca-file loading

// Adds every certificate of one PEM file to the store; "" on success, else what is wrong.
std::string add_ca_file(X509_STORE* store, const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return std::strerror(errno);
    if (S_ISDIR(info.st_mode)) return "is a directory, not a PEM file";
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::strerror(errno != 0 ? errno : EACCES);
    std::ostringstream content;
    content << in.rdbuf();
    const std::string text = content.str();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "the file is empty";

    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    if (!bio) return "out of memory";
    ERR_clear_error();
    int added = 0;
    while (true) {
        CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        if (X509_STORE_add_cert(store, cert.get()) != 1) {
            const std::string reason = openssl_reason(ERR_get_error());
            ERR_clear_error();
            return "cannot add a certificate to the trust store: " + reason;
        }
        ++added;
    }
    const unsigned long last = ERR_peek_last_error();
    ERR_clear_error();
    // Running out of PEM blocks ends the loop with "no start line"; anything else is damage.
    const bool clean_end =
        ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
    if (last != 0 && !clean_end) return "malformed PEM certificate: " + openssl_reason(last);
    if (added == 0) return "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)";
    return "";
}

// ---------------------------------------------------------------------------------------------
// Certificate facts

std::string name_text(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

SystemTime to_system_time(const ASN1_TIME* time) {
    std::tm parts{};
    if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return SystemTime{};
    return std::chrono::system_clock::from_time_t(::timegm(&parts));
}

std::vector<std::string> subject_alt_names(X509* cert) {
    std::vector<std::string> out;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* entry = sk_GENERAL_NAME_value(names.get(), i);
        if (entry->type == GEN_DNS) {
            const ASN1_STRING* text = entry->d.dNSName;
            out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                             static_cast<std::size_t>(ASN1_STRING_length(text)));
        } else if (entry->type == GEN_IPADD) {
            const ASN1_OCTET_STRING* raw = entry->d.iPAddress;
            const unsigned char* bytes = ASN1_STRING_get0_data(raw);
            const int length = ASN1_STRING_length(raw);
            if (length == 4) {
                boost::asio::ip::address_v4::bytes_type v4{};
                std::memcpy(v4.data(), bytes, v4.size());
                out.push_back(boost::asio::ip::address_v4(v4).to_string());
            } else if (length == 16) {
                boost::asio::ip::address_v6::bytes_type v6{};
                std::memcpy(v6.data(), bytes, v6.size());
                out.push_back(boost::asio::ip::address_v6(v6).to_string());
            }
        }
    }
    return out;
}

std::string sha256_hex(X509* cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1) return "";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
}

CertificateInfo describe_certificate(X509* cert) {
    CertificateInfo info;
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
    info.sans = subject_alt_names(cert);
    info.not_before = to_system_time(X509_get0_notBefore(cert));
    info.not_after = to_system_time(X509_get0_notAfter(cert));
    info.sha256 = sha256_hex(cert);
    info.self_issued = (X509_get_extension_flags(cert) & EXFLAG_SI) != 0;
    return info;
}

std::string date_text(SystemTime time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    return fmt::format("{:04}-{:02}-{:02}", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday);
}

std::string duration_text(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
    if (ms < 1000) return fmt::format("{}ms", ms);
    return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
}

double elapsed_ms(SteadyClock::time_point since) {
    return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
}

bool is_ip_literal(const std::string& text) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(text, ec);
    return !ec;
}

// What the first bytes from the peer say. A TLS record header is a content type 20..24, a
// version 3.0..3.4 and a length of at most 2^14 + 2048; HTTP text, a Kafka length prefix or
// noise fails that at once (random bytes pass it about once in 10^7).
bool looks_like_tls(const std::string& bytes) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if (bytes.empty()) return true;  // nothing to judge by
    if (byte(0) < 20 || byte(0) > 24) return false;
    if (bytes.size() >= 2 && byte(1) != 3) return false;
    if (bytes.size() >= 3 && byte(2) > 4) return false;
    if (bytes.size() >= 5 && ((byte(3) << 8) | byte(4)) > 16384 + 2048) return false;
    return true;
}

// The record-layer complaints OpenSSL makes about bytes that are not TLS records; consulted
// only when the bytes themselves were not seen.
bool record_layer_says_not_tls(int reason) {
    switch (reason) {
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
        case SSL_R_UNKNOWN_PROTOCOL:
            return true;
        default:
            return false;
    }
}

// The first bytes for a person: a text line when it is text, else hex.
std::string quote_bytes(const std::string& bytes) {
    bool printable = true;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 || byte >= 0x7f) && byte != '\r' && byte != '\n' && byte != '\t') {
            printable = false;
            break;
        }
    }
    if (printable) {
        std::string line = bytes.substr(0, bytes.find_first_of("\r\n"));
        if (line.size() > 48) line = line.substr(0, 48) + "...";
        return "\"" + line + "\"";
    }
    std::string hex;
    for (std::size_t i = 0; i < bytes.size() && i < 16; ++i) {
        hex += fmt::format("{}{:02x}", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
    }
    return "bytes " + hex + (bytes.size() > 16 ? " ..." : "");
}

// ---------------------------------------------------------------------------------------------
// One probe

// The certificate a verify error was about, kept for the detail sentence.
struct ErrorSubject {
    std::string subject;
    std::string issuer;
    SystemTime not_before{};
    SystemTime not_after{};
};

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
    void on_alert(int value, bool received);
    void on_bytes_read(const char* data, std::size_t length);

  private:
    void on_handshake(const boost::system::error_code& ec);
    void on_timeout();
    void detach_callbacks();
    void fail_tls(Cause cause, std::string detail);
    void finish_certificate();
    std::string handshake_failure_detail(const boost::system::error_code& ec, int reason) const;
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
    std::vector<ErrorSubject> error_subjects_;  // parallel to certificate_.verify_errors
    std::string received_alert_;
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
    // verdict comes afterwards from every error seen (design.md, "Certificate verification").
    if (preverify_ok == 1) return 1;
    const auto* ssl = static_cast<const SSL*>(
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (TlsProbe* probe = probe_of(ssl)) probe->on_verify_error(store);
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
    ErrorSubject about;
    if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
        about.subject = name_text(X509_get_subject_name(cert));
        about.issuer = name_text(X509_get_issuer_name(cert));
        about.not_before = to_system_time(X509_get0_notBefore(cert));
        about.not_after = to_system_time(X509_get0_notAfter(cert));
    }
    certificate_.verify_errors.push_back(std::move(error));
    error_subjects_.push_back(std::move(about));
}

void TlsProbe::on_alert(int value, bool received) {
    const std::string text = SSL_alert_desc_string_long(value);
    if (received) {
        if (received_alert_.empty()) received_alert_ = text;
    } else if (sent_alert_.empty()) {
        sent_alert_ = text;
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
        peer_ = remote.address().is_v6()
                    ? fmt::format("[{}]:{}", remote.address().to_string(), remote.port())
                    : fmt::format("{}:{}", remote.address().to_string(), remote.port());
    } else {
        peer_ = server_name_;
    }

    SSL* ssl = stream_->native_handle();
    SSL_set_ex_data(ssl, ex_index(), this);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, &verify_callback);
    SSL_set_info_callback(ssl, &info_callback);
    BIO* network_side = SSL_get_rbio(ssl);
    BIO_set_callback_ex(network_side, &bio_callback);
    BIO_set_callback_arg(network_side, static_cast<char*>(static_cast<void*>(this)));

    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (!server_name_.empty()) {
        if (is_ip_literal(server_name_)) {
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
    BIO* network_side = SSL_get_rbio(ssl);
    BIO_set_callback_ex(network_side, nullptr);
    BIO_set_callback_arg(network_side, nullptr);
}

void TlsProbe::on_handshake(const boost::system::error_code& ec) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    tls_.ms = elapsed_ms(started_);

    if (timed_out_) {
        detach_callbacks();
        fail_tls(
            Cause::tls_timeout,
            bytes_received_ == 0
                ? fmt::format("no TLS answer from {} in {}", peer_, duration_text(options_.timeout))
                : fmt::format("TLS handshake with {} did not complete in {} ({} bytes "
                              "received)",
                              peer_, duration_text(options_.timeout), bytes_received_));
        return;
    }

    if (ec) {
        // The rest of what arrived is still in the engine's buffer; read it for the detail.
        BIO* network_side = SSL_get_rbio(stream_->native_handle());
        std::array<char, kFirstBytesKept> scratch{};
        for (int round = 0; round < 4 && first_bytes_.size() < kFirstBytesKept &&
                            BIO_ctrl_pending(network_side) > 0;
             ++round) {
            if (BIO_read(network_side, scratch.data(), static_cast<int>(scratch.size())) <= 0) {
                break;
            }
        }
        detach_callbacks();
        ERR_clear_error();
        const bool openssl_error = ec.category() == boost::asio::error::get_ssl_category();
        const int reason =
            openssl_error ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) : 0;
        if (!received_alert_.empty()) {
            tls_.alert = received_alert_;
            fail_tls(Cause::tls_handshake_failed,
                     fmt::format("{} sent TLS alert \"{}\" during the handshake", peer_,
                                 received_alert_));
        } else if (!looks_like_tls(first_bytes_) ||
                   (first_bytes_.empty() && openssl_error && record_layer_says_not_tls(reason))) {
            fail_tls(Cause::tls_not_tls,
                     first_bytes_.empty()
                         ? fmt::format("{} answered with something that is not TLS ({})", peer_,
                                       openssl_reason(static_cast<unsigned long>(ec.value())))
                         : fmt::format("{} answered with something that is not TLS: {}", peer_,
                                       quote_bytes(first_bytes_)));
        } else {
            fail_tls(Cause::tls_handshake_failed, handshake_failure_detail(ec, reason));
        }
        return;
    }

    detach_callbacks();
    SSL* ssl = stream_->native_handle();
    tls_.status = StageStatus::ok;
    tls_.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl)) {
        tls_.cipher = SSL_CIPHER_get_name(cipher);
    }
    tls_.detail =
        fmt::format("{} handshake with {} completed ({})", tls_.version, peer_, tls_.cipher);
    finish_certificate();
}

std::string TlsProbe::handshake_failure_detail(const boost::system::error_code& ec,
                                               int reason) const {
    const bool eof = ec == boost::asio::error::eof ||
                     ec == boost::asio::ssl::error::stream_truncated ||
                     reason == SSL_R_UNEXPECTED_EOF_WHILE_READING;
    if (eof) {
        return bytes_received_ == 0
                   ? fmt::format("{} closed the connection without a TLS answer", peer_)
                   : fmt::format("{} closed the connection during the TLS handshake", peer_);
    }
    if (ec == boost::asio::error::connection_reset || ec == boost::asio::error::broken_pipe) {
        return bytes_received_ == 0
                   ? fmt::format("{} reset the connection without a TLS answer", peer_)
                   : fmt::format("{} reset the connection during the TLS handshake", peer_);
    }
    std::string what = ec.category() == boost::asio::error::get_ssl_category()
                           ? openssl_reason(static_cast<unsigned long>(ec.value()))
                           : ec.message();
    if (!sent_alert_.empty()) what += fmt::format("; we sent alert \"{}\"", sent_alert_);
    return fmt::format("TLS handshake with {} failed: {}", peer_, what);
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
    SSL* ssl = stream_->native_handle();
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i) {
            certificate_.chain.push_back(describe_certificate(sk_X509_value(chain, i)));
        }
    }
    if (certificate_.chain.empty()) {
        if (X509* leaf = SSL_get0_peer_certificate(ssl)) {
            certificate_.chain.push_back(describe_certificate(leaf));
        }
    }

    const std::string& target = server_name_.empty() ? peer_ : server_name_;
    if (certificate_.chain.empty()) {
        certificate_.status = StageStatus::failed;
        certificate_.cause = Cause::cert_invalid;
        certificate_.detail = fmt::format("{} sent no certificate", peer_);
        certificate_.ms = elapsed_ms(certificate_started);
        deliver(stream_);
        return;
    }

    const CertificateInfo* earliest = &certificate_.chain.front();
    for (const auto& info : certificate_.chain) {
        if (info.not_after < earliest->not_after) earliest = &info;
    }
    const auto left = std::chrono::floor<std::chrono::days>(earliest->not_after - options_.now);
    certificate_.days_left = static_cast<int>(left.count());

    const Cause cause = certificate_cause(certificate_.verify_errors);
    const CertificateInfo& leaf = certificate_.chain.front();
    if (cause != Cause::none) {
        // Describe the first error that produced the reported cause.
        std::size_t index = 0;
        for (; index < certificate_.verify_errors.size(); ++index) {
            const auto& error = certificate_.verify_errors[index];
            if (cause_from_x509(error.code, error.depth) == cause) break;
        }
        const VerifyError& error = certificate_.verify_errors[index];
        const ErrorSubject& about = error_subjects_[index];
        const std::string& subject = about.subject.empty() ? leaf.subject : about.subject;
        std::string detail;
        switch (cause) {
            case Cause::cert_expired:
                detail = error.depth == 0
                             ? fmt::format("certificate for {} expired on {} ({})", target,
                                           date_text(about.not_after), subject)
                             : fmt::format("CA certificate {} in the chain for {} expired on {}",
                                           subject, target, date_text(about.not_after));
                break;
            case Cause::cert_not_yet_valid:
                detail = fmt::format(
                    "certificate {} for {} is not valid before {} (or this host's clock is "
                    "wrong)",
                    subject, target, date_text(about.not_before));
                break;
            case Cause::cert_hostname_mismatch: {
                std::string names;
                for (const auto& san : leaf.sans) names += (names.empty() ? "" : ", ") + san;
                detail = fmt::format("certificate does not cover {}: it is for {} ({})", target,
                                     names.empty() ? std::string("no names") : names, leaf.subject);
                break;
            }
            case Cause::cert_self_signed:
                detail = fmt::format("certificate for {} is self-signed and not trusted ({})",
                                     target, subject);
                break;
            case Cause::cert_incomplete_chain:
                detail = fmt::format(
                    "the server sent {} certificate(s) and the issuer of {} ({}) was neither "
                    "sent nor trusted: a missing intermediate",
                    certificate_.chain.size(), subject, about.issuer);
                break;
            case Cause::cert_untrusted:
                detail = fmt::format(
                    "the chain for {} ends at {}, a CA this host does not trust (add it with "
                    "--ca-file?)",
                    target,
                    error.code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ? subject : about.issuer);
                break;
            default:
                detail =
                    error.code == X509_V_ERR_CERT_CHAIN_TOO_LONG
                        ? fmt::format(
                              "the chain for {} is too long: verification stops at "
                              "depth {} ({} certificates sent)",
                              target, error.depth, certificate_.chain.size())
                        : fmt::format("certificate for {} failed verification: {} at depth {} ({})",
                                      target, error.text, error.depth, subject);
                break;
        }
        certificate_.status = StageStatus::failed;
        certificate_.cause = cause;
        certificate_.detail = std::move(detail);
    } else if (*certificate_.days_left < options_.warn_days) {
        certificate_.status = StageStatus::warning;
        certificate_.cause = Cause::cert_expiring_soon;
        certificate_.detail = fmt::format(
            "certificate {} expires on {}, in {} days (warning at {} days)", earliest->subject,
            date_text(earliest->not_after), *certificate_.days_left, options_.warn_days);
    } else {
        certificate_.status = StageStatus::ok;
        certificate_.detail = fmt::format(
            "certificate for {} verified, valid until {} ({} days), issued by {}", target,
            date_text(earliest->not_after), *certificate_.days_left, leaf.issuer);
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

Result<void> check_trust_anchor_file(const std::string& path) {
    std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>> store(X509_STORE_new());
    if (!store) return Error("out of memory");
    if (std::string problem = add_ca_file(store.get(), path); !problem.empty()) {
        return Error(std::move(problem));
    }
    return {};
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const std::vector<std::string>& ca_files) {
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // Every probe must see the full handshake and chain: never resume a session.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    // Verification must fail closed for any other user of this context; probe_tls installs
    // its recording callback per connection.
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    // A host without a system store still works with --ca-file; nothing to report here.
    SSL_CTX_set_default_verify_paths(native);
    ERR_clear_error();
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& path : ca_files) {
        const std::string problem = add_ca_file(store, path);
        if (!problem.empty()) return Error(fmt::format("--ca-file {}: {}", path, problem));
    }
    return std::make_shared<TlsContext>(std::move(context));
}

void probe_tls(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> context,
               const TlsProbeOptions& options, TlsDone done) {
    auto probe =
        std::make_shared<TlsProbe>(std::move(socket), std::move(context), options, std::move(done));
    probe->start();
}

}  // namespace vpcprobe
