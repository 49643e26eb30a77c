// SPDX-License-Identifier: Apache-2.0
#include "tests/support/tool_output.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace vpcprobe::test {

std::string tool_path(const std::string& name) {
    const std::string binary = VPCPROBE_BINARY;
    return binary.substr(0, binary.rfind('/') + 1) + name;
}

std::string wait_for_ready(const std::string& log_path, std::chrono::milliseconds limit) {
    using namespace std::chrono_literals;
    const auto until = std::chrono::steady_clock::now() + limit;
    std::string output;
    while (output.find("ready\n") == std::string::npos &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(50ms);
        std::ifstream in(log_path);
        std::stringstream text;
        text << in.rdbuf();
        output = text.str();
    }
    return output;
}

std::vector<ListeningLine> listening_lines(const std::string& output) {
    std::vector<ListeningLine> lines;
    std::istringstream stream(output);
    for (std::string line; std::getline(stream, line);) {
        std::istringstream words(line);
        std::string keyword, where, mode;
        if (!(words >> keyword >> where >> mode) || keyword != "listening") continue;
        const std::size_t colon = where.rfind(':');
        if (colon == std::string::npos) throw std::runtime_error("no port in: " + line);
        std::string address = where.substr(0, colon);
        if (address.size() > 2 && address.front() == '[') {
            address = address.substr(1, address.size() - 2);
        }
        boost::system::error_code ec;
        const auto ip = boost::asio::ip::make_address(address, ec);
        const int port = std::stoi(where.substr(colon + 1));
        if (ec || port < 0 || port > 65535) throw std::runtime_error("bad endpoint in: " + line);
        lines.push_back({{ip, static_cast<std::uint16_t>(port)}, mode});
    }
    return lines;
}

}  // namespace vpcprobe::test
