#pragma once
// RAII engine span: measures from construction to destruction on traceNowNs() and
// appends one Span to the sink then. A null sink makes it a no-op, so instrumented code
// costs two branches when nobody traces. Spans made by nested scopes on one thread nest
// by construction, which the trace viewers and the exporters' tests rely on. Every
// engine span is also an NVTX range (profile/nvtx_range.h), traced or not.
#include "profile/nvtx_range.h"
#include "profile/trace_event.h"

#include <string>
#include <utility>
#include <vector>

namespace ts {

// Host track ids (pid 0): the calling thread is "main"; CPU tile workers are 1 + index.
// On CUDA a worker's track is its stream id instead (never 0: pool streams), so tiles
// group by stream as the brief of the timeline asks.
constexpr std::int64_t kMainTrack = 0;
inline std::int64_t cpuWorkerTrack(int worker) { return 1 + worker; }

class TraceScope {
public:
    using Args = std::vector<std::pair<std::string, std::string>>;

    TraceScope(TraceSink* sink, std::string name, std::string category, int pid, std::int64_t tid, Args args = {})
        : sink_(sink), nvtx_(name) {
        if (!sink_) return;
        event_.kind = TraceEvent::Kind::Span;
        event_.name = std::move(name);
        event_.category = std::move(category);
        event_.pid = pid;
        event_.tid = tid;
        event_.args = std::move(args);
        event_.startNs = traceNowNs();
    }
    ~TraceScope() {
        if (!sink_) return;
        event_.durationNs = traceNowNs() - event_.startNs;
        // Never throw from a destructor that may run during unwinding.
        try {
            sink_->append(std::move(event_));
        } catch (...) {
        }
    }
    TraceScope(const TraceScope&) = delete;
    TraceScope& operator=(const TraceScope&) = delete;

    // Args known only at the end (MACs executed, outcome).
    void arg(std::string key, std::string value) {
        if (sink_) event_.args.emplace_back(std::move(key), std::move(value));
    }
    bool active() const { return sink_ != nullptr; }

private:
    TraceSink* sink_;
    NvtxRange nvtx_;  // pushed before the span starts, popped after it ends
    TraceEvent event_;
};

// RAII: while it lives, the calling thread's ATen ops and allocations go on track
// (pid, tid), the track the engine's spans use there, so ops nest inside stage spans.
class ThreadTrackScope {
public:
    ThreadTrackScope(TraceSink* sink, int pid, std::int64_t tid) : sink_(sink) {
        if (sink_) sink_->bindThread(pid, tid);
    }
    ~ThreadTrackScope() {
        if (sink_) sink_->unbindThread();
    }
    ThreadTrackScope(const ThreadTrackScope&) = delete;
    ThreadTrackScope& operator=(const ThreadTrackScope&) = delete;

private:
    TraceSink* sink_;
};

}  // namespace ts
