// SPDX-License-Identifier: Apache-2.0
#include "agent/history.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <deque>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/text.h"
#include "reports/render/changes_report.h"
#include "reports/render/json_report.h"
#include "reports/render/output.h"

namespace vpcprobe {

namespace json = boost::json;

namespace {

namespace fs = std::filesystem;

// changes.jsonl is trimmed (oldest lines dropped) so that it never holds more than this many
// lines or bytes: years of changes for a sane fleet, and a bound on what record() and
// `vpcprobe history` read into memory.
constexpr std::size_t kMaxChangeLines = 10000;
constexpr std::size_t kMaxChangeBytes = 1024 * 1024;
// A stored report larger than this is not read back after a restart (it would be a plan of
// tens of thousands of targets); the next run starts a fresh comparison instead.
constexpr std::size_t kMaxReportBytes = 64 * 1024 * 1024;
// How many stored reports a restart tries, newest first, before giving up on corrupt ones.
constexpr std::size_t kMaxReportsTried = 10;

constexpr std::string_view kChangesFile = "changes.jsonl";
constexpr std::string_view kReportsDir = "reports";

std::string describe(int error_number) {
    return std::error_code(error_number, std::generic_category()).message();
}

std::string single_quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

// ---- Files ----

enum class ReadResult { ok, missing, too_large, failed };

// Reads at most `max_bytes` of `path`: all of it, or with `tail` the last max_bytes (from the
// first whole line), else too_large. Bounded memory whatever the file has grown to.
ReadResult read_bounded(const std::string& path, std::size_t max_bytes, bool tail,
                        std::string& content, int& failure) {
    content.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        failure = errno;
        return errno == ENOENT ? ReadResult::missing : ReadResult::failed;
    }
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        failure = S_ISDIR(status.st_mode) ? EISDIR : (errno != 0 ? errno : EINVAL);
        ::close(fd);
        return ReadResult::failed;
    }
    const auto size = static_cast<std::size_t>(status.st_size);
    bool skip_first_line = false;
    if (size > max_bytes) {
        if (!tail) {
            ::close(fd);
            return ReadResult::too_large;
        }
        if (::lseek(fd, static_cast<off_t>(size - max_bytes), SEEK_SET) < 0) {
            failure = errno;
            ::close(fd);
            return ReadResult::failed;
        }
        skip_first_line = true;
    }
    char buffer[65536];
    while (content.size() < max_bytes) {
        const ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, max_bytes - content.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            failure = errno;
            ::close(fd);
            return ReadResult::failed;
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (skip_first_line) {
        const std::size_t newline = content.find('\n');
        content.erase(0, newline == std::string::npos ? content.size() : newline + 1);
    }
    return ReadResult::ok;
}

// Writes through write_report (temp file, fsync, rename), with a message about the state
// directory rather than about -o.
bool write_atomically(const std::string& path, const std::string& content, std::string& error) {
    auto written = write_report(path, content);
    if (written) return true;
    error = written.error().context("cannot write " + single_quoted(path)).message();
    return false;
}

// Creates `path` and any missing parents with mode 0750 (exactly, whatever the umask), so
// reports, which name the hosts and addresses of a network, are not world-readable.
bool make_directories(const fs::path& path, int& failure) {
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0) {
        if (S_ISDIR(status.st_mode)) return true;
        failure = ENOTDIR;
        return false;
    }
    if (errno != ENOENT) {
        failure = errno;
        return false;
    }
    const fs::path parent = path.parent_path();
    if (!parent.empty() && parent != path && !make_directories(parent, failure)) return false;
    if (::mkdir(path.c_str(), 0750) != 0) {
        if (errno == EEXIST && ::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode)) {
            return true;
        }
        failure = errno;
        return false;
    }
    ::chmod(path.c_str(), 0750);
    return true;
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

// Entries of a directory; false with errno in `failure` when it cannot be read.
bool list_directory(const std::string& path, std::vector<std::string>& names, int& failure) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        failure = errno;
        return false;
    }
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return true;
}

