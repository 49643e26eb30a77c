// SPDX-License-Identifier: Apache-2.0
// Checks of single values (addresses, ports, files) that the setting table applies to every
// source alike (agent/settings/setting_table.h). Each Error is a one-line reason without the
// flag or key: the setting says where the value came from ("--flag: ", "FILE:3:1: key: ").
// Pure functions apart from the file checks, which look at the file system; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/settings/settings.h"
#include "core/address.h"
#include "core/evidence.h"
#include "core/probe_settings.h"
#include "core/result.h"

namespace vpcprobe {

// --access: "vpc", "pub" or "all".
Result<void> check_access(std::string_view access);

// --format: text|json|markdown|prometheus|junit.
std::optional<ReportFormat> parse_report_format(std::string_view text);
std::string_view report_format_name(ReportFormat format);

// A whole decimal number in [min, max], no sign except a leading '-' for negatives, no spaces.
std::optional<long long> parse_integer(std::string_view text, long long min, long long max);

// --dns-server: "ADDR", "ADDR:PORT", "[V6]:PORT" or a bare IPv6 address, with numeric
// addresses only (a resolver named by a name would need a resolver to find it).
Result<void> check_dns_server(std::string_view server);

// --listen / --to: "IP:PORT" or "[V6]:PORT" with a numeric address and a port in 1..65535.
struct IpEndpoint {
    std::string address;  // without brackets
    std::uint16_t port = 0;
};
Result<IpEndpoint> parse_ip_endpoint(std::string_view text);

// A file we are about to read (-c, --ca-file, --rules): exists, is not a directory, opens for
// reading. The reason quotes the path.
Result<void> check_readable_file(const std::string& path);

// A hosts file (--hosts-file, hosts_file): one that does not exist is an empty one, as for the
// C library; one that exists must be a readable file.
Result<void> check_hosts_file(const std::string& path);

// Checks of what a file holds that only a lower layer can make (the TLS layer reading trust
// anchors): handed in by the commands, which may use that layer, so that "valid here" and
// "loads there" never disagree.
struct FileChecks {
    // Whether a PEM file loads as trust anchors; the Error says what is wrong with it.
    std::function<Result<void>(const std::string& path)> trust_anchors;
    // Whether the trust store and client identity of the settings load (with every --ca-file),
    // and what they are; the Error names the setting and file at fault. Unset: not checked.
    std::function<Result<TlsMaterialInfo>(const ProbeSettings& settings)> tls_material;
};

// A CA file (--ca-file, ca_files): readable, and loading as trust anchors, so a wrong file is
// a usage error now rather than "cert.untrusted" on every target.
Result<void> check_ca_file(const std::string& path, const FileChecks& checks);

// A file we will write at the end of the run (-o): its directory must exist and be a
// directory, so a long check does not end in "cannot write report". The reason quotes the path.
Result<void> check_writable_destination(const std::string& path);

// The usage error of a plan with nothing in it.
inline constexpr std::string_view nothing_to_check =
    "nothing to check: give --instance, --bootstrap or HOST:PORT";

}  // namespace vpcprobe
