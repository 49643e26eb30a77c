// SPDX-License-Identifier: Apache-2.0
// The files a TLS context was built from, and a cheap way to tell whether any of them changed
// since: `vpcprobe serve` keeps one context per configuration generation and rebuilds it when
// the trust store under it changes (docs/serve.md, "TLS context"). A file's signature is what
// stat(2) says about it (device, inode, size, modification time to the nanosecond) or that it
// is missing: rewriting a file, replacing it by rename, removing it, or adding and removing
// links in a hashed certificate directory (update-ca-certificates) each change it. Contents
// are not read: comparing costs one stat per file per cycle.
//
// Threading: plain values and functions of the file system and the environment; a
// TrustFiles is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/probe_settings.h"

namespace vpcprobe {

// What stat(2) said about one path, or that it was missing (or unreadable).
struct FileSignature {
    bool present = false;
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_seconds = 0;
    std::int64_t mtime_nanoseconds = 0;
    friend bool operator==(const FileSignature&, const FileSignature&) = default;
};

// The signature of `path` now (following symbolic links, as OpenSSL does when it opens it).
FileSignature file_signature(const std::string& path);

// Every file and directory a TlsContext::create(settings) reads its trust and identity from, in
// a stable order without duplicates: each --ca-file; the client's trust store file, or else the
// system store (SSL_CERT_FILE, each SSL_CERT_DIR directory, or OpenSSL's default certificate
// directory and bundle file); the client certificate and key files. Stores given inline have
// no file.
std::vector<std::string> trust_file_paths(const ProbeSettings& settings);

// The signatures of a set of paths taken at one moment, to compare with the same paths later.
class TrustFiles {
  public:
    TrustFiles() = default;
    // Takes the signature of every path now.
    explicit TrustFiles(std::vector<std::string> paths);

    // The first path whose signature differs from the one taken at construction, if any.
    std::optional<std::string> first_changed() const;

    const std::vector<std::string>& paths() const { return paths_; }

  private:
    std::vector<std::string> paths_;
    std::vector<FileSignature> signatures_;
};

}  // namespace vpcprobe
