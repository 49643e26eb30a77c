// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tool_args.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace vpcprobe::test {
namespace {

// "a,,b," -> {"a", "b"}: the names of a comma-separated list, empty ones dropped.
std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

}  // namespace

void parse_flags(int argc, char** argv, std::string_view usage,
                 const std::vector<ToolFlag>& flags) {
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        std::string value;
        bool has_value = false;
        if (const std::size_t equals = flag.find('=');
            flag.rfind("--", 0) == 0 && equals != std::string::npos) {
            value = flag.substr(equals + 1);
            flag = flag.substr(0, equals);
            has_value = true;
        }
        if (flag == "--help" || flag == "-h") {
            std::cout << usage;
            std::exit(0);
        }
        const auto known = std::find_if(flags.begin(), flags.end(), [&](const ToolFlag& tool_flag) {
            return tool_flag.name == flag;
        });
        if (known == flags.end()) {
            throw UsageError{"unknown argument \"" + flag + "\" (see --help)"};
        }
        if (!has_value) {
            if (i + 1 >= argc) throw UsageError{flag + " needs a value"};
            value = argv[++i];
        }
        known->take_value(value);
    }
}

ToolFlag pki_dir_flag(std::string& pki_dir) {
    return {"--pki-dir", [&pki_dir](const std::string& value) {
                if (value.empty()) throw UsageError{"--pki-dir needs a directory"};
                pki_dir = value;
            }};
}

ToolFlag hosts_flag(std::vector<std::string>& hosts) {
    return {"--hosts", [&hosts](const std::string& value) {
                for (auto& host : split_commas(value)) hosts.push_back(std::move(host));
            }};
}

void require_pki_flags(const std::string& pki_dir, const std::vector<std::string>& hosts) {
    if (pki_dir.empty()) throw UsageError{"--pki-dir is required"};
    if (hosts.empty()) throw UsageError{"--hosts is required (NAME[,NAME...])"};
}

void exit_on_usage_error(std::string_view program, const UsageError& error) {
    std::cerr << program << ": " << error.message << "\n";
    std::exit(kUsageExitCode);
}

sigset_t block_stop_signals() {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    return stop_signals;
}

// Appended piece by piece: GCC 12 at -O3 warns falsely on "[" + a temporary string
// (-Wrestrict, GCC bug 105651).
std::string endpoint_text(const boost::asio::ip::address& address, std::uint16_t port) {
    std::string text;
    if (address.is_v6()) text += '[';
    text += address.to_string();
    if (address.is_v6()) text += ']';
    text += ':';
    text += std::to_string(port);
    return text;
}

}  // namespace vpcprobe::test
