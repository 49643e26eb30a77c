// SPDX-License-Identifier: Apache-2.0
// Test support: start a real helper process (dnsmasq, a test peer, vpcprobe itself) and make
// sure it is gone when the test ends, whatever happens. Also picks free loopback ports.
// Not thread-safe; one owner per Subprocess.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace vpcprobe::test {

class Subprocess {
  public:
    // Starts argv[0] (searched in PATH) with the given arguments; stdout/stderr go to log_path
    // ("" = inherit). Throws std::runtime_error if it cannot be started.
    explicit Subprocess(std::vector<std::string> argv, const std::string& log_path = "");
    ~Subprocess();  // SIGTERM, then SIGKILL after 2s; always reaps
    Subprocess(const Subprocess&) = delete;
    Subprocess& operator=(const Subprocess&) = delete;

    int pid() const { return pid_; }
    bool running();
    // Waits up to `limit` for exit; returns the exit status (or 128+signal), -1 if still running.
    int wait_for(std::chrono::milliseconds limit);
    void stop();

  private:
    int pid_ = -1;
    int status_ = -1;
};

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs a command to completion (bounded by `limit`, killed after it) capturing its output.
RunResult run_command(const std::vector<std::string>& argv,
                      std::chrono::milliseconds limit = std::chrono::seconds(60));

// A loopback port that was free a moment ago (bound to port 0 and released), for tcp or udp.
std::uint16_t free_port(const char* address = "127.0.0.1", bool udp_too = true);

// Polls until something accepts TCP connections on address:port, up to `limit`.
bool wait_for_tcp(const std::string& address, std::uint16_t port,
                  std::chrono::milliseconds limit = std::chrono::seconds(10));

// A fresh temporary directory, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    // Writes `content` to the file `name` (folders in the name are made), returns its path.
    std::string write(const std::string& name, const std::string& content) const;

  private:
    std::string path_;
};

// The whole content of the file at `path` ("" when it cannot be read).
std::string read_file(const std::string& path);

bool is_root();

// Ends the test executable with exit code 77, which ctest reports as "Skipped" (the tests'
// SKIP_RETURN_CODE), after saying why on stderr. For tests that cannot run here at all.
[[noreturn]] void skip_whole_test(const char* why);

}  // namespace vpcprobe::test
