// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/kept_tls_context.h"

#include <utility>

#include "probes/tls/tls_context.h"

namespace vpcprobe {

std::string_view TlsContextBuildReason::name() const {
    switch (kind) {
        case Kind::first_run:
            return "first_run";
        case Kind::reload:
            return "reload";
        case Kind::file_changed:
            return "file_changed";
        case Kind::retry:
            return "retry";
    }
    return "first_run";
}

std::optional<TlsContextBuildReason> KeptTlsContext::rebuild_reason(
    std::uint64_t generation) const {
    using Kind = TlsContextBuildReason::Kind;
    if (!generation_) return TlsContextBuildReason{Kind::first_run, {}};
    if (*generation_ != generation) return TlsContextBuildReason{Kind::reload, {}};
    if (!context_) return TlsContextBuildReason{Kind::retry, {}};
    if (auto changed = files_.first_changed()) {
        return TlsContextBuildReason{Kind::file_changed, std::move(*changed)};
    }
    return std::nullopt;
}

Result<std::shared_ptr<TlsContext>> KeptTlsContext::get(const ProbeSettings& settings,
                                                        std::uint64_t generation,
                                                        std::optional<TlsContextBuild>* built) {
    auto reason = rebuild_reason(generation);
    if (!reason) return context_;
    // The signatures are taken before the files are read: a file changed while the context is
    // being built is then seen as changed by the next call, never missed.
    files_ = TrustFiles(trust_file_paths(settings));
    generation_ = generation;
    context_.reset();
    const auto started = std::chrono::steady_clock::now();
    auto created = TlsContext::create(settings);
    if (!created) return std::move(created).error();
    context_ = std::move(*created);
    ++builds_;
    if (built != nullptr) {
        *built = TlsContextBuild{std::move(*reason), std::chrono::steady_clock::now() - started};
    }
    return context_;
}

}  // namespace vpcprobe
