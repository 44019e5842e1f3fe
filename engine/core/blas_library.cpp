#include "core/blas_library.h"

#include <ATen/Context.h>

#include <dlfcn.h>

#include <fstream>
#include <sstream>

namespace ts {

namespace {

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// The file name column of a maps line ("" for anonymous mappings).
std::string mappedPath(const std::string& line) {
    const std::size_t slash = line.find('/');
    return slash == std::string::npos ? std::string() : line.substr(slash);
}

}  // namespace

std::string BlasLibrary::describe() const {
    std::string s = name;
    if (!detail.empty()) s += " (" + detail + ")";
    else if (!path.empty()) s += " (" + path + ")";
    return s;
}

BlasLibrary blasFromMappedFiles(const std::string& mapsText) {
    // Optimised libraries first: OpenBLAS's libblas.so.3 shim sits next to libopenblas.so.0,
    // so a libblas.so.3 alone decides nothing until the others are ruled out.
    struct Known {
        const char* part;
        const char* name;
    };
    static constexpr Known kKnown[] = {
        {"libopenblas", "OpenBLAS"}, {"libmkl_", "MKL"}, {"libblis", "BLIS"}, {"libatlas", "ATLAS"},
        {"libsatlas", "ATLAS"},      {"libtatlas", "ATLAS"}};
    std::istringstream in(mapsText);
    std::string line, genericBlas;
    while (std::getline(in, line)) {
        const std::string path = mappedPath(line);
        if (path.empty()) continue;
        for (const Known& k : kKnown)
            if (contains(path, k.part)) return BlasLibrary{k.name, path, "", false};
        if (genericBlas.empty() && contains(path, "libblas.so")) genericBlas = path;
    }
    BlasLibrary blas;
    if (genericBlas.empty()) {
        blas.name = "unknown";
        return blas;
    }
    blas.path = genericBlas;
    // Debian installs the netlib build under .../blas/ (the alternatives' default when no
    // optimised package is present); elsewhere a bare libblas.so is the reference one too.
    blas.name = "netlib reference BLAS";
    blas.reference = true;
    return blas;
}

BlasLibrary currentBlasLibrary() {
    std::ifstream maps("/proc/self/maps");
    std::stringstream text;
    text << maps.rdbuf();
    BlasLibrary blas = blasFromMappedFiles(text.str());
    if (blas.name == "unknown" && at::hasMKL()) return BlasLibrary{"MKL", "", "built into LibTorch", false};
    if (blas.name == "OpenBLAS") {
        // The symbol exists in every OpenBLAS; dlsym finds it without linking against it.
        using ConfigFn = char* (*)();
        if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config")))
            if (const char* c = config()) blas.detail = c;
    }
    return blas;
}

std::string blasWarning(const BlasLibrary& blas) {
    if (!blas.reference) return "";
    return "LibTorch's matrix products run on the " + blas.name + " (" + blas.path +
           "): the attention block is 15-25x slower than with OpenBLAS; install libopenblas0-openmp "
           "(./tilescope.sh deps does) and the system selects it";
}

}  // namespace ts
