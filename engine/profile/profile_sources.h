#pragma once
// Which profiling sources a run records. Engine spans are always on while tracing; the
// others can be switched off one by one (to measure their overhead, or to keep a trace
// small). Validated where it enters (CLI flag, GUI settings) with a message naming it.
#include <string>

namespace ts {

struct ProfileSources {
    bool ops = true;        // ATen ops through RecordFunction (shapes, dtype, FLOPs)
    bool memory = true;     // every allocation/free through c10's memory reporting
    bool sampler = true;    // periodic process RSS and device memory samples
    bool cupti = true;      // CUDA activity (CUDA builds, with a driver)
    int samplePeriodMs = 10;

    static ProfileSources none() { return {false, false, false, false, 10}; }
    bool anyAtenSource() const { return ops || memory; }
    // Throws ts::Error(Usage) naming `what` (the flag or setting) and the bad field.
    void validate(const std::string& what) const;
    // "ops,memory,sampler,cupti" style list of what is on ("spans" when nothing else).
    std::string describe() const;
};

// `--profile` values: "on" (every source), "off" (none: spans only while tracing), or a
// comma list of source names from ops, memory, sampler, cupti. Throws ts::Error(Usage).
ProfileSources parseProfileSources(const std::string& flag, const std::string& text);

}  // namespace ts
