#include "profile/aten_profiler.h"

#include "profile/op_flops.h"
#include "profile/record_drain.h"

#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>
#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ts {

namespace {

// Tracks for threads nobody bound (none in the engine's own threads): 100 + k.
constexpr std::int64_t kUnboundTrackBase = 100;

// One thread's open ops: the memory source names the op an allocation happened in.
struct ThreadOps {
    std::thread::id thread;
    std::int64_t unboundTid = 0;
    std::vector<const char*> stack;  // RecordFunction names live as long as the operator
    int openFlopOps = 0;
};

// Everything an open op needs at its end, kept in fixed-size fields: the recording
// threads make no heap blocks that outlive the op (see record_drain.h).
struct OpContext : at::ObserverContext {
    ThreadOps* thread = nullptr;
    CompactRecord record;
    bool flopOp = false;       // one of the ops opFlops() counts
    bool countFlops = false;   // ... and the outermost such op on its thread
    bool transposed = false;
};

std::vector<Shape> shapesOf(const CompactRecord& r) {
    std::vector<Shape> out;
    for (int s = 0; s < r.shapeCount; ++s)
        out.emplace_back(r.dims[s].begin(), r.dims[s].begin() + std::min<int>(r.rank[s], CompactRecord::kMaxDims));
    return out;
}

}  // namespace

// The profiler's state, reachable from ATen's plain-function callbacks through the
// thread's PROFILER_STATE debug info (as PyTorch's own profiler does).
class AtenProfilerState : public c10::MemoryReportingInfoBase {
public:
    AtenProfilerState(TraceSink& sink, bool ops, bool memory)
        : sink_(sink), ops_(ops), memory_(memory), owner_(std::this_thread::get_id()), drain_(sink) {}

    static AtenProfilerState* current() {
        return dynamic_cast<AtenProfilerState*>(c10::ThreadLocalDebugInfo::get(c10::DebugInfoKind::PROFILER_STATE));
    }
    bool memoryProfilingEnabled() const override { return memory_ && !stopped_; }

    ThreadOps* threadOps() {
        std::lock_guard<std::mutex> lock(threadsMutex_);
        const std::thread::id self = std::this_thread::get_id();
        for (const auto& t : threads_)
            if (t->thread == self) return t.get();
        auto t = std::make_unique<ThreadOps>();
        t->thread = self;
        t->unboundTid = self == owner_ ? 0 : kUnboundTrackBase + static_cast<std::int64_t>(threads_.size());
        if (t->unboundTid != 0) sink_.nameTrack(0, t->unboundTid, "aten thread " + std::to_string(threads_.size()));
        threads_.push_back(std::move(t));
        return threads_.back().get();
    }

    // An operator's name points into its schema, which lives as long as the process; a
    // user scope's (the engine's own fused ops, RECORD_USER_SCOPE) into the RecordFunction,
    // gone when the scope ends: those are copied once per distinct name.
    const char* stableName(const at::RecordFunction& fn) {
        if (fn.scope() != at::RecordScope::USER_SCOPE) return fn.name();
        std::lock_guard<std::mutex> lock(namesMutex_);
        return userScopeNames_.insert(fn.name()).first->c_str();
    }

    std::unique_ptr<at::ObserverContext> opStarted(const at::RecordFunction& fn) {
        if (!ops_ || stopped_) return nullptr;
        auto ctx = std::make_unique<OpContext>();
        ctx->thread = threadOps();
        CompactRecord& r = ctx->record;
        r.kind = CompactRecord::Kind::Op;
        r.name = stableName(fn);
        if (!sink_.threadTrack(&r.pid, &r.tid)) {
            r.pid = 0;
            r.tid = ctx->thread->unboundTid;
        }
        for (const c10::IValue& v : fn.inputs()) {
            if (v.isTensor()) {
                const at::Tensor& t = v.toTensor();
                if (!t.defined()) continue;
                r.addShape(t.sizes());
                if (r.dtype == c10::ScalarType::Undefined) r.dtype = t.scalar_type();
            } else if (v.isTensorList()) {
                for (const at::Tensor& t : v.toTensorList().vec())
                    if (t.defined()) r.addShape(t.sizes());
            } else if (v.isBool()) {
                ctx->transposed = v.toBool();  // aten::convolution's only bool: transposed
            }
        }
        ctx->flopOp = isFlopOp(r.name);
        if (ctx->flopOp) ctx->countFlops = ctx->thread->openFlopOps++ == 0;
        ctx->thread->stack.push_back(r.name);
        r.startNs = traceNowNs();
        return ctx;
    }

    void opEnded(const at::RecordFunction& fn, OpContext& ctx) {
        CompactRecord& r = ctx.record;
        r.durationNs = traceNowNs() - r.startNs;
        if (!ctx.thread->stack.empty()) ctx.thread->stack.pop_back();
        if (ctx.flopOp) --ctx.thread->openFlopOps;
        if (ctx.countFlops && r.shapesDropped == 0) {
            const std::vector<c10::IValue>& outputs = fn.outputs();
            if (!outputs.empty() && outputs[0].isTensor() && outputs[0].toTensor().defined())
                r.flops = opFlops(r.name, shapesOf(r), outputs[0].toTensor().sizes().vec(), ctx.transposed);
        }
        drain_.push(r);
        opsRecorded_.fetch_add(1, std::memory_order_relaxed);
    }

