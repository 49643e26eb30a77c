// SPDX-License-Identifier: Apache-2.0
// SASL credentials: where the username and password come from (files, named environment
// variables, the config's literal username, the VPCPROBE_SASL_* defaults) and in which order,
// the refusals (missing, empty, multi-line, too long, unreadable), the permissions warning,
// and that no error or warning ever carries the secret itself. Environment variables are
// saved and restored around every test; files live in a fresh TempDir.
#include "agent/settings/credentials.h"

#include "core/text.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <optional>

#include "tests/support/process.h"

using vpcprobe::check_sasl_mechanism;
using vpcprobe::kMaxSecretBytes;
using vpcprobe::resolve_sasl_credentials;
using vpcprobe::SaslCredentials;
using vpcprobe::SaslOptions;

namespace {

// Distinctive values, so a message that leaks one is caught by a plain search.
const std::string secret = "pw-Sekr1t-7f3a";
const std::string other_secret = "pw-Other-c41d";

// The variables these tests touch, saved at construction, cleared, and restored at the end
// whatever happens, so the tests neither see nor disturb the caller's environment.
class EnvGuard {
  public:
    EnvGuard() {
        for (const char* name : names) {
            const char* value = ::getenv(name);
            if (value != nullptr) saved_[name] = value;
            ::unsetenv(name);
        }
    }
    ~EnvGuard() {
        for (const char* name : names) {
            const auto it = saved_.find(name);
            if (it == saved_.end()) {
                ::unsetenv(name);
            } else {
                ::setenv(name, it->second.c_str(), 1);
            }
        }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

    static void set(const char* name, const std::string& value) {
        ::setenv(name, value.c_str(), 1);
    }

    static constexpr const char* names[] = {"VPCPROBE_SASL_USERNAME", "VPCPROBE_SASL_PASSWORD",
                                            "VPCPROBE_TEST_USER", "VPCPROBE_TEST_PASS"};

  private:
    std::map<std::string, std::string> saved_;
};

std::string write(const vpcprobe::test::TempDir& dir, const std::string& name,
                  const std::string& content, mode_t mode = 0600) {
    const std::string path = dir.file(name);
    std::ofstream(path, std::ios::binary) << content;
    REQUIRE(::chmod(path.c_str(), mode) == 0);  // whatever the umask says
    return path;
}

SaslOptions options_for(const std::string& mechanism = "PLAIN") {
    SaslOptions options;
    options.mechanism = mechanism;
    return options;
}

struct Resolved {
    std::optional<SaslCredentials> credentials;
    std::string error;
    std::string warning;
};

Resolved resolve(const SaslOptions& options) {
    Resolved out;
    auto resolved = resolve_sasl_credentials(options);
    if (resolved) {
        out.credentials = resolved->credentials;
        out.warning = vpcprobe::join(resolved->warnings, "; ");
    } else {
        out.error = resolved.error().message();
    }
    return out;
}

SaslCredentials resolve_ok(const SaslOptions& options) {
    const Resolved resolved = resolve(options);
    INFO("error: " << resolved.error);
    REQUIRE(resolved.credentials);
    CHECK(resolved.error.empty());
    return *resolved.credentials;
}

// The error for options that must fail; asserts no secret (nor the other test secret) is in it
// and that nothing was warned about.
std::string resolve_error(const SaslOptions& options) {
    const Resolved resolved = resolve(options);
    REQUIRE_FALSE(resolved.credentials);
    REQUIRE_FALSE(resolved.error.empty());
    CHECK(resolved.error.find('\n') == std::string::npos);
    CHECK(resolved.error.find(secret) == std::string::npos);
    CHECK(resolved.error.find(other_secret) == std::string::npos);
    return resolved.error;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the mechanisms vpcprobe speaks, in upper case") {
    for (const char* mechanism : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
        CAPTURE(mechanism);
        CHECK(check_sasl_mechanism(mechanism).ok());
    }
    for (const char* mechanism : {"GSSAPI", "OAUTHBEARER", "SCRAM-SHA-1", "plain", ""}) {
        CAPTURE(mechanism);
        const auto checked = check_sasl_mechanism(mechanism);
        REQUIRE_FALSE(checked.ok());
        const std::string& problem = checked.error().message();
        CHECK(problem == fmt::format("'{}' is not a SASL mechanism vpcprobe speaks (PLAIN, "
                                     "SCRAM-SHA-256, SCRAM-SHA-512)",
                                     mechanism));
    }

    EnvGuard env;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", secret);
    CHECK(resolve_error(options_for("GSSAPI")) ==
          "SASL mechanism: 'GSSAPI' is not a SASL mechanism vpcprobe speaks (PLAIN, "
          "SCRAM-SHA-256, SCRAM-SHA-512)");
    const SaslCredentials scram = resolve_ok(options_for("SCRAM-SHA-512"));
    CHECK(scram.mechanism == "SCRAM-SHA-512");
}

TEST_CASE("with nothing configured, the VPCPROBE_SASL_* variables are used") {
    EnvGuard env;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", secret);
    const Resolved resolved = resolve(options_for("SCRAM-SHA-256"));
    REQUIRE(resolved.credentials);
    CHECK(resolved.credentials->mechanism == "SCRAM-SHA-256");
    CHECK(resolved.credentials->username == "alice");
    CHECK(resolved.credentials->password == secret);
    CHECK(resolved.warning.empty());
    // Values are taken as they are: spaces and punctuation are part of a password.
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", " a b;'\"$x ");
    CHECK(resolve_ok(options_for()).password == " a b;'\"$x ");
}

TEST_CASE("the username: file, then named variable, then literal, then VPCPROBE_SASL_USERNAME") {
    EnvGuard env;
    vpcprobe::test::TempDir dir;
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", secret);
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "from-default-env");
    EnvGuard::set("VPCPROBE_TEST_USER", "from-named-env");
    SaslOptions options = options_for();
    options.username_file = write(dir, "user", "from-file\n");
    options.username_env = "VPCPROBE_TEST_USER";
    options.username = "from-literal";
    CHECK(resolve_ok(options).username == "from-file");
    options.username_file.reset();
    CHECK(resolve_ok(options).username == "from-named-env");
    options.username_env.reset();
    CHECK(resolve_ok(options).username == "from-literal");
    options.username.reset();
    CHECK(resolve_ok(options).username == "from-default-env");
}

TEST_CASE("the password: file, then named variable, then VPCPROBE_SASL_PASSWORD") {
    EnvGuard env;
    vpcprobe::test::TempDir dir;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", "from-default-env");
    EnvGuard::set("VPCPROBE_TEST_PASS", "from-named-env");
    SaslOptions options = options_for();
    options.password_file = write(dir, "pass", secret + "\n");
    options.password_env = "VPCPROBE_TEST_PASS";
    CHECK(resolve_ok(options).password == secret);
    options.password_file.reset();
    CHECK(resolve_ok(options).password == "from-named-env");
    options.password_env.reset();
    CHECK(resolve_ok(options).password == "from-default-env");

    // A source that is set but broken is an error, not a silent fall-back to the next one.
    options.password_env = "VPCPROBE_TEST_PASS";
    ::unsetenv("VPCPROBE_TEST_PASS");
    CHECK(resolve_error(options) ==
          "SASL password: environment variable VPCPROBE_TEST_PASS is not set");
    options.password_file = dir.file("missing");
    CHECK(resolve_error(options) ==
          "SASL password file '" + dir.file("missing") + "' cannot be read");
}

TEST_CASE("files: one trailing newline is removed, nothing else") {
    EnvGuard env;
    vpcprobe::test::TempDir dir;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    SaslOptions options = options_for();
    const std::pair<std::string, std::string> cases[] = {
        {secret, secret},
        {secret + "\n", secret},
        {secret + "\r\n", secret},  // written on Windows
        {"  " + secret + " \n", "  " + secret + " "},
        {std::string(kMaxSecretBytes, 'x'), std::string(kMaxSecretBytes, 'x')},
        {std::string(kMaxSecretBytes, 'x') + "\n", std::string(kMaxSecretBytes, 'x')},
        {std::string(kMaxSecretBytes, 'x') + "\r\n", std::string(kMaxSecretBytes, 'x')},
    };
    int index = 0;
    for (const auto& [content, expected] : cases) {
        CAPTURE(index);
        options.password_file = write(dir, "pass" + std::to_string(index++), content);
        CHECK(resolve_ok(options).password == expected);
    }
    options.username_file = write(dir, "user", "bob\n");
    CHECK(resolve_ok(options).username == "bob");
}

TEST_CASE("files that are empty, multi-line, too long or unreadable are refused by name") {
    EnvGuard env;
    vpcprobe::test::TempDir dir;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    SaslOptions options = options_for();

    options.password_file = write(dir, "empty", "");
    CHECK(resolve_error(options) == "SASL password file '" + dir.file("empty") + "' is empty");
    options.password_file = write(dir, "newline", "\n");
    CHECK(resolve_error(options) == "SASL password file '" + dir.file("newline") + "' is empty");

    options.password_file = write(dir, "two-lines", secret + "\n" + other_secret + "\n");
    CHECK(resolve_error(options) == "SASL password file '" + dir.file("two-lines") +
                                        "' holds more than one line; put only the password in it");
    // Only one newline is removed: a blank second line is a second line.
    options.password_file = write(dir, "blank-line", secret + "\n\n");
    CHECK(contains(resolve_error(options), "'" + dir.file("blank-line") + "' holds more than one"));

    options.password_file = write(dir, "long", std::string(kMaxSecretBytes, 'x') + secret);
    CHECK(resolve_error(options) ==
          "SASL password file '" + dir.file("long") + "' is too long to hold a password");
    options.password_file = write(dir, "huge", std::string(1 << 20, 'y') + secret);
    CHECK(contains(resolve_error(options), "'" + dir.file("huge") + "' is too long"));

    options.password_file = dir.file("absent");
    CHECK(resolve_error(options) ==
          "SASL password file '" + dir.file("absent") + "' cannot be read");
    options.password_file = dir.path();  // a directory
    CHECK(resolve_error(options) ==
          "SASL password file '" + dir.path() + "' is a directory, not a file");

    options.password_file = write(dir, "ok", secret);
    options.username_file = write(dir, "user-lines", "alice\nbob\n");
    CHECK(resolve_error(options) == "SASL username file '" + dir.file("user-lines") +
                                        "' holds more than one line; put only the username in it");
    options.username_file = write(dir, "user-empty", "");
    CHECK(resolve_error(options) == "SASL username file '" + dir.file("user-empty") + "' is empty");
    options.username_file = dir.file("user-absent");
    CHECK(resolve_error(options) ==
          "SASL username file '" + dir.file("user-absent") + "' cannot be read");
}

TEST_CASE("variables that are unset, empty, multi-line or too long are refused by name") {
    EnvGuard env;
    SaslOptions options = options_for();
    options.username_env = "VPCPROBE_TEST_USER";
    options.password_env = "VPCPROBE_TEST_PASS";
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "ignored");
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", other_secret);

