// SPDX-License-Identifier: Apache-2.0
// mockkafka: librdkafka's mock cluster (rdkafka_mock.h) as a program, the real Kafka peer of
// the end-to-end tests (tests/integration/harness.py MockKafka). Starts --brokers N mock brokers
// (plaintext, on loopback), prints
//     bootstrap HOST:PORT,HOST:PORT,...   (rd_kafka_mock_cluster_bootstraps)
//     broker ID HOST:PORT                 (one per broker, as its Metadata advertises it)
//     ready
// and then reads one command per line on stdin, answering each with "ok" or "error: ...":
//     down ID   rd_kafka_mock_broker_set_down: the broker closes its connections and closes
//               every new one right after accepting it (its port still accepts)
//     up ID     rd_kafka_mock_broker_set_up
//     quit      exit 0
// It exits 0 on EOF of stdin, on SIGTERM/SIGINT and on its own after --max-seconds (default
// 300), so a test that forgets it cannot leave it behind for long. Bad arguments: one line on
// stderr, exit 3; a cluster that cannot be started: one line on stderr, exit 1.
//
// Threading: librdkafka runs the mock brokers on its own threads; the main thread only waits
// (poll on stdin and a signalfd, bounded by the lifetime) and calls the mock API, which is
// thread-safe.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tests/support/tool_args.h"

namespace {

using vpcprobe::test::UsageError;

constexpr std::string_view kUsage =
    "usage: mockkafka [--brokers N] [--max-seconds S]\n"
    "Starts librdkafka's mock cluster with N brokers (default 3) on loopback, prints\n"
    "\"bootstrap HOST:PORT,...\", one \"broker ID HOST:PORT\" per broker and \"ready\", then\n"
    "reads commands on stdin (\"down ID\", \"up ID\", \"quit\"), answering \"ok\" or\n"
    "\"error: ...\". Exits on EOF, SIGTERM/SIGINT, \"quit\" or after S seconds (default 300).\n";

constexpr int kMaxBrokers = 16;
constexpr int kMaxLifetimeSeconds = 3600;
constexpr std::size_t kMaxCommandBytes = 256;  // a longer line is answered with an error

struct Arguments {
    int brokers = 3;
    int max_seconds = 300;
};

std::optional<long> parse_number(std::string_view text) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != text.npos) {
        return std::nullopt;
    }
    return std::stol(std::string(text));
}

// `value` of `flag` as a number in 1..max; a UsageError otherwise.
int number_in_range(const std::string& flag, const std::string& value, int max) {
    const auto number = parse_number(value);
    if (!number || *number < 1 || *number > max) {
        throw UsageError{flag + " " + value + ": expected 1.." + std::to_string(max)};
    }
    return static_cast<int>(*number);
}

Arguments parse_arguments(int argc, char** argv) {
    Arguments arguments;
    const std::vector<vpcprobe::test::ToolFlag> flags{
        {"--brokers",
         [&](const std::string& value) {
             arguments.brokers = number_in_range("--brokers", value, kMaxBrokers);
         }},
        {"--max-seconds", [&](const std::string& value) {
             arguments.max_seconds = number_in_range("--max-seconds", value, kMaxLifetimeSeconds);
         }}};
    vpcprobe::test::parse_flags(argc, argv, kUsage, flags);
    return arguments;
}

struct KafkaHandleDeleter {
    void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

struct MockClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* cluster) const {
        rd_kafka_mock_cluster_destroy(cluster);
    }
};
using MockCluster = std::unique_ptr<rd_kafka_mock_cluster_t, MockClusterDeleter>;

struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const {
        rd_kafka_metadata_destroy(metadata);
    }
};

// A producer handle with `settings` applied; throws std::runtime_error naming the bad one.
KafkaHandle make_producer(const std::map<std::string, std::string>& settings) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::array<char, 512> error{};
    for (const auto& [key, value] : settings) {
        if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error.data(), error.size()) !=
            RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error(key + ": " + error.data());
        }
    }
    // On success rd_kafka_new owns conf; on failure it is still ours.
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size());
    if (handle == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("rd_kafka_new: ") + error.data());
    }
    return KafkaHandle(handle);
}

// The brokers as their Metadata advertises them (id -> "host:port"), asked over the wire by a
// real client so the lines printed are what a Kafka client sees.
std::map<int, std::string> advertised_brokers(const std::string& bootstraps) {
    const KafkaHandle client = make_producer({{"bootstrap.servers", bootstraps},
                                              {"client.id", "mockkafka-self-check"},
                                              {"log_level", "3"}});
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(client.get(), 0, nullptr, &raw, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(std::string("metadata from the mock cluster: ") +
                                 rd_kafka_err2str(err));
    }
    const std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter> metadata(raw);
    std::map<int, std::string> brokers;
    for (int i = 0; i < metadata->broker_cnt; ++i) {
        const auto& broker = metadata->brokers[i];
        brokers[broker.id] = std::string(broker.host) + ":" + std::to_string(broker.port);
    }
    return brokers;
}

