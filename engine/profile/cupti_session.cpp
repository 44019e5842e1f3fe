#include "profile/cupti_session.h"

#include <chrono>
#include <cstdlib>
#include <initializer_list>

#include <sys/syscall.h>
#include <unistd.h>

#ifdef TILESCOPE_WITH_CUDA
#include <cuda_runtime_api.h>
#include <cupti.h>
#endif

namespace ts {

namespace {
constexpr const char* kUnavailable = "GPU activity unavailable: ";
}

CuptiSession::~CuptiSession() { stop(); }

void CuptiSession::mapHostThread(std::uint32_t osThreadId, std::int64_t track) {
    if (translator_) translator_->mapHostThread(osThreadId, track);
}

std::size_t CuptiSession::droppedRecords() const { return translator_ ? translator_->dropped() : 0; }
std::size_t CuptiSession::totalRecords() const { return translator_ ? translator_->totalRecords() : 0; }

#ifdef TILESCOPE_WITH_CUDA

namespace {

// CUPTI's buffer callbacks are plain C function pointers without a user-data argument, so
// the trampolines need to find the session somewhere global. This is the only global
// mutable state of the source: one pointer to the active session, behind a mutex so that
// stop() cannot free the session while CUPTI's worker thread is inside a callback.
struct ActiveSession {
    std::mutex mutex;
    CuptiSession* session = nullptr;
};
ActiveSession& activeSession() {
    static ActiveSession active;
    return active;
}

// 4 MiB buffers: CUPTI's samples use 1-8 MiB; smaller buffers mean more callbacks, larger
// ones more memory held by records still in flight.
constexpr std::size_t kBufferBytes = 4u << 20;
constexpr std::size_t kBufferAlign = 8;  // ACTIVITY_RECORD_ALIGNMENT

void CUPTIAPI bufferRequested(std::uint8_t** buffer, std::size_t* size, std::size_t* maxNumRecords) {
    *buffer = static_cast<std::uint8_t*>(std::aligned_alloc(kBufferAlign, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;  // 0: CUPTI drops records and counts them
    *maxNumRecords = 0;                  // as many as fit
}

void CUPTIAPI bufferCompleted(CUcontext context, std::uint32_t streamId, std::uint8_t* buffer, std::size_t,
                              std::size_t validSize) {
    {
        ActiveSession& active = activeSession();
        std::lock_guard<std::mutex> lock(active.mutex);
        if (active.session) active.session->onBufferCompleted(buffer, validSize, context, streamId);
    }
    std::free(buffer);
}

std::string resultText(CUptiResult result) {
    const char* text = nullptr;
    if (cuptiGetResultString(result, &text) != CUPTI_SUCCESS || !text)
        return "CUPTI error " + std::to_string(static_cast<int>(result));
    return text;
}

// The kinds of the issue, in enable order. MEMORY2 and SYNCHRONIZATION need no device
// support beyond the driver; MARKER needs NVTX injection (see the docs).
constexpr CUpti_ActivityKind kKinds[] = {
    CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,          CUPTI_ACTIVITY_KIND_MEMSET,
    CUPTI_ACTIVITY_KIND_MEMORY2,           CUPTI_ACTIVITY_KIND_SYNCHRONIZATION, CUPTI_ACTIVITY_KIND_RUNTIME,
    CUPTI_ACTIVITY_KIND_DRIVER,            CUPTI_ACTIVITY_KIND_MARKER};

}  // namespace

void CuptiSession::onBufferCompleted(std::uint8_t* buffer, std::size_t validSize, void* context,
                                     std::uint32_t streamId) {
    if (!translator_) return;
    translator_->consumeBuffer(buffer, validSize);
    // Records lost because no buffer was free, for this buffer's queue (reset on read).
    std::size_t dropped = 0;
    if (cuptiActivityGetNumDroppedRecords(static_cast<CUcontext>(context), streamId, &dropped) == CUPTI_SUCCESS &&
        dropped > 0)
        translator_->addDropped(dropped);
}

bool CuptiSession::start(TraceSink& sink, std::string* whyNot) {
    auto fail = [&](const std::string& what, CUptiResult result) {
        std::string reason = kUnavailable + resultText(result) + " (" + what + ")";
        // CUPTI's reason is often just CUPTI_ERROR_UNKNOWN without a driver; the runtime's
        // own reason tells a user what is actually missing.
        int devices = 0;
        const cudaError_t rt = cudaGetDeviceCount(&devices);
        if (rt != cudaSuccess) {
            reason += "; CUDA runtime: " + std::string(cudaGetErrorString(rt));
            cudaGetLastError();  // clear the sticky error for later callers
        }
        disableKinds();
        {
            ActiveSession& active = activeSession();
            std::lock_guard<std::mutex> lock(active.mutex);
            if (active.session == this) active.session = nullptr;
        }
        translator_.reset();
        sink.note(reason);
        if (whyNot) *whyNot = reason;
        return false;
    };
    if (running_) {
        if (whyNot) *whyNot = std::string(kUnavailable) + "this session is already running";
        return false;
    }
    {
        ActiveSession& active = activeSession();
        std::lock_guard<std::mutex> lock(active.mutex);
        if (active.session) {
            const std::string reason = std::string(kUnavailable) + "another CUPTI session is active";
            sink.note(reason);
            if (whyNot) *whyNot = reason;
            return false;
        }
        active.session = this;
    }
    sink_ = &sink;

    // The offset between CUPTI's clock and the steady clock, read back to back; the
    // midpoint of two steady readings halves the error of the CUPTI call in between.
    std::uint64_t cuptiNow = 0;
    const std::int64_t before = traceNowNs();
    CUptiResult r = cuptiGetTimestamp(&cuptiNow);
    const std::int64_t after = traceNowNs();
    if (r != CUPTI_SUCCESS) return fail("cuptiGetTimestamp", r);
    clockOffsetNs_ = before + (after - before) / 2 - static_cast<std::int64_t>(cuptiNow);
    translator_ = std::make_unique<CuptiRecordTranslator>(sink, clockOffsetNs_);

    // OS thread ids (gettid) on host tracks, so CUPTI's runtime spans land on the same
    // tracks as the engine's own host spans and Perfetto's thread names.
    r = cuptiSetThreadIdType(CUPTI_ACTIVITY_THREAD_ID_TYPE_SYSTEM);
    if (r != CUPTI_SUCCESS) return fail("cuptiSetThreadIdType", r);
    // TraceScope's host track for the thread that drives the run (kMainTrack in
    // trace_scope.h, not included here to keep the source independent of it).
    translator_->mapHostThread(static_cast<std::uint32_t>(::syscall(SYS_gettid)), 0);
    r = cuptiActivityRegisterCallbacks(bufferRequested, bufferCompleted);
    if (r != CUPTI_SUCCESS) return fail("cuptiActivityRegisterCallbacks", r);
    for (CUpti_ActivityKind kind : kKinds) {
        r = cuptiActivityEnable(kind);
        if (r != CUPTI_SUCCESS) return fail("cuptiActivityEnable", r);
        enabledMask_ |= std::uint64_t(1) << static_cast<unsigned>(kind);
    }

    // Device names for the GPU tracks; failures here only cost the names.
    int devices = 0;
    if (cudaGetDeviceCount(&devices) == cudaSuccess) {
        for (int d = 0; d < devices; ++d) {
            cudaDeviceProp prop{};
            if (cudaGetDeviceProperties(&prop, d) == cudaSuccess)
                translator_->setDeviceName(static_cast<std::uint32_t>(d), prop.name);
        }
    }
    cudaGetLastError();

    stopFlusher_ = false;
    running_ = true;
    flusher_ = std::thread([this] { flushLoop(); });
    return true;
}

void CuptiSession::flushLoop() {
    // CUPTI delivers a buffer only when it is full or flushed; a periodic default flush
    // (completed records only) keeps a live view current and buffers from piling up.
    std::unique_lock<std::mutex> lock(flushMutex_);
    while (!stopFlusher_) {
        flushWake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopFlusher_; });
        if (stopFlusher_) break;
        lock.unlock();
        cuptiActivityFlushAll(0);
        lock.lock();
    }
}

void CuptiSession::disableKinds() {
    for (CUpti_ActivityKind kind : kKinds)
        if (enabledMask_ & (std::uint64_t(1) << static_cast<unsigned>(kind))) cuptiActivityDisable(kind);
    enabledMask_ = 0;
}

void CuptiSession::stop() {
    if (!running_.exchange(false)) return;
    {
        std::lock_guard<std::mutex> lock(flushMutex_);
        stopFlusher_ = true;
    }
    flushWake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    // Kinds off first so nothing new starts, then the forced flush hands over every buffer,
    // incomplete records included; its callbacks run on this thread before it returns.
    disableKinds();
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    std::size_t dropped = 0;
    if (cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped) == CUPTI_SUCCESS && dropped > 0)
        translator_->addDropped(dropped);
    {
        ActiveSession& active = activeSession();
        std::lock_guard<std::mutex> lock(active.mutex);
        if (active.session == this) active.session = nullptr;
    }
    translator_->finish();
}

#else  // built without CUDA

void CuptiSession::onBufferCompleted(std::uint8_t*, std::size_t, void*, std::uint32_t) {}
void CuptiSession::flushLoop() {}
void CuptiSession::disableKinds() {}

bool CuptiSession::start(TraceSink& sink, std::string* whyNot) {
    const std::string reason = std::string(kUnavailable) + "built without CUDA";
    sink.note(reason);
    if (whyNot) *whyNot = reason;
    return false;
}

void CuptiSession::stop() {}

#endif

}  // namespace ts
