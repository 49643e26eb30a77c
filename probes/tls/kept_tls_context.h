// SPDX-License-Identifier: Apache-2.0
// A TLS context kept from run to run, for `vpcprobe serve`: building one loads the trust store
// and the client identity, which costs more than many probes, and nothing in it changes between
// runs of one configuration. It is rebuilt when the configuration changes (SIGHUP: a new
// generation of the command) or when a file it was built from changed (probes/tls/trust_files.h,
// compared each time a run asks for the context); each build says why, for serve's log.
// docs/serve.md ("TLS context") is the user's guide.
//
// Threading: used by one thread at a time (serve's scheduler thread); the contexts it hands
// out follow probes/tls/tls_context.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/probe_settings.h"
#include "core/result.h"
#include "probes/tls/trust_files.h"

namespace vpcprobe {

class TlsContext;  // probes/tls/tls_context.h

// Why a context is built: the first time, a new configuration generation, a file it was built
// from that changed (named), or the previous build having failed.
struct TlsContextBuildReason {
    enum class Kind { first_run, reload, file_changed, retry };
    Kind kind = Kind::first_run;
    std::string file;  // the changed file, for file_changed

    // "first_run", "reload", "file_changed", "retry".
    std::string_view name() const;
};

// A build that succeeded: why, and how long it took.
struct TlsContextBuild {
    TlsContextBuildReason reason;
    std::chrono::steady_clock::duration took{};
};

class KeptTlsContext {
  public:
    // The context for a run of `settings` in configuration `generation`: the one kept when the
    // generation is the same and none of its files changed, else a new one (then `built`, when
    // given, says why). A build that fails returns the Error TlsContext::create gives, and the
    // next call tries again.
    Result<std::shared_ptr<TlsContext>> get(const ProbeSettings& settings, std::uint64_t generation,
                                            std::optional<TlsContextBuild>* built = nullptr);

    // Why get() would build a context now, or nullopt when it would hand out the kept one.
    std::optional<TlsContextBuildReason> rebuild_reason(std::uint64_t generation) const;

    // Contexts built so far (failed builds not counted).
    std::uint64_t builds() const { return builds_; }

  private:
    std::shared_ptr<TlsContext> context_;
    std::optional<std::uint64_t> generation_;  // of the last build attempt
    TrustFiles files_;                         // as they were before the last build attempt
    std::uint64_t builds_ = 0;
};

}  // namespace vpcprobe
