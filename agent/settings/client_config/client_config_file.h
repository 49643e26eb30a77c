// SPDX-License-Identifier: Apache-2.0
// A Kafka client's own configuration file (--client-config), read into its keys and values in
// file order: which dialect it is in, where each entry is (for messages), and each value with
// its config provider references resolved. What the keys mean is for the settings table.
//
// Formats, told apart by content:
// - JSON when the first byte that is not blank is '{':
//   - a cluster link's REST body, an object with a "configs" array of {"name": string,
//     "value": string|number|true|false|null} objects (other keys, at the top or in an
//     element, are ignored: a copy of the REST API's own output reads too);
//   - any other object: a flat map of key -> string, number, true, false or null.
//   A null value is not an entry (the client's default applies). Numbers are written back in
//   their shortest form. Syntax errors say "line L, column C".
// - librdkafka (kcat -F) when the keys (read by Java's rules) include one only librdkafka has
//   (metadata.broker.list, sasl.username, sasl.password, sasl.mechanisms, ssl.ca.location,
//   ssl.ca.pem, ssl.certificate.location, ssl.certificate.pem, ssl.key.location, ssl.key.pem,
//   enable.ssl.certificate.verification) and none only Java has (sasl.jaas.config,
//   ssl.truststore.*, ssl.keystore.type, ssl.keystore.certificate.chain, ssl.keystore.key); the
//   file is then read again by librdkafka's rules.
// - Java properties otherwise (java_properties.h has both dialects' rules).
//
// Config providers, in Java properties and JSON (librdkafka has none: kcat passes "${...}" on
// as it is): Kafka's ConfigTransformer syntax "${provider:[path:]key}", any number in one value,
// with text around them; the substituted text is not scanned again.
// - ${env:NAME}: the environment variable NAME (unset is an error);
// - ${file:PATH:KEY}: KEY in the Java properties file PATH (read with the same bound);
// - any other provider (vault, dir, ...) is an error naming it.
// A "${...}" without a ':' is not a reference and stays as written, as for Kafka. Kafka itself
// substitutes only when the file configures config.providers; the caller may check that key.
//
// Errors name the file and the line or element, and the key where there is one; never a value,
// resolved or not. Files over 1 MiB, directories and unreadable files are refused.
//
// Functions only; thread-safe (they read the environment and files, and change nothing).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

// The most a client configuration file (or a ${file:...} file) may hold.
inline constexpr std::size_t kMaxClientConfigBytes = 1024 * 1024;

enum class ClientConfigFormat { java_properties, librdkafka, cluster_link_json, json_object };

// "Java properties", "librdkafka", "cluster link JSON", "JSON".
std::string_view format_name(ClientConfigFormat format);

struct ClientConfigEntry {
    std::string key;
    std::string value;     // after config providers are resolved; may be a secret: never print it
    std::string position;  // "FILE:12: " (properties), "FILE: configs[3]: " (cluster link),
                           // "FILE: " (flat JSON): put in front of a message about this entry
    std::string provider;  // "" or the references as written, space-separated
                           // ("${file:/etc/kafka/secrets.properties:password}"): not secret
};

struct ClientConfigFile {
    std::string path;
    ClientConfigFormat format = ClientConfigFormat::java_properties;
    std::vector<ClientConfigEntry> entries;  // file order, duplicates kept (the last one counts)
};

// Reads `path` (at most kMaxClientConfigBytes, in pieces: /dev/zero ends in bounded time) and
// parses it as parse_client_config does. Errors start with "FILE: ".
Result<ClientConfigFile> read_client_config(const std::string& path);

// The same on text already read; `path` is used in positions and errors only (${file:...}
// references are still read from disk).
Result<ClientConfigFile> parse_client_config(std::string_view text, const std::string& path);

}  // namespace vpcprobe
