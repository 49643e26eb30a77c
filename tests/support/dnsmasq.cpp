// SPDX-License-Identifier: Apache-2.0
#include "tests/support/dnsmasq.h"
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vpcprobe::test {

namespace {

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream directories(path != nullptr ? path : "/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        if (!directory.empty() && access((directory + "/" + program).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> dnsmasq_arguments(const DnsmasqConfig& config, std::uint16_t port,
                                           const std::string& log_path) {
    std::vector<std::string> argv = {
        "dnsmasq",
        "--keep-in-foreground",
        "--no-resolv",  // no upstream from /etc/resolv.conf: nothing leaves loopback
        "--no-hosts",   // answers come only from the records below
        "--no-poll",
        "--conf-file=/dev/null",  // ignore /etc/dnsmasq.conf
        "--port=" + std::to_string(port),
        "--listen-address=127.0.0.1",
        "--bind-interfaces",  // bind 127.0.0.1:PORT only, not the wildcard
        "--pid-file=",        // no pid file
        "--log-facility=" + log_path,
        "--log-queries",
    };
    // If the test process dies without running destructors (crash, SIGPIPE, ctest's timeout
    // kill), the kernel kills dnsmasq too instead of leaving it running on its port.
    if (on_path("setpriv")) argv.insert(argv.begin(), {"setpriv", "--pdeathsig", "KILL"});
    // As root dnsmasq would switch to the `dnsmasq` user, which cannot write our log file.
    if (is_root()) {
        argv.push_back("--user=root");
        argv.push_back("--group=root");
    }
    for (const auto& domain : config.local_domains) argv.push_back("--local=/" + domain + "/");
    for (const auto& [name, address] : config.records) {
        argv.push_back("--host-record=" + name + "," + address);
    }
    for (const auto& name : config.nodata_names) {
        argv.push_back("--txt-record=" + name + ",vpcprobe test: no address here");
    }
    argv.insert(argv.end(), config.extra_args.begin(), config.extra_args.end());
    return argv;
}

}  // namespace

Dnsmasq::Dnsmasq(DnsmasqConfig config) {
    const std::string log_path = dir_.file("dnsmasq.log");
    const std::string output_path = dir_.file("dnsmasq.out");
    std::string failures;
    // The free port can be taken by someone else before dnsmasq binds it: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port("127.0.0.1", true);
        process_ =
            std::make_unique<Subprocess>(dnsmasq_arguments(config, port_, log_path), output_path);
        // dnsmasq logs "started" once its sockets are bound; a TCP connect then proves that
        // the port is ours (dnsmasq serves TCP and UDP on the same port).
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        bool started = false;
        while (std::chrono::steady_clock::now() < until && process_->running()) {
            if (read_file(log_path).find("started, version") != std::string::npos) {
                started = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (started && wait_for_tcp("127.0.0.1", port_, std::chrono::seconds(5)) &&
            process_->running()) {
            return;
        }
        process_.reset();
        failures += "attempt on port " + std::to_string(port_) + ":\n" + read_file(output_path) +
                    read_file(log_path) + "\n";
    }
    throw std::runtime_error("dnsmasq did not start:\n" + failures);
}

Dnsmasq::~Dnsmasq() = default;  // Subprocess stops it; TempDir removes the log

std::string Dnsmasq::server() const {
    return "127.0.0.1:" + std::to_string(port_);
}

std::string Dnsmasq::log() const {
    return read_file(dir_.file("dnsmasq.log"));
}

DnsmasqConfig Dnsmasq::servfail_in_front_of(const Dnsmasq& upstream) {
    DnsmasqConfig config;
    config.local_domains.clear();
    config.extra_args = {
        "--dnssec",
        // The root zone's KSK-2017 (the same as Debian's trust-anchors.conf, inline so the
        // test does not depend on that file).
        "--trust-anchor=.,20326,8,2,"
        "E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
        "--server=127.0.0.1#" + std::to_string(upstream.port()),
    };
    return config;
}

SilentDnsServer::SilentDnsServer() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        close(fd_);
        throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
}

SilentDnsServer::~SilentDnsServer() {
    if (fd_ >= 0) close(fd_);
}

std::string SilentDnsServer::server() const {
    return "127.0.0.1:" + std::to_string(port_);
}

}  // namespace vpcprobe::test
