// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the TOML config (agent/settings/config.h load_config). load_config takes a path
// and has no text entry point, so each input is written to a file in a temporary folder made once
// per process (removed at exit); relative paths in the config resolve inside that folder.
//
// Threading: libFuzzer calls this from one thread; the folder is this process's alone.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/settings/config.h"

namespace {

namespace fs = std::filesystem;

struct FuzzFolder {
    fs::path path;
    FuzzFolder() {
        std::string pattern = (fs::temp_directory_path() / "vpcprobe-fuzz-config-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path = pattern;
    }
    ~FuzzFolder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    FuzzFolder(const FuzzFolder&) = delete;
    FuzzFolder& operator=(const FuzzFolder&) = delete;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const FuzzFolder folder;
    const std::string file = (folder.path / "vpcprobe.toml").string();
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) std::abort();
    }
    // No trust-anchor check: a CA file named by the input would have to exist anyway.
    (void)vpcprobe::load_config(file, vpcprobe::FileChecks{});
    return 0;
}
