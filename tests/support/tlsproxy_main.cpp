// SPDX-License-Identifier: Apache-2.0
// tlsproxy: tests/support/tls_proxy.h as a program, to put TLS in front of plaintext test peers
// (the mock Kafka brokers of `mockkafka`, tests/integration/kafkapeer.py) for the end-to-end
// tests (tests/integration/harness.py TlsProxy).
//
//   tlsproxy --pki-dir DIR --hosts NAME[,NAME...] --listen ADDR:PORT=UPSTREAM_HOST:UPSTREAM_PORT
//            [--listen ...] [--max-seconds S] [--client-auth optional|required]
//            [--client-ca FILE]
//
// Every listener presents the test PKI's "good" leaf (DIR/good.chain.pem, DIR/good.key.pem).
// --client-auth makes it ask for a client certificate (mutual TLS), verified against --client-ca
// (default DIR/client-ca.pem, the PKI's client CA; DIR/client-good.{chain,key}.pem is a client
// certificate it accepts).
// The PKI: when DIR already holds one (ca.pem, good.chain.pem, good.key.pem, e.g. written by a
// `testpeer` started with the same --pki-dir), it is used as it is, so both programs chain to
// the same DIR/ca.pem; --hosts is then not used (the leaf covers what the first writer was
// given). Otherwise a fresh TestPki is written into DIR for --hosts plus every listen address,
// as testpeer does. (TestPki itself always regenerates: constructing one over an existing
// directory replaces every file with a new CA.)
//
// UPSTREAM_HOST is an IP literal on loopback (127.0.0.0/8, ::1) or "localhost" (= 127.0.0.1);
// IPv6 as [ADDR]:PORT on either side. Prints "listening ADDR:PORT" per listener (in the order
// given) and then "ready", and proxies until SIGTERM/SIGINT or --max-seconds (default 600,
// 0 = no limit), exit 0. Bad arguments: one line on stderr, exit 3; a listener or the PKI that
// cannot be set up: one line on stderr, exit 1.
//
// Threading: the main thread parses, sets up and then only waits for a signal; the proxy runs on
// its own single thread.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>

#include "tests/support/pki.h"
#include "tests/support/tls_proxy.h"
#include "tests/support/tool_args.h"

namespace {

namespace asio = boost::asio;
using vpcprobe::test::endpoint_text;
using vpcprobe::test::UsageError;

constexpr std::string_view kUsage =
    "usage: tlsproxy --pki-dir DIR --hosts NAME[,NAME...] "
    "--listen ADDR:PORT=UPSTREAM_HOST:UPSTREAM_PORT [--listen ...] [--max-seconds S]\n"
    "[--client-auth optional|required] [--client-ca FILE]\n"
    "Terminates TLS with DIR's \"good\" leaf (reusing a PKI already in DIR, else writing a new\n"
    "one for NAMEs) and pumps bytes to the plaintext loopback upstream. Prints \"listening\n"
    "ADDR:PORT\" per listener and then \"ready\"; runs until SIGTERM/SIGINT or S seconds\n"
    "(default 600, 0 = no limit).\n";

constexpr long kMaxLifetimeSeconds = 86400;

struct Listen {
    asio::ip::address address;
    std::uint16_t port = 0;
    asio::ip::tcp::endpoint upstream;
};

struct Arguments {
    std::string pki_dir;
    std::vector<std::string> hosts;
    std::vector<Listen> listens;
    long max_seconds = 600;
    vpcprobe::test::ClientAuth client_auth = vpcprobe::test::ClientAuth::none;
    std::string client_ca;  // "" = DIR/client-ca.pem
};

std::optional<long> parse_number(const std::string& text, long max) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != text.npos) {
        return std::nullopt;
    }
    const long value = std::stol(text);
    if (value > max) return std::nullopt;
    return value;
}

// "ADDR:PORT" or "[ADDR]:PORT" into its parts; "" on a malformed text.
bool split_host_port(const std::string& where, std::string& host, std::string& port) {
    if (!where.empty() && where.front() == '[') {
        const std::size_t close = where.find("]:");
        if (close == std::string::npos) return false;
        host = where.substr(1, close - 1);
        port = where.substr(close + 2);
        return true;
    }
    const std::size_t colon = where.rfind(':');
    if (colon == std::string::npos || where.find(':') != colon) return false;
    host = where.substr(0, colon);
    port = where.substr(colon + 1);
    return true;
}