// Answers one command line; sets `quit` for "quit".
std::string run_command(rd_kafka_mock_cluster_t* cluster, const std::map<int, std::string>& ids,
                        std::string_view line, bool& quit) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line == "quit") {
        quit = true;
        return "ok";
    }
    const std::size_t space = line.find(' ');
    const std::string_view verb = line.substr(0, space);
    if (verb != "down" && verb != "up") {
        return "error: unknown command \"" + std::string(line) + "\" (down ID, up ID, quit)";
    }
    if (space == std::string_view::npos) return "error: " + std::string(verb) + " needs an ID";
    const std::string_view id_text = line.substr(space + 1);
    const auto id = parse_number(id_text);
    if (!id || ids.count(static_cast<int>(*id)) == 0) {
        return "error: no broker \"" + std::string(id_text) + "\"";
    }
    const auto broker_id = static_cast<std::int32_t>(*id);
    const rd_kafka_resp_err_t err = verb == "down"
                                        ? rd_kafka_mock_broker_set_down(cluster, broker_id)
                                        : rd_kafka_mock_broker_set_up(cluster, broker_id);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error: ") + rd_kafka_err2str(err);
    return "ok";
}

void answer(const std::string& text) {
    std::cout << text << std::endl;  // flushed: the test waits for each answer
}

// Waits for commands on stdin until EOF, "quit", a stop signal or the deadline.
void serve_commands(rd_kafka_mock_cluster_t* cluster, const std::map<int, std::string>& ids,
                    int signal_fd, std::chrono::steady_clock::time_point deadline) {
    std::string pending;
    bool discarding = false;  // inside a line longer than kMaxCommandBytes
    std::array<char, 512> chunk{};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            std::cerr << "mockkafka: lifetime over, exiting\n";
            return;
        }
        std::array<pollfd, 2> fds{{{STDIN_FILENO, POLLIN, 0}, {signal_fd, POLLIN, 0}}};
        const int timeout_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
        const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            std::perror("mockkafka: poll");
            return;
        }
        if (ready == 0) continue;
        if (fds[1].revents != 0) return;  // SIGTERM or SIGINT
        if (fds[0].revents == 0) continue;
        const ssize_t got = ::read(STDIN_FILENO, chunk.data(), chunk.size());
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return;  // EOF (or a broken stdin): the test is gone
        for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
            const char c = chunk[i];
            if (c != '\n') {
                if (pending.size() < kMaxCommandBytes) {
                    pending.push_back(c);
                } else {
                    discarding = true;
                }
                continue;
            }
            if (discarding) {
                answer("error: command longer than " + std::to_string(kMaxCommandBytes) + " bytes");
            } else if (!pending.empty()) {
                bool quit = false;
                answer(run_command(cluster, ids, pending, quit));
                if (quit) return;
            }
            pending.clear();
            discarding = false;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Arguments arguments =
        vpcprobe::test::parse_arguments_or_exit("mockkafka", parse_arguments, argc, argv);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(arguments.max_seconds);

    // Block the stop signals before librdkafka starts its threads, so only the signalfd sees
    // them; SIGPIPE must not kill us when the test closes our stdout first.
    const sigset_t stop_signals = vpcprobe::test::block_stop_signals();
    const int signal_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC);
    if (signal_fd < 0) {
        std::perror("mockkafka: signalfd");
        return 1;
    }

    try {
        // The mock cluster needs a client handle to live in; it is never used to produce.
        const KafkaHandle owner = make_producer({{"client.id", "mockkafka"}, {"log_level", "4"}});
        const MockCluster cluster(rd_kafka_mock_cluster_new(owner.get(), arguments.brokers));
        if (!cluster) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
        const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster.get());
        const std::map<int, std::string> brokers = advertised_brokers(bootstraps);
        if (brokers.size() != static_cast<std::size_t>(arguments.brokers)) {
            throw std::runtime_error("the mock cluster advertises " +
                                     std::to_string(brokers.size()) + " brokers, not " +
                                     std::to_string(arguments.brokers));
        }
        std::cout << "bootstrap " << bootstraps << "\n";
        for (const auto& [id, where] : brokers)
            std::cout << "broker " << id << " " << where << "\n";
        std::cout << "ready" << std::endl;

        serve_commands(cluster.get(), brokers, signal_fd, deadline);
    } catch (const std::exception& error) {
        std::cerr << "mockkafka: " << error.what() << "\n";
        ::close(signal_fd);
        return 1;
    }
    ::close(signal_fd);
    return 0;
}
