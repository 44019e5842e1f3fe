#pragma once
// The usual TraceSink: keeps a run's events for the exporters and the GUI, in a compact
// form. A profiled decode records hundreds of thousands of op spans whose names, shapes
// and argument keys repeat; kept as TraceEvents (owned strings, a vector of string pairs)
// they cost ~500 bytes each, and the trace grew the process by more than the tensors it
// profiles. Stored here, an event is one fixed-size record with interned strings (~90
// bytes for an op span), and readers get ordinary TraceEvents back.
#include "profile/string_pool.h"
#include "profile/trace_event.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ts {

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
        std::size_t storeBytes = 0;  // the store's bytesHeld() when the snapshot was taken
    };

    void append(TraceEvent event) override;
    void nameTrack(int pid, std::int64_t tid, const std::string& name) override;
    void note(const std::string& text) override;

    // Every event, in append order, with the track names and notes.
    Snapshot snapshot() const;
    // Events appended since `first` (an earlier size()): live readers (the GUI timeline)
    // poll this during a run instead of copying the whole store each time.
    std::vector<TraceEvent> eventsFrom(std::size_t first) const;
    std::vector<TrackName> tracks() const;
    std::vector<std::string> notes() const;  // without copying the events
    // Calls visit for every event in append order, one materialised event at a time (no
    // copy of the whole trace); appends wait meanwhile.
    void forEach(const std::function<void(const TraceEvent&)>& visit) const;
    // An independent copy (the GUI keeps finished runs' traces), made without
    // materialising the events.
    std::shared_ptr<TraceStore> clone() const;
    std::size_t size() const;
    // What the stored trace holds on the heap (records, argument ids, interned strings):
    // the profiler's own footprint, reported beside the memory it measures.
    std::size_t bytesHeld() const;

    void bindThread(int pid, std::int64_t tid) override;
    void unbindThread() override;
    bool threadTrack(int* pid, std::int64_t* tid) const override;

private:
    struct StoredEvent {
        std::int64_t startNs;
        std::int64_t durationNs;
        double value;
        std::uint64_t flowId;
        std::int64_t tid;
        std::int32_t pid;
        std::uint32_t name;      // StringPool ids
        std::uint32_t category;
        std::uint32_t firstArg;  // index of the first key id in argIds_
        std::uint16_t argCount;
        TraceEvent::Kind kind;
    };
    TraceEvent materialize(const StoredEvent& e) const;  // with mutex_ held
    std::size_t bytesHeldLocked() const;

    struct ThreadBinding {
        std::thread::id thread;
        std::vector<std::pair<int, std::int64_t>> stack;
    };
    // Separate from mutex_: per-op lookups must not wait behind snapshot copies.
    mutable std::mutex bindMutex_;
    std::vector<ThreadBinding> bindings_;

    mutable std::mutex mutex_;
    // Deques grow in small blocks: a long trace never needs one huge block, nor a copy of
    // everything when it grows (a vector's doubling would briefly hold the trace three times).
    std::deque<StoredEvent> events_;
    std::deque<std::uint32_t> argIds_;  // per event: key, value, key, value, ...
    StringPool strings_;
    std::vector<TrackName> tracks_;
    std::vector<std::string> notes_;
    bool argsDropped_ = false;  // a note was made that arguments were dropped
};

}  // namespace ts