    CHECK(resolve_error(options) ==
          "SASL username: environment variable VPCPROBE_TEST_USER is not set");
    EnvGuard::set("VPCPROBE_TEST_USER", "");
    CHECK(resolve_error(options) ==
          "SASL username: environment variable VPCPROBE_TEST_USER is empty");
    EnvGuard::set("VPCPROBE_TEST_USER", "alice\nbob");
    CHECK(resolve_error(options) ==
          "SASL username: environment variable VPCPROBE_TEST_USER holds more than one line; put "
          "only the username in it");
    EnvGuard::set("VPCPROBE_TEST_USER", "alice");

    CHECK(resolve_error(options) ==
          "SASL password: environment variable VPCPROBE_TEST_PASS is not set");
    EnvGuard::set("VPCPROBE_TEST_PASS", "");
    CHECK(resolve_error(options) ==
          "SASL password: environment variable VPCPROBE_TEST_PASS is empty");
    EnvGuard::set("VPCPROBE_TEST_PASS", secret + "\n");
    CHECK(contains(resolve_error(options), "VPCPROBE_TEST_PASS holds more than one line"));
    EnvGuard::set("VPCPROBE_TEST_PASS", std::string(kMaxSecretBytes, 'x') + secret);
    CHECK(resolve_error(options) ==
          "SASL password: environment variable VPCPROBE_TEST_PASS is too long for a password");
    EnvGuard::set("VPCPROBE_TEST_PASS", std::string(kMaxSecretBytes, 'x'));
    CHECK(resolve_ok(options).password.size() == kMaxSecretBytes);
}

