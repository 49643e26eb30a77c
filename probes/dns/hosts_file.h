// SPDX-License-Identifier: Apache-2.0
// A hosts file (/etc/hosts, or --hosts-file) as a table from name to addresses, consulted
// before DNS as the C library does. Our own reader rather than ares_gethostbyname_file: in
// c-ares 1.18 that one always reads /etc/hosts, and --hosts-file names another. Every line
// naming a host counts, so a name with several entries gets all of them, IPv4 first; names
// compare without case and without a trailing dot; malformed lines are skipped, as the C
// library skips them. The other way round, an address has the first name of the first line
// listing it (what gethostbyaddr gives from the file, and so Java's getCanonicalHostName).
//
// Threading: a loaded HostsFile is a plain value, safe to read from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

// The largest hosts file read: ad-blocking lists run to a few MiB; beyond this it is a mistake.
inline constexpr std::size_t kMaxHostsFileBytes = 64u * 1024u * 1024u;

class HostsFile {
  public:
    // The file at `path`, read once (one run sees one consistent file). A missing file is an
    // empty table (a container may have none); any other failure (permissions, a directory,
    // out of descriptors) is an Error naming the file, so names the file would have answered
    // are never silently sent to DNS. So is a file larger than kMaxHostsFileBytes.
    static Result<HostsFile> load(const std::string& path);

    // The table of hosts-file text (`path` is only kept for details).
    static HostsFile parse(std::string_view text, std::string path = {});

    // Every address for the name, IPv4 first; empty when the file does not name it.
    std::vector<std::string> lookup(std::string_view host) const;

    // The name the file gives `address` (any textual form): the first name of the first line
    // listing it, as written; "" when no line does.
    std::string name_of(std::string_view address) const;

    // The file the table was read from, for details ("listed in /etc/hosts").
    const std::string& path() const { return path_; }

  private:
    struct Addresses {
        std::vector<std::string> v4;
        std::vector<std::string> v6;
    };

    void add_line(std::string_view line);

    std::string path_;
    std::unordered_map<std::string, Addresses> entries_;
    std::unordered_map<std::string, std::string> first_names_;  // canonical address -> name
};

}  // namespace vpcprobe
