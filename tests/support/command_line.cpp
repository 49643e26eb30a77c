// SPDX-License-Identifier: Apache-2.0
#include "tests/support/command_line.h"

#include "agent/file_checks.h"

namespace vpcprobe::test {

Result<Command> parse_arguments(std::vector<std::string> args) {
    args.insert(args.begin(), "vpcprobe");
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data(), probe_file_checks());
}

}  // namespace vpcprobe::test