// The stored reports, oldest first.
std::vector<StoredReport> stored_reports(const std::string& reports_dir) {
    std::vector<std::string> names;
    int failure = 0;
    list_directory(reports_dir, names, failure);
    std::vector<StoredReport> reports;
    for (const std::string& name : names) {
        if (auto report = parse_report_name(name)) reports.push_back(std::move(*report));
    }
    std::sort(reports.begin(), reports.end());
    return reports;
}

// ---- Reading JSON back ----

const json::string* string_at(const json::object& object, std::string_view key) {
    const json::value* value = object.if_contains(key);
    return value != nullptr ? value->if_string() : nullptr;
}

// A string field, or "" when null or absent; false when it is something else.
bool optional_string(const json::object& object, std::string_view key, std::string& out) {
    const json::value* value = object.if_contains(key);
    out.clear();
    if (value == nullptr || value->is_null()) return true;
    if (!value->is_string()) return false;
    out = std::string(value->get_string());
    return true;
}

bool is_verdict(std::string_view status) {
    return status == "ok" || status == "warning" || status == "failed";
}

// "2026-11-22T10:00:00Z" or "2026-11-22T10:00:00.123Z", as rfc3339/rfc3339_ms write them.
std::optional<SystemTime> parse_time(std::string_view text) {
    auto number = [&](std::size_t at, std::size_t digits, int& out) {
        if (at + digits > text.size() || !all_digits(text.substr(at, digits))) return false;
        return std::from_chars(text.data() + at, text.data() + at + digits, out).ec == std::errc{};
    };
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millisecond = 0;
    if (text.size() < 20 || !number(0, 4, year) || text[4] != '-' || !number(5, 2, month) ||
        text[7] != '-' || !number(8, 2, day) || text[10] != 'T' || !number(11, 2, hour) ||
        text[13] != ':' || !number(14, 2, minute) || text[16] != ':' || !number(17, 2, second)) {
        return std::nullopt;
    }
    std::size_t at = 19;
    if (text.size() == 24 && text[19] == '.') {
        if (!number(20, 3, millisecond)) return std::nullopt;
        at = 23;
    }
    if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year},
                              std::chrono::month{static_cast<unsigned>(month)},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    return sys_days{date} + hours{hour} + minutes{minute} + seconds{second} +
           milliseconds{millisecond};
}

// One line of changes.jsonl back into a change; nullopt when it is not one.
std::optional<StatusChange> parse_change_line(std::string_view line) {
    std::error_code ec;
    json::value value = json::parse(json::string_view(line.data(), line.size()), ec);
    if (ec || !value.is_object()) return std::nullopt;
    const json::object& object = value.get_object();
    StatusChange change;
    const json::string* at = string_at(object, "at");
    const json::string* endpoint = string_at(object, "endpoint");
    const json::string* from = string_at(object, "from");
    const json::string* to = string_at(object, "to");
    if (at == nullptr || endpoint == nullptr || endpoint->empty() || from == nullptr ||
        to == nullptr) {
        return std::nullopt;
    }
    const auto time = parse_time(std::string_view(at->data(), at->size()));
    if (!time) return std::nullopt;
    change.at = *time;
    change.endpoint = std::string(*endpoint);
    change.from = std::string(*from);
    change.to = std::string(*to);
    if (!(is_verdict(change.from) || change.from == "new") ||
        !(is_verdict(change.to) || change.to == "gone")) {
        return std::nullopt;
    }
    if (!optional_string(object, "component", change.component) ||
        !optional_string(object, "access", change.access) ||
        !optional_string(object, "cause", change.cause)) {
        return std::nullopt;
    }
    return change;
}

// Splits on '\n', dropping empty lines (a file always ends with one).
std::vector<std::string_view> lines_of(std::string_view content) {
    std::vector<std::string_view> lines;
    while (!content.empty()) {
        const std::size_t newline = content.find('\n');
        const std::string_view line = content.substr(0, newline);
        if (!line.empty()) lines.push_back(line);
        if (newline == std::string_view::npos) break;
        content.remove_prefix(newline + 1);
    }
    return lines;
}

