#include "profile/cupti_records.h"

#include "profile/cupti_record_copy.h"

#include <cxxabi.h>

#include <algorithm>
#include <iterator>

#include <cstdlib>
#include <cstring>
#include <memory>

#ifdef TILESCOPE_WITH_CUDA
#include <cupti.h>
#endif

namespace ts {

namespace {

std::string triple(std::int64_t x, std::int64_t y, std::int64_t z) {
    return "(" + std::to_string(x) + ", " + std::to_string(y) + ", " + std::to_string(z) + ")";
}

// Kernel names arrive mangled for C++ kernels; the trace is read by people.
std::string demangle(const char* name) {
    if (!name) return "(unnamed kernel)";
    if (name[0] != '_' || name[1] != 'Z') return name;
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
    return status == 0 && out ? std::string(out.get()) : std::string(name);
}

using cupti_detail::load;

}  // namespace

CuptiRecordTranslator::CuptiRecordTranslator(TraceSink& sink, std::int64_t clockOffsetNs)
    : sink_(sink), offsetNs_(clockOffsetNs) {}

std::int64_t CuptiRecordTranslator::hostNs(std::uint64_t cuptiNs) const {
    return static_cast<std::int64_t>(cuptiNs) + offsetNs_;
}

std::int64_t CuptiRecordTranslator::hostTrack(std::uint32_t osThreadId) const {
    auto it = hostTracks_.find(osThreadId);
    return it == hostTracks_.end() ? static_cast<std::int64_t>(osThreadId) : it->second;
}

void CuptiRecordTranslator::mapHostThread(std::uint32_t osThreadId, std::int64_t track) {
    std::lock_guard<std::mutex> lock(mutex_);
    hostTracks_[osThreadId] = track;
}

void CuptiRecordTranslator::setDeviceName(std::uint32_t deviceId, const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    deviceNames_[deviceId] = name;
    if (namedDevices_.count(deviceId))
        sink_.nameTrack(1 + static_cast<int>(deviceId), -1, "GPU " + std::to_string(deviceId) + " " + name);
}

void CuptiRecordTranslator::ensureDeviceTrack(std::uint32_t deviceId) {
    if (!namedDevices_.insert(deviceId).second) return;
    std::string name = "GPU " + std::to_string(deviceId);
    auto it = deviceNames_.find(deviceId);
    if (it != deviceNames_.end() && !it->second.empty()) name += " " + it->second;
    sink_.nameTrack(1 + static_cast<int>(deviceId), -1, name);
}

void CuptiRecordTranslator::ensureStreamTrack(std::uint32_t deviceId, std::uint32_t streamId) {
    ensureDeviceTrack(deviceId);
    if (namedStreams_.insert({deviceId, streamId}).second)
        sink_.nameTrack(1 + static_cast<int>(deviceId), streamId, "CUDA stream " + std::to_string(streamId));
}

void CuptiRecordTranslator::flowEnd(std::uint32_t correlationId, int pid, std::int64_t tid, std::int64_t startNs) {
    if (correlationId == 0) return;  // device-launched work has no host call
    TraceEvent e;
    e.kind = TraceEvent::Kind::FlowEnd;
    e.name = "launch";
    e.category = "flow";
    e.pid = pid;
    e.tid = tid;
    e.startNs = startNs;
    e.flowId = correlationId;
    sink_.append(std::move(e));
}

void CuptiRecordTranslator::addDropped(std::size_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped_ += count;
}

void CuptiRecordTranslator::finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    finished_ = true;
    // A sync whose runtime record never came (dropped, or the kind was off) still shows,
    // on host thread 0 rather than not at all.
    for (PendingSync& p : pendingSyncs_) sink_.append(std::move(p.event));
    pendingSyncs_.clear();
    if (dropped_ > 0) sink_.note("CUPTI dropped " + std::to_string(dropped_) + " records");
}

std::size_t CuptiRecordTranslator::dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
}

std::size_t CuptiRecordTranslator::recordCount(int kind) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = countsByKind_.find(kind);
    return it == countsByKind_.end() ? 0 : it->second;
}

std::size_t CuptiRecordTranslator::totalRecords() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t n = 0;
    for (const auto& [kind, count] : countsByKind_) n += count;
    return n;
}

std::int64_t CuptiRecordTranslator::allocatedBytes(std::uint32_t deviceId) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = allocated_.find(deviceId);
    return it == allocated_.end() ? 0 : it->second;
}

#ifdef TILESCOPE_WITH_CUDA

