// SPDX-License-Identifier: Apache-2.0
#include "agent/serve_tls_context.h"

#include <chrono>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agent/event_log.h"
#include "probes/tls/tls_context.h"

namespace vpcprobe {

namespace {

void log_build(const TlsContextBuildReason& reason, std::chrono::steady_clock::duration took,
               std::uint64_t builds) {
    std::vector<LogField> fields = {{"reason", std::string(reason.name())}};
    if (reason.kind == TlsContextBuildReason::Kind::file_changed) {
        fields.push_back({"file", reason.file});
    }
    fields.push_back(
        {"build_ms",
         fmt::format("{:.1f}", std::chrono::duration<double, std::milli>(took).count())});
    fields.push_back({"builds", std::to_string(builds)});
    log_event("tls_context", fields);
}

}  // namespace

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

std::optional<TlsContextBuildReason> ServeTlsContext::rebuild_reason(
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

Result<std::shared_ptr<TlsContext>> ServeTlsContext::get(const ProbeSettings& settings,
                                                         std::uint64_t generation) {
    const auto reason = rebuild_reason(generation);
    if (!reason) return context_;
    // The signatures are taken before the files are read: a file changed while the context is
    // being built is then seen as changed at the next run, never missed.
    files_ = TrustFiles(trust_file_paths(settings));
    generation_ = generation;
    context_.reset();
    const auto started = std::chrono::steady_clock::now();
    auto created = TlsContext::create(settings);
    if (!created) return std::move(created).error();
    context_ = std::move(*created);
    ++builds_;
    log_build(*reason, std::chrono::steady_clock::now() - started, builds_);
    return context_;
}

}  // namespace vpcprobe
