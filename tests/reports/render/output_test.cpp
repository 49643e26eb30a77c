// SPDX-License-Identifier: Apache-2.0
// write_report(): standard output, or an atomic replace of the -o file.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "reports/render/output.h"
#include "tests/support/process.h"

using namespace vpcprobe;
using namespace vpcprobe::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entries(const std::string& directory) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

mode_t mode_of(const std::string& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 0777;
}

// Sets the umask for one test and puts the old one back.
struct ScopedUmask {
    explicit ScopedUmask(mode_t mask) : old(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old); }
    mode_t old;
};

// Runs `write` with standard output sent to a file, and returns what it printed.
std::string capture_stdout(const std::function<void()>& write) {
    TempDir dir;
    const std::string path = dir.file("stdout");
    std::fflush(stdout);
    const int saved = ::dup(STDOUT_FILENO);
    const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(saved >= 0);
    REQUIRE(file >= 0);
    ::dup2(file, STDOUT_FILENO);
    ::close(file);
    write();
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    return read_file(path);
}

}  // namespace

TEST_CASE("without a path the report goes to standard output") {
    bool ok = false;
    CHECK(capture_stdout([&] { ok = write_report(std::nullopt, "report on stdout\n").ok(); }) ==
          "report on stdout\n");
    CHECK(ok);
    CHECK(capture_stdout([&] { ok = write_report(std::string("-"), "dash\n").ok(); }) == "dash\n");
    CHECK(ok);
}

TEST_CASE("a new file gets the whole report, mode 0644, and no temporary file stays") {
    ScopedUmask umask(022);
    TempDir dir;
    const std::string path = dir.file("report.json");
    const std::string content = std::string(200000, 'x') + "\n";  // several write() calls' worth
    REQUIRE(write_report(path, content));
    CHECK(read_file(path) == content);
    CHECK(mode_of(path) == 0644);
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a restrictive umask is honoured for a new file") {
    ScopedUmask umask(077);
    TempDir dir;
    REQUIRE(write_report(dir.file("private.json"), "{}\n"));
    CHECK(mode_of(dir.file("private.json")) == 0600);
}

TEST_CASE("an existing file is replaced, keeping its mode") {
    TempDir dir;
    const std::string path = dir.file("report.txt");
    std::ofstream(path) << "old report, longer than the new one\n";
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    REQUIRE(write_report(path, "new\n"));
    CHECK(read_file(path) == "new\n");
    CHECK(mode_of(path) == 0640);
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.txt"});
}

TEST_CASE("a relative path without a directory is written in the working directory") {
    TempDir dir;
    const fs::path previous = fs::current_path();
    fs::current_path(dir.path());
    const bool ok = write_report(std::string("here.json"), "{}\n").ok();
    fs::current_path(previous);
    CHECK(ok);
    CHECK(read_file(dir.file("here.json")) == "{}\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"here.json"});
}

TEST_CASE("a missing directory is an error saying so") {
    TempDir dir;
    const std::string path = dir.file("missing/report.json");
    const auto written = write_report(path, "{}\n");
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().message() == "No such file or directory");
    CHECK(entries(dir.path()).empty());
}

TEST_CASE("a directory as destination is an error and is left alone") {
    TempDir dir;
    fs::create_directory(dir.file("reports"));
    const auto written = write_report(dir.file("reports"), "{}\n");
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().message() == "Is a directory");
    CHECK(fs::is_directory(dir.file("reports")));
    CHECK(entries(dir.path()) == std::vector<std::string>{"reports"});
    CHECK(entries(dir.file("reports")).empty());
}

TEST_CASE("a file used as a directory is an error and leaves nothing behind") {
    TempDir dir;
    std::ofstream(dir.file("plain")) << "not a directory\n";
    const auto written = write_report(dir.file("plain/r.json"), "{}\n");
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().message() == "Not a directory");
    CHECK(read_file(dir.file("plain")) == "not a directory\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"plain"});
}