std::string skipped_message(const std::string& path, std::size_t skipped, std::size_t first_line,
                            std::string_view what) {
    return fmt::format("{}: {} {} line{} (not a change record; first at line {} of what was read)",
                       path, what, skipped, skipped == 1 ? "" : "s", first_line);
}

void append_error(std::string& error, const std::string& message) {
    if (message.empty()) return;
    if (!error.empty()) error += "; ";
    error += message;
}

}  // namespace

// ---- History ----

std::optional<History> History::open(const std::string& state_dir, std::size_t keep,
                                     std::string& error) {
    if (state_dir.empty()) {
        error = "state directory: none given";
        return std::nullopt;
    }
    const fs::path reports = fs::path(state_dir) / kReportsDir;
    int failure = 0;
    if (!make_directories(fs::path(state_dir), failure)) {
        error = "state directory " + single_quoted(state_dir) + ": " + describe(failure);
        return std::nullopt;
    }
    if (!make_directories(reports, failure)) {
        error = "state directory " + single_quoted(state_dir) + ": cannot create " +
                single_quoted(reports.string()) + ": " + describe(failure);
        return std::nullopt;
    }
    // Prove it is writable now (read-only file system, wrong owner) rather than at the first
    // run; access(2) would not tell, for root or on a read-only mount.
    std::string probe = (reports / ".write-test.XXXXXX").string();
    const int fd = ::mkostemp(probe.data(), O_CLOEXEC);
    if (fd < 0) {
        error = "state directory " + single_quoted(state_dir) + ": cannot write in " +
                single_quoted(reports.string()) + ": " + describe(errno);
        return std::nullopt;
    }
    ::close(fd);
    ::unlink(probe.c_str());
    // Temporary files a crash left behind (write_report names them ".NAME.XXXXXX"): only this
    // process writes here, so none is in use. Only names we could have made are touched.
    auto remove_leftovers = [&](const std::string& dir, auto is_leftover) {
        std::vector<std::string> names;
        if (!list_directory(dir, names, failure)) return;
        for (const std::string& name : names) {
            if (is_leftover(name)) ::unlink((fs::path(dir) / name).c_str());
        }
    };
    remove_leftovers(state_dir, [](const std::string& name) {
        return name.starts_with(".changes.jsonl.") && name.size() == 21;
    });
    remove_leftovers(reports.string(), [](const std::string& name) {
        if (name.starts_with(".write-test.")) return true;
        // ".20261122T100000.000Z[-N].json.XXXXXX"
        return name.starts_with(".") && name.size() > 12 &&
               parse_report_name(name.substr(1, name.size() - 8)).has_value() &&
               name.compare(name.size() - 7, 1, ".") == 0;
    });
    return History(state_dir, std::max<std::size_t>(keep, 1));
}