void CuptiRecordTranslator::consumeBuffer(const std::uint8_t* buffer, std::size_t validSize) {
    if (!buffer || validSize == 0) return;
    std::lock_guard<std::mutex> lock(mutex_);
    // cuptiActivityGetNextRecord only walks the buffer (no driver needed; checked on a
    // machine without one). It knows each kind's record size, which the layout depends
    // on, so it is the walker for real and synthetic buffers alike. It takes a non-const
    // pointer but does not write.
    std::uint8_t* data = const_cast<std::uint8_t*>(buffer);
    CUpti_Activity* record = nullptr;
    while (cuptiActivityGetNextRecord(data, validSize, &record) == CUPTI_SUCCESS) {
        ++countsByKind_[static_cast<int>(record->kind)];
        switch (record->kind) {
        case CUPTI_ACTIVITY_KIND_KERNEL:
        case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: onKernel(record); break;
        case CUPTI_ACTIVITY_KIND_RUNTIME: onRuntime(record); break;
        case CUPTI_ACTIVITY_KIND_DRIVER: onDriver(record); break;
        case CUPTI_ACTIVITY_KIND_MEMCPY: onMemcpy(record); break;
        case CUPTI_ACTIVITY_KIND_MEMSET: onMemset(record); break;
        case CUPTI_ACTIVITY_KIND_MEMORY2: onMemory(record); break;
        case CUPTI_ACTIVITY_KIND_SYNCHRONIZATION: onSync(record); break;
        case CUPTI_ACTIVITY_KIND_MARKER: onMarker(record); break;
        default: break;  // counted, not drawn
        }
    }
}

// CUDA 13's newest kernel record. CUPTI writes the struct version matching the headers it
// ships with, so this must move with the toolkit (CUDA 12.x used CUpti_ActivityKernel9).
void CuptiRecordTranslator::appendDeviceSpan(std::uint32_t deviceId, std::uint32_t streamId, std::string name,
                                             const char* category, std::uint64_t start, std::uint64_t end,
                                             std::uint32_t correlationId,
                                             std::vector<std::pair<std::string, std::string>> args) {
    ensureStreamTrack(deviceId, streamId);
    TraceEvent e;
    e.kind = TraceEvent::Kind::Span;
    e.name = std::move(name);
    e.category = category;
    e.pid = 1 + static_cast<int>(deviceId);
    e.tid = streamId;
    e.startNs = hostNs(start);
    e.durationNs = static_cast<std::int64_t>(end - start);
    e.flowId = correlationId;
    e.args = std::move(args);
    e.args.emplace_back("correlation id", std::to_string(correlationId));
    const std::int64_t startNs = e.startNs;
    sink_.append(std::move(e));
    flowEnd(correlationId, 1 + static_cast<int>(deviceId), streamId, startNs);
}

void CuptiRecordTranslator::onKernel(const void* raw) {
    const auto k = load<CUpti_ActivityKernel10>(raw);
    appendDeviceSpan(k.deviceId, k.streamId, demangle(k.name), "kernel", k.start, k.end, k.correlationId,
                     {{"grid", triple(k.gridX, k.gridY, k.gridZ)},
                      {"block", triple(k.blockX, k.blockY, k.blockZ)},
                      {"static shared mem", std::to_string(k.staticSharedMemory)},
                      {"dynamic shared mem", std::to_string(k.dynamicSharedMemory)},
                      {"registers per thread", std::to_string(k.registersPerThread)}});
}

const std::string& CuptiRecordTranslator::apiName(bool driver, std::uint32_t cbid) {
    const std::uint64_t key = (std::uint64_t(driver) << 32) | cbid;
    auto it = apiNames_.find(key);
    if (it != apiNames_.end()) return it->second;
    const char* raw = nullptr;
    std::string name;
    if (cuptiGetCallbackName(driver ? CUPTI_CB_DOMAIN_DRIVER_API : CUPTI_CB_DOMAIN_RUNTIME_API, cbid, &raw) ==
            CUPTI_SUCCESS &&
        raw) {
        name = raw;
        // "cudaLaunchKernel_v7000" -> "cudaLaunchKernel": the suffix is the API version.
        const std::size_t v = name.rfind("_v");
        if (v != std::string::npos && v + 2 < name.size() &&
            name.find_first_not_of("0123456789", v + 2) == std::string::npos)
            name.resize(v);
    } else {
        name = (driver ? "driver API " : "runtime API ") + std::to_string(cbid);
    }
    return apiNames_.emplace(key, std::move(name)).first->second;
}

void CuptiRecordTranslator::appendApiCall(const void* raw, const std::string& name, const char* category,
                                          bool enqueues) {
    const auto a = load<CUpti_ActivityAPI>(raw);
    TraceEvent e;
    e.kind = TraceEvent::Kind::Span;
    e.name = name;
    e.category = category;
    e.pid = 0;
    e.tid = hostTrack(a.threadId);
    e.startNs = hostNs(a.start);
    e.durationNs = static_cast<std::int64_t>(a.end - a.start);
    e.args = {{"correlation id", std::to_string(a.correlationId)}};
    if (a.returnValue != 0) e.args.push_back({"return value", std::to_string(a.returnValue)});
    sink_.append(std::move(e));
    if (enqueues && a.correlationId != 0) {
        TraceEvent f;
        f.kind = TraceEvent::Kind::FlowStart;
        f.name = "launch";
        f.category = "flow";
        f.pid = 0;
        f.tid = hostTrack(a.threadId);
        f.startNs = hostNs(a.start);
        f.flowId = a.correlationId;
        sink_.append(std::move(f));
    }
}

