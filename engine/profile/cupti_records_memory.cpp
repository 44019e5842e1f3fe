// The CUPTI records that are not device work on a stream: allocations (MEMORY2),
// synchronisation waits and NVTX markers. Split from cupti_records.cpp for size only.
#include "profile/cupti_records.h"

#include "profile/cupti_record_copy.h"

#include <cstdio>
#include <cstring>

#ifdef TILESCOPE_WITH_CUDA
#include <cupti.h>
#endif

namespace ts {

using cupti_detail::load;

#ifdef TILESCOPE_WITH_CUDA

void CuptiRecordTranslator::onMemory(const void* raw) {
    const auto m = load<CUpti_ActivityMemory4>(raw);
    const bool alloc = m.memoryOperationType == CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION;
    const bool release = m.memoryOperationType == CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_RELEASE;
    if (!alloc && !release) return;
    // Only device memory counts towards "device allocated bytes"; pinned host memory also
    // comes as MEMORY2 records and would inflate the VRAM figure.
    const bool onDevice = m.memoryKind == CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
    ensureDeviceTrack(m.deviceId);
    const int pid = 1 + static_cast<int>(m.deviceId);
    const std::int64_t at = hostNs(m.timestamp);

    TraceEvent i;
    i.kind = TraceEvent::Kind::Instant;
    i.name = alloc ? "alloc" : "free";
    i.category = "memory";
    i.pid = pid;
    i.tid = -1;
    i.startNs = at;
    char address[32];
    std::snprintf(address, sizeof address, "0x%llx", static_cast<unsigned long long>(m.address));
    i.args = {{"bytes", std::to_string(m.bytes)},
              {"address", address},
              {"memory kind", std::to_string(static_cast<int>(m.memoryKind))},
              {"stream", std::to_string(m.streamId)},
              {"correlation id", std::to_string(m.correlationId)}};
    sink_.append(std::move(i));
    if (!onDevice) return;

    std::int64_t& live = allocated_[m.deviceId];
    const auto key = std::make_pair(m.deviceId, m.address);
    if (alloc) {
        liveAllocations_[key] = m.bytes;
        live += static_cast<std::int64_t>(m.bytes);
    } else {
        auto it = liveAllocations_.find(key);
        if (it == liveAllocations_.end()) return;  // allocated before the session: not counted
        live -= static_cast<std::int64_t>(it->second);
        liveAllocations_.erase(it);
    }
    TraceEvent c;
    c.kind = TraceEvent::Kind::Counter;
    c.name = "device allocated bytes";
    c.category = "memory";
    c.pid = pid;
    c.tid = -1;
    c.startNs = at;
    c.value = static_cast<double>(live);
    sink_.append(std::move(c));
}

void CuptiRecordTranslator::onSync(const void* raw) {
    const auto s = load<CUpti_ActivitySynchronization2>(raw);
    static const char* const kTypes[] = {"unknown", "event synchronize", "stream wait event", "stream synchronize",
                                         "context synchronize"};
    const unsigned type = static_cast<unsigned>(s.type);
    TraceEvent e;
    e.kind = TraceEvent::Kind::Span;
    e.name = std::string("sync: ") + (type < 5 ? kTypes[type] : "unknown");
    e.category = "sync";
    e.pid = 0;
    e.startNs = hostNs(s.start);
    e.durationNs = static_cast<std::int64_t>(s.end - s.start);
    e.args = {{"stream", std::to_string(s.streamId)},
              {"context", std::to_string(s.contextId)},
              {"correlation id", std::to_string(s.correlationId)}};
    auto it = syncThreads_.find(s.correlationId);
    if (it != syncThreads_.end()) {
        e.tid = hostTrack(it->second);
        syncThreads_.erase(it);
        sink_.append(std::move(e));
    } else {
        pendingSyncs_.push_back({std::move(e), s.correlationId});  // runtime record not seen yet
    }
}

void CuptiRecordTranslator::onMarker(const void* raw) {
    const auto m = load<CUpti_ActivityMarker2>(raw);
    // NVTX markers name a thread (host) or a device/stream object.
    int pid = 0;
    std::int64_t tid = 0;
    if (m.objectKind == CUPTI_ACTIVITY_OBJECT_THREAD || m.objectKind == CUPTI_ACTIVITY_OBJECT_PROCESS) {
        tid = hostTrack(m.objectId.pt.threadId);
    } else {
        pid = 1 + static_cast<int>(m.objectId.dcs.deviceId);
        tid = m.objectId.dcs.streamId;
    }
    const std::int64_t at = hostNs(m.timestamp);
    const std::string name = m.name ? m.name : "";
    const std::string domain = m.domain ? m.domain : "";
    if (m.flags & CUPTI_ACTIVITY_FLAG_MARKER_START) {
        openMarkers_[m.id] = {name, domain, at, pid, tid};
        return;
    }
    TraceEvent e;
    e.category = "nvtx";
    if (m.flags & CUPTI_ACTIVITY_FLAG_MARKER_END) {
        auto it = openMarkers_.find(m.id);
        if (it == openMarkers_.end()) return;  // its start was dropped
        e.kind = TraceEvent::Kind::Span;
        e.name = it->second.name;
        e.pid = it->second.pid;
        e.tid = it->second.tid;
        e.startNs = it->second.startNs;
        e.durationNs = at - it->second.startNs;
        if (!it->second.domain.empty()) e.args.push_back({"domain", it->second.domain});
        openMarkers_.erase(it);
    } else {
        e.kind = TraceEvent::Kind::Instant;
        e.name = name;
        e.pid = pid;
        e.tid = tid;
        e.startNs = at;
        if (!domain.empty()) e.args.push_back({"domain", domain});
    }
    sink_.append(std::move(e));
}

#else

void CuptiRecordTranslator::onMemory(const void*) {}
void CuptiRecordTranslator::onSync(const void*) {}
void CuptiRecordTranslator::onMarker(const void*) {}

#endif

}  // namespace ts
