// SPDX-License-Identifier: Apache-2.0
#include "agent/state_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <functional>
#include <string_view>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "core/descriptor.h"
#include "core/text.h"
#include "reports/render/output.h"

namespace vpcprobe {

namespace {

namespace fs = std::filesystem;

// A stored report larger than this is not read back after a restart (it would be a plan of
// tens of thousands of targets); the next run starts a fresh comparison instead.
constexpr std::size_t kMaxReportBytes = 64 * 1024 * 1024;

constexpr std::string_view kChangesFile = "changes.jsonl";
constexpr std::string_view kReportsDir = "reports";

std::string describe(int error_number) {
    return std::error_code(error_number, std::generic_category()).message();
}

// ---- Files ----

// Where a bounded read starts when the file is larger than the bound.
enum class Overflow {
    fail,  // an error: the whole file or nothing
    tail,  // the last max_bytes, from the first whole line
};

// Appends what is left of `fd` to `content`, up to `max_bytes` in all.
Result<void> read_rest(int fd, std::size_t max_bytes, std::string& content) {
    char buffer[65536];
    while (content.size() < max_bytes) {
        const ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, max_bytes - content.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error(describe(errno));
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    return {};
}

// Reads at most `max_bytes` of the regular file `path`, nullopt when there is none. Bounded
// memory whatever the file has grown to. The error is the system's reason, or "larger than N
// MiB" when the file is over the bound and `overflow` says fail.
Result<std::optional<std::string>> read_bounded(const std::string& path, std::size_t max_bytes,
                                                Overflow overflow) {
    const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<std::string>();
        return Error(describe(errno));
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return Error(describe(errno));
    if (!S_ISREG(status.st_mode)) return Error(describe(S_ISDIR(status.st_mode) ? EISDIR : EINVAL));
    const auto size = static_cast<std::size_t>(status.st_size);
    const bool partial = size > max_bytes;
    if (partial && overflow == Overflow::fail) {
        return Error(fmt::format("larger than {} MiB", max_bytes / (1024 * 1024)));
    }
    if (partial && ::lseek(fd.get(), static_cast<off_t>(size - max_bytes), SEEK_SET) < 0) {
        return Error(describe(errno));
    }
    std::string content;
    if (auto read = read_rest(fd.get(), max_bytes, content); !read) return std::move(read).error();
    if (partial) {
        const std::size_t newline = content.find('\n');
        content.erase(0, newline == std::string::npos ? content.size() : newline + 1);
    }
    return std::optional<std::string>(std::move(content));
}

// Writes through write_report (temporary file, fsync, rename), with a message about the state
// directory rather than about -o.
Result<void> write_atomically(const std::string& path, const std::string& content) {
    auto written = write_report(path, content);
    if (!written) return std::move(written).error().context("cannot write " + quote(path));
    return {};
}

// Creates `path` and any missing parents with mode 0750 (exactly, whatever the umask), so
// reports, which name the hosts and addresses of a network, are not world-readable. The
// error is the system's reason.
Result<void> make_directories(const fs::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode)) return {};
        return Error(describe(ENOTDIR));
    }
    if (errno != ENOENT) return Error(describe(errno));
    const fs::path parent = path.parent_path();
    if (!parent.empty() && parent != path) {
        if (auto made = make_directories(parent); !made) return made;
    }
    if (::mkdir(path.c_str(), 0750) != 0) {
        if (errno == EEXIST && ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) {
            return {};
        }
        return Error(describe(errno));
    }
    ::chmod(path.c_str(), 0750);
    return {};
}

// Entries of a directory; the error is the system's reason.
Result<std::vector<std::string>> list_directory(const std::string& path) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return Error(describe(errno));
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return names;
}

// Proves `dir` writable now (read-only file system, wrong owner) rather than at the first run;
// access(2) would not tell, for root or on a read-only mount.
Result<void> probe_writable(const fs::path& dir) {
    std::string probe = (dir / ".write-test.XXXXXX").string();
    const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
    if (fd < 0) return Error(describe(errno));
    ::close(fd);
    ::unlink(probe.c_str());
    return {};
}

// ---- Stored report names: reports/20261122T100000.123Z.json, "-N" added on a clash ----

struct StoredReport {
    std::string stamp;  // "20261122T100000.123Z", sorts like the time it names
    unsigned sequence = 0;
    std::string name;
    friend bool operator<(const StoredReport& a, const StoredReport& b) {
        return std::tie(a.stamp, a.sequence) < std::tie(b.stamp, b.sequence);
    }
};

std::string stamp_of(SystemTime time) {
    std::string stamp = rfc3339_ms(time);  // 2026-11-22T10:00:00.123Z
    stamp.erase(
        std::remove_if(stamp.begin(), stamp.end(), [](char c) { return c == '-' || c == ':'; }),
        stamp.end());
    return stamp;
}

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<StoredReport> parse_report_name(const std::string& name) {
    // 8 digits, T, 6 digits, '.', 3 digits, Z: 20 characters.
    constexpr std::size_t stamp_size = 20;
    if (name.size() < stamp_size + 5 || !name.ends_with(".json")) return std::nullopt;
    const std::string_view stamp(name.data(), stamp_size);
    if (!all_digits(stamp.substr(0, 8)) || stamp[8] != 'T' || !all_digits(stamp.substr(9, 6)) ||
        stamp[15] != '.' || !all_digits(stamp.substr(16, 3)) || stamp[19] != 'Z') {
        return std::nullopt;
    }
    StoredReport report{std::string(stamp), 0, name};
    const std::string_view rest =
        std::string_view(name).substr(stamp_size, name.size() - stamp_size - 5);
    if (!rest.empty()) {
        if (rest.front() != '-' || !all_digits(rest.substr(1)) || rest.size() > 7) {
            return std::nullopt;
        }
        std::from_chars(rest.data() + 1, rest.data() + rest.size(), report.sequence);
    }
    return report;
}

