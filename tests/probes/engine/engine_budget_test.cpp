// SPDX-License-Identifier: Apache-2.0
// The engine's socket budget: the numbers docs/configuration.md gives for each descriptor limit,
// the setup errors, the EMFILE / ENFILE test, and the process's own descriptor count (the soft
// limit is lowered and restored in-process: no root needed).
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <catch2/catch.hpp>

#include "probes/engine/engine.h"
#include "probes/engine/engine_budget.h"

using vpcprobe::DescriptorUse;
using vpcprobe::socket_budget;
using vpcprobe::StageStatus;
using vpcprobe::TcpEvidence;

namespace {

DescriptorUse limit_with_open(std::size_t soft_limit, std::size_t open) {
    DescriptorUse use;
    use.soft_limit = soft_limit;
    use.open = open;
    return use;
}

TcpEvidence failed_connect(int error_number) {
    TcpEvidence tcp;
    tcp.status = StageStatus::failed;
    tcp.error_number = error_number;
    return tcp;
}

// Lowers the soft RLIMIT_NOFILE for the test's scope; restores it on the way out.
class SoftLimit {
  public:
    explicit SoftLimit(rlim_t soft) {
        REQUIRE(getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        rlimit lowered = saved_;
        lowered.rlim_cur = soft;
        REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    }
    ~SoftLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
    SoftLimit(const SoftLimit&) = delete;
    SoftLimit& operator=(const SoftLimit&) = delete;

  private:
    rlimit saved_{};
};

}  // namespace

TEST_CASE("a configured socket budget wins over any limit", "[engine][budget]") {
    CHECK(socket_budget(100, limit_with_open(1024, 0), 1) == 100);
    CHECK(socket_budget(5, limit_with_open(9, 6), 1) == 5);
    CHECK(socket_budget(1, limit_with_open(0, 0), 3) == 1);
}

TEST_CASE("without a descriptor limit the budget is 4096", "[engine][budget]") {
    CHECK(socket_budget(0, limit_with_open(0, 0), 1) == 4096);
    CHECK(vpcprobe::unlimited_socket_budget == 4096);
}

TEST_CASE("a large limit keeps 64 descriptors back", "[engine][budget]") {
    CHECK(socket_budget(0, limit_with_open(1024, 0), 1) == 960);
    CHECK(socket_budget(0, limit_with_open(1048576, 0), 4) == 1048512);
    CHECK(socket_budget(0, limit_with_open(129, 0), 1) == 65);
    // What is open does not count above 128: the reserve covers it.
    CHECK(socket_budget(0, limit_with_open(129, 100), 1) == 65);
}

TEST_CASE("a small limit keeps half, or what is open plus the resolver's and two files",
          "[engine][budget]") {
    CHECK(socket_budget(0, limit_with_open(128, 10), 1) == 64);  // half of 128
    CHECK(socket_budget(0, limit_with_open(32, 6), 1) == 16);
    CHECK(socket_budget(0, limit_with_open(16, 7), 1) == 5);  // kept 7 + 2 + 2 = 11 > 8
    CHECK(socket_budget(0, limit_with_open(48, 30), 1) == 14);
    CHECK(socket_budget(0, limit_with_open(48, 30), 3) == 10);  // two sockets per DNS server
    CHECK(socket_budget(0, limit_with_open(11, 6), 1) == 1);
    CHECK(vpcprobe::descriptors_kept(6, 1) == 10);
    CHECK(vpcprobe::descriptors_kept(0, 0) == 2);
    CHECK(vpcprobe::descriptors_kept(20, 4) == 30);
}

TEST_CASE("a limit too small for one probe socket gives 0 and says so", "[engine][budget]") {
    CHECK(socket_budget(0, limit_with_open(10, 6), 1) == 0);
    CHECK(socket_budget(0, limit_with_open(9, 6), 1) == 0);
    CHECK(socket_budget(0, limit_with_open(4, 3), 1) == 0);
    CHECK(socket_budget(0, limit_with_open(1, 0), 1) == 0);
    CHECK(vpcprobe::too_few_descriptors(limit_with_open(9, 6), 1).message() ==
          "too few file descriptors: the limit is 9 (ulimit -n), 6 are open, and a check needs "
          "at least 11; raise it (1024 or more lets many probes run at once)");
}

TEST_CASE("a run out of descriptors with none of its own open stops with a setup error",
          "[engine][budget]") {
    CHECK(
        vpcprobe::out_of_descriptors_with_none_open(48, "socket: Too many open files").message() ==
        "out of file descriptors (ulimit -n 48) with no probe in flight: socket: Too many "
        "open files");
}

TEST_CASE("EMFILE and ENFILE are this host's limit, not the network", "[engine][budget]") {
    CHECK(vpcprobe::out_of_descriptors(failed_connect(EMFILE)));
    CHECK(vpcprobe::out_of_descriptors(failed_connect(ENFILE)));
    CHECK_FALSE(vpcprobe::out_of_descriptors(failed_connect(ECONNREFUSED)));
    CHECK_FALSE(vpcprobe::out_of_descriptors(failed_connect(ETIMEDOUT)));
    CHECK_FALSE(vpcprobe::out_of_descriptors(failed_connect(0)));
    TcpEvidence connected = failed_connect(EMFILE);
    connected.status = StageStatus::ok;  // only a failed connect says anything
    CHECK_FALSE(vpcprobe::out_of_descriptors(connected));
}

TEST_CASE("a run that cannot have even its event loop's descriptors says the limit",
          "[engine][budget]") {
    SoftLimit limit(64);
    std::vector<int> held;  // every descriptor the limit leaves, taken
    for (int i = 0; i < 64; ++i) {
        int fds[2];
        if (pipe(fds) != 0) break;
        held.insert(held.end(), {fds[0], fds[1]});
    }
    vpcprobe::EngineOptions options;
    options.settings.dns_servers = {"127.0.0.1:53"};
    vpcprobe::Target target;
    target.host = "127.0.0.1";
    target.port = 9;
    const auto run = vpcprobe::run_probes({target}, options);
    for (const int fd : held) close(fd);
    REQUIRE_FALSE(run.ok());
    INFO(run.error().message());
    // Every descriptor under the limit is taken but one at most (a pipe takes two).
    CHECK(run.error().message().starts_with(
        "too few file descriptors: the limit is 64 (ulimit -n), 6"));
}

TEST_CASE("the process's descriptors are counted under a small limit only", "[engine][budget]") {
    SECTION("small limit: the open descriptors below it, counted") {
        SoftLimit limit(100);
        const DescriptorUse before = vpcprobe::current_descriptor_use();
        CHECK(before.soft_limit == 100);
        CHECK(before.open >= 3);  // stdin, stdout, stderr at least
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        const DescriptorUse with_pipe = vpcprobe::current_descriptor_use();
        close(fds[0]);
        close(fds[1]);
        CHECK(with_pipe.open == before.open + 2);
    }
    SECTION("large limit: not counted") {
        rlimit current{};
        REQUIRE(getrlimit(RLIMIT_NOFILE, &current) == 0);
        if (current.rlim_max != RLIM_INFINITY && current.rlim_max < 1024) {
            WARN("hard descriptor limit below 1024: the large-limit case is not checked");
            return;
        }
        SoftLimit limit(1024);
        const DescriptorUse use = vpcprobe::current_descriptor_use();
        CHECK(use.soft_limit == 1024);
        CHECK(use.open == 0);
    }
}
