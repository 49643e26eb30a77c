// SPDX-License-Identifier: Apache-2.0
// The trust a TLS probe verifies against and the certificate it presents, in one client context
// that never resumes a session (every probe must see the full handshake and chain): the system
// store plus each --ca-file, or, when the settings name the client's own trust store, only that
// store's anchors (plus each --ca-file), as for the client; and the client identity of the
// settings (probes/tls/key_stores.h loads both). material() says what was used, for the run's
// evidence. The same checks, for the settings to refuse bad files early, are declared in
// probes/tls/trust_anchors.h.
//
// Threading: create a TlsContext once per run (`serve` keeps one across its runs:
// probes/tls/kept_tls_context.h); it is shared by every probe of the run (on the io_context's
// thread) and must outlive them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "core/evidence.h"
#include "core/probe_settings.h"
#include "core/result.h"
#include "probes/tls/chain_cache.h"
#include "probes/tls/trust_anchors.h"
#include "probes/tls/verify_cache.h"

namespace vpcprobe {

class TlsContext {
  public:
    // The trust and identity of settings.tls plus each of settings.ca_files, or an Error naming
    // the setting and file that does not load ("--ca-file FILE: ...", "client.properties:
    // ssl.keystore.location FILE: wrong password ...").
    static Result<std::shared_ptr<TlsContext>> create(const ProbeSettings& settings);
    // The system store plus each PEM file in ca_files, presenting no certificate.
    static Result<std::shared_ptr<TlsContext>> create(const std::vector<std::string>& ca_files);

    boost::asio::ssl::context& native() { return context_; }
    const TlsMaterialInfo& material() const { return material_; }
    // The chains this context's peers presented, described once each.
    ChainCache& chains() { return chains_; }
    // The chain verifications this context's probes have done, by chain and name.
    VerifyCache& verifications() { return verifications_; }

    TlsContext(boost::asio::ssl::context context, TlsMaterialInfo material)
        : context_(std::move(context)), material_(std::move(material)) {}

  private:
    boost::asio::ssl::context context_;
    TlsMaterialInfo material_;
    ChainCache chains_;
    VerifyCache verifications_;
};

}  // namespace vpcprobe
