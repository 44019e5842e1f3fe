#include "core/process_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fstream>
#include <string>

namespace ts {

namespace {

std::int64_t statusFieldBytes(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            try {
                return std::stoll(line.substr(field.size() + 1)) * 1024;  // reported in kB
            } catch (const std::exception&) {
                return -1;
            }
        }
    }
    return -1;
}

}  // namespace

std::int64_t currentRssBytes() { return statusFieldBytes("VmRSS"); }
std::int64_t peakRssBytes() { return statusFieldBytes("VmHWM"); }

bool resetPeakRss() {
#if defined(__GLIBC__)
    malloc_trim(0);  // what an earlier run freed would otherwise count towards the next
#endif
    std::ofstream clear("/proc/self/clear_refs");
    if (!clear) return false;
    clear << "5";  // 5: reset the peak resident set size
    clear.flush();
    return static_cast<bool>(clear);
}

std::int64_t heapInUseBytes() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 m = mallinfo2();
    return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
#else
    return -1;
#endif
}

}  // namespace ts
