// SPDX-License-Identifier: Apache-2.0
// TLS probe: handshake over a connected socket with SNI = the target's hostname, then the
// certificate stage from what the peer presented. Chain verification follows design.md
// ("Certificate verification"): system store plus --ca-file, X509_VERIFY_PARAM_set1_host for
// the name, a verify callback that records every error with its depth and returns success so
// the handshake completes and the full presented chain is always reported; the cause is
// decided after the handshake (probes/error_map.h: certificate_cause).
//
// Threading: call on the io_context's thread; the completion is posted there. A TlsContext is
// shared by every probe of a run and must outlive them.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>

#include "core/evidence.h"
#include "core/result.h"

namespace vpcprobe {

class TlsContext {
  public:
    // System trust store plus each PEM file in ca_files, or an Error naming the file that is
    // unreadable or holds no certificate ("--ca-file FILE: ...").
    static Result<std::shared_ptr<TlsContext>> create(const std::vector<std::string>& ca_files);
    boost::asio::ssl::context& native() { return context_; }

    explicit TlsContext(boost::asio::ssl::context context) : context_(std::move(context)) {}

  private:
    boost::asio::ssl::context context_;
};

// Whether a --ca-file loads as a set of trust anchors: the same check TlsContext::create makes,
// so the command line can refuse a bad file before any probe. The Error says what is wrong,
// without the file's name (the caller says where it came from).
Result<void> check_trust_anchor_file(const std::string& path);

struct TlsProbeOptions {
    std::string server_name;  // SNI and the name verified; an IP literal is verified as an IP
    std::chrono::milliseconds timeout{3000};
    int warn_days = 30;  // cert.expiring_soon when the chain's earliest expiry is nearer
    SystemTime now = std::chrono::system_clock::now();  // injectable clock for days_left
};

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
// The stream is handed on after a completed handshake (for protocol checks); null otherwise.
using TlsDone = std::function<void(TlsEvidence, CertificateEvidence, std::shared_ptr<TlsStream>)>;

void probe_tls(boost::asio::ip::tcp::socket socket, std::shared_ptr<TlsContext> context,
               const TlsProbeOptions& options, TlsDone done);

}  // namespace vpcprobe
