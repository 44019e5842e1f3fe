#include "output_paths.h"

#include "core/error.h"
#include "io/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <unistd.h>

namespace ts::cli {

void checkOutputWritable(const std::string& flag, const std::string& path) {
    if (path.empty()) return;
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throwInput("--" + flag + ": " + path + ": cannot write output: folder " + dir.string() + " does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
        throwInput("--" + flag + ": " + path + ": cannot write output: " + std::strerror(errno));
    checkOutputTarget(path, AtomicOutput::Kind::File);  // e.g. a folder of that name
}

}  // namespace ts::cli
