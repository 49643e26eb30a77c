// SPDX-License-Identifier: Apache-2.0
// Command-line plumbing shared by the test tool programs (tests/support/*_main.cpp: testpeer,
// tlsproxy, mockkafka), so that they all read flags, report bad ones and hold off stop signals
// the same way. Their callers (tests/integration, scripts/demo.sh) rely on this behaviour:
//   - "--flag value" and "--flag=value" are the same;
//   - --help or -h prints the tool's usage on stdout and exits 0;
//   - an unknown flag, a flag without a value, or a value the tool rejects is a UsageError,
//     reported as one line "PROGRAM: MESSAGE" on stderr with exit code 3 (kUsageExitCode).
//
// Threading: for main() only, before it starts any other thread. parse_flags and
// parse_arguments_or_exit may end the process (std::exit); block_stop_signals changes the
// calling thread's signal mask, which is only inherited by threads started after it.
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace vpcprobe::test {

// A bad command line; `message` names the flag at fault.
struct UsageError {
    std::string message;
};

inline constexpr int kUsageExitCode = 3;

// A flag a tool accepts: its name ("--pki-dir") and what to do with each value given to it.
// `take_value` may throw UsageError for a value it rejects.
struct ToolFlag {
    std::string_view name;
    std::function<void(const std::string& value)> take_value;
};

// Reads argv[1..] in order, handing each flag's value to its ToolFlag. --help/-h (also
// "--help=...") prints `usage` on stdout and exits 0 as soon as it is reached. Throws
// UsageError "unknown argument "X" (see --help)" for a flag not in `flags` (checked before its
// value is looked for) and "X needs a value" for a last flag without one. Checks that involve
// several flags (a required one missing) are the caller's, after this returns.
void parse_flags(int argc, char** argv, std::string_view usage, const std::vector<ToolFlag>& flags);

// The flags of the tools that serve TLS with the test PKI (tests/support/pki.h: testpeer,
// tlsproxy). "--pki-dir DIR" sets `pki_dir` (an empty DIR is a UsageError); "--hosts
// NAME[,NAME...]" (repeatable) appends its non-empty names to `hosts`. The ToolFlags refer to
// the variables passed, which must outlive them.
ToolFlag pki_dir_flag(std::string& pki_dir);
ToolFlag hosts_flag(std::vector<std::string>& hosts);

// UsageError unless --pki-dir and --hosts were both given.
void require_pki_flags(const std::string& pki_dir, const std::vector<std::string>& hosts);

// "ADDR:PORT" ("[ADDR]:PORT" for IPv6), as the tools print it in their "listening" lines
// (tests/support/tool_output.h reads them back).
std::string endpoint_text(const boost::asio::ip::address& address, std::uint16_t port);

// Prints "PROGRAM: MESSAGE" on stderr and exits kUsageExitCode.
[[noreturn]] void exit_on_usage_error(std::string_view program, const UsageError& error);

// The tool's arguments as `parse` reads them; on a UsageError, exit_on_usage_error.
template <typename Arguments>
Arguments parse_arguments_or_exit(std::string_view program, Arguments (*parse)(int, char**),
                                  int argc, char** argv) {
    try {
        return parse(argc, argv);
    } catch (const UsageError& error) {
        exit_on_usage_error(program, error);
    }
}

// Blocks SIGTERM and SIGINT in the calling thread, so that threads started afterwards inherit
// the block and only the main thread's sigwait/sigtimedwait/signalfd on the returned set sees
// them; ignores SIGPIPE, so a peer (or a test closing our stdout) going away first is an error
// result, not death. (How to wait on the set is each tool's own: testpeer sigwaits, tlsproxy
// bounds the wait with --max-seconds, mockkafka polls a signalfd together with stdin.)
sigset_t block_stop_signals();

}  // namespace vpcprobe::test
