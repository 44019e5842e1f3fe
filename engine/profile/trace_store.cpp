#include "profile/trace_store.h"

#include <algorithm>
#include <limits>

namespace ts {

void TraceStore::append(TraceEvent event) {
    std::lock_guard<std::mutex> lock(mutex_);
    StoredEvent e;
    e.startNs = event.startNs;
    e.durationNs = event.durationNs;
    e.value = event.value;
    e.flowId = event.flowId;
    e.tid = event.tid;
    e.pid = event.pid;
    e.name = strings_.intern(event.name);
    e.category = strings_.intern(event.category);
    e.firstArg = static_cast<std::uint32_t>(std::min<std::size_t>(argIds_.size(), std::numeric_limits<std::uint32_t>::max()));
    // Argument ids are indexed by 32 bits (billions of arguments: far beyond any run the
    // machine can hold) and counted by 16 per event; past either limit arguments are
    // dropped, with a note, rather than pointing at the wrong ones.
    std::size_t kept = std::min<std::size_t>(event.args.size(), std::numeric_limits<std::uint16_t>::max());
    if (argIds_.size() + 2 * kept > std::numeric_limits<std::uint32_t>::max()) kept = 0;
    if (kept < event.args.size() && !argsDropped_) {
        argsDropped_ = true;
        notes_.push_back("trace store: some events' arguments were dropped (over 65535 on one event, or over 2^31 in all)");
    }
    e.argCount = static_cast<std::uint16_t>(kept);
    e.kind = event.kind;
    for (std::size_t i = 0; i < kept; ++i) {
        argIds_.push_back(strings_.intern(event.args[i].first));
        argIds_.push_back(strings_.intern(event.args[i].second));
    }
    events_.push_back(e);
}

void TraceStore::nameTrack(int pid, std::int64_t tid, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (TrackName& t : tracks_)
        if (t.pid == pid && t.tid == tid) {
            t.name = name;
            return;
        }
    tracks_.push_back({pid, tid, name});
}

void TraceStore::note(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    notes_.push_back(text);
}

TraceEvent TraceStore::materialize(const StoredEvent& e) const {
    TraceEvent out;
    out.kind = e.kind;
    out.name = strings_.text(e.name);
    out.category = strings_.text(e.category);
    out.pid = e.pid;
    out.tid = e.tid;
    out.startNs = e.startNs;
    out.durationNs = e.durationNs;
    out.value = e.value;
    out.flowId = e.flowId;
    out.args.reserve(e.argCount);
    for (std::size_t i = 0; i < e.argCount; ++i)
        out.args.emplace_back(strings_.text(argIds_[e.firstArg + 2 * i]), strings_.text(argIds_[e.firstArg + 2 * i + 1]));
    return out;
}

TraceStore::Snapshot TraceStore::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    Snapshot s;
    s.events.reserve(events_.size());
    for (const StoredEvent& e : events_) s.events.push_back(materialize(e));
    s.tracks = tracks_;
    s.notes = notes_;
    s.storeBytes = bytesHeldLocked();
    return s;
}

std::vector<TraceEvent> TraceStore::eventsFrom(std::size_t first) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<TraceEvent> out;
    if (first >= events_.size()) return out;
    out.reserve(events_.size() - first);
    for (std::size_t i = first; i < events_.size(); ++i) out.push_back(materialize(events_[i]));
    return out;
}

void TraceStore::forEach(const std::function<void(const TraceEvent&)>& visit) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const StoredEvent& e : events_) visit(materialize(e));
}

std::shared_ptr<TraceStore> TraceStore::clone() const {
    auto copy = std::make_shared<TraceStore>();
    std::lock_guard<std::mutex> lock(mutex_);
    copy->events_ = events_;
    copy->argIds_ = argIds_;
    copy->strings_.copyFrom(strings_);
    copy->tracks_ = tracks_;
    copy->notes_ = notes_;
    copy->argsDropped_ = argsDropped_;
    return copy;
}

std::vector<TraceStore::TrackName> TraceStore::tracks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return tracks_;
}

std::vector<std::string> TraceStore::notes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return notes_;
}

std::size_t TraceStore::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_.size();
}

std::size_t TraceStore::bytesHeld() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bytesHeldLocked();
}

std::size_t TraceStore::bytesHeldLocked() const {
    return events_.size() * sizeof(StoredEvent) + argIds_.size() * sizeof(std::uint32_t) + strings_.bytesHeld();
}

void TraceStore::bindThread(int pid, std::int64_t tid) {
    std::lock_guard<std::mutex> lock(bindMutex_);
    const std::thread::id self = std::this_thread::get_id();
    for (ThreadBinding& b : bindings_)
        if (b.thread == self) {
            b.stack.emplace_back(pid, tid);
            return;
        }
    bindings_.push_back({self, {{pid, tid}}});
}

void TraceStore::unbindThread() {
    std::lock_guard<std::mutex> lock(bindMutex_);
    const std::thread::id self = std::this_thread::get_id();
    for (ThreadBinding& b : bindings_)
        if (b.thread == self && !b.stack.empty()) b.stack.pop_back();
}

bool TraceStore::threadTrack(int* pid, std::int64_t* tid) const {
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

}  // namespace ts
