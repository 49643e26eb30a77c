// SPDX-License-Identifier: Apache-2.0
#include "tests/support/stores.h"
#include "tests/support/pki.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "tests/support/process.h"

namespace vpcprobe::test {

const TempDir& scratch_directory() {
    static const TempDir instance;
    return instance;
}

const TestPki& scratch_pki() {
    static const TestPki instance(scratch_directory().file("pki"), {"localhost"});
    return instance;
}

namespace {

void run_tool(const std::vector<std::string>& argv) {
    const RunResult result = run_command(argv, std::chrono::seconds(120));
    if (result.exit_code != 0) {
        throw std::runtime_error(argv.front() + " " + argv.at(1) + " failed (exit " +
                                 std::to_string(result.exit_code) + "): " + result.out +
                                 result.err);
    }
}

}  // namespace

bool have_keytool() {
    static const bool present = [] {
        try {
            return run_command({"keytool", "-help"}, std::chrono::seconds(60)).exit_code == 0;
        } catch (const std::exception&) {
            return false;
        }
    }();
    return present;
}

void keytool_import_certificate(const std::string& store, const std::string& type,
                                const std::string& store_password, const std::string& alias,
                                const std::string& pem_file) {
    run_tool({"keytool", "-importcert", "-noprompt", "-storetype", type, "-keystore", store,
              "-storepass", store_password, "-alias", alias, "-file", pem_file});
}

void openssl_export_pkcs12(const std::string& out, const std::string& chain_file,
                           const std::string& key_file, const std::string& password,
                           const std::string& alias) {
    run_tool({"openssl", "pkcs12", "-export", "-in", chain_file, "-inkey", key_file, "-out", out,
              "-passout", "pass:" + password, "-name", alias});
}

void keytool_pkcs12_to_jks(const std::string& pkcs12, const std::string& pkcs12_password,
                           const std::string& jks, const std::string& store_password,
                           const std::string& key_password) {
    run_tool({"keytool", "-importkeystore", "-noprompt", "-srckeystore", pkcs12, "-srcstoretype",
              "PKCS12", "-srcstorepass", pkcs12_password, "-destkeystore", jks, "-deststoretype",
              "JKS", "-deststorepass", store_password, "-destkeypass", key_password});
}

void openssl_encrypt_key(const std::string& key_file, const std::string& out,
                         const std::string& password) {
    run_tool({"openssl", "pkey", "-in", key_file, "-out", out, "-aes256", "-passout",
              "pass:" + password});
}

std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace vpcprobe::test
