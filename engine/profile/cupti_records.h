#pragma once
// CUPTI activity records -> trace events. This is the hardware-free half of the CUPTI
// source: it only walks buffers that CUPTI (or a test) filled, so it can be tested with
// synthetic buffers built from the CUDA 13 record structs. CuptiSession's buffer-completed
// callback feeds real buffers through exactly this code path.
//
// Tracks: pid 0 = host (tid = OS thread id), pid 1 + N = CUDA device N with tid = CUPTI
// stream id; tid -1 on a device is the device-level track ("GPU N <name>") holding the
// "device allocated bytes" counter and alloc/free instants.
//
// The header stays free of CUPTI types so that code built without CUDA can include it.
#include "profile/trace_event.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ts {

class CuptiRecordTranslator {
public:
    // clockOffsetNs is added to every CUPTI timestamp to land on the host steady clock.
    CuptiRecordTranslator(TraceSink& sink, std::int64_t clockOffsetNs);

    // Walks one completed activity buffer (validSize bytes of records) and appends what
    // it finds to the sink. Thread-safe: CUPTI may complete buffers on its worker thread
    // while a flush from another thread completes others.
    void consumeBuffer(const std::uint8_t* buffer, std::size_t validSize);
    // Records CUPTI could not store (cuptiActivityGetNumDroppedRecords).
    void addDropped(std::size_t count);
    // Puts CUPTI's records for an OS thread (gettid) on a given host track, e.g. the thread
    // that runs the decode onto kMainTrack (0) where the engine's own spans are. Threads
    // not mapped keep their OS thread id as track id.
    void mapHostThread(std::uint32_t osThreadId, std::int64_t track);
    // Device names for track names; call before records arrive (later calls rename).
    void setDeviceName(std::uint32_t deviceId, const std::string& name);
    // End of the session: emits syncs still waiting for their runtime record and the
    // "CUPTI dropped N records" note when N > 0. Idempotent.
    void finish();

    std::size_t dropped() const;
    std::size_t recordCount(int cuptiActivityKind) const;  // by CUpti_ActivityKind value
    std::size_t totalRecords() const;
    // Sum of live allocations per device, as the counter last showed it.
    std::int64_t allocatedBytes(std::uint32_t deviceId) const;

private:
    struct OpenMarker {
        std::string name;
        std::string domain;
        std::int64_t startNs;
        int pid;
        std::int64_t tid;
    };
    struct PendingSync {
        TraceEvent event;
        std::uint32_t correlationId;
    };

    // Handlers take the record as raw bytes: the struct types live in the .cpp only.
    void onKernel(const void* record);
    void onRuntime(const void* record);
    void onDriver(const void* record);
    void onMemcpy(const void* record);
    void onMemset(const void* record);
    void onMemory(const void* record);
    void onSync(const void* record);
    void onMarker(const void* record);

    std::int64_t hostNs(std::uint64_t cuptiNs) const;
    std::int64_t hostTrack(std::uint32_t osThreadId) const;
    void ensureStreamTrack(std::uint32_t deviceId, std::uint32_t streamId);
    void ensureDeviceTrack(std::uint32_t deviceId);
    void flowEnd(std::uint32_t correlationId, int pid, std::int64_t tid, std::int64_t startNs);
    // A span of device work (kernel, memcpy, memset) on its stream's track, ending the
    // launch flow of the same correlation id; `args` gets the correlation id appended.
    void appendDeviceSpan(std::uint32_t deviceId, std::uint32_t streamId, std::string name, const char* category,
                          std::uint64_t start, std::uint64_t end, std::uint32_t correlationId,
                          std::vector<std::pair<std::string, std::string>> args);
    // "cudaLaunchKernel", "cuLaunchKernelEx": a runtime or driver API call's name, cached.
    const std::string& apiName(bool driver, std::uint32_t cbid);
    // A runtime or driver call (a CUpti_ActivityAPI record) as a span on its host thread's
    // track, and, for calls that enqueue device work, the start of the flow to that work.
    void appendApiCall(const void* record, const std::string& name, const char* category, bool enqueues);

    TraceSink& sink_;
    const std::int64_t offsetNs_;
    mutable std::mutex mutex_;
    std::map<int, std::size_t> countsByKind_;
    std::size_t dropped_ = 0;
    bool finished_ = false;
    std::map<std::uint32_t, std::string> deviceNames_;
    std::unordered_map<std::uint32_t, std::int64_t> hostTracks_;  // OS thread id -> host track
    std::set<std::pair<std::uint32_t, std::uint32_t>> namedStreams_;
    std::set<std::uint32_t> namedDevices_;
    std::unordered_map<std::uint64_t, std::string> apiNames_;  // (driver << 32 | cbid) -> name
    std::map<std::uint32_t, std::int64_t> allocated_;              // device -> live bytes
    // (device, address) -> bytes, so a free subtracts what its allocation added and frees of
    // memory allocated before the session started do not drive the counter negative.
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint64_t> liveAllocations_;
    std::unordered_map<std::uint32_t, OpenMarker> openMarkers_;  // NVTX range id -> start
    // Sync records carry no thread id; they go on the host thread of the runtime call with
    // the same correlation id. Only synchronising calls are remembered, to stay small.
    std::unordered_map<std::uint32_t, std::uint32_t> syncThreads_;  // correlation -> thread
    std::vector<PendingSync> pendingSyncs_;
};

}  // namespace ts
