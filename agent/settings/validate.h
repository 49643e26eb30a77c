// SPDX-License-Identifier: Apache-2.0
// Checks shared by the command line (agent/cli) and the config file (agent/config), so both
// accept exactly the same values and word their complaints the same way. Each returns an
// empty string (or a value) when fine, else a one-line reason without the flag or key name:
// the caller prefixes "--flag: " or "file:line:col: key: ".
// Pure functions apart from the file checks, which look at the file system; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/settings/options.h"

namespace vpcprobe {

bool is_ipv4_literal(std::string_view text);
// Plain IPv6 address, no brackets; a zone ("fe80::1%eth0") is accepted when allow_zone.
bool is_ipv6_literal(std::string_view text, bool allow_zone = false);
bool is_ip_literal(std::string_view text);
// The canonical text of an IPv6 literal (lower case, zeros compressed: "2001:DB8:0::1" ->
// "2001:db8::1"), zone kept as given; the input unchanged when it is not one.
std::string canonical_ipv6(std::string_view text);

// --access: "vpc", "pub" or "all".
std::string access_problem(std::string_view access);

// --format: text|json|markdown|prometheus|junit.
std::optional<ReportFormat> parse_report_format(std::string_view text);
std::string_view report_format_name(ReportFormat format);

// A whole decimal number in [min, max], no sign except a leading '-' for negatives, no spaces.
std::optional<long long> parse_integer(std::string_view text, long long min, long long max);

// --dns-server: "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address, with numeric
// addresses only (a resolver named by a name would need a resolver to find it).
std::string dns_server_problem(std::string_view server);

// --listen / --to: "IP:PORT" or "[V6]:PORT" with a numeric address and a port in 1..65535.
// Returns nullopt and sets `error` when invalid.
struct IpEndpoint {
    std::string address;  // without brackets
    std::uint16_t port = 0;
};
std::optional<IpEndpoint> parse_ip_endpoint(std::string_view text, std::string& error);

// Parses a port in 1..65535 (digits only).
std::optional<std::uint16_t> parse_port(std::string_view text);

// A file we are about to read (-c, --ca-file, --rules): exists, is not a directory, opens for
// reading. The reason quotes the path.
std::string readable_file_problem(const std::string& path);

// A hosts file (--hosts-file, hosts_file): one that does not exist is an empty one, as for the
// C library; one that exists must be a readable file.
std::string hosts_file_problem(const std::string& path);

// A CA file (--ca-file, ca_files): readable, and holding at least one PEM certificate that
// parses, so a wrong file is a usage error now rather than "cert.untrusted" on every target.
std::string ca_file_problem(const std::string& path);

// A file we will write at the end of the run (-o): its directory must exist and be a
// directory, so a long check does not end in "cannot write report". The reason quotes the path.
std::string writable_destination_problem(const std::string& path);

// The usage error of a plan with nothing in it.
inline constexpr std::string_view nothing_to_check =
    "nothing to check: give --instance, --bootstrap or HOST:PORT";

}  // namespace vpcprobe
