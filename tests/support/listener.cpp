// SPDX-License-Identifier: Apache-2.0
#include "tests/support/listener.h"

#include <openssl/ssl.h>

#include <stdexcept>
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

std::string_view name(ClientAuth auth) {
    switch (auth) {
        case ClientAuth::none:
            return "none";
        case ClientAuth::optional:
            return "optional";
        case ClientAuth::required:
            return "required";
    }
    return "none";
}

std::optional<ClientAuth> client_auth_from_name(std::string_view text) {
    for (const auto auth : {ClientAuth::none, ClientAuth::optional, ClientAuth::required}) {
        if (name(auth) == text) return auth;
    }
    return std::nullopt;
}

void ask_for_client_certificates(asio::ssl::context& context, ClientAuth auth,
                                 const std::string& ca_file) {
    if (auth == ClientAuth::none) return;
    SSL_CTX* native = context.native_handle();
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
    if (names == nullptr || SSL_CTX_load_verify_locations(native, ca_file.c_str(), nullptr) != 1) {
        if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
        throw std::runtime_error("cannot load the client CA file " + ca_file);
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes ownership
    const int mode = auth == ClientAuth::required
                         ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                         : SSL_VERIFY_PEER;
    SSL_CTX_set_verify(native, mode, nullptr);
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
