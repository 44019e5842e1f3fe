#pragma once
// The process's resident memory as the kernel reports it (/proc/self/status), for
// benchmarks and the memory graph. Returns -1 where unavailable.
#include <cstdint>

namespace ts {

std::int64_t currentRssBytes();
std::int64_t peakRssBytes();  // VmHWM: the high-water mark since the process started

}  // namespace ts