TEST_CASE("no username or password anywhere: the error says every way to give one") {
    EnvGuard env;
    SaslOptions options = options_for();
    const std::string no_user = resolve_error(options);
    CHECK(no_user ==
          "SASL username: none given (set username, username_env or username_file in [sasl], or "
          "export VPCPROBE_SASL_USERNAME)");

    options.username = "alice";
    const std::string no_password = resolve_error(options);
    CHECK(no_password ==
          "SASL password: none given (set password_file or password_env in [sasl], use "
          "--sasl-password-file, or export VPCPROBE_SASL_PASSWORD)");

    // Set but unusable: the reason, not "none given".
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", "");
    CHECK(resolve_error(options) ==
          "SASL password: environment variable VPCPROBE_SASL_PASSWORD is empty");
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", std::string(kMaxSecretBytes + 1, 'x'));
    CHECK(contains(resolve_error(options), "VPCPROBE_SASL_PASSWORD is too long"));
    options.username.reset();
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "");
    CHECK(resolve_error(options) ==
          "SASL username: environment variable VPCPROBE_SASL_USERNAME is empty");
}

TEST_CASE("the config's literal username is checked like the other sources") {
    EnvGuard env;
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", secret);
    SaslOptions options = options_for();
    options.username = "";
    CHECK(resolve_error(options) == "SASL username: username in [sasl] is empty");
    options.username = "alice\nbob";
    CHECK(resolve_error(options) == "SASL username: username in [sasl] holds more than one line");
    options.username = std::string(kMaxSecretBytes + 1, 'u');
    CHECK(resolve_error(options) == "SASL username: username in [sasl] is too long");
    options.username = "alice";
    CHECK(resolve_ok(options).username == "alice");
}

