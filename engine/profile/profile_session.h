#pragma once
// The CPU-side profiling sources of one run, started and stopped together around the
// decode by whoever owns the TraceSink (the CLI's TraceOutputs, the GUI's worker):
//   ts::ProfileSession session(store, sources, device);   // on the decoding thread
//   runDecode(...);
//   session.stop();                                        // same thread
// Engine spans need nothing here (the observer hands the sink to the engine); CUPTI is
// started by the owner where it has the device's metadata (trace_outputs.cpp).
#include "profile/aten_profiler.h"
#include "profile/memory_sampler.h"
#include "profile/profile_sources.h"
#include "profile/trace_event.h"

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace ts {

class ProfileSession {
public:
    // Validates `sources` (ts::Error(Usage) naming "profile sources").
    ProfileSession(TraceSink& sink, const ProfileSources& sources, const c10::Device& device);
    ~ProfileSession();  // stop()
    ProfileSession(const ProfileSession&) = delete;
    ProfileSession& operator=(const ProfileSession&) = delete;

    void stop();  // idempotent; on the constructing thread
    // What was recorded: {"sources", "ops", "memory_events", "memory_samples"}, and on
    // CUDA with the memory source "device_peak_allocated_bytes"/"device_peak_reserved_bytes"
    // (the caching allocator's peaks, weights included).
    nlohmann::json describe() const;

private:
    ProfileSources sources_;
    std::unique_ptr<AtenProfiler> aten_;
    std::unique_ptr<MemorySampler> sampler_;
    std::int64_t ops_ = 0, memoryEvents_ = 0, samples_ = 0;
    DevicePoolPeak pool_;
};

}  // namespace ts
