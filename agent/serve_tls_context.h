// SPDX-License-Identifier: Apache-2.0
// `vpcprobe serve`'s TLS context, kept from run to run: building one loads the trust store and
// the client identity, which costs more than many probes, and nothing in it changes between
// runs of one configuration. It is rebuilt when the configuration changes (SIGHUP: a new
// generation of the command) or when a file it was built from changed (probes/tls/trust_files.h,
// compared when a run asks for the context), and each build is logged as `event=tls_context`
// with its reason. docs/serve.md ("TLS context") is the user's guide.
//
// Threading: owned and used by serve's scheduler thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/probe_settings.h"
#include "core/result.h"
#include "probes/tls/trust_files.h"

namespace vpcprobe {

class TlsContext;

// Why a context is built: the first run, a new configuration generation, a file it was built
// from that changed (named), or the previous build having failed.
struct TlsContextBuildReason {
    enum class Kind { first_run, reload, file_changed, retry };
    Kind kind = Kind::first_run;
    std::string file;  // the changed file, for file_changed

    // "first_run", "reload", "file_changed", "retry".
    std::string_view name() const;
};

class ServeTlsContext {
  public:
    // The context for a run of `settings` in configuration `generation`: the one kept when the
    // generation is the same and none of its files changed, else a new one. A build that fails
    // returns the Error a run would report without this cache (the next call tries again).
    Result<std::shared_ptr<TlsContext>> get(const ProbeSettings& settings,
                                            std::uint64_t generation);

    // Why get() would build a context now, or nullopt when it would reuse the kept one.
    std::optional<TlsContextBuildReason> rebuild_reason(std::uint64_t generation) const;

    // Contexts built since serve started (failed builds not counted).
    std::uint64_t builds() const { return builds_; }

  private:
    std::shared_ptr<TlsContext> context_;
    std::optional<std::uint64_t> generation_;  // of the last build attempt
    TrustFiles files_;                         // as they were before the last build attempt
    std::uint64_t builds_ = 0;
};

}  // namespace vpcprobe