    // LibTorch 1.13 passes the totals as int64_t, 2.x as size_t: one of these two
    // overrides the base's pure virtual, the other is an unused overload.
    void reportMemoryUsage(void*, int64_t allocSize, int64_t totalAllocated, int64_t totalReserved, c10::Device device) {
        onMemory(allocSize, totalAllocated, totalReserved, device);
    }
    void reportMemoryUsage(void*, int64_t allocSize, size_t totalAllocated, size_t totalReserved, c10::Device device) {
        onMemory(allocSize, static_cast<int64_t>(totalAllocated), static_cast<int64_t>(totalReserved), device);
    }

    void onMemory(int64_t allocSize, int64_t totalAllocated, int64_t totalReserved, c10::Device device) {
        if (!memory_ || stopped_) return;
        const ThreadOps* thread = threadOps();
        const int pid = device.is_cuda() ? 1 + device.index() : 0;
        // The stack is only read by its own thread (this one): no lock needed for it.
        CompactRecord r;
        r.kind = CompactRecord::Kind::Allocated;
        r.pid = pid;
        r.name = thread->stack.empty() ? nullptr : thread->stack.front();
        r.innerOp = thread->stack.size() > 1 ? thread->stack.back() : nullptr;
        r.bytes = allocSize;
        std::lock_guard<std::mutex> lock(memoryMutex_);  // totals, peak and push in one order
        auto slot = std::find_if(allocated_.begin(), allocated_.end(), [pid](const auto& a) { return a.first == pid; });
        if (slot == allocated_.end()) slot = allocated_.insert(allocated_.end(), {pid, 0});
        slot->second += allocSize;
        r.startNs = traceNowNs();
        r.value = slot->second;
        if (r.value > peakBytes_) {
            peakBytes_ = r.value;
            peakNs_ = r.startNs;
            peakPid_ = pid;
            peakOp_ = r.name;
        }
        drain_.push(r);
        if (device.is_cuda()) {
            // The caching allocator's own totals (weights and every earlier allocation
            // included): its peaks are what torch.cuda.max_memory_allocated/reserved say.
            pool_.allocated = std::max(pool_.allocated, totalAllocated);
            pool_.reserved = std::max(pool_.reserved, totalReserved);
        }
        if (device.is_cuda() && totalReserved > 0) {
            CompactRecord reserved;
            reserved.kind = CompactRecord::Kind::Reserved;
            reserved.pid = pid;
            reserved.startNs = r.startNs;
            reserved.value = totalReserved;
            drain_.push(reserved);
        }
        ++memoryEvents_;
    }

    // Called once the callback is removed and the debug info dropped: every record is in.
    void stop() {
        stopped_ = true;
        drain_.stop();
    }
    std::int64_t opsRecorded() const { return opsRecorded_.load(); }
    std::int64_t memoryEvents() const {
        std::lock_guard<std::mutex> lock(memoryMutex_);
        return memoryEvents_;
    }
    MemoryPeak peak() const {
        std::lock_guard<std::mutex> lock(memoryMutex_);
        return {peakBytes_, peakNs_, peakPid_, peakOp_ ? peakOp_ : ""};
    }
    DevicePoolPeak devicePool() const {
        std::lock_guard<std::mutex> lock(memoryMutex_);
        return pool_;
    }

private:
    TraceSink& sink_;
    const bool ops_, memory_;
    const std::thread::id owner_;
    std::atomic<bool> stopped_{false};
    std::mutex namesMutex_;
    std::set<std::string> userScopeNames_;  // declared before drain_: outlives its records
    RecordDrain drain_;
    std::mutex threadsMutex_;
    std::vector<std::unique_ptr<ThreadOps>> threads_;
    std::atomic<std::int64_t> opsRecorded_{0};
    mutable std::mutex memoryMutex_;
    std::vector<std::pair<int, std::int64_t>> allocated_;  // per pid
    std::int64_t peakBytes_ = 0, peakNs_ = 0;
    int peakPid_ = 0;
    const char* peakOp_ = nullptr;  // a RecordFunction name: no string made per new peak
    std::int64_t memoryEvents_ = 0;
    DevicePoolPeak pool_;
};

namespace {

std::unique_ptr<at::ObserverContext> onOpStart(const at::RecordFunction& fn) {
    AtenProfilerState* state = AtenProfilerState::current();
    return state ? state->opStarted(fn) : nullptr;
}

void onOpEnd(const at::RecordFunction& fn, at::ObserverContext* ctx) {
    AtenProfilerState* state = AtenProfilerState::current();
    if (state && ctx) state->opEnded(fn, static_cast<OpContext&>(*ctx));
}

}  // namespace

AtenProfiler::AtenProfiler(TraceSink& sink, bool ops, bool memory)
    : state_(std::make_shared<AtenProfilerState>(sink, ops, memory)) {
    guard_ = std::make_unique<c10::DebugInfoGuard>(c10::DebugInfoKind::PROFILER_STATE, state_);
    if (ops)
        callback_ = at::addThreadLocalCallback(at::RecordFunctionCallback(onOpStart, onOpEnd)
                                                   .needsInputs(true)
                                                   .needsOutputs(true)
                                                   .scopes({at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE}));
}

AtenProfiler::~AtenProfiler() { stop(); }

void AtenProfiler::stop() {
    if (!guard_) return;
    state_->stop();
    if (callback_) at::removeCallback(*callback_);
    callback_.reset();
    guard_.reset();
}

std::int64_t AtenProfiler::opsRecorded() const { return state_->opsRecorded(); }
std::int64_t AtenProfiler::memoryEvents() const { return state_->memoryEvents(); }
MemoryPeak AtenProfiler::peak() const { return state_->peak(); }

DevicePoolPeak AtenProfiler::devicePool() const { return state_->devicePool(); }

}  // namespace ts
