// SPDX-License-Identifier: Apache-2.0
// Test support: move the calling thread into a fresh, private network namespace (as root), so a
// test can give `lo` addresses that stand in for VPC endpoints (10.88.0.11/32, fd00::11/128),
// add routes and load nftables rules, and talk to them without touching any real network.
// Everything created inside (addresses, routes, rules) vanishes with the namespace.
//
// Threading: a network namespace belongs to a thread. Create a NetNamespace on the thread that
// then opens the sockets and runs the io_context; sockets keep the namespace they were opened
// in. Helper commands (`ip`, `nft`) started from that thread run inside it too. One NetNamespace
// per thread at a time; the destructor puts the thread back where it was.
#pragma once

#include <string>
#include <vector>

namespace vpcprobe::test {

class NetNamespace {
  public:
    // unshare(CLONE_NEWNET) and bring `lo` up. Throws std::runtime_error saying why when it
    // cannot (not root, no CAP_SYS_ADMIN, `ip` missing); check is_root() first to skip.
    NetNamespace();
    ~NetNamespace();  // back to the original namespace
    NetNamespace(const NetNamespace&) = delete;
    NetNamespace& operator=(const NetNamespace&) = delete;

    // Adds an address to `lo`: "10.88.0.11/32", "fd00::11/128". Throws on failure.
    void add_address(const std::string& cidr);
    // Runs `ip ARGS...` inside, e.g. {"route", "add", "unreachable", "10.99.1.0/24"}. Throws on
    // failure, with ip's stderr.
    void ip(const std::vector<std::string>& args);
    // Loads an nftables ruleset (the text `nft -f` reads). Throws on failure, with nft's stderr.
    void load_nft(const std::string& ruleset);

  private:
    int original_ = -1;  // fd of the namespace to return to
};

}  // namespace vpcprobe::test
