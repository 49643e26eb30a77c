// SPDX-License-Identifier: Apache-2.0
// The TLS context serve keeps from run to run (probes/tls/kept_tls_context.h), with a real CA file
// of a throwaway PKI: one build serves every run of a generation; a new generation, a CA file
// rewritten or replaced, and a build that failed each make the next run build again, for the
// reason said; a failed build is the Error TlsContext::create gives, word for word.
#include "probes/tls/kept_tls_context.h"

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "probes/tls/tls_context.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using vpcprobe::KeptTlsContext;
using vpcprobe::ProbeSettings;
using vpcprobe::TlsContextBuild;
using Kind = vpcprobe::TlsContextBuildReason::Kind;

namespace {

// Settings trusting a CA file of the test PKI's CA, which the test may rewrite.
ProbeSettings settings_with_ca_copy(const vpcprobe::test::TempDir& dir) {
    ProbeSettings settings;
    settings.ca_files = {dir.write("ca.pem", vpcprobe::test::pem_certificate())};
    return settings;
}

}  // namespace

TEST_CASE("serve TLS context: one build per generation while the files stay the same") {
    vpcprobe::test::TempDir dir;
    const ProbeSettings settings = settings_with_ca_copy(dir);
    KeptTlsContext kept;
    REQUIRE(kept.rebuild_reason(0));
    CHECK(kept.rebuild_reason(0)->kind == Kind::first_run);
    CHECK(kept.rebuild_reason(0)->name() == "first_run");

    std::optional<TlsContextBuild> built;
    auto first = kept.get(settings, 0, &built);
    REQUIRE(first);
    REQUIRE(*first != nullptr);
    CHECK(kept.builds() == 1);
    REQUIRE(built);
    CHECK(built->reason.kind == Kind::first_run);
    for (int run = 0; run < 5; ++run) {
        built.reset();
        auto again = kept.get(settings, 0, &built);
        REQUIRE(again);
        CHECK(again->get() == first->get());
        CHECK_FALSE(built);
    }
    CHECK(kept.builds() == 1);
    CHECK_FALSE(kept.rebuild_reason(0));

    // SIGHUP: a new generation, a new context even with the same settings.
    REQUIRE(kept.rebuild_reason(1));
    CHECK(kept.rebuild_reason(1)->kind == Kind::reload);
    auto reloaded = kept.get(settings, 1);
    REQUIRE(reloaded);
    CHECK(reloaded->get() != first->get());
    CHECK(kept.builds() == 2);
    CHECK(kept.get(settings, 1)->get() == reloaded->get());
}

TEST_CASE("serve TLS context: a CA file replaced is a rebuild naming it") {
    vpcprobe::test::TempDir dir;
    const ProbeSettings settings = settings_with_ca_copy(dir);
    const std::string ca = settings.ca_files.front();
    KeptTlsContext kept;
    auto first = kept.get(settings, 0);
    REQUIRE(first);

    // As an operator's tooling does it: a new file renamed over the old one.
    const std::string next = dir.write("ca.pem.new", vpcprobe::test::pem_certificate());
    REQUIRE(std::rename(next.c_str(), ca.c_str()) == 0);
    const auto reason = kept.rebuild_reason(0);
    REQUIRE(reason);
    CHECK(reason->kind == Kind::file_changed);
    CHECK(reason->name() == "file_changed");
    CHECK(reason->file == ca);
    std::optional<TlsContextBuild> built;
    auto rebuilt = kept.get(settings, 0, &built);
    REQUIRE(rebuilt);
    REQUIRE(built);
    CHECK(built->reason.file == ca);
    CHECK(rebuilt->get() != first->get());
    CHECK(kept.builds() == 2);
    CHECK_FALSE(kept.rebuild_reason(0));
}

TEST_CASE("serve TLS context: a failed build is the run's error, and the next run tries again") {
    vpcprobe::test::TempDir dir;
    const ProbeSettings settings = settings_with_ca_copy(dir);
    KeptTlsContext kept;
    REQUIRE(kept.get(settings, 0));

    dir.write("ca.pem", "not a certificate\n");
    const auto expected = vpcprobe::TlsContext::create(settings);
    REQUIRE_FALSE(expected);
    auto failed = kept.get(settings, 0);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message() == expected.error().message());
    CHECK(failed.error().message().find("--ca-file " + settings.ca_files.front()) !=
          std::string::npos);
    CHECK(kept.builds() == 1);

    // Nothing changed since, but a failed build is never kept: the next run tries again.
    REQUIRE(kept.rebuild_reason(0));
    CHECK(kept.rebuild_reason(0)->kind == Kind::retry);
    CHECK_FALSE(kept.get(settings, 0));

    dir.write("ca.pem", vpcprobe::test::pem_certificate());
    std::optional<TlsContextBuild> built;
    auto repaired = kept.get(settings, 0, &built);
    REQUIRE(repaired);
    REQUIRE(built);
    CHECK(built->reason.name() == "retry");
    CHECK(*repaired != nullptr);
    CHECK(kept.builds() == 2);
}
