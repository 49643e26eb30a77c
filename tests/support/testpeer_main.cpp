// SPDX-License-Identifier: Apache-2.0
// testpeer: the TLS peers of tests/support/tls_server.h and the HTTP peers of
// tests/support/http_server.h (REST components answering like Confluent's, or misbehaving) as a
// program, for the end-to-end Python tests, the README demo and benchmarks. Builds a throwaway
// PKI into --pki-dir, listens on every --serve address, prints "listening ADDR:PORT MODE" per
// listener and then "ready", and serves until SIGTERM or SIGINT (exit 0). Bad arguments: one
// line on stderr, exit 3; a listener or the PKI that cannot be set up: one line on stderr,
// exit 1.
//
// Threading: the main thread parses, sets up and then only waits for a signal; the listeners
// run on a small pool sharing one io_context; the HTTP listeners on one more thread.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/system/system_error.hpp>

#include "tests/support/http_server.h"
#include "tests/support/pki.h"
#include "tests/support/tls_server.h"
#include "tests/support/tool_args.h"

namespace {

using vpcprobe::test::endpoint_text;
using vpcprobe::test::HttpServeSpec;
using vpcprobe::test::ServeSpec;
using vpcprobe::test::UsageError;

constexpr std::string_view kUsage =
    "usage: testpeer --pki-dir DIR --hosts NAME[,NAME...] --serve ADDR:PORT=MODE "
    "[--serve ...]\n"
    "MODE: tls:VARIANT[:OPTION...] | silent | plaintext-http | garbage | close | tls-alert |\n"
    "      http:COMPONENT[:VARIANT] | http-plaintext:COMPONENT | http-status:CODE | http-stall |\n"
    "      http-not-http | http-huge-header | http-huge-body | http-close\n"
    "COMPONENT: schema-registry | connect | ksqldb | rest-proxy | mds | control-center\n"
    "           (answers its check the way that Confluent component does)\n"
    "VARIANT: good | expired | not-yet-valid | wrong-host | no-intermediate | self-signed |\n"
    "         unknown-ca | expiring-soon\n"
    "OPTION: client-cert-required | client-cert-optional (mutual TLS, verified against\n"
    "        DIR/client-ca.pem; DIR/client-{good,other-ca,expired}.{chain,key}.pem are client\n"
    "        certificates) | tls1.2 | tls1.3 (speak only that version)\n"
    "Writes the PKI (DIR/ca.pem is the root to trust), prints \"listening ADDR:PORT MODE\" per\n"
    "listener and then \"ready\", and serves until SIGTERM/SIGINT.\n";

struct Listen {
    boost::asio::ip::address address;
    std::uint16_t port = 0;
    ServeSpec spec;
    std::optional<HttpServeSpec> http;  // set for the http modes (served by HttpServer)
};

struct Arguments {
    std::string pki_dir;
    std::vector<std::string> hosts;
    std::vector<Listen> listens;
};

Listen parse_serve(const std::string& text) {
    const std::size_t equals = text.find('=');
    if (equals == std::string::npos) {
        throw UsageError{"--serve " + text + ": expected ADDR:PORT=MODE"};
    }
    const std::string where = text.substr(0, equals);
    std::string address_text;
    std::string port_text;
    if (!where.empty() && where.front() == '[') {
        const std::size_t close = where.find("]:");
        if (close == std::string::npos) {
            throw UsageError{"--serve " + text + ": IPv6 must be written [ADDR]:PORT"};
        }
        address_text = where.substr(1, close - 1);
        port_text = where.substr(close + 2);
    } else {
        const std::size_t colon = where.rfind(':');
        if (colon == std::string::npos || where.find(':') != colon) {
            throw UsageError{"--serve " + text + ": expected ADDR:PORT (IPv6 as [ADDR]:PORT)"};
        }
        address_text = where.substr(0, colon);
        port_text = where.substr(colon + 1);
    }
    Listen listen;
    boost::system::error_code ec;
    listen.address = boost::asio::ip::make_address(address_text, ec);
    if (ec) throw UsageError{"--serve " + text + ": \"" + address_text + "\" is not an IP address"};
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port_text) > 65535) {
        throw UsageError{"--serve " + text + ": \"" + port_text + "\" is not a port (0-65535)"};
    }
    listen.port = static_cast<std::uint16_t>(std::stoul(port_text));
    std::string error;
    const std::string mode = text.substr(equals + 1);
    if (vpcprobe::test::is_http_mode(mode)) {
        listen.http = vpcprobe::test::parse_http_serve_spec(mode, error);
        if (!listen.http) throw UsageError{"--serve " + text + ": " + error};
        return listen;
    }
    const auto spec = vpcprobe::test::parse_serve_spec(mode, error);
    if (!spec) throw UsageError{"--serve " + text + ": " + error};
    listen.spec = *spec;
    return listen;
}

Arguments parse_arguments(int argc, char** argv) {
    Arguments arguments;
    const std::vector<vpcprobe::test::ToolFlag> flags{
        vpcprobe::test::pki_dir_flag(arguments.pki_dir),
        vpcprobe::test::hosts_flag(arguments.hosts),
        {"--serve",
         [&](const std::string& value) { arguments.listens.push_back(parse_serve(value)); }}};
    vpcprobe::test::parse_flags(argc, argv, kUsage, flags);
    vpcprobe::test::require_pki_flags(arguments.pki_dir, arguments.hosts);
    if (arguments.listens.empty()) throw UsageError{"at least one --serve ADDR:PORT=MODE"};
    return arguments;
}

// A benchmark peer holds thousands of sockets: lift the soft descriptor limit to the hard one.
void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Arguments arguments =
        vpcprobe::test::parse_arguments_or_exit("testpeer", parse_arguments, argc, argv);

    // Block the stop signals before any thread starts, so only sigwait below receives them.
    const sigset_t stop_signals = vpcprobe::test::block_stop_signals();
    raise_descriptor_limit();

    // Leaves cover every --hosts name and every address served on (but not a wildcard).
    std::vector<std::string> names = arguments.hosts;
    for (const auto& listen : arguments.listens) {
        if (listen.address.is_unspecified()) continue;
        const std::string text = listen.address.to_string();
        if (std::find(names.begin(), names.end(), text) == names.end()) names.push_back(text);
    }

    try {
        const vpcprobe::test::TestPki pki(arguments.pki_dir, names);
        vpcprobe::test::ServerSet servers(pki, 2);
        vpcprobe::test::HttpServer http_servers(pki);
        for (const auto& listen : arguments.listens) {
            boost::asio::ip::tcp::endpoint bound;
            try {
                bound =
                    listen.http
                        ? http_servers.listen(listen.address.to_string(), listen.port, *listen.http)
                        : servers.listen(listen.address.to_string(), listen.port, listen.spec);
            } catch (const boost::system::system_error& error) {
                throw std::runtime_error("cannot listen on " +
                                         endpoint_text(listen.address, listen.port) + ": " +
                                         error.code().message());
            }
            std::cout << "listening " << endpoint_text(bound.address(), bound.port()) << " "
                      << (listen.http ? vpcprobe::test::describe(*listen.http)
                                      : vpcprobe::test::describe(listen.spec))
                      << "\n";
        }
        servers.start();
        http_servers.start();
        std::cout << "ready" << std::endl;

        int signal_number = 0;
        sigwait(&stop_signals, &signal_number);
        servers.stop();
        http_servers.stop();
    } catch (const std::exception& error) {
        std::cerr << "testpeer: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
