// SPDX-License-Identifier: Apache-2.0
// The web configuration file of `vpcprobe serve --web.config.file`: the Prometheus exporter
// toolkit's format (YAML), so the file an exporter fleet already uses configures serve's
// listener the same way: `tls_server_config` (certificate, key, client CAs and the client
// authentication policy), `basic_auth_users` (user name -> bcrypt hash) and
// `http_server_config` (`headers` added to every answer; `http2` accepted and ignored, serve
// speaks HTTP/1.1). There is no YAML library in the stack: the reader takes exactly the subset
// the format uses (nested maps of plain or quoted scalars, comments) and refuses anything else
// with the file, line and key, rather than guess at a YAML feature it does not implement.
// docs/serve.md ("Web configuration") is the user's guide.
// Pure functions (read_web_config reads the file): safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/secret.h"
#include "core/tls_server_settings.h"

namespace vpcprobe {

struct BasicAuthUser {
    std::string name;
    Secret hash;  // bcrypt ("$2y$10$..."): not the password, but no one's business either
    friend bool operator==(const BasicAuthUser&, const BasicAuthUser&) = default;
};

struct WebConfig {
    std::optional<TlsServerSettings> tls;                      // unset: plain HTTP
    std::vector<BasicAuthUser> users;                          // empty: no authentication
    std::vector<std::pair<std::string, std::string>> headers;  // added to every answer
    friend bool operator==(const WebConfig&, const WebConfig&) = default;
};

// `text` read as a web configuration. Errors read "SOURCE:LINE: KEY: what is wrong"
// ("web.yml:4: tls_server_config.client_auth_type: ..."), never with a hash in them. Relative
// paths are resolved against `directory` (the file's, as the exporter toolkit does).
Result<WebConfig> parse_web_config(std::string_view text, std::string_view source,
                                   const std::string& directory);

// The file at `path`, read (at most 1 MiB) and parsed; errors start with the path.
Result<WebConfig> read_web_config(const std::string& path);

}  // namespace vpcprobe
