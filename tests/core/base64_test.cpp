// SPDX-License-Identifier: Apache-2.0
// The one base64 decoder (core/base64.h): RFC 4648's test vectors, and the malformed input
// SCRAM servers and HTTP clients could send, refused rather than half-decoded.
#include <catch2/catch.hpp>

#include "core/base64.h"

using vpcprobe::decode_base64;

TEST_CASE("RFC 4648's vectors decode", "[base64]") {
    CHECK(decode_base64("") == std::string());
    CHECK(decode_base64("Zg==") == std::string("f"));
    CHECK(decode_base64("Zm8=") == std::string("fo"));
    CHECK(decode_base64("Zm9v") == std::string("foo"));
    CHECK(decode_base64("Zm9vYg==") == std::string("foob"));
    CHECK(decode_base64("Zm9vYmE=") == std::string("fooba"));
    CHECK(decode_base64("Zm9vYmFy") == std::string("foobar"));
    CHECK(decode_base64("cHJvbWV0aGV1czpzM2NyM3Q=") == std::string("prometheus:s3cr3t"));
    CHECK(decode_base64("AP8+/w==") == std::string("\x00\xff\x3e\xff", 4));
}

TEST_CASE("anything but whole padded groups of the standard alphabet is refused", "[base64]") {
    for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm9v\n",
                            " Zm9v", "Zm9-", "Zm9_", "Zm9v!A==", "Zg=A"}) {
        INFO(bad);
        CHECK_FALSE(decode_base64(bad).has_value());
    }
}
