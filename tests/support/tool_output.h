// SPDX-License-Identifier: Apache-2.0
// Test support: where the test tools (testpeer, tlsproxy, mockkafka) are, and reading what they
// print as they start: "listening ADDR:PORT MODE" per listener (IPv6 as [ADDR]:PORT), then
// "ready". For tests that run a tool as a Subprocess with its output in a log file.
// Plain functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace vpcprobe::test {

// The path of a test tool ("testpeer", "tlsproxy", "mockkafka") built next to vpcprobe.
std::string tool_path(const std::string& name);

// The log's text once it holds a "ready" line, polled every 50 ms for at most `limit`; what it
// holds by then otherwise (the caller checks for "ready\n" and shows the text if missing).
std::string wait_for_ready(const std::string& log_path,
                           std::chrono::milliseconds limit = std::chrono::seconds(10));

struct ListeningLine {
    boost::asio::ip::tcp::endpoint endpoint;
    std::string mode;  // as the tool describes it: "tls:good", "http:ksqldb", ...
};

// Every "listening ..." line of `output`, in order. Throws std::runtime_error on a listening
// line that does not parse, so a test sees the tool's output change.
std::vector<ListeningLine> listening_lines(const std::string& output);

}  // namespace vpcprobe::test
