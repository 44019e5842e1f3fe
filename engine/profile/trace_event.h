#pragma once
// One trace model for every source (engine spans, ATen ops, memory events, CUPTI
// activity): events on tracks, on one clock (nanoseconds on the host's steady clock;
// CUPTI timestamps are converted with an offset measured at start). Sources hand
// TraceEvents to a TraceSink; the usual sink is a TraceStore (trace_store.h), which
// exporters (Chrome trace/Perfetto JSON, CSV, HTML) and the GUI read.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ts {

// The one clock every trace source uses: the host's steady clock in nanoseconds.
inline std::int64_t traceNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct TraceEvent {
    enum class Kind { Span, Counter, Instant, FlowStart, FlowEnd };
    Kind kind = Kind::Span;
    std::string name;      // kernel / op / stage name, counter name ("allocated bytes")
    std::string category;  // "run", "chunk", "stage", "tile", "op", "kernel", "memcpy", "memset", "memory", "sync", "runtime", "driver", "nvtx"
    int pid = 0;           // track group: 0 = host (CPU), 1 + N = CUDA device N
    std::int64_t tid = 0;  // track within it: host thread id, or CUDA stream id
    std::int64_t startNs = 0;
    std::int64_t durationNs = 0;  // spans
    double value = 0;             // counters
    std::uint64_t flowId = 0;     // flows: CPU launch -> GPU kernel (CUPTI correlation id)
    std::vector<std::pair<std::string, std::string>> args;  // shapes, dtype, grid/block, bytes, FLOPs, tile id

    // The value of argument `key`, or null when the event has none.
    const std::string* arg(const char* key) const {
        for (const auto& [k, v] : args)
            if (k == key) return &v;
        return nullptr;
    }
};

// Where sources append. Appends are cheap and thread-safe; readers take snapshots
// without stopping a run.
class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void append(TraceEvent event) = 0;
    // A track's display name (Chrome trace thread_name / process_name metadata).
    virtual void nameTrack(int pid, std::int64_t tid, const std::string& name) = 0;
    // Something a source could not do, shown with the trace (e.g. "GPU activity
    // unavailable: CUPTI_ERROR_..."); also dropped-record counts.
    virtual void note(const std::string& text) = 0;
    // Sources that attribute events to the calling thread (ATen ops, allocations) put
    // them on the track the engine's spans use on that thread at that moment; the
    // engine says which with ThreadTrackScope (trace_scope.h). Bindings nest per thread.
    virtual void bindThread(int pid, std::int64_t tid) {}
    virtual void unbindThread() {}
    // The calling thread's innermost binding; false when it has none.
    virtual bool threadTrack(int* pid, std::int64_t* tid) const { return false; }
};

}  // namespace ts