TEST_CASE("a password file readable by other users is used, with a warning naming it") {
    EnvGuard env;
    vpcprobe::test::TempDir dir;
    EnvGuard::set("VPCPROBE_SASL_USERNAME", "alice");
    SaslOptions options = options_for();

    for (const mode_t mode : {mode_t{0640}, mode_t{0604}, mode_t{0644}, mode_t{0444}}) {
        CAPTURE(mode);
        const std::string name = "shared-" + std::to_string(mode);
        options.password_file = write(dir, name, secret + "\n", mode);
        const Resolved resolved = resolve(options);
        REQUIRE(resolved.credentials);
        CHECK(resolved.credentials->password == secret);
        CHECK(resolved.warning == "SASL password file '" + dir.file(name) +
                                      "' is readable by other users (chmod 600 it)");
        CHECK_FALSE(contains(resolved.warning, secret));
    }
    // Private files, and modes that let others write or search but not read: no warning.
    for (const mode_t mode : {mode_t{0600}, mode_t{0400}, mode_t{0620}, mode_t{0601}}) {
        CAPTURE(mode);
        options.password_file = write(dir, "private-" + std::to_string(mode), secret, mode);
        const Resolved resolved = resolve(options);
        REQUIRE(resolved.credentials);
        CHECK(resolved.warning.empty());
    }
    // Nothing to warn about when the password does not come from a file.
    options.password_file.reset();
    EnvGuard::set("VPCPROBE_SASL_PASSWORD", secret);
    CHECK(resolve(options).warning.empty());
    // A readable-by-others file that is refused anyway gives the error only.
    options.password_file = write(dir, "shared-empty", "", 0644);
    CHECK(resolve(options).warning.empty());
}
