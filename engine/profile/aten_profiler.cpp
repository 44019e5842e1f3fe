#include "profile/aten_profiler.h"

#include "profile/op_flops.h"

#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>
#include <c10/core/Allocator.h>
#include <c10/util/ThreadLocalDebugInfo.h>

#include <algorithm>
#include <atomic>
#include <mutex>
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

struct OpContext : at::ObserverContext {
    ThreadOps* thread = nullptr;
    const char* name = "";
    int pid = 0;
    std::int64_t tid = 0;
    std::int64_t startNs = 0;
    std::vector<Shape> inputs;
    std::string dtype;
    bool transposed = false;
    bool countFlops = false;
};

std::string shapeText(const Shape& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + std::to_string(s[i]);
    return out.empty() ? "scalar" : out;
}

}  // namespace

// The profiler's state, reachable from ATen's plain-function callbacks through the
// thread's PROFILER_STATE debug info (as PyTorch's own profiler does).
class AtenProfilerState : public c10::MemoryReportingInfoBase {
public:
    AtenProfilerState(TraceSink& sink, bool ops, bool memory)
        : sink_(sink), ops_(ops), memory_(memory), owner_(std::this_thread::get_id()) {}

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

    std::unique_ptr<at::ObserverContext> opStarted(const at::RecordFunction& fn) {
        if (!ops_ || stopped_) return nullptr;
        auto ctx = std::make_unique<OpContext>();
        ctx->thread = threadOps();
        ctx->name = fn.name();
        if (!sink_.threadTrack(&ctx->pid, &ctx->tid)) {
            ctx->pid = 0;
            ctx->tid = ctx->thread->unboundTid;
        }
        for (const c10::IValue& v : fn.inputs()) {
            if (v.isTensor()) {
                const at::Tensor& t = v.toTensor();
                if (!t.defined()) continue;
                ctx->inputs.push_back(t.sizes().vec());
                if (ctx->dtype.empty()) ctx->dtype = c10::toString(t.scalar_type());
            } else if (v.isTensorList()) {
                for (const at::Tensor& t : v.toTensorList().vec())
                    if (t.defined()) ctx->inputs.push_back(t.sizes().vec());
            } else if (v.isBool()) {
                ctx->transposed = v.toBool();  // aten::convolution's only bool: transposed
            }
        }
        if (isFlopOp(ctx->name)) ctx->countFlops = ctx->thread->openFlopOps++ == 0;
        ctx->thread->stack.push_back(ctx->name);
        ctx->startNs = traceNowNs();
        return ctx;
    }

    void opEnded(const at::RecordFunction& fn, OpContext& ctx) {
        const std::int64_t endNs = traceNowNs();
        if (!ctx.thread->stack.empty()) ctx.thread->stack.pop_back();
        if (isFlopOp(ctx.name)) --ctx.thread->openFlopOps;
        TraceEvent e;
        e.kind = TraceEvent::Kind::Span;
        e.name = ctx.name;
        e.category = "op";
        e.pid = ctx.pid;
        e.tid = ctx.tid;
        e.startNs = ctx.startNs;
        e.durationNs = endNs - ctx.startNs;
        std::string shapes;
        for (const Shape& s : ctx.inputs) shapes += (shapes.empty() ? "" : " ") + shapeText(s);
        if (!shapes.empty()) e.args.emplace_back("shapes", std::move(shapes));
        if (!ctx.dtype.empty()) e.args.emplace_back("dtype", ctx.dtype);
        if (ctx.countFlops) {
            const std::vector<c10::IValue>& outputs = fn.outputs();
            if (!outputs.empty() && outputs[0].isTensor() && outputs[0].toTensor().defined()) {
                const std::int64_t flops = opFlops(ctx.name, ctx.inputs, outputs[0].toTensor().sizes().vec(), ctx.transposed);
                if (flops >= 0) e.args.emplace_back("flops", std::to_string(flops));
            }
        }
        sink_.append(std::move(e));
        std::lock_guard<std::mutex> lock(countMutex_);
        ++ops_recorded_;
    }

    void reportMemoryUsage(void*, int64_t allocSize, int64_t, int64_t totalReserved, c10::Device device) override {
        if (!memory_ || stopped_) return;
        const ThreadOps* thread = threadOps();
        const int pid = device.is_cuda() ? 1 + device.index() : 0;
        std::lock_guard<std::mutex> lock(memoryMutex_);
        auto slot = std::find_if(allocated_.begin(), allocated_.end(), [pid](const auto& a) { return a.first == pid; });
        if (slot == allocated_.end()) slot = allocated_.insert(allocated_.end(), {pid, 0});
        slot->second += allocSize;
        const std::int64_t now = traceNowNs();
        // The stack is only read by its own thread (this one): no lock needed for it.
        const std::string outer = thread->stack.empty() ? "" : thread->stack.front();
        if (slot->second > peak_.bytes) peak_ = {slot->second, now, pid, outer};
        TraceEvent e;
        e.kind = TraceEvent::Kind::Counter;
        e.name = "allocated_bytes";
        e.category = "memory";
        e.pid = pid;
        e.startNs = now;
        e.value = static_cast<double>(slot->second);
        e.args = {{"bytes", std::to_string(allocSize)}};
        if (!outer.empty()) e.args.emplace_back("op", outer);
        if (thread->stack.size() > 1) e.args.emplace_back("inner_op", thread->stack.back());
        sink_.append(std::move(e));
        if (device.is_cuda() && totalReserved > 0) {
            TraceEvent r;
            r.kind = TraceEvent::Kind::Counter;
            r.name = "reserved_bytes";
            r.category = "memory";
            r.pid = pid;
            r.startNs = now;
            r.value = static_cast<double>(totalReserved);
            sink_.append(std::move(r));
        }
        ++memoryEvents_;
    }

    void stop() { stopped_ = true; }
    std::int64_t opsRecorded() const {
        std::lock_guard<std::mutex> lock(countMutex_);
        return ops_recorded_;
    }
    std::int64_t memoryEvents() const {
        std::lock_guard<std::mutex> lock(memoryMutex_);
        return memoryEvents_;
    }
    MemoryPeak peak() const {
        std::lock_guard<std::mutex> lock(memoryMutex_);
        return peak_;
    }

private:
    TraceSink& sink_;
    const bool ops_, memory_;
    const std::thread::id owner_;
    std::atomic<bool> stopped_{false};
    std::mutex threadsMutex_;
    std::vector<std::unique_ptr<ThreadOps>> threads_;
    mutable std::mutex countMutex_;
    std::int64_t ops_recorded_ = 0;
    mutable std::mutex memoryMutex_;
    std::vector<std::pair<int, std::int64_t>> allocated_;  // per pid
    MemoryPeak peak_;
    std::int64_t memoryEvents_ = 0;
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
                                                   .scopes({at::RecordScope::FUNCTION}));
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

}  // namespace ts