void CuptiRecordTranslator::onRuntime(const void* raw) {
    const auto a = load<CUpti_ActivityAPI>(raw);
    const std::string& name = apiName(false, a.cbid);
    // Calls that put work on a device start a flow to it: launches, copies, sets.
    const bool enqueues = name.rfind("cudaLaunch", 0) == 0 || name.rfind("cudaGraphLaunch", 0) == 0 ||
                          name.rfind("cudaMemcpy", 0) == 0 || name.rfind("cudaMemset", 0) == 0;
    appendApiCall(raw, name, "runtime", enqueues);
    if (name.find("Synchronize") != std::string::npos || name.find("WaitEvent") != std::string::npos) {
        bool resolved = false;
        for (auto it = pendingSyncs_.begin(); it != pendingSyncs_.end(); ++it)
            if (it->correlationId == a.correlationId) {
                it->event.tid = hostTrack(a.threadId);
                sink_.append(std::move(it->event));
                pendingSyncs_.erase(it);
                resolved = true;
                break;
            }
        if (!resolved) syncThreads_[a.correlationId] = a.threadId;  // mapped when used
    }
}

void CuptiRecordTranslator::onDriver(const void* raw) {
    const auto a = load<CUpti_ActivityAPI>(raw);
    const std::string& name = apiName(true, a.cbid);
    // Libraries launch some kernels through the driver API (cuBLASLt's GEMMs, the
    // attention's matmuls here, with cuLaunchKernelEx): without these records those kernels
    // have no launch site. CUPTI does not report the driver calls the runtime makes itself,
    // so no launch starts two flows (on an H100, 3,295 flows, each id once). The driver's
    // other calls (context and attribute queries) stay out of the trace.
    static const char* const kLaunches[] = {"cuLaunchKernel", "cuLaunchKernelEx", "cuLaunchCooperativeKernel",
                                            "cuLaunchCooperativeKernelMultiDevice", "cuLaunchGrid",
                                            "cuLaunchGridAsync", "cuGraphLaunch"};
    // "_ptsz"/"_ptds": the same call on the per-thread default stream.
    std::string base = name;
    for (const char* suffix : {"_ptsz", "_ptds"})
        if (base.size() > 5 && base.compare(base.size() - 5, 5, suffix) == 0) base.resize(base.size() - 5);
    const bool launch = std::find(std::begin(kLaunches), std::end(kLaunches), base) != std::end(kLaunches);
    // Driver copies and sets enqueue device work too (their records end a flow as well).
    const bool copy = base.rfind("cuMemcpy", 0) == 0 || base.rfind("cuMemset", 0) == 0;
    if (!launch && !copy) return;  // cuLaunchHostFunc, queries: no device record follows
    appendApiCall(raw, name, "driver", true);
}

namespace {
const char* copyKindName(std::uint8_t kind) {
    switch (kind) {
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD: return "HtoD";
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH: return "DtoH";
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA: return "HtoA";
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH: return "AtoH";
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA: return "AtoA";
    case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD: return "AtoD";
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA: return "DtoA";
    case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD: return "DtoD";
    case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH: return "HtoH";
    case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP: return "PtoP";
    default: return "unknown";
    }
}
}  // namespace

void CuptiRecordTranslator::onMemcpy(const void* raw) {
    const auto m = load<CUpti_ActivityMemcpy6>(raw);
    appendDeviceSpan(m.deviceId, m.streamId, std::string("Memcpy ") + copyKindName(m.copyKind), "memcpy", m.start,
                     m.end, m.correlationId,
                     {{"bytes", std::to_string(m.bytes)}, {"copy kind", copyKindName(m.copyKind)}});
}

void CuptiRecordTranslator::onMemset(const void* raw) {
    const auto m = load<CUpti_ActivityMemset4>(raw);
    appendDeviceSpan(m.deviceId, m.streamId, "Memset", "memset", m.start, m.end, m.correlationId,
                     {{"bytes", std::to_string(m.bytes)}, {"value", std::to_string(m.value)}});
}

#else  // built without CUDA: there is no CUPTI to produce buffers, nor headers to read them

void CuptiRecordTranslator::consumeBuffer(const std::uint8_t*, std::size_t) {}
void CuptiRecordTranslator::onKernel(const void*) {}
void CuptiRecordTranslator::onRuntime(const void*) {}
void CuptiRecordTranslator::onDriver(const void*) {}
void CuptiRecordTranslator::appendApiCall(const void*, const std::string&, const char*, bool) {}
void CuptiRecordTranslator::onMemcpy(const void*) {}
void CuptiRecordTranslator::onMemset(const void*) {}
const std::string& CuptiRecordTranslator::apiName(bool driver, std::uint32_t cbid) {
    return apiNames_[(std::uint64_t(driver) << 32) | cbid];
}

#endif

}  // namespace ts
