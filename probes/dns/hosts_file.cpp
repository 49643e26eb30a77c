// SPDX-License-Identifier: Apache-2.0
#include "probes/dns/hosts_file.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/address.h"
#include "core/text.h"

namespace vpcprobe {

namespace {

std::string normalize(std::string_view name) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    return lower(name);
}

Error unreadable(const std::string& path, const char* reason) {
    return Error(fmt::format("cannot read the hosts file {}: {}", path, reason));
}

}  // namespace

Result<HostsFile> HostsFile::load(const std::string& path) {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        const int error_number = errno;
        if (error_number == ENOENT) return parse("", path);
        return unreadable(path, error_number != 0 ? std::strerror(error_number) : "open failed");
    }
    // Read in pieces, up to the bound and one byte more: a file past it (a huge list,
    // /dev/zero given by mistake) is refused in bounded time and memory rather than read whole,
    // and a usual hosts file costs what it holds, not the bound.
    std::string text;
    char piece[64 * 1024];
    while (text.size() <= kMaxHostsFileBytes && in.read(piece, sizeof piece).gcount() > 0) {
        text.append(piece, static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad()) return unreadable(path, errno != 0 ? std::strerror(errno) : "read error");
    if (text.size() > kMaxHostsFileBytes) {
        return unreadable(path, "larger than 64 MiB, which is no hosts file");
    }
    return parse(text, path);
}

HostsFile HostsFile::parse(std::string_view text, std::string path) {
    HostsFile table;
    table.path_ = std::move(path);
    while (!text.empty()) {
        const auto end = text.find('\n');
        table.add_line(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    }
    return table;
}

void HostsFile::add_line(std::string_view line) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields{std::string(line)};
    std::string address;
    if (!(fields >> address)) return;
    bool v4 = true;
    auto canonical = canonical_address(AF_INET, address);
    if (!canonical) {
        v4 = false;
        canonical = canonical_address(AF_INET6, address);
    }
    if (!canonical) return;
    std::string name;
    bool first = true;
    while (fields >> name) {
        if (first) first_names_.emplace(*canonical, name);  // an earlier line keeps its name
        first = false;
        Addresses& entry = entries_[normalize(name)];
        auto& list = v4 ? entry.v4 : entry.v6;
        if (std::find(list.begin(), list.end(), *canonical) == list.end()) {
            list.push_back(*canonical);
        }
    }
}

std::vector<std::string> HostsFile::lookup(std::string_view host) const {
    const auto found = entries_.find(normalize(host));
    if (found == entries_.end()) return {};
    std::vector<std::string> out = found->second.v4;
    out.insert(out.end(), found->second.v6.begin(), found->second.v6.end());
    return out;
}

std::string HostsFile::name_of(std::string_view address) const {
    auto canonical = canonical_address(AF_INET, address);
    if (!canonical) canonical = canonical_address(AF_INET6, address);
    if (!canonical) return "";
    const auto found = first_names_.find(*canonical);
    return found == first_names_.end() ? "" : found->second;
}

}  // namespace vpcprobe
