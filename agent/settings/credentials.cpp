// SPDX-License-Identifier: Apache-2.0
#include "agent/settings/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace vpcprobe {
namespace {

struct Secret {
    std::optional<std::string> value;
    std::string problem;
};

Secret from_env(const std::string& name, const std::string& what) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return {std::nullopt, "environment variable " + name + " is not set"};
    std::string text(value);
    if (text.empty()) return {std::nullopt, "environment variable " + name + " is empty"};
    if (text.size() > kMaxSecretBytes) {
        return {std::nullopt, "environment variable " + name + " is too long for a " + what};
    }
    // Same rule as for files: a line break is a paste accident, never part of a credential.
    if (text.find_first_of("\r\n") != std::string::npos) {
        return {std::nullopt, "environment variable " + name + " holds more than one line; put " +
                                  "only the " + what + " in it"};
    }
    return {std::move(text), ""};
}

// The config file's literal `username`: checked like the other sources.
Secret from_literal(const std::string& text) {
    if (text.empty()) return {std::nullopt, "username in [sasl] is empty"};
    if (text.size() > kMaxSecretBytes) return {std::nullopt, "username in [sasl] is too long"};
    if (text.find_first_of("\r\n") != std::string::npos) {
        return {std::nullopt, "username in [sasl] holds more than one line"};
    }
    return {text, ""};
}

Secret from_file(const std::string& path, const std::string& what) {
    // A directory opens fine and reads as empty; say what it is instead.
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
        return {std::nullopt, "'" + path + "' is a directory, not a file"};
    }
    std::ifstream stream(path, std::ios::binary);
    if (!stream) return {std::nullopt, "'" + path + "' cannot be read"};
    // Room for the longest value plus its line ending, so a maximal value written with
    // `echo` (or a CRLF editor) still fits; the length is checked once the ending is gone.
    std::string text;
    text.resize(kMaxSecretBytes + 3);
    stream.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(stream.gcount()));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.size() > kMaxSecretBytes) {
        return {std::nullopt, "'" + path + "' is too long to hold a " + what};
    }
    if (text.empty()) return {std::nullopt, "'" + path + "' is empty"};
    if (text.find('\n') != std::string::npos) {
        return {std::nullopt,
                "'" + path + "' holds more than one line; put only the " + what + " in it"};
    }
    return {std::move(text), ""};
}

}  // namespace

std::string sasl_mechanism_problem(const std::string& mechanism) {
    if (sasl_mechanism_supported(mechanism)) return "";
    return "'" + mechanism + "' is not a SASL mechanism vpcprobe speaks (PLAIN, SCRAM-SHA-256, " +
           "SCRAM-SHA-512)";
}

std::optional<SaslCredentials> resolve_sasl_credentials(const SaslOptions& options,
                                                        std::string& error, std::string& warning) {
    if (std::string problem = sasl_mechanism_problem(options.mechanism); !problem.empty()) {
        error = "SASL mechanism: " + problem;
        return std::nullopt;
    }
    SaslCredentials credentials;
    credentials.mechanism = options.mechanism;

    Secret username;
    std::string username_source;
    if (options.username_file) {
        username = from_file(*options.username_file, "username");
        username_source = "SASL username file ";
    } else if (options.username_env) {
        username = from_env(*options.username_env, "username");
        username_source = "SASL username: ";
    } else if (options.username) {
        username = from_literal(*options.username);
        username_source = "SASL username: ";
    } else {
        username = from_env(kUsernameEnv, "username");
        // Unset: say every way to give one. Set but unusable: from_env's reason says why.
        if (std::getenv(kUsernameEnv) == nullptr) {
            username.problem = std::string(
                                   "none given (set username, username_env or "
                                   "username_file in [sasl], or export ") +
                               kUsernameEnv + ")";
        }
        username_source = "SASL username: ";
    }
    if (!username.value) {
        error = username_source + username.problem;
        return std::nullopt;
    }

    Secret password;
    std::string password_source;
    if (options.password_file) {
        password = from_file(*options.password_file, "password");
        password_source = "SASL password file ";
        struct stat info {};
        if (password.value && stat(options.password_file->c_str(), &info) == 0 &&
            (info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
            warning = "SASL password file '" + *options.password_file +
                      "' is readable by other users (chmod 600 it)";
        }
    } else if (options.password_env) {
        password = from_env(*options.password_env, "password");
        password_source = "SASL password: ";
    } else {
        password = from_env(kPasswordEnv, "password");
        if (std::getenv(kPasswordEnv) == nullptr) {
            password.problem = std::string(
                                   "none given (set password_file or password_env in "
                                   "[sasl], use --sasl-password-file, or export ") +
                               kPasswordEnv + ")";
        }
        password_source = "SASL password: ";
    }
    if (!password.value) {
        error = password_source + password.problem;
        return std::nullopt;
    }
    credentials.username = std::move(*username.value);
    credentials.password = std::move(*password.value);
    return credentials;
}

}  // namespace vpcprobe
