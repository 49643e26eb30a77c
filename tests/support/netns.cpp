// SPDX-License-Identifier: Apache-2.0
#include "tests/support/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "tests/support/process.h"

namespace vpcprobe::test {

namespace {

void run_or_throw(const std::vector<std::string>& argv) {
    RunResult result;
    try {
        result = run_command(argv, std::chrono::seconds(30));
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("network namespace: ") + e.what());
    }
    if (result.exit_code != 0) {
        std::string line;
        for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
        throw std::runtime_error("network namespace: `" + line + "` failed (exit " +
                                 std::to_string(result.exit_code) + "): " + result.err);
    }
}

}  // namespace

NetNamespace::NetNamespace() {
    // thread-self, not self: the namespace is per thread, and we must return this one to it.
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ < 0) {
        throw std::runtime_error(std::string("network namespace: cannot open the current one: ") +
                                 std::strerror(errno));
    }
    if (::unshare(CLONE_NEWNET) != 0) {
        int error = errno;
        ::close(original_);
        throw std::runtime_error(std::string("network namespace: unshare(CLONE_NEWNET): ") +
                                 std::strerror(error));
    }
    try {
        ip({"link", "set", "lo", "up"});
    } catch (...) {
        ::setns(original_, CLONE_NEWNET);
        ::close(original_);
        throw;
    }
}

NetNamespace::~NetNamespace() {
    // Nothing else to undo: the private namespace goes away with its last socket.
    ::setns(original_, CLONE_NEWNET);
    ::close(original_);
}

void NetNamespace::add_address(const std::string& cidr) {
    // nodad: an IPv6 address is usable at once instead of "tentative" for a second.
    if (cidr.find(':') != std::string::npos) {
        ip({"-6", "address", "add", cidr, "dev", "lo", "nodad"});
    } else {
        ip({"address", "add", cidr, "dev", "lo"});
    }
}

void NetNamespace::ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_or_throw(argv);
}

void NetNamespace::load_nft(const std::string& ruleset) {
    TempDir dir;
    auto path = dir.file("rules.nft");
    {
        std::ofstream out(path);
        out << ruleset;
        if (!out) throw std::runtime_error("network namespace: cannot write " + path);
    }
    run_or_throw({"nft", "-f", path});
}

}  // namespace vpcprobe::test
