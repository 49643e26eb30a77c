// SPDX-License-Identifier: Apache-2.0
// The one place OpenSSL's own errors are interpreted: how a failed handshake ended (the
// ERR_* reason, an alert, a close or reset, bytes that are not TLS at all) as a tls.* cause and
// detail, and the OpenSSL error queue's codes as text. Certificate verification errors have
// their own map (probes/tls/error_map_x509.h).
// Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <string>

#include <boost/system/error_code.hpp>

#include "core/cause.h"

namespace vpcprobe {

// What a failed handshake left behind, gathered by the TLS probe.
struct HandshakeFailure {
    boost::system::error_code error;  // how the handshake ended
    std::string peer;                 // "addr:port", as details name it
    std::string received_alert;       // the alert the peer sent (alert_text), "" if none
    std::string sent_alert;           // the alert we sent, "" if none
    std::string first_bytes;          // the first bytes the peer sent (a few dozen at most)
    std::size_t bytes_received = 0;
};

// The tls stage's cause and its one-sentence detail.
struct TlsFailure {
    Cause cause = Cause::tls_handshake_failed;
    std::string detail;
};

// tls.not_tls when the peer's bytes (or, without bytes, OpenSSL's record layer) say it does not
// speak TLS; otherwise tls.handshake_failed, naming the alert, close, reset or OpenSSL reason.
TlsFailure handshake_failure(const HandshakeFailure& failure);

// An alert's description for people ("handshake failure"), from the value an info callback
// gets.
std::string alert_text(int alert_value);

// The text of an OpenSSL error-queue code ("no start line").
std::string openssl_error_text(unsigned long code);

// Whether the last error of reading PEM blocks only says the input ran out of them (PEM's
// "no start line"), not that a block was damaged.
bool is_end_of_pem_blocks(unsigned long code);

}  // namespace vpcprobe
