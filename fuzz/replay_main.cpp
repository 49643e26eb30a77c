// SPDX-License-Identifier: Apache-2.0
// Replays fuzz inputs without libFuzzer: a main that hands every file of the folders (or the
// files) named on the command line to the target's LLVMFuzzerTestOneInput, once each, in name
// order. Linked with each fuzz/<target>_fuzz.cpp in the normal test build (gcc, and under
// scripts/test.sh --sanitize with ASan + UBSan) as the ctest test fuzz/<target>, over
// fuzz/corpus/<target>/ and fuzz/regressions/<target>/: a crash once found stays fixed.
// README files in the folders are documentation, not inputs. A folder that does not exist, an
// unreadable file, or no input at all is a failure (exit 2); a crashing input crashes this
// program, after its name was printed.
//
// Threading: one thread.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool is_documentation(const fs::path& path) {
    return path.filename().string().rfind("README", 0) == 0;
}

bool replay(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::cerr << "replay: cannot read " << file.string() << "\n";
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    // A heap block of exactly the input's size (as libFuzzer gives), so ASan sees a read past it.
    const auto copy = std::make_unique<std::uint8_t[]>(std::max<std::size_t>(bytes.size(), 1));
    std::copy(bytes.begin(), bytes.end(), copy.get());
    std::cerr << "replay: " << file.string() << " (" << bytes.size() << " bytes)\n";
    LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path path(argv[i]);
        std::error_code ec;
        if (fs::is_regular_file(path, ec)) {
            if (!replay(path)) return 2;
            ++replayed;
            continue;
        }
        if (!fs::is_directory(path, ec)) {
            std::cerr << "replay: no such file or folder: " << path.string() << "\n";
            return 2;
        }
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(path, ec)) {
            if (entry.is_regular_file() && !is_documentation(entry.path())) {
                files.push_back(entry.path());
            }
        }
        if (ec) {
            std::cerr << "replay: cannot list " << path.string() << ": " << ec.message() << "\n";
            return 2;
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            if (!replay(file)) return 2;
            ++replayed;
        }
    }
    if (replayed == 0) {
        std::cerr << "replay: no inputs (usage: " << argv[0] << " FOLDER|FILE...)\n";
        return 2;
    }
    std::cout << "replay: " << replayed << " inputs, no crash\n";
    return 0;
}
