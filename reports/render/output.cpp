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
#include <utility>

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

// Make a rename durable; a report that was written is not worth failing over this.
void sync_directory(const fs::path& directory) {
    const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
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

// A hidden temporary file beside `destination`, named after it so that a leftover from a
// crash is recognisable: its path and descriptor, with `mode` set.
Result<std::pair<std::string, int>> create_temporary(const fs::path& destination, mode_t mode) {
    const fs::path directory =
        destination.has_parent_path() ? destination.parent_path() : fs::path(".");
    // Appended, not "." + name: GCC 12 at -O3 warns falsely on that (-Wrestrict, GCC bug
    // 105651).
    std::string temp_name = ".";
    temp_name += destination.filename().string();
    temp_name += ".XXXXXX";
    std::string temp = (directory / temp_name).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return last_error();
    if (::fchmod(fd, mode) != 0) {
        Error error = last_error();
        ::close(fd);
        ::unlink(temp.c_str());
        return error;
    }
    return std::pair<std::string, int>(std::move(temp), fd);
}

}  // namespace

Result<ReportWriter> ReportWriter::open(const std::optional<std::string>& path) {
    if (!path || path->empty() || *path == "-") {
        return ReportWriter(Kind::standard_output, -1, "", "");
    }
    const fs::path destination = follow_links(fs::path(*path));
    struct stat existing {};
    mode_t mode = 0;
    if (::stat(destination.c_str(), &existing) == 0) {
        if (!S_ISREG(existing.st_mode)) {
            // Opening a directory for writing fails with EISDIR, which is the answer.
            const int fd = ::open(destination.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
            if (fd < 0) return last_error();
            return ReportWriter(Kind::in_place, fd, "", "");
        }
        mode = existing.st_mode & 0777;
    } else if (!destination.has_filename()) {
        return Error(describe(EISDIR));  // "dir/" that does not exist: still not a file name
    } else {
        mode = new_file_mode();
    }
    auto temporary = create_temporary(destination, mode);
    if (!temporary) return std::move(temporary).error();
    return ReportWriter(Kind::temporary, temporary->second, std::move(temporary->first),
                        destination.string());
}

void ReportWriter::write(std::string_view piece) {
    if (error_ || piece.empty()) return;
    if (kind_ == Kind::standard_output) {
        // Through stdio, so the report stays in order with anything else printed through it.
        if (std::fwrite(piece.data(), 1, piece.size(), stdout) != piece.size()) {
            error_ = last_error();
            std::clearerr(stdout);
        }
        return;
    }
    if (!write_all(fd_, piece)) error_ = last_error();
}

Result<void> ReportWriter::finish() {
    if (kind_ == Kind::standard_output) {
        if (!error_ && std::fflush(stdout) != 0) {
            error_ = last_error();
            std::clearerr(stdout);
        }
        if (error_) return *error_;
        return {};
    }
    if (!error_ && kind_ == Kind::temporary && ::fsync(fd_) != 0) error_ = last_error();
    if (::close(fd_) != 0 && !error_) error_ = last_error();
    fd_ = -1;
    if (error_) return *error_;
    if (kind_ == Kind::temporary) {
        if (::rename(temporary_.c_str(), destination_.c_str()) != 0) return last_error();
        temporary_.clear();
        const fs::path destination(destination_);
        sync_directory(destination.has_parent_path() ? destination.parent_path() : ".");
    }
    return {};
}

ReportWriter::ReportWriter(ReportWriter&& other) noexcept
    : kind_(other.kind_),
      fd_(std::exchange(other.fd_, -1)),
      temporary_(std::move(other.temporary_)),
      destination_(std::move(other.destination_)),
      error_(std::move(other.error_)) {
    other.temporary_.clear();
}

ReportWriter::~ReportWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

Result<void> write_report(const std::optional<std::string>& path, const std::string& content) {
    auto writer = ReportWriter::open(path);
    if (!writer) return std::move(writer).error();
    writer->write(content);
    return writer->finish();
}

}  // namespace vpcprobe
