#pragma once
// Samples memory on a background thread while a run goes on: process RSS as "rss_bytes"
// counters on pid 0, what malloc has handed out as "heap_in_use_bytes" (glibc; every
// 50 ms at most: the gap to RSS is what the allocator keeps), and, for a CUDA device,
// the device's used memory (cudaMemGetInfo, all processes) as "device_used_bytes" on
// pid 1 + N. Without a driver the device samples stop after the first failure, with a
// note saying why; RSS goes on.
#include "profile/trace_event.h"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace ts {

class MemorySampler {
public:
    // cudaDevice < 0: host only. Takes a first sample before returning.
    MemorySampler(TraceSink& sink, int periodMs, int cudaDevice);
    ~MemorySampler();  // stop()
    MemorySampler(const MemorySampler&) = delete;
    MemorySampler& operator=(const MemorySampler&) = delete;

    // Takes a last sample and joins the thread; idempotent.
    void stop();
    std::int64_t samples() const;           // counters appended so far (all names)
    std::int64_t peakRssBytes() const;      // highest RSS sampled, -1 before any
    std::int64_t peakDeviceUsedBytes() const;  // -1 when not sampled

private:
    void sampleOnce(bool last);  // last: the final sample, which always reads the heap
    void loop(bool queriesCuda);

    TraceSink& sink_;
    const int periodMs_;
    int cudaDevice_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::int64_t samples_ = 0;
    std::int64_t peakRss_ = -1;
    std::int64_t peakDevice_ = -1;
    static constexpr std::int64_t kHeapPeriodNs = 50'000'000;
    std::int64_t lastHeapNs_ = -1;
    std::thread thread_;
};

}  // namespace ts
