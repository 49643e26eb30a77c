// SPDX-License-Identifier: Apache-2.0
#include "tests/support/listener.h"

#include <openssl/ssl.h>

#include <utility>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

namespace vpcprobe::test {

namespace asio = boost::asio;
using asio::ip::tcp;

tcp::endpoint bind_and_listen(tcp::acceptor& acceptor, const std::string& address,
                              std::uint16_t port) {
    const tcp::endpoint endpoint(asio::ip::make_address(address), port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor.local_endpoint();
}

std::shared_ptr<asio::ssl::context> make_server_context(const ServerCredentials& credentials) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_num_tickets(native, 0);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    context->use_certificate_chain_file(credentials.chain_file);
    context->use_private_key_file(credentials.key_file, asio::ssl::context::pem);
    return context;
}

IoThreads::IoThreads(unsigned threads) : thread_count_(threads ? threads : 1) {}

IoThreads::~IoThreads() {
    stop();
}

void IoThreads::keep(std::shared_ptr<void> listener, std::function<void()> begin_accepting) {
    {
        std::lock_guard lock(mutex_);
        listeners_.push_back(std::move(listener));
    }
    asio::post(io_, std::move(begin_accepting));
}

void IoThreads::start() {
    std::lock_guard lock(mutex_);
    if (!threads_.empty() || stopped_) return;
    for (unsigned i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { io_.run(); });
}

void IoThreads::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
    }
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    std::lock_guard lock(mutex_);
    listeners_.clear();
}

}  // namespace vpcprobe::test