std::optional<History::TargetStates> History::load_newest(std::string& error) const {
    const std::string reports_dir = (fs::path(directory_) / kReportsDir).string();
    std::vector<StoredReport> reports = stored_reports(reports_dir);
    std::size_t tried = 0;
    for (auto it = reports.rbegin(); it != reports.rend() && tried < kMaxReportsTried;
         ++it, ++tried) {
        const std::string path = (fs::path(reports_dir) / it->name).string();
        std::string content;
        int failure = 0;
        const ReadResult read = read_bounded(path, kMaxReportBytes, false, content, failure);
        std::string problem;
        if (read == ReadResult::too_large) {
            problem = "larger than " + std::to_string(kMaxReportBytes / (1024 * 1024)) + " MiB";
        } else if (read != ReadResult::ok) {
            problem = describe(failure);
        }
        TargetStates states;
        if (problem.empty()) {
            std::error_code ec;
            const json::value value = json::parse(content, ec);
            const json::object* root = ec ? nullptr : value.if_object();
            const json::value* targets = root != nullptr ? root->if_contains("targets") : nullptr;
            if (targets == nullptr || !targets->is_array()) {
                problem = ec ? "not JSON (" + ec.message() + ")" : "not a vpcprobe report";
            } else {
                for (const json::value& element : targets->get_array()) {
                    const json::object* target = element.if_object();
                    const json::string* endpoint =
                        target != nullptr ? string_at(*target, "endpoint") : nullptr;
                    const json::string* status =
                        target != nullptr ? string_at(*target, "status") : nullptr;
                    TargetState state;
                    if (endpoint == nullptr || status == nullptr ||
                        !is_verdict(std::string_view(status->data(), status->size())) ||
                        !optional_string(*target, "component", state.component) ||
                        !optional_string(*target, "access", state.access)) {
                        problem = "a target without endpoint, status or component";
                        break;
                    }
                    state.status = std::string(*status);
                    if (const json::value* cause = target->if_contains("cause");
                        cause != nullptr && cause->is_object()) {
                        optional_string(cause->get_object(), "code", state.cause);
                    }
                    states.emplace(std::string(*endpoint), std::move(state));
                }
            }
        }
        if (problem.empty()) return states;
        append_error(error, "ignored stored report " + single_quoted(path) + ": " + problem);
    }
    return std::nullopt;
}

std::vector<StatusChange> History::record(const Report& report, std::string& error) {
    error.clear();
    // After a restart, the newest stored report is the previous run (read before this run's
    // report joins it).
    if (!previous_) previous_ = load_newest(error);

    // Store the report under a name of its start time; a clash (same millisecond) gets -N.
    const std::string reports_dir = (fs::path(directory_) / kReportsDir).string();
    const std::string stamp = stamp_of(report.agent.started_at);
    std::string name = stamp + ".json";
    for (unsigned n = 1; n < 1000; ++n) {
        struct stat existing {};
        if (::lstat((fs::path(reports_dir) / name).c_str(), &existing) != 0) break;
        name = stamp + "-" + std::to_string(n) + ".json";
    }
    std::string write_error;
    if (!write_atomically((fs::path(reports_dir) / name).string(), render_json(report),
                          write_error)) {
        append_error(error, write_error);
    }

    // This run's states, and what changed since the previous run.
    TargetStates current;
    std::vector<StatusChange> changes;
    for (const TargetReport& target : report.targets) {
        TargetState state{std::string(vpcprobe::name(target.status)),
                          target.cause ? std::string(code(target.cause->code)) : "",
                          target.target.component, target.target.access};
        const std::string endpoint = target.target.endpoint();
        if (!current.emplace(endpoint, state).second) continue;  // listed twice: first wins
        const TargetState* before = nullptr;
        if (previous_) {
            const auto found = previous_->find(endpoint);
            if (found != previous_->end()) before = &found->second;
        }
        if (before != nullptr && before->status == state.status && before->cause == state.cause) {
            continue;
        }
        changes.push_back(StatusChange{report.agent.started_at, endpoint, state.component,
                                       state.access, before ? before->status : "new", state.status,
                                       state.cause});
    }
    if (previous_) {
        for (const auto& [endpoint, state] : *previous_) {
            if (current.count(endpoint) == 0) {
                changes.push_back(StatusChange{report.agent.started_at, endpoint, state.component,
                                               state.access, state.status, "gone", ""});
            }
        }
    }
    previous_ = std::move(current);

    // Append the changes: the file is rewritten atomically (changes are rare, so this is
    // cheap), trimmed to its bounds from the oldest end.
    if (!changes.empty()) {
        const std::string path = (fs::path(directory_) / kChangesFile).string();
        std::string content;
        int failure = 0;
        const ReadResult read = read_bounded(path, kMaxChangeBytes, true, content, failure);
        if (read == ReadResult::failed) {
            append_error(error, "cannot read " + single_quoted(path) + ": " + describe(failure) +
                                    "; its older changes are replaced");
            content.clear();
        }
        std::vector<std::string> lines;
        std::size_t skipped = 0;
        std::size_t first_skipped = 0;
        std::size_t number = 0;
        for (std::string_view line : lines_of(content)) {
            ++number;
            if (parse_change_line(line)) {
                lines.emplace_back(line);
            } else if (skipped++ == 0) {
                first_skipped = number;
            }
        }
        if (skipped > 0)
            append_error(error, skipped_message(path, skipped, first_skipped, "dropped"));
        for (const StatusChange& change : changes) lines.push_back(render_change_line(change));
        // Keep the newest lines within both bounds.
        std::size_t bytes = 0;
        std::size_t first_kept = lines.size();
        while (first_kept > 0 && lines.size() - first_kept < kMaxChangeLines &&
               bytes + lines[first_kept - 1].size() + 1 <= kMaxChangeBytes) {
            --first_kept;
            bytes += lines[first_kept].size() + 1;
        }
        std::string out;
        out.reserve(bytes);
        for (std::size_t i = first_kept; i < lines.size(); ++i) {
            out += lines[i];
            out += '\n';
        }
        if (!write_atomically(path, out, write_error)) append_error(error, write_error);
    }

    // Prune the oldest reports beyond `keep`, never the one just written (a clock set back
    // gives it an older name than those already there).
    std::vector<StoredReport> reports = stored_reports(reports_dir);
    std::size_t excess = reports.size() > keep_ ? reports.size() - keep_ : 0;
    for (const StoredReport& stored : reports) {
        if (excess == 0) break;
        if (stored.name == name) continue;
        const fs::path path = fs::path(reports_dir) / stored.name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            append_error(error,
                         "cannot remove " + single_quoted(path.string()) + ": " + describe(errno));
        }
        --excess;
    }
    return changes;
}

