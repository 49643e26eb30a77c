// SPDX-License-Identifier: Apache-2.0
#include "probes/tls/trust_files.h"

#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace vpcprobe {

namespace {

void add_path(std::vector<std::string>& paths, std::string path) {
    if (path.empty()) return;
    if (std::find(paths.begin(), paths.end(), path) != paths.end()) return;
    paths.push_back(std::move(path));
}

// The system store's files as probes/tls/tls_context.cpp `install_system_trust` reads them.
// Both the default directory and the default bundle are watched when neither variable is set:
// which of the two is used depends on whether the directory is hashed, and that can change.
void add_system_store(std::vector<std::string>& paths) {
    const char* file_from_env = std::getenv(X509_get_default_cert_file_env());
    const char* dir_from_env = std::getenv(X509_get_default_cert_dir_env());
    if (file_from_env != nullptr) add_path(paths, file_from_env);
    if (dir_from_env != nullptr) {
        // OpenSSL reads the variable as a list, as PATH is read.
        std::string_view list = dir_from_env;
        while (!list.empty()) {
            const auto end = list.find(':');
            add_path(paths, std::string(list.substr(0, end)));
            list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
        }
        return;
    }
    add_path(paths, X509_get_default_cert_dir());
    if (file_from_env == nullptr) add_path(paths, X509_get_default_cert_file());
}

}  // namespace

FileSignature file_signature(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return {};
    FileSignature signature;
    signature.present = true;
    signature.device = static_cast<std::uint64_t>(info.st_dev);
    signature.inode = static_cast<std::uint64_t>(info.st_ino);
    signature.size = static_cast<std::int64_t>(info.st_size);
    signature.mtime_seconds = static_cast<std::int64_t>(info.st_mtim.tv_sec);
    signature.mtime_nanoseconds = static_cast<std::int64_t>(info.st_mtim.tv_nsec);
    return signature;
}

std::vector<std::string> trust_file_paths(const ProbeSettings& settings) {
    std::vector<std::string> paths;
    for (const std::string& file : settings.ca_files) add_path(paths, file);
    if (settings.tls.trust_store) {
        add_path(paths, settings.tls.trust_store->path);
    } else {
        add_system_store(paths);
    }
    if (settings.tls.identity) {
        add_path(paths, settings.tls.identity->certificate.path);
        if (settings.tls.identity->key) add_path(paths, settings.tls.identity->key->path);
    }
    return paths;
}

TrustFiles::TrustFiles(std::vector<std::string> paths) : paths_(std::move(paths)) {
    signatures_.reserve(paths_.size());
    for (const std::string& path : paths_) signatures_.push_back(file_signature(path));
}

std::optional<std::string> TrustFiles::first_changed() const {
    for (std::size_t i = 0; i < paths_.size(); ++i) {
        if (file_signature(paths_[i]) != signatures_[i]) return paths_[i];
    }
    return std::nullopt;
}

}  // namespace vpcprobe
