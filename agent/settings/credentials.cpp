// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/text.h"

namespace vpcprobe {
namespace {

// Each reader's Error says what is wrong with the source, never what it holds.
Result<std::string> from_env(const std::string& name, const std::string& what) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return Error("environment variable " + name + " is not set");
    std::string text(value);
    if (text.empty()) return Error("environment variable " + name + " is empty");
    if (text.size() > kMaxSecretBytes) {
        return Error("environment variable " + name + " is too long for a " + what);
    }
    // Same rule as for files: a line break is a paste accident, never part of a credential.
    if (text.find_first_of("\r\n") != std::string::npos) {
        return Error("environment variable " + name + " holds more than one line; put only the " +
                     what + " in it");
    }
    return text;
}

// The config file's literal `username`: checked like the other sources.
Result<std::string> from_literal(const std::string& text) {
    if (text.empty()) return Error("username in [sasl] is empty");
    if (text.size() > kMaxSecretBytes) return Error("username in [sasl] is too long");
    if (text.find_first_of("\r\n") != std::string::npos) {
        return Error("username in [sasl] holds more than one line");
    }
    return text;
}

}  // namespace

Result<std::string> read_secret_file(const std::string& path, const std::string& what) {
    // A directory opens fine and reads as empty; say what it is instead.
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
        return Error(quote(path) + " is a directory, not a file");
    }
    std::ifstream stream(path, std::ios::binary);
    if (!stream) return Error(quote(path) + " cannot be read");
    // Room for the longest value plus its line ending, so a maximal value written with
    // `echo` (or a CRLF editor) still fits; the length is checked once the ending is gone.
    std::string text;
    text.resize(kMaxSecretBytes + 3);
    stream.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(stream.gcount()));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() > kMaxSecretBytes) {
        return Error(quote(path) + " is too long to hold a " + what);
    }
    if (text.empty()) return Error(quote(path) + " is empty");
    if (text.find('\n') != std::string::npos) {
        return Error(quote(path) + " holds more than one line; put only the " + what + " in it");
    }
    return text;
}

namespace {

// The first username source the options name, else VPCPROBE_SASL_USERNAME.
Result<std::string> read_username(const SaslOptions& options) {
    if (options.username_file) {
        auto read = read_secret_file(*options.username_file, "username");
        if (!read) return Error("SASL username file " + read.error().message());
        return read;
    }
    if (options.username_env) {
        return from_env(*options.username_env, "username").context("SASL username");
    }
    if (options.username) return from_literal(*options.username).context("SASL username");
    if (std::getenv(kUsernameEnv) == nullptr) {
        // Unset: say every way to give one. Set but unusable: from_env's reason says why.
        return Error(std::string("SASL username: none given (set username, username_env or "
                                 "username_file in [sasl], or export ") +
                     kUsernameEnv + ")");
    }
    return from_env(kUsernameEnv, "username").context("SASL username");
}

// The first password source the options name, else VPCPROBE_SASL_PASSWORD. A password file
// other users can read is worth a warning, not a refusal.
Result<std::string> read_password(const SaslOptions& options, std::vector<std::string>& warnings) {
    if (options.password_file) {
        auto read = read_secret_file(*options.password_file, "password");
        if (!read) return Error("SASL password file " + read.error().message());
        struct stat info {};
        if (stat(options.password_file->c_str(), &info) == 0 &&
            (info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
            warnings.push_back("SASL password file " + quote(*options.password_file) +
                               " is readable by other users (chmod 600 it)");
        }
        return read;
    }
    if (options.password_env) {
        return from_env(*options.password_env, "password").context("SASL password");
    }
    // From a client configuration's sasl.jaas.config or sasl.password, checked there.
    if (options.password) return options.password->reveal();
    if (std::getenv(kPasswordEnv) == nullptr) {
        return Error(std::string("SASL password: none given (set password_file or password_env "
                                 "in [sasl], use --sasl-password-file, or export ") +
                     kPasswordEnv + ")");
    }
    return from_env(kPasswordEnv, "password").context("SASL password");
}

}  // namespace

Result<void> check_sasl_mechanism(const std::string& mechanism) {
    if (sasl_mechanism_supported(mechanism)) return {};
    return Error(quote(mechanism) +
                 " is not a SASL mechanism vpcprobe speaks (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
}

Result<ResolvedCredentials> resolve_sasl_credentials(const SaslOptions& options) {
    if (auto supported = check_sasl_mechanism(options.mechanism); !supported) {
        return std::move(supported).error().context("SASL mechanism");
    }
    ResolvedCredentials resolved;
    resolved.credentials.mechanism = options.mechanism;
    auto username = read_username(options);
    if (!username) return std::move(username).error();
    auto password = read_password(options, resolved.warnings);
    if (!password) return std::move(password).error();
    resolved.credentials.username = std::move(*username);
    resolved.credentials.password = std::move(*password);
    return resolved;
}

}  // namespace vpcprobe
