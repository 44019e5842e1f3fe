#pragma once
// The hardware side of the CUPTI activity source: registers CUPTI's buffer callbacks,
// enables the activity kinds, flushes periodically on its own thread and once, forced, at
// stop(). Completed buffers go through CuptiRecordTranslator (the tested code path).
//
// Without a driver or GPU, CUPTI calls fail: start() then returns false, says
// "GPU activity unavailable: <CUPTI's reason>" and leaves the same line as a note on the
// sink; the rest of a trace is unaffected. One session at a time per process (CUPTI's
// activity API is process-wide); a second start() fails with a reason.
#include "profile/cupti_records.h"
#include "profile/trace_event.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ts {

class CuptiSession {
public:
    CuptiSession() = default;
    ~CuptiSession();  // stops if running
    CuptiSession(const CuptiSession&) = delete;
    CuptiSession& operator=(const CuptiSession&) = delete;

    // The sink must outlive the session (or at least stop()). The calling thread's CUDA
    // calls go on host track kMainTrack (0), where TraceScope puts that thread's spans;
    // other threads' on their OS thread id unless mapped with mapHostThread().
    bool start(TraceSink& sink, std::string* whyNot);
    // For worker threads that make CUDA calls: put their runtime spans on `track`.
    // Call from anywhere after a successful start().
    void mapHostThread(std::uint32_t osThreadId, std::int64_t track);
    void stop();
    bool running() const { return running_; }

    // Totals for the run, e.g. for a summary line; valid after stop().
    std::size_t droppedRecords() const;
    std::size_t totalRecords() const;
    std::int64_t clockOffsetNs() const { return clockOffsetNs_; }

    // Called by CUPTI through static trampolines; public only for them.
    // context is CUPTI's CUcontext (null for the global queue), kept opaque here.
    void onBufferCompleted(std::uint8_t* buffer, std::size_t validSize, void* context, std::uint32_t streamId);

private:
    void flushLoop();
    void disableKinds();

    std::unique_ptr<CuptiRecordTranslator> translator_;
    TraceSink* sink_ = nullptr;
    std::int64_t clockOffsetNs_ = 0;
    std::atomic<bool> running_{false};
    std::thread flusher_;
    std::mutex flushMutex_;
    std::condition_variable flushWake_;
    bool stopFlusher_ = false;
    std::uint64_t enabledMask_ = 0;  // bit per CUpti_ActivityKind enabled, to undo exactly
};

}  // namespace ts
