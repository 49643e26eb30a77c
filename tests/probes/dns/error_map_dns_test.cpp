// SPDX-License-Identifier: Apache-2.0
// cause_from_ares / cause_from_ares_pair: c-ares statuses -> the contract's dns.* causes.
#include <ares.h>

#include <catch2/catch.hpp>

#include "probes/error_map.h"

using vpcprobe::Cause;
using vpcprobe::cause_from_ares;
using vpcprobe::cause_from_ares_pair;

TEST_CASE("each c-ares status maps to its dns cause", "[error_map][dns]") {
    CHECK(cause_from_ares(ARES_SUCCESS) == Cause::none);
    CHECK(cause_from_ares(ARES_ENOTFOUND) == Cause::dns_nxdomain);
    CHECK(cause_from_ares(ARES_ENODATA) == Cause::dns_nodata);
    CHECK(cause_from_ares(ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares(ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares(ARES_ECONNREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares(ARES_ETIMEOUT) == Cause::dns_timeout);
}

TEST_CASE("other c-ares statuses are dns.error", "[error_map][dns]") {
    for (int status : {ARES_EFORMERR, ARES_ENOTIMP, ARES_EBADQUERY, ARES_EBADNAME, ARES_EBADFAMILY,
                       ARES_EBADRESP, ARES_EOF, ARES_EFILE, ARES_ENOMEM, ARES_EDESTRUCTION,
                       ARES_EBADSTR, ARES_ECANCELLED, 9999, -1}) {
        INFO("status " << status);
        CHECK(cause_from_ares(status) == Cause::dns_error);
    }
}

TEST_CASE("an address in either family means the name resolved", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_SUCCESS, ARES_SUCCESS) == Cause::none);
    for (int other : {ARES_ENODATA, ARES_ENOTFOUND, ARES_ESERVFAIL, ARES_EREFUSED,
                      ARES_ECONNREFUSED, ARES_ETIMEOUT, ARES_EBADRESP}) {
        INFO("other family " << other);
        CHECK(cause_from_ares_pair(ARES_SUCCESS, other) == Cause::none);
        CHECK(cause_from_ares_pair(other, ARES_SUCCESS) == Cause::none);
    }
}

TEST_CASE("NXDOMAIN in either family wins over every failure", "[error_map][dns]") {
    for (int other : {ARES_ENOTFOUND, ARES_ENODATA, ARES_ESERVFAIL, ARES_EREFUSED,
                      ARES_ECONNREFUSED, ARES_ETIMEOUT, ARES_EBADRESP}) {
        INFO("other family " << other);
        CHECK(cause_from_ares_pair(ARES_ENOTFOUND, other) == Cause::dns_nxdomain);
        CHECK(cause_from_ares_pair(other, ARES_ENOTFOUND) == Cause::dns_nxdomain);
    }
}

TEST_CASE("NODATA needs both families to say so", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ENODATA) == Cause::dns_nodata);
    // The failed family might have had an address: report the failure, not "no record".
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ETIMEOUT) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ENODATA) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_ENODATA) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ENODATA, ARES_EBADRESP) == Cause::dns_error);
}

TEST_CASE("between two failures an answer beats silence", "[error_map][dns]") {
    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ECONNREFUSED, ARES_ECONNREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ETIMEOUT) == Cause::dns_timeout);
    CHECK(cause_from_ares_pair(ARES_EBADRESP, ARES_EFORMERR) == Cause::dns_error);

    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_ETIMEOUT) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_ESERVFAIL) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ESERVFAIL, ARES_EREFUSED) == Cause::dns_servfail);
    CHECK(cause_from_ares_pair(ARES_ECONNREFUSED, ARES_ETIMEOUT) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_ETIMEOUT, ARES_EREFUSED) == Cause::dns_refused);
    CHECK(cause_from_ares_pair(ARES_EBADRESP, ARES_ETIMEOUT) == Cause::dns_error);
    CHECK(cause_from_ares_pair(ARES_EREFUSED, ARES_EBADRESP) == Cause::dns_refused);
}
