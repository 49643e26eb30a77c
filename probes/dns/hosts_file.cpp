// SPDX-License-Identifier: Apache-2.0
#include "probes/dns/hosts_file.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/address.h"
#include "core/bounded_file.h"
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
    // No hosts file is an empty one, as for the C library.
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
        return parse("", path);
    }
    auto text = read_bounded_file(path, kMaxHostsFileBytes, "hosts file");
    if (!text) return unreadable(path, text.error().message().c_str());
    return parse(*text, path);
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
