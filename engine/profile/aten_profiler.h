#pragma once
// ATen ops and allocations as trace events, from LibTorch's own hooks:
// - ops through RecordFunction (a thread-local callback): "op" spans on the calling
//   thread's track (ThreadTrackScope) with input shapes, dtype and, for convolutions and
//   matrix products, FLOPs (2 x multiply-adds; only on the outermost such op of a thread,
//   so aten::conv3d -> aten::convolution is counted once);
// - allocations through c10's memory reporting (a MemoryReportingInfoBase installed as
//   the thread's PROFILER_STATE debug info): "allocated_bytes" counters per device (net
//   bytes the run's tensors hold, counted from 0 at start) tied to the running op, and
//   "reserved_bytes" where the allocator reports a pool (CUDA).
// Both are thread-local: they cover the constructing thread and threads that run under
// its at::ThreadLocalState (the tile workers do, see tiled_decoder.cpp). Ops that ATen
// runs inside its OpenMP regions are not seen (their time is inside the parent op).
// The callbacks only copy fixed-size records; a drain thread turns them into trace
// events (record_drain.h says why), at most ~20 ms late for live readers; stop() waits
// for every record to be in the sink.
// Construct and stop on the same thread (the debug info and callback are its state).
#include "profile/trace_event.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace c10 {
class DebugInfoGuard;
}

namespace ts {

class AtenProfilerState;

struct MemoryPeak {
    std::int64_t bytes = 0;   // allocated_bytes at its highest
    std::int64_t timeNs = 0;  // when (traceNowNs clock)
    int pid = 0;              // 0 = host, 1 + N = CUDA device N
    std::string op;           // the outermost op running on the allocating thread then
};

// The highest totals a device allocator (LibTorch's CUDA caching allocator) reported
// while recording: bytes in live tensors, and bytes it held from the driver. -1 when no
// device allocation was seen (CPU runs).
struct DevicePoolPeak {
    std::int64_t allocated = -1;
    std::int64_t reserved = -1;
};

class AtenProfiler {
public:
    AtenProfiler(TraceSink& sink, bool ops, bool memory);
    ~AtenProfiler();  // stop()
    AtenProfiler(const AtenProfiler&) = delete;
    AtenProfiler& operator=(const AtenProfiler&) = delete;

    void stop();  // removes the callback and the debug info; idempotent
    std::int64_t opsRecorded() const;
    std::int64_t memoryEvents() const;
    MemoryPeak peak() const;  // highest allocated_bytes over all devices
    DevicePoolPeak devicePool() const;

private:
    std::shared_ptr<AtenProfilerState> state_;
    std::unique_ptr<c10::DebugInfoGuard> guard_;
    std::optional<std::uint64_t> callback_;
};

}  // namespace ts