TEST_CASE("a symbolic link is followed: its target is replaced, the link kept") {
    TempDir dir;
    fs::create_directory(dir.file("real"));
    std::ofstream(dir.file("real/report.json")) << "old\n";
    fs::create_symlink("real/report.json", dir.file("latest.json"));
    REQUIRE(write_report(dir.file("latest.json"), "new\n"));
    CHECK(fs::is_symlink(dir.file("latest.json")));
    CHECK(read_file(dir.file("real/report.json")) == "new\n");
    CHECK(entries(dir.file("real")) == std::vector<std::string>{"report.json"});
    CHECK(entries(dir.path()) == std::vector<std::string>{"latest.json", "real"});
}

TEST_CASE("a FIFO is written in place, not renamed over") {
    TempDir dir;
    const std::string path = dir.file("pipe");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    // Open the reading end first (non-blocking), so the writer's open does not wait.
    const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(reader >= 0);
    const bool ok = write_report(path, "through the pipe\n").ok();
    std::string received;
    char buffer[256];
    for (int attempt = 0; attempt < 50; ++attempt) {  // bounded: 50 x 100 ms
        pollfd poll_fd{reader, POLLIN, 0};
        if (::poll(&poll_fd, 1, 100) <= 0) continue;
        const ssize_t n = ::read(reader, buffer, sizeof buffer);
        if (n <= 0) break;
        received.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(reader);
    CHECK(ok);
    CHECK(received == "through the pipe\n");
    CHECK(fs::is_fifo(path));
    CHECK(entries(dir.path()) == std::vector<std::string>{"pipe"});
}

TEST_CASE("a reader never sees a torn report while it is rewritten") {
    TempDir dir;
    const std::string path = dir.file("report.json");
    const std::string first(300000, 'a');
    const std::string second(300000, 'b');
    REQUIRE(write_report(path, first));

    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    std::thread writer([&] {
        for (int i = 0; i < 100; ++i) {
            if (!write_report(path, i % 2 ? first : second)) ++failures;
        }
        done = true;
    });
    int reads = 0;
    int torn = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done && std::chrono::steady_clock::now() < until) {
        const std::string seen = read_file(path);
        if (seen != first && seen != second) ++torn;
        ++reads;
    }
    writer.join();
    CHECK(failures == 0);
    CHECK(torn == 0);
    CHECK(reads > 0);
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a report written in pieces: readers see the old one until finish(), then the new one") {
    TempDir dir;
    const std::string path = dir.file("report.json");
    std::ofstream(path) << "old\n";
    auto writer = ReportWriter::open(path);
    REQUIRE(writer);
    const ReportSink sink = writer->sink();
    for (int piece = 0; piece < 3; ++piece)
        sink(std::string(100000, static_cast<char>('a' + piece)));
    // Still the old report at its path, the new one in a hidden temporary file beside it.
    CHECK(read_file(path) == "old\n");
    CHECK(entries(dir.path()).size() == 2);
    REQUIRE(writer->finish());
    CHECK(read_file(path) ==
          std::string(100000, 'a') + std::string(100000, 'b') + std::string(100000, 'c'));
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a writer given up before finish() leaves the old report and no temporary file") {
    TempDir dir;
    const std::string path = dir.file("report.json");
    std::ofstream(path) << "old\n";
    {
        auto writer = ReportWriter::open(path);
        REQUIRE(writer);
        writer->write("half a rep");
    }
    CHECK(read_file(path) == "old\n");
    CHECK(entries(dir.path()) == std::vector<std::string>{"report.json"});
}

TEST_CASE("a failed piece fails finish() with the system's reason and replaces nothing") {
    if (!fs::exists("/dev/full")) return;
    // In place (a device): the write fails, finish() says why.
    auto full = ReportWriter::open(std::string("/dev/full"));
    REQUIRE(full);
    full->write("{}\n");
    const auto finished = full->finish();
    REQUIRE_FALSE(finished);
    CHECK(finished.error().message() == "No space left on device");
}
