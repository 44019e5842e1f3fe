#include "core/host_allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <cstring>

namespace ts {

std::string configureHostAllocator() {
#if defined(__GLIBC__)
    // A user who tunes malloc through the environment keeps their settings (and this is
    // how the benchmarks compare against glibc's defaults).
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "glibc.malloc.")) return "glibc malloc: as GLIBC_TUNABLES sets it";
    // Setting either threshold also turns off glibc's dynamic adjustment of both.
    constexpr int kMmapThreshold = 32 << 20;  // glibc's own upper limit for the dynamic threshold
    constexpr int kTrimThreshold = 0x7fffffff;
    const bool mmapSet = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
    const bool trimSet = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
    if (mmapSet && trimSet) return "glibc malloc: mmap threshold 32 MiB, no automatic trim";
#endif
    return "";
}

void releaseFreeHostMemory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace ts