// The stored reports, oldest first; none when the directory cannot be read.
std::vector<StoredReport> stored_reports(const std::string& reports_dir) {
    std::vector<StoredReport> reports;
    auto names = list_directory(reports_dir);
    if (!names) return reports;
    for (const std::string& name : *names) {
        if (auto report = parse_report_name(name)) reports.push_back(std::move(*report));
    }
    std::sort(reports.begin(), reports.end());
    return reports;
}

// ---- Leftovers ----

// Removes the entries of `dir` that `is_leftover` picks.
void remove_leftovers(const std::string& dir,
                      const std::function<bool(const std::string&)>& is_leftover) {
    auto names = list_directory(dir);
    if (!names) return;
    for (const std::string& name : *names) {
        if (is_leftover(name)) ::unlink((fs::path(dir) / name).c_str());
    }
}

// Temporary files a crash left behind (write_report names them ".NAME.XXXXXX"): only this
// process writes here, so none is in use. Only names we could have made are touched.
void remove_all_leftovers(const std::string& directory, const std::string& reports_dir) {
    remove_leftovers(directory, [](const std::string& name) {
        return name.starts_with(".changes.jsonl.") && name.size() == 21;
    });
    remove_leftovers(reports_dir, [](const std::string& name) {
        if (name.starts_with(".write-test.")) return true;
        // ".20261122T100000.000Z[-N].json.XXXXXX"
        return name.starts_with(".") && name.size() > 12 &&
               parse_report_name(name.substr(1, name.size() - 8)).has_value() &&
               name.compare(name.size() - 7, 1, ".") == 0;
    });
}

}  // namespace

// ---- StateStore ----

Result<StateStore> StateStore::open(const std::string& directory) {
    if (directory.empty()) return Error("none given").context("state directory");
    const std::string where = "state directory " + quote(directory);
    StateStore store(directory);
    const std::string reports = store.reports_dir();
    if (auto made = make_directories(fs::path(directory)); !made) {
        return std::move(made).error().context(where);
    }
    if (auto made = make_directories(fs::path(reports)); !made) {
        return std::move(made).error().context(where + ": cannot create " + quote(reports));
    }
    if (auto writable = probe_writable(fs::path(reports)); !writable) {
        return std::move(writable).error().context(where + ": cannot write in " + quote(reports));
    }
    remove_all_leftovers(directory, reports);
    return store;
}

Result<StateStore> StateStore::open_for_reading(const std::string& directory) {
    const std::string where = "state directory " + quote(directory);
    struct stat status {};
    if (::stat(directory.c_str(), &status) != 0) {
        const int failure = errno;
        std::string message = describe(failure);
        if (failure == ENOENT) message += " (written by vpcprobe serve --state-dir)";
        return Error(message).context(where);
    }
    if (!S_ISDIR(status.st_mode)) return Error("not a directory").context(where);
    if (::access(directory.c_str(), R_OK | X_OK) != 0) return Error(describe(errno)).context(where);
    return StateStore(directory);
}

std::string StateStore::reports_dir() const {
    return (fs::path(directory_) / kReportsDir).string();
}

std::string StateStore::changes_path() const {
    return (fs::path(directory_) / kChangesFile).string();
}

std::string StateStore::new_report_name(SystemTime started_at) const {
    const std::string stamp = stamp_of(started_at);
    std::string name = stamp + ".json";
    for (unsigned n = 1; n < 1000; ++n) {
        struct stat existing {};
        if (::lstat((fs::path(reports_dir()) / name).c_str(), &existing) != 0) break;
        name = stamp + "-" + std::to_string(n) + ".json";
    }
    return name;
}

Result<void> StateStore::write_report(const std::string& name, const std::string& content) const {
    return write_atomically((fs::path(reports_dir()) / name).string(), content);
}

std::vector<std::string> StateStore::newest_report_paths(std::size_t limit) const {
    const std::vector<StoredReport> reports = stored_reports(reports_dir());
    std::vector<std::string> paths;
    for (auto it = reports.rbegin(); it != reports.rend() && paths.size() < limit; ++it) {
        paths.push_back((fs::path(reports_dir()) / it->name).string());
    }
    return paths;
}

Result<std::string> StateStore::read_report(const std::string& path) {
    auto content = read_bounded(path, kMaxReportBytes, Overflow::fail);
    if (!content) return std::move(content).error();
    if (!*content) return Error(describe(ENOENT));  // removed since it was listed
    return std::move(**content);
}

std::vector<std::string> StateStore::prune_reports(std::size_t keep,
                                                   const std::string& except) const {
    std::vector<std::string> problems;
    const std::vector<StoredReport> reports = stored_reports(reports_dir());
    std::size_t excess = reports.size() > keep ? reports.size() - keep : 0;
    for (const StoredReport& stored : reports) {
        if (excess == 0) break;
        if (stored.name == except) continue;
        const fs::path path = fs::path(reports_dir()) / stored.name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            problems.push_back("cannot remove " + quote(path.string()) + ": " + describe(errno));
        }
        --excess;
    }
    return problems;
}

Result<std::optional<std::string>> StateStore::read_changes(std::size_t max_bytes) const {
    const std::string path = changes_path();
    auto content = read_bounded(path, max_bytes, Overflow::tail);
    if (!content) return std::move(content).error().context("cannot read " + quote(path));
    return content;
}

Result<void> StateStore::write_changes(const std::string& content) const {
    return write_atomically(changes_path(), content);
}

}  // namespace vpcprobe
