// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the index of a PEM bundle of trust anchors (probes/tls/lazy_bundle.h
// bundle_subject_hashes: the PEM blocks, then each certificate's DER walked to its subject
// without parsing the rest), what `SSL_CERT_FILE` names. Input: the file's text. Checks: the
// same text indexes the same twice, and no more certificates than the text has PEM blocks;
// abort otherwise.
//
// Threading: libFuzzer calls this from one thread; no state is kept between calls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "probes/tls/lazy_bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::vector<unsigned long> once = vpcprobe::bundle_subject_hashes(text);
    if (vpcprobe::bundle_subject_hashes(text) != once) std::abort();
    // Every certificate indexed came from a block of its own.
    std::size_t blocks = 0;
    for (std::size_t at = text.find("-----BEGIN"); at != std::string::npos;
         at = text.find("-----BEGIN", at + 1)) {
        ++blocks;
    }
    if (once.size() > blocks) std::abort();
    return 0;
}
