// SPDX-License-Identifier: Apache-2.0
// Test support: trust and key stores made by the real tools (keytool from a JDK, the openssl
// command) from the PEM files of a test PKI (tests/support/pki.h), so the store loaders are
// tested on what users actually have. Each function runs one command and throws
// std::runtime_error with the command's output when it fails.
// Not thread-safe (it runs child processes); use from the test's thread.
#pragma once

#include <string>
#include <vector>

namespace vpcprobe::test {

class TempDir;
class TestPki;

// A scratch directory, and a test PKI for "localhost" in it, made once per test program for
// the stores its tests make.
const TempDir& scratch_directory();
const TestPki& scratch_pki();

// Whether `keytool` runs here; tests that need it skip (with a warning) when it does not.
bool have_keytool();

// keytool -importcert -noprompt: adds the PEM certificate as a trusted certificate entry to
// the store (created when missing) of type "JKS" or "PKCS12".
void keytool_import_certificate(const std::string& store, const std::string& type,
                                const std::string& store_password, const std::string& alias,
                                const std::string& pem_file);

// openssl pkcs12 -export: a PKCS12 key store with the key and the certificates of chain_file
// (leaf first), the key under `alias`.
void openssl_export_pkcs12(const std::string& out, const std::string& chain_file,
                           const std::string& key_file, const std::string& password,
                           const std::string& alias = "client");

// keytool -importkeystore from a PKCS12 store into a JKS store (created when missing), the key
// entries protected by key_password.
void keytool_pkcs12_to_jks(const std::string& pkcs12, const std::string& pkcs12_password,
                           const std::string& jks, const std::string& store_password,
                           const std::string& key_password);

// openssl pkey -aes256: the key file encrypted with the password (PKCS#8 PEM).
void openssl_encrypt_key(const std::string& key_file, const std::string& out,
                         const std::string& password);

// The whole of a file, as bytes.
std::vector<unsigned char> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes);

}  // namespace vpcprobe::test
