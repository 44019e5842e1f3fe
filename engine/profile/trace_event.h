#pragma once
// One trace model for every source (engine spans, ATen ops, memory events, CUPTI
// activity): events on tracks, on one clock (nanoseconds on the host's steady clock;
// CUPTI timestamps are converted with an offset measured at start). Exporters (Chrome
// trace/Perfetto JSON, CSV, HTML) and the GUI read snapshots of a TraceStore.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
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
    std::string category;  // "run", "chunk", "stage", "tile", "op", "kernel", "memcpy", "memset", "memory", "sync", "runtime", "nvtx"
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

class TraceStore : public TraceSink {
public:
    struct TrackName {
        int pid;
        std::int64_t tid;
        std::string name;
    };
    struct Snapshot {
        std::vector<TraceEvent> events;
        std::vector<TrackName> tracks;
        std::vector<std::string> notes;
    };

    void append(TraceEvent event) override {
        std::lock_guard<std::mutex> lock(mutex_);
        events_.push_back(std::move(event));
    }
    void nameTrack(int pid, std::int64_t tid, const std::string& name) override {
        std::lock_guard<std::mutex> lock(mutex_);
        for (TrackName& t : tracks_)
            if (t.pid == pid && t.tid == tid) {
                t.name = name;
                return;
            }
        tracks_.push_back({pid, tid, name});
    }
    void note(const std::string& text) override {
        std::lock_guard<std::mutex> lock(mutex_);
        notes_.push_back(text);
    }
    Snapshot snapshot() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return {events_, tracks_, notes_};
    }
    // Events appended since `first` (an earlier size()): live readers (the GUI timeline)
    // poll this during a run instead of copying the whole store each time.
    std::vector<TraceEvent> eventsFrom(std::size_t first) const {
        std::lock_guard<std::mutex> lock(mutex_);
        if (first >= events_.size()) return {};
        return {events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end()};
    }
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return events_.size();
    }
    void bindThread(int pid, std::int64_t tid) override {
        std::lock_guard<std::mutex> lock(bindMutex_);
        const std::thread::id self = std::this_thread::get_id();
        for (ThreadBinding& b : bindings_)
            if (b.thread == self) {
                b.stack.emplace_back(pid, tid);
                return;
            }
        bindings_.push_back({self, {{pid, tid}}});
    }
    void unbindThread() override {
        std::lock_guard<std::mutex> lock(bindMutex_);
        const std::thread::id self = std::this_thread::get_id();
        for (ThreadBinding& b : bindings_)
            if (b.thread == self && !b.stack.empty()) b.stack.pop_back();
    }
    bool threadTrack(int* pid, std::int64_t* tid) const override {
        std::lock_guard<std::mutex> lock(bindMutex_);
        const std::thread::id self = std::this_thread::get_id();
        for (const ThreadBinding& b : bindings_)
            if (b.thread == self && !b.stack.empty()) {
                *pid = b.stack.back().first;
                *tid = b.stack.back().second;
                return true;
            }
        return false;
    }

private:
    struct ThreadBinding {
        std::thread::id thread;
        std::vector<std::pair<int, std::int64_t>> stack;
    };
    // Separate from mutex_: per-op lookups must not wait behind snapshot copies.
    mutable std::mutex bindMutex_;
    std::vector<ThreadBinding> bindings_;
    mutable std::mutex mutex_;
    std::vector<TraceEvent> events_;
    std::vector<TrackName> tracks_;
    std::vector<std::string> notes_;
};

}  // namespace ts
