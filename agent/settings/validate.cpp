// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/validate.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/text.h"

namespace vpcprobe {
namespace {}  // namespace

Result<void> check_access(std::string_view access) {
    if (access == "vpc" || access == "pub" || access == "all") return {};
    return Error(quote(access) + " is not one of vpc, pub, all");
}

std::optional<ReportFormat> parse_report_format(std::string_view text) {
    if (text == "text") return ReportFormat::text;
    if (text == "json") return ReportFormat::json;
    if (text == "markdown") return ReportFormat::markdown;
    if (text == "prometheus") return ReportFormat::prometheus;
    if (text == "junit") return ReportFormat::junit;
    return std::nullopt;
}

std::string_view report_format_name(ReportFormat format) {
    switch (format) {
        case ReportFormat::text:
            return "text";
        case ReportFormat::json:
            return "json";
        case ReportFormat::markdown:
            return "markdown";
        case ReportFormat::prometheus:
            return "prometheus";
        case ReportFormat::junit:
            return "junit";
    }
    return "text";
}

std::optional<long long> parse_integer(std::string_view text, long long min, long long max) {
    if (text.empty()) return std::nullopt;
    long long value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    if (value < min || value > max) return std::nullopt;
    return value;
}

Result<void> check_dns_server(std::string_view server) {
    const std::string usage = " (use ADDR, ADDR:PORT or [IPV6]:PORT with a numeric address)";
    if (server.empty()) return Error("empty resolver address" + usage);
    std::string_view address = server;
    std::string_view port;
    bool has_port = false;
    if (server.front() == '[') {
        const std::size_t close = server.find(']');
        if (close == std::string_view::npos) return Error(quote(server) + ": missing ']'" + usage);
        address = server.substr(1, close - 1);
        const std::string_view rest = server.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return Error(quote(server) + ": junk after ']'" + usage);
            port = rest.substr(1);
            has_port = true;
        }
        if (!is_ipv6_literal(address)) {
            return Error(quote(server) + ": " + quote(address) + " is not an IPv6 address" + usage);
        }
    } else {
        const std::size_t colons =
            static_cast<std::size_t>(std::count(server.begin(), server.end(), ':'));
        if (colons == 1) {
            const std::size_t colon = server.find(':');
            address = server.substr(0, colon);
            port = server.substr(colon + 1);
            has_port = true;
        }
        if (colons <= 1 && !is_ipv4_literal(address)) {
            return Error(quote(server) + ": " + quote(address) + " is not a numeric IPv4 address" +
                         usage);
        }
        if (colons > 1 && !is_ipv6_literal(address)) {
            return Error(quote(server) + " is not an IPv6 address" + usage);
        }
    }
    if (has_port && !parse_port(port)) {
        return Error(quote(server) + ": port " + quote(port) + " is not in 1..65535");
    }
    return {};
}

Result<IpEndpoint> parse_ip_endpoint(std::string_view text) {
    const std::string usage = " (use IP:PORT or [IPV6]:PORT)";
    std::string_view address;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return Error(quote(text) + " is not an address and port" + usage);
        }
        address = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if (!is_ipv6_literal(address)) {
            return Error(quote(text) + ": " + quote(address) + " is not an IPv6 address");
        }
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return Error(quote(text) + " has no port" + usage);
        }
        address = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (address.find(':') != std::string_view::npos) {
            return Error(quote(text) + ": put an IPv6 address in brackets" + usage);
        }
        if (!is_ipv4_literal(address)) {
            return Error(quote(text) + ": " + quote(address) + " is not a numeric IP address" +
                         usage);
        }
    }
    const auto number = parse_port(port);
    if (!number) {
        return Error(quote(text) + ": port " + quote(port) + " is not in 1..65535");
    }
    return IpEndpoint{std::string(address), *number};
}

Result<void> check_readable_file(const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty()) return Error("empty file name");
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) return Error(quote(path) + ": no such file");
    if (ec) return Error(quote(path) + ": " + ec.message());
    if (fs::is_directory(status)) return Error(quote(path) + " is a directory, not a file");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Error(quote(path) + ": cannot be read: " + std::strerror(errno));
    ::close(fd);
    return {};
}

Result<void> check_hosts_file(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!path.empty() && fs::status(path, ec).type() == fs::file_type::not_found) return {};
    return check_readable_file(path);
}

Result<void> check_ca_file(const std::string& path, const FileChecks& checks) {
    if (auto readable = check_readable_file(path); !readable) return readable;
    if (!checks.trust_anchors) return {};
    if (auto loaded = checks.trust_anchors(path); !loaded) {
        return std::move(loaded).error().context(quote(path));
    }
    return {};
}

Result<void> check_writable_destination(const std::string& path) {
    namespace fs = std::filesystem;
    if (path.empty()) return Error("empty file name");
    std::error_code ec;
    if (fs::is_directory(path, ec)) return Error(quote(path) + " is a directory, not a file");
    fs::path directory = fs::path(path).parent_path();
    if (directory.empty()) directory = ".";
    const fs::file_status status = fs::status(directory, ec);
    if (status.type() == fs::file_type::not_found || ec) {
        return Error(quote(path) + ": directory " + quote(directory.string()) + " does not exist");
    }
    if (!fs::is_directory(status)) {
        return Error(quote(path) + ": " + quote(directory.string()) + " is not a directory");
    }
    if (::access(directory.c_str(), W_OK) != 0) {
        return Error(quote(path) + ": directory " + quote(directory.string()) +
                     " is not writable: " + std::strerror(errno));
    }
    return {};
}

}  // namespace vpcprobe
