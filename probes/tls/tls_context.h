// SPDX-License-Identifier: Apache-2.0
// The trust a TLS probe verifies against: the system store plus each --ca-file, in one
// client context that never resumes a session (every probe must see the full handshake and
// chain). The same --ca-file check, for the command line to refuse a bad file early, is
// declared in probes/tls/trust_anchors.h.
//
// Threading: create a TlsContext once per run; it is shared by every probe of the run (on the
// io_context's thread) and must outlive them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "core/result.h"
#include "probes/tls/trust_anchors.h"

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

}  // namespace vpcprobe
