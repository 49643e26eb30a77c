// SPDX-License-Identifier: Apache-2.0
// The two ways core/evidence.h keeps a large run small without changing what a value means:
// CertificateChain (one shared copy, copied before a write) and Boxed (core/boxed.h: an
// optional on the heap, copied deep).
#include "core/evidence.h"

#include <optional>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

using vpcprobe::Boxed;
using vpcprobe::CertificateChain;
using vpcprobe::CertificateInfo;
using vpcprobe::TraceEvidence;

namespace {

CertificateInfo certificate(const char* subject) {
    CertificateInfo info;
    info.subject = subject;
    info.issuer = "CN=Root";
    return info;
}

}  // namespace

TEST_CASE("a copied chain shares its certificates until one holder writes") {
    const CertificateChain original({certificate("CN=leaf"), certificate("CN=intermediate")});
    CertificateChain copy = original;
    CHECK(copy.shares(original));
    CHECK(&std::as_const(copy).front() == &original.front());  // a read copies nothing

    copy.front().subject = "CN=changed";  // through the non-const front(): copied first
    CHECK_FALSE(copy.shares(original));
    CHECK(original.front().subject == "CN=leaf");
    CHECK(copy.front().subject == "CN=changed");
    CHECK(copy[1].subject == "CN=intermediate");

    CertificateChain appended = original;
    appended.push_back(certificate("CN=root"));
    CHECK(original.size() == 2);
    CHECK(appended.size() == 3);
}

TEST_CASE("an empty chain reads as an empty list") {
    const CertificateChain none;
    CHECK(none.empty());
    CHECK(none.size() == 0);
    CHECK(none.begin() == none.end());
    CHECK_FALSE(none.shares(CertificateChain()));
    CertificateChain grown;
    grown.push_back(certificate("CN=leaf"));
    CHECK(grown.size() == 1);
}

TEST_CASE("Boxed reads like std::optional and copies deep") {
    Boxed<TraceEvidence> absent;
    CHECK_FALSE(absent);
    CHECK(absent == std::nullopt);
    CHECK_THROWS_AS(absent.value(), std::bad_optional_access);

    TraceEvidence trace;
    trace.max_hops = 7;
    Boxed<TraceEvidence> boxed = trace;
    REQUIRE(boxed.has_value());
    Boxed<TraceEvidence> copy = boxed;
    copy->max_hops = 9;
    CHECK(boxed->max_hops == 7);  // deep: the copy has its own value
    CHECK(copy->max_hops == 9);

    copy = std::nullopt;
    CHECK_FALSE(copy);
    copy.emplace().max_hops = 3;
    CHECK(copy.value().max_hops == 3);

    const std::optional<TraceEvidence> from_optional = trace;
    const Boxed<TraceEvidence> converted = from_optional;
    CHECK(converted->max_hops == 7);
    const Boxed<TraceEvidence> from_empty = std::optional<TraceEvidence>();
    CHECK_FALSE(from_empty);
}
