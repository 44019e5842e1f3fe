#pragma once
// The loaders take paths (they check the file size before reading), so each input is
// written to a file first. One file per process, rewritten per input: libFuzzer runs
// inputs sequentially within a process, and -fork/-jobs workers have distinct pids.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace ts_fuzz {

inline const std::string& inputPath(const char* suffix) {
    static const std::string path = [suffix] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/tilescope-fuzz-" + std::to_string(::getpid()) + suffix;
    }();
    return path;
}

inline const std::string& writeInput(const uint8_t* data, size_t size, const char* suffix) {
    const std::string& path = inputPath(suffix);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();  // environment problem, not a finding in the loader
    if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
    return path;
}

}  // namespace ts_fuzz
