// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the SCRAM client's parsing of the server-first and server-final messages
// (probes/kafka/scram.h). The input is one byte choosing the hash (even: SHA-256, odd: SHA-512),
// then "server-first" NUL "server-final"; a server-first that starts with the client's nonce lets
// the fuzzer reach the proof and the server-final check.
//
// Threading: libFuzzer calls this from one thread; each call builds its own ScramClient.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probes/kafka/scram.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t nul = input.find('\0');
    const std::string_view server_first = input.substr(0, nul);
    const std::string_view server_final =
        nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

    // A fixed nonce keeps runs reproducible; the seed corpus's server-first messages extend it
    // ("r=fyko+d2lbbFgONRv9qkxdawL...").
    const auto algorithm =
        (data[0] & 1) != 0 ? vpcprobe::ScramAlgorithm::sha512 : vpcprobe::ScramAlgorithm::sha256;
    vpcprobe::ScramClient client(algorithm, "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    (void)client.client_first_message();
    (void)client.client_final_message(server_first);
    // Checked whether or not the server-first was accepted: a server-final arriving after a
    // refused server-first must be refused too, not crash.
    (void)client.verify_server_final(server_final);
    return 0;
}