std::vector<StatusChange> History::changes(std::size_t limit, std::string& error) const {
    auto changes = read_changes(directory_, limit, error);
    if (!changes) return {};
    return std::move(*changes);
}

std::optional<std::vector<StatusChange>> read_changes(const std::string& state_dir,
                                                      std::size_t limit, std::string& error) {
    error.clear();
    struct stat status {};
    if (::stat(state_dir.c_str(), &status) != 0) {
        const int failure = errno;
        error = "state directory " + single_quoted(state_dir) + ": " + describe(failure);
        if (failure == ENOENT) error += " (written by vpcprobe serve --state-dir)";
        return std::nullopt;
    }
    if (!S_ISDIR(status.st_mode)) {
        error = "state directory " + single_quoted(state_dir) + ": not a directory";
        return std::nullopt;
    }
    if (::access(state_dir.c_str(), R_OK | X_OK) != 0) {
        error = "state directory " + single_quoted(state_dir) + ": " + describe(errno);
        return std::nullopt;
    }
    const std::string path = (fs::path(state_dir) / kChangesFile).string();
    std::string content;
    int failure = 0;
    // Twice the bound: a file someone appended to by hand is still read from its newest end.
    const ReadResult read = read_bounded(path, 2 * kMaxChangeBytes, true, content, failure);
    if (read == ReadResult::missing) return std::vector<StatusChange>{};  // nothing changed yet
    if (read != ReadResult::ok) {
        error = "cannot read " + single_quoted(path) + ": " + describe(failure);
        return std::nullopt;
    }
    std::deque<StatusChange> newest;
    std::size_t skipped = 0;
    std::size_t first_skipped = 0;
    std::size_t number = 0;
    for (std::string_view line : lines_of(content)) {
        ++number;
        auto change = parse_change_line(line);
        if (!change) {
            if (skipped++ == 0) first_skipped = number;
            continue;
        }
        newest.push_back(std::move(*change));
        if (limit != 0 && newest.size() > limit) newest.pop_front();
    }
    if (skipped > 0) error = skipped_message(path, skipped, first_skipped, "skipped");
    return std::vector<StatusChange>(std::make_move_iterator(newest.begin()),
                                     std::make_move_iterator(newest.end()));
}

}  // namespace vpcprobe
