// SPDX-License-Identifier: Apache-2.0
// The TLS sniff (probes/tls/tls_sniff.h): one ClientHello out, one record header in.
#include "probes/tls/tls_sniff.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "core/address.h"
#include "core/duration.h"
#include "probes/tls/openssl_handle.h"

namespace vpcprobe {

namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// The largest record a TLS peer may send (RFC 8446 5.2: 2^14 plus expansion).
constexpr unsigned kLargestRecord = 16384 + 2048;

constexpr std::uint8_t kAlertRecord = 21;
constexpr std::uint8_t kHandshakeRecord = 22;

// OpenSSL's first flight as a client, taken from a memory BIO: the handshake stops there (it
// waits for a ServerHello that never reaches this SSL object). Empty when OpenSSL fails.
std::vector<std::uint8_t> client_hello(const std::string& server_name) {
    std::unique_ptr<SSL_CTX, FreeWith<SSL_CTX_free>> context(SSL_CTX_new(TLS_client_method()));
    if (!context) return {};
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
    std::unique_ptr<SSL, FreeWith<SSL_free>> ssl(SSL_new(context.get()));
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    if (!ssl || in == nullptr || out == nullptr) {
        BIO_free(in);
        BIO_free(out);
        ERR_clear_error();
        return {};
    }
    SSL_set_bio(ssl.get(), in, out);  // the SSL object owns both from here
    SSL_set_connect_state(ssl.get());
    if (!server_name.empty() && !ip_literal(server_name)) {
        // SSL_set_tlsext_host_name, without the macro's C cast.
        SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(server_name.c_str()));
    }
    SSL_do_handshake(ssl.get());  // -1 with SSL_ERROR_WANT_READ: the ClientHello is written
    ERR_clear_error();
    char* data = nullptr;
    const long length = BIO_get_mem_data(out, &data);
    if (length <= 0 || data == nullptr) return {};
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
    return std::vector<std::uint8_t>(bytes, bytes + length);
}

std::string hex_of(const std::string& bytes) {
    std::string hex;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        hex += fmt::format("{}{:02x}", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
    }
    return hex;
}

// What a read or write error says of the peer, when no byte came.
std::string no_answer(const boost::system::error_code& ec) {
    if (ec == asio::error::eof) return "a close without an answer";
    if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        return "a reset without an answer";
    }
    return "no answer: " + ec.message();
}

class Sniffer : public std::enable_shared_from_this<Sniffer> {
  public:
    Sniffer(asio::ip::tcp::socket socket, TlsSniffOptions options, TlsSniffDone done)
        : socket_(std::move(socket)),
          timer_(socket_.get_executor()),
          options_(std::move(options)),
          done_(std::move(done)) {}

    void start() {
        started_ = SteadyClock::now();
        hello_ = client_hello(options_.server_name);
        if (hello_.empty()) {
            TlsSniff sniff;
            sniff.saw = "no ClientHello: OpenSSL could not make one";
            return finish(std::move(sniff));
        }
        timer_.expires_after(options_.timeout);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || self->finished_) return;
            self->timed_out_ = true;
            boost::system::error_code ignored;
            self->socket_.close(ignored);  // the pending write or read ends with an error
        });
        asio::async_write(socket_, asio::buffer(hello_),
                          [self = shared_from_this()](const boost::system::error_code& ec,
                                                      std::size_t) { self->on_written(ec); });
    }

  private:
    void on_written(const boost::system::error_code& ec) {
        if (ec) return finish_without_bytes(ec);
        read_more();
    }

    void read_more() {
        socket_.async_read_some(
            asio::buffer(answer_.data() + received_, answer_.size() - received_),
            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                self->on_read(ec, n);
            });
    }

    void on_read(const boost::system::error_code& ec, std::size_t n) {
        received_ += n;
        const std::string bytes(answer_.data(), received_);
        if (received_ == answer_.size()) return finish(judge_tls_answer(bytes, false));
        if (!ec) return read_more();
        if (received_ == 0 || timed_out_) return finish_without_bytes(ec);
        finish(judge_tls_answer(bytes, true));
    }

    void finish_without_bytes(const boost::system::error_code& ec) {
        TlsSniff sniff;
        sniff.bytes_received = received_;
        if (timed_out_) {
            sniff.saw = received_ == 0
                            ? fmt::format("no answer in {}", format_duration(options_.timeout))
                            : fmt::format("{} bytes and then nothing in {}", received_,
                                          format_duration(options_.timeout));
        } else {
            sniff.saw = no_answer(ec);
        }
        finish(std::move(sniff));
    }

    void finish(TlsSniff sniff) {
        if (finished_) return;
        finished_ = true;
        timer_.cancel();
        boost::system::error_code ignored;
        socket_.close(ignored);
        sniff.ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - started_).count();
        // Always posted: the caller never sees its completion run inside its own call stack.
        asio::post(socket_.get_executor(),
                   [done = std::move(done_), sniff = std::move(sniff)]() mutable {
                       done(std::move(sniff));
                   });
    }

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    TlsSniffOptions options_;
    TlsSniffDone done_;
    std::vector<std::uint8_t> hello_;
    std::array<char, kRecordHeaderBytes> answer_{};
    std::size_t received_ = 0;
    SteadyClock::time_point started_{};
    bool timed_out_ = false;
    bool finished_ = false;
};

}  // namespace

TlsSniff judge_tls_answer(const std::string& first_bytes, bool closed) {
    TlsSniff sniff;
    sniff.bytes_received = first_bytes.size();
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(first_bytes[i]); };
    const std::string shown = "bytes " + hex_of(first_bytes);
    if (first_bytes.size() < 3) {
        sniff.saw = fmt::format("{} and then {}, too few for a TLS record header", shown,
                                closed ? "a close" : "nothing");
        return sniff;
    }
    const bool record_type = byte(0) == kHandshakeRecord || byte(0) == kAlertRecord;
    const bool version = byte(1) == 3 && byte(2) <= 4;
    const unsigned length = first_bytes.size() >= 5 ? (byte(3) << 8) | byte(4) : 1;
    if (!record_type || !version || length == 0 || length > kLargestRecord) {
        sniff.saw = fmt::format("{}, which is not TLS", shown);
        return sniff;
    }
    sniff.speaks_tls = true;
    sniff.saw = byte(0) == kHandshakeRecord ? "a TLS handshake record (its ServerHello)"
                                            : "a TLS alert record";
    return sniff;
}

void sniff_tls(asio::ip::tcp::socket socket, const TlsSniffOptions& options, TlsSniffDone done) {
    std::make_shared<Sniffer>(std::move(socket), options, std::move(done))->start();
}

}  // namespace vpcprobe
