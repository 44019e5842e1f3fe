#pragma once
// The process's resident memory as the kernel reports it (/proc/self/status), for
// benchmarks and the memory graph. Returns -1 where unavailable.
#include <cstdint>

namespace ts {

std::int64_t currentRssBytes();
std::int64_t peakRssBytes();  // VmHWM: the high-water mark since the process started (or the last reset)

// Gives freed heap memory back to the system and restarts the high-water mark at the
// current RSS (Linux: /proc/self/clear_refs), so that one process can measure the peak
// of several runs one after the other. Returns false where the kernel does not allow it.
bool resetPeakRss();

}  // namespace ts