Listen parse_listen(const std::string& text) {
    const std::size_t equals = text.find('=');
    if (equals == std::string::npos) {
        throw UsageError{"--listen " + text + ": expected ADDR:PORT=UPSTREAM_HOST:UPSTREAM_PORT"};
    }
    Listen listen;
    std::string host;
    std::string port;
    if (!split_host_port(text.substr(0, equals), host, port)) {
        throw UsageError{"--listen " + text + ": expected ADDR:PORT (IPv6 as [ADDR]:PORT)"};
    }
    boost::system::error_code ec;
    listen.address = asio::ip::make_address(host, ec);
    if (ec) throw UsageError{"--listen " + text + ": \"" + host + "\" is not an IP address"};
    const auto listen_port = parse_number(port, 65535);
    if (!listen_port) throw UsageError{"--listen " + text + ": \"" + port + "\" is not a port"};
    listen.port = static_cast<std::uint16_t>(*listen_port);

    if (!split_host_port(text.substr(equals + 1), host, port)) {
        throw UsageError{"--listen " + text +
                         ": expected UPSTREAM_HOST:UPSTREAM_PORT (IPv6 as [ADDR]:PORT)"};
    }
    const auto upstream_address = host == "localhost" ? asio::ip::make_address("127.0.0.1")
                                                      : asio::ip::make_address(host, ec);
    if (ec) {
        throw UsageError{"--listen " + text + ": upstream \"" + host +
                         "\" is not an IP address (or localhost)"};
    }
    const bool loopback = upstream_address.is_v4() ? upstream_address.to_v4().is_loopback()
                                                   : upstream_address.to_v6().is_loopback();
    if (!loopback) {
        throw UsageError{"--listen " + text + ": upstream " + host +
                         " is not on loopback (127.0.0.0/8, ::1)"};
    }
    const auto upstream_port = parse_number(port, 65535);
    if (!upstream_port || *upstream_port == 0) {
        throw UsageError{"--listen " + text + ": upstream port \"" + port + "\" is not a port"};
    }
    listen.upstream =
        asio::ip::tcp::endpoint(upstream_address, static_cast<std::uint16_t>(*upstream_port));
    return listen;
}

Arguments parse_arguments(int argc, char** argv) {
    Arguments arguments;
    const std::vector<vpcprobe::test::ToolFlag> flags{
        vpcprobe::test::pki_dir_flag(arguments.pki_dir),
        vpcprobe::test::hosts_flag(arguments.hosts),
        {"--listen",
         [&](const std::string& value) { arguments.listens.push_back(parse_listen(value)); }},
        {"--max-seconds",
         [&](const std::string& value) {
             const auto seconds = parse_number(value, kMaxLifetimeSeconds);
             if (!seconds) {
                 throw UsageError{"--max-seconds " + value + ": expected 0.." +
                                  std::to_string(kMaxLifetimeSeconds)};
             }
             arguments.max_seconds = *seconds;
         }},
        {"--client-auth",
         [&](const std::string& value) {
             const auto auth = vpcprobe::test::client_auth_from_name(value);
             if (!auth)
                 throw UsageError{"--client-auth " + value + ": expected optional or required"};
             arguments.client_auth = *auth;
         }},
        {"--client-ca", [&](const std::string& value) { arguments.client_ca = value; }}};
    vpcprobe::test::parse_flags(argc, argv, kUsage, flags);
    vpcprobe::test::require_pki_flags(arguments.pki_dir, arguments.hosts);
    if (arguments.listens.empty()) {
        throw UsageError{"at least one --listen ADDR:PORT=UPSTREAM_HOST:UPSTREAM_PORT"};
    }
    return arguments;
}

// The good leaf of the PKI in DIR: reused when DIR already has one, else freshly written.
vpcprobe::test::ServerCredentials good_leaf(const Arguments& arguments) {
    namespace fs = std::filesystem;
    vpcprobe::test::ServerCredentials credentials;
    credentials.chain_file = arguments.pki_dir + "/good.chain.pem";
    credentials.key_file = arguments.pki_dir + "/good.key.pem";
    if (fs::exists(arguments.pki_dir + "/ca.pem") && fs::exists(credentials.chain_file) &&
        fs::exists(credentials.key_file)) {
        std::cerr << "tlsproxy: using the PKI already in " << arguments.pki_dir << "\n";
        return credentials;
    }
    // Leaves cover every --hosts name and every address listened on (but not a wildcard).
    std::vector<std::string> names = arguments.hosts;
    for (const auto& listen : arguments.listens) {
        if (listen.address.is_unspecified()) continue;
        const std::string text = listen.address.to_string();
        if (std::find(names.begin(), names.end(), text) == names.end()) names.push_back(text);
    }
    const vpcprobe::test::TestPki pki(arguments.pki_dir, names);
    return pki.credentials(vpcprobe::test::LeafVariant::good);
}

}  // namespace

int main(int argc, char** argv) {
    const Arguments arguments =
        vpcprobe::test::parse_arguments_or_exit("tlsproxy", parse_arguments, argc, argv);

    // Block the stop signals before any thread starts, so only sigtimedwait below sees them.
    const sigset_t stop_signals = vpcprobe::test::block_stop_signals();

    try {
        vpcprobe::test::TlsProxy proxy(good_leaf(arguments), arguments.client_auth,
                                       arguments.client_ca.empty()
                                           ? arguments.pki_dir + "/client-ca.pem"
                                           : arguments.client_ca);
        for (const auto& listen : arguments.listens) {
            asio::ip::tcp::endpoint bound;
            try {
                bound = proxy.listen(listen.address.to_string(), listen.port, listen.upstream);
            } catch (const boost::system::system_error& error) {
                throw std::runtime_error("cannot listen on " +
                                         endpoint_text(listen.address, listen.port) + ": " +
                                         error.code().message());
            }
            std::cout << "listening " << endpoint_text(bound.address(), bound.port()) << "\n";
        }
        proxy.start();
        std::cout << "ready" << std::endl;

        if (arguments.max_seconds == 0) {
            int signal_number = 0;
            sigwait(&stop_signals, &signal_number);
        } else {
            timespec limit{};
            limit.tv_sec = arguments.max_seconds;
            // EINTR (another signal) restarts the whole wait: still bounded by the caller's kill.
            while (sigtimedwait(&stop_signals, nullptr, &limit) < 0 && errno == EINTR) {
            }
        }
        proxy.stop();
    } catch (const std::exception& error) {
        std::cerr << "tlsproxy: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
