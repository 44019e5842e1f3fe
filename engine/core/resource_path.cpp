#include "core/resource_path.h"

#include "core/error.h"

#include <filesystem>
#include <system_error>

namespace ts {

namespace fs = std::filesystem;

std::vector<std::string> resourceSearchDirs() {
    std::vector<std::string> dirs;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && !exe.empty()) {
        const fs::path dir = exe.parent_path();
        dirs.push_back((dir / "resources").string());
        dirs.push_back((dir.parent_path() / "resources").string());
        dirs.push_back((dir.parent_path() / "share" / "tilescope" / "resources").string());
    }
#ifdef TILESCOPE_SOURCE_RESOURCES
    // Set by engine/CMakeLists.txt for this file only: running from a build tree needs
    // no install step.
    dirs.push_back(TILESCOPE_SOURCE_RESOURCES);
#endif
    return dirs;
}

std::string findResource(const std::string& relative) {
    for (const std::string& dir : resourceSearchDirs()) {
        std::error_code ec;
        const fs::path p = fs::path(dir) / relative;
        if (fs::is_regular_file(p, ec)) return p.string();
    }
    return "";
}

std::string requireResource(const std::string& relative, const std::string& context) {
    std::string found = findResource(relative);
    if (!found.empty()) return found;
    std::string looked;
    for (const std::string& dir : resourceSearchDirs()) looked += (looked.empty() ? "" : ", ") + dir;
    throwInput(context + ": " + relative + " not found in " + looked);
}

}  // namespace ts
