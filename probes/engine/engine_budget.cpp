// SPDX-License-Identifier: Apache-2.0
#include "probes/engine/engine_budget.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace vpcprobe {

namespace {

// The soft RLIMIT_NOFILE, 0 when unlimited or unknown.
std::size_t soft_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<std::size_t>(limit.rlim_cur);
}

// Descriptors open now below `limit` (F_GETFD on each: no descriptor of its own needed, and
// cheap for the small limits it is used for).
std::size_t open_descriptors(std::size_t limit) {
    std::size_t open = 0;
    for (std::size_t fd = 0; fd < limit; ++fd) {
        if (fcntl(static_cast<int>(fd), F_GETFD) != -1) ++open;
    }
    return open;
}

bool small_limit(std::size_t soft_limit) {
    return soft_limit != 0 && soft_limit <= 2 * reserved_descriptors;
}

}  // namespace

DescriptorUse current_descriptor_use() {
    DescriptorUse use;
    use.soft_limit = soft_descriptor_limit();
    if (small_limit(use.soft_limit)) use.open = open_descriptors(use.soft_limit);
    return use;
}

std::size_t descriptors_kept(std::size_t open, std::size_t dns_servers) {
    return open + 2 * dns_servers + 2;
}

std::size_t socket_budget(std::size_t configured, const DescriptorUse& use,
                          std::size_t dns_servers) {
    if (configured > 0) return configured;
    if (use.soft_limit == 0) return unlimited_socket_budget;
    if (!small_limit(use.soft_limit)) return use.soft_limit - reserved_descriptors;
    const std::size_t kept = std::max(use.soft_limit / 2, descriptors_kept(use.open, dns_servers));
    return use.soft_limit > kept ? use.soft_limit - kept : 0;
}

Error too_few_descriptors(const DescriptorUse& use, std::size_t dns_servers) {
    return Error(fmt::format(
        "too few file descriptors: the limit is {} (ulimit -n), {} are open, and a check needs "
        "at least {}; raise it (1024 or more lets many probes run at once)",
        use.soft_limit, use.open, descriptors_kept(use.open, dns_servers) + 1));
}

Error out_of_descriptors_with_none_open(std::size_t soft_limit, std::string_view detail) {
    return Error(fmt::format("out of file descriptors (ulimit -n {}) with no probe in flight: {}",
                             soft_limit, detail));
}

bool out_of_descriptors(const boost::system::error_code& error) {
    return error.category() == boost::system::system_category() &&
           (error.value() == EMFILE || error.value() == ENFILE);
}

bool out_of_descriptors(const TcpEvidence& tcp) {
    return tcp.status == StageStatus::failed &&
           (tcp.error_number == EMFILE || tcp.error_number == ENFILE);
}

}  // namespace vpcprobe
