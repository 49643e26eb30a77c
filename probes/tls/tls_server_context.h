// SPDX-License-Identifier: Apache-2.0
// The server side of TLS, for `vpcprobe serve`'s listener: a context built from the web
// configuration's tls_server_config (core/tls_server_settings.h), with the certificate and key
// loaded and checked by the same loaders as the client identity (probes/tls/key_stores.h), so a
// bad file is worded as every other TLS file is, and the client authentication policies of
// Go's tls.ClientAuthType mapped to OpenSSL's verify modes. It lives with the rest of the TLS
// code so that OpenSSL stays in one layer (docs/architecture.md, "The folders are the stages");
// agent/serve_http.cpp runs its sessions over it.
//
// Threading: built on any thread, then used by one io_context's thread (handshakes read it);
// a new configuration builds a new one rather than changing one in use.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "core/result.h"
#include "core/tls_server_settings.h"

namespace vpcprobe {

class TlsServerContext {
  public:
    // Errors name the key and file: "tls_server_config.key_file /etc/x.key: ...".
    static Result<std::shared_ptr<TlsServerContext>> create(const TlsServerSettings& settings);

    boost::asio::ssl::context& native() { return context_; }

    explicit TlsServerContext(boost::asio::ssl::context context) : context_(std::move(context)) {}

  private:
    boost::asio::ssl::context context_;
};

}  // namespace vpcprobe
