// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: serve's web configuration reader (agent/web_config.h parse_web_config), the
// strict YAML subset and the exporter toolkit's keys; and the same bytes as a client's
// Authorization header (agent/basic_auth.h parse_basic_authorization). Aborts if an error does
// not start with the source and a line number, if an accepted configuration breaks what the
// reader promises (TLS with a certificate and key, users with 60-character bcrypt hashes,
// one-line header values), or if header credentials come back with a ':' in the user.
//
// Threading: libFuzzer calls this from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/basic_auth.h"
#include "agent/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto credentials = vpcprobe::parse_basic_authorization(text);
    if (credentials.valid && credentials.user.find(':') != std::string::npos) std::abort();
    auto config = vpcprobe::parse_web_config(text, "web.yml", "/etc/vpcprobe");
    if (!config) {
        const std::string& message = config.error().message();
        if (!message.starts_with("web.yml:") || message.size() < 10 || message[8] < '1' ||
            message[8] > '9') {
            std::abort();
        }
        return 0;
    }
    if (config->tls && (config->tls->cert_file.empty() || config->tls->key_file.empty())) {
        std::abort();
    }
    for (const auto& user : config->users) {
        if (user.hash.reveal().size() != 60 || user.name.find(':') != std::string::npos) {
            std::abort();
        }
    }
    for (const auto& [name, value] : config->headers) {
        if (name.empty() || value.find_first_of("\r\n") != std::string::npos) std::abort();
    }
    return 0;
}
