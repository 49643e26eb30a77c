// SPDX-License-Identifier: Apache-2.0
// A PEM bundle of trust anchors (SSL_CERT_FILE, or a system's ca-certificates.crt where no
// hashed directory exists) as an OpenSSL lookup that parses a certificate only when a chain
// asks for its subject. OpenSSL's own file lookup parses every certificate up front: 144 of
// them, 25-40 ms with OpenSSL 3.0 (decoding each public key is most of it), before the first
// handshake of a run that may need one anchor or none. Here the file is read once and indexed
// by each certificate's subject hash (the subject name alone is decoded), and a lookup parses
// and adds only the certificates whose subject it names, as the hashed-directory lookup does
// (docs/performance.md, "The lightest probe").
// The lookup belongs to the store it is added to; OpenSSL calls it under the store's use, one
// verification at a time per store as a TLS context's probes run (one thread).
#pragma once

#include <openssl/x509_vfy.h>

#include <string>
#include <vector>

#include "core/result.h"

namespace vpcprobe {

// Adds the anchors of the PEM file `path` to `store`, to be parsed as chains ask for them.
// The Error says why the file gives none ("no such file", "no PEM certificate in it").
Result<void> add_lazy_bundle(X509_STORE* store, const std::string& path);

// The subject hash of every certificate the PEM text holds, in order, as the lookup indexes
// them (`openssl x509 -subject_hash` gives the same); blocks that are not certificates, or
// whose subject does not decode, are left out. For tests and fuzzing.
std::vector<unsigned long> bundle_subject_hashes(const std::string& pem_text);

}  // namespace vpcprobe
