#pragma once
// The process's resident memory as the kernel reports it (/proc/self/status), for
// benchmarks and the memory graph. Returns -1 where unavailable.
#include <cstdint>

namespace ts {

std::int64_t currentRssBytes();
std::int64_t peakRssBytes();  // VmHWM: the high-water mark since the process started (or the last reset)

// Bytes malloc has handed out and not had back, over all arenas (glibc's mallinfo2: heap
// chunks in use plus mmapped blocks). Unlike RSS it does not count freed memory that the
// allocator keeps, nor pages the kernel has not reclaimed yet, so it is what a leak check
// should compare. -1 where unavailable.
std::int64_t heapInUseBytes();

// Gives freed heap memory back to the system and restarts the high-water mark at the
// current RSS (Linux: /proc/self/clear_refs), so that one process can measure the peak
// of several runs one after the other. Returns false where the kernel does not allow it.
bool resetPeakRss();

}  // namespace ts
