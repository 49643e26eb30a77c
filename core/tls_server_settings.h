// SPDX-License-Identifier: Apache-2.0
// What `vpcprobe serve`'s listener presents and asks of its clients when it serves TLS: the
// `tls_server_config` of its web configuration file (agent/web_config.h reads it; the TLS layer
// builds the server context from it, probes/tls/tls_server_context.h). The client
// authentication policies keep the names and meanings of Go's tls.ClientAuthType, as the
// Prometheus exporter toolkit does, so a web config written for an exporter means the same here.
// Plain values: copy freely, safe from any thread.
#pragma once

#include <optional>
#include <string>

namespace vpcprobe {

enum class ClientAuth {
    no_client_cert,                  // NoClientCert: no certificate asked for
    request_client_cert,             // RequestClientCert: asked for, not required, not verified
    require_any_client_cert,         // RequireAnyClientCert: required, not verified
    verify_client_cert_if_given,     // VerifyClientCertIfGiven: verified when one is sent
    require_and_verify_client_cert,  // RequireAndVerifyClientCert: required and verified
};

enum class TlsVersion { tls10, tls11, tls12, tls13 };

struct TlsServerSettings {
    std::string cert_file;       // PEM: the server's certificate, then its chain
    std::string key_file;        // PEM: its private key (unencrypted)
    std::string client_ca_file;  // PEM: the CAs client certificates are verified against
    ClientAuth client_auth = ClientAuth::no_client_cert;
    TlsVersion min_version = TlsVersion::tls12;  // the exporter toolkit's default
    std::optional<TlsVersion> max_version;       // unset: the newest OpenSSL offers
    friend bool operator==(const TlsServerSettings&, const TlsServerSettings&) = default;
};

}  // namespace vpcprobe
