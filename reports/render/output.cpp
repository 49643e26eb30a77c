// SPDX-License-Identifier: Apache-2.0
#include "reports/render/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace vpcprobe {

namespace {

namespace fs = std::filesystem;

std::string describe(int error_number) {
    return std::error_code(error_number, std::generic_category()).message();
}

// Writes everything, through short writes and signals; false with errno set on failure.
bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

Result<void> write_stdout(const std::string& content) {
    // Through stdio, so the report stays in order with anything else printed through it.
    if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() ||
        std::fflush(stdout) != 0) {
        Error error(describe(errno));
        std::clearerr(stdout);
        return error;
    }
    return {};
}

// The file a path names once symbolic links are followed (a bounded number of hops, like
// the kernel's), so the rename replaces the report and not the link pointing at it. A
// dangling link resolves to the file it would create.
fs::path follow_links(fs::path path) {
    for (int hop = 0; hop < 40; ++hop) {
        struct stat status {};
        if (::lstat(path.c_str(), &status) != 0 || !S_ISLNK(status.st_mode)) break;
        std::error_code ec;
        fs::path target = fs::read_symlink(path, ec);
        if (ec) break;
        path = target.is_absolute() ? target : path.parent_path() / target;
    }
    return path;
}

// The error of the last system call that failed (errno), as an Error.
Error last_error() {
    return Error(describe(errno));
}

// For what must not be renamed over (a FIFO, a character device, a directory): open and
// write in place. Opening a directory for writing fails with EISDIR, which is the answer.
Result<void> write_in_place(const fs::path& destination, const std::string& content) {
    const int fd = ::open(destination.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return last_error();
    if (!write_all(fd, content)) {
        Error error = last_error();
        ::close(fd);
        return error;
    }
    if (::close(fd) != 0) return last_error();
    return {};
}

// Writes `content` to the open temporary file `fd` with `mode`, makes it durable and closes
// it (also when a step fails).
Result<void> fill_temporary(int fd, const std::string& content, mode_t mode) {
    if (::fchmod(fd, mode) != 0 || !write_all(fd, content) || ::fsync(fd) != 0) {
        Error error = last_error();
        ::close(fd);
        return error;
    }
    if (::close(fd) != 0) return last_error();
    return {};
}

// Make a rename durable; a report that was written is not worth failing over this.
void sync_directory(const fs::path& directory) {
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

// Temp file + fsync + rename: readers see the old report or the new one, never a torn one.
Result<void> replace_atomically(const fs::path& destination, const std::string& content,
                                mode_t mode) {
    const fs::path directory =
        destination.has_parent_path() ? destination.parent_path() : fs::path(".");
    // Hidden, and named after the report, so a leftover from a crash is recognisable. Appended,
    // not "." + name: GCC 12 at -O3 warns falsely on that (-Wrestrict, GCC bug 105651).
    std::string temp_name = ".";
    temp_name += destination.filename().string();
    temp_name += ".XXXXXX";
    std::string temp = (directory / temp_name).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return last_error();
    auto written = fill_temporary(fd, content, mode);
    if (written && ::rename(temp.c_str(), destination.c_str()) != 0) written = last_error();
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    sync_directory(directory);
    return {};
}

// The mode a new report gets: 0644, less what the user's umask takes away (a umask of 077
// means "nobody else reads my files", reports included). Read from /proc, since umask(2)
// can only be read by changing it, which would race with other threads creating files.
mode_t new_file_mode() {
    mode_t mask = 022;
    if (std::FILE* status = std::fopen("/proc/self/status", "re")) {
        char line[256];
        while (std::fgets(line, sizeof line, status) != nullptr) {
            unsigned int value = 0;
            if (std::sscanf(line, "Umask: %o", &value) == 1) {
                mask = static_cast<mode_t>(value);
                break;
            }
        }
        std::fclose(status);
    }
    return 0644 & ~mask;
}

}  // namespace

Result<void> write_report(const std::optional<std::string>& path, const std::string& content) {
    if (!path || path->empty() || *path == "-") return write_stdout(content);

    const fs::path destination = follow_links(fs::path(*path));
    struct stat existing {};
    if (::stat(destination.c_str(), &existing) == 0) {
        if (S_ISREG(existing.st_mode)) {
            return replace_atomically(destination, content, existing.st_mode & 0777);
        }
        return write_in_place(destination, content);
    }
    if (!destination.has_filename()) {
        return Error(describe(EISDIR));  // "dir/" that does not exist: still not a file name
    }
    return replace_atomically(destination, content, new_file_mode());
}

}  // namespace vpcprobe
