#pragma once
// Hands the ATen sources' records from the decoding threads to the trace on a thread of
// its own.
//
// Why: a trace event owns small heap blocks (its name, its args) that live as long as
// the trace. Made on a decoding thread, they land in the malloc arena the tensors use,
// in the holes freed tensors leave, and split them: later tensors of the same size no
// longer fit there and the heap grows. Measured on the full-size decode (16x3x16x16,
// 2 threads): recording ops that way added 110-170 MiB of peak RSS and 10-30 k page
// faults; with every large block forced to mmap the difference vanished (3 MiB).
// So the recording threads only copy fixed-size records into buffers reserved up front,
// and this drain thread (its own malloc arena) formats them into TraceEvents.
#include "profile/trace_event.h"

#include <c10/core/ScalarType.h>
#include <c10/util/ArrayRef.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ts {

// One op span or memory counter, without anything on the heap. Names point at strings
// that outlive the run (RecordFunction names live as long as the operator registry).
struct CompactRecord {
    static constexpr int kMaxShapes = 6;  // inputs listed; more are summarised as "+N"
    static constexpr int kMaxDims = 6;    // per input; deeper shapes are cut with "x..."
    enum class Kind : std::uint8_t { Op, Allocated, Reserved };

    Kind kind = Kind::Op;
    const char* name = "";     // the op (Op); the outermost open op (Allocated), or null
    const char* innerOp = nullptr;  // Allocated: the innermost open op when nested
    int pid = 0;
    std::int64_t tid = 0;
    std::int64_t startNs = 0;
    std::int64_t durationNs = 0;
    std::int64_t value = 0;   // Allocated/Reserved: the counter value in bytes
    std::int64_t bytes = 0;   // Allocated: this allocation (negative: a free)
    std::int64_t flops = -1;  // Op: counted FLOPs, -1 when none
    c10::ScalarType dtype = c10::ScalarType::Undefined;
    std::uint8_t shapeCount = 0;    // shapes kept
    std::uint16_t shapesDropped = 0;  // inputs beyond kMaxShapes
    std::array<std::uint8_t, kMaxShapes> rank{};  // real rank (may exceed kMaxDims)
    std::array<std::array<std::int64_t, kMaxDims>, kMaxShapes> dims{};

    void addShape(c10::IntArrayRef sizes);
};

// "1x4x3x8x8 6x4x3x3x3 6" as the op spans' "shapes" arg ("" when there are none).
std::string shapesText(const CompactRecord& r);
TraceEvent toTraceEvent(const CompactRecord& r);

class RecordDrain {
public:
    // reserve: records held between drains without growing (decoding threads must not
    // allocate); periodMs: how long records wait at most before live readers see them.
    explicit RecordDrain(TraceSink& sink, std::size_t reserve = 16384, int periodMs = 20);
    ~RecordDrain();  // stop()
    RecordDrain(const RecordDrain&) = delete;
    RecordDrain& operator=(const RecordDrain&) = delete;

    void push(const CompactRecord& r);  // thread-safe; cheap; ignored after stop()
    // Appends everything pushed so far to the sink and ends the thread; idempotent.
    void stop();

private:
    void loop();
    void drainSwapped(std::unique_lock<std::mutex>& lock);

    TraceSink& sink_;
    const int periodMs_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<CompactRecord> pending_, draining_;  // swapped, so both keep their capacity
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace ts
