#include "profile/record_drain.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace ts {

void CompactRecord::addShape(c10::IntArrayRef sizes) {
    if (shapeCount == kMaxShapes) {
        ++shapesDropped;
        return;
    }
    const std::size_t kept = std::min<std::size_t>(sizes.size(), kMaxDims);
    for (std::size_t d = 0; d < kept; ++d) dims[shapeCount][d] = sizes[d];
    rank[shapeCount] = static_cast<std::uint8_t>(std::min<std::size_t>(sizes.size(), 255));
    ++shapeCount;
}

std::string shapesText(const CompactRecord& r) {
    std::string out;
    for (int s = 0; s < r.shapeCount; ++s) {
        if (s) out += ' ';
        const int rank = r.rank[s];
        if (rank == 0) out += "scalar";
        for (int d = 0; d < std::min(rank, CompactRecord::kMaxDims); ++d) {
            if (d) out += 'x';
            out += std::to_string(r.dims[s][d]);
        }
        if (rank > CompactRecord::kMaxDims) out += "x...";
    }
    if (r.shapesDropped) out += " +" + std::to_string(r.shapesDropped);
    return out;
}

TraceEvent toTraceEvent(const CompactRecord& r) {
    TraceEvent e;
    e.pid = r.pid;
    e.startNs = r.startNs;
    switch (r.kind) {
    case CompactRecord::Kind::Op: {
        e.kind = TraceEvent::Kind::Span;
        e.name = r.name;
        e.category = "op";
        e.tid = r.tid;
        e.durationNs = r.durationNs;
        std::string shapes = shapesText(r);
        if (!shapes.empty()) e.args.emplace_back("shapes", std::move(shapes));
        if (r.dtype != c10::ScalarType::Undefined) e.args.emplace_back("dtype", c10::toString(r.dtype));
        if (r.flops >= 0) e.args.emplace_back("flops", std::to_string(r.flops));
        break;
    }
    case CompactRecord::Kind::Allocated:
        e.kind = TraceEvent::Kind::Counter;
        e.name = "allocated_bytes";
        e.category = "memory";
        e.value = static_cast<double>(r.value);
        e.args.emplace_back("bytes", std::to_string(r.bytes));
        if (r.name && *r.name) e.args.emplace_back("op", r.name);
        if (r.innerOp) e.args.emplace_back("inner_op", r.innerOp);
        break;
    case CompactRecord::Kind::Reserved:
        e.kind = TraceEvent::Kind::Counter;
        e.name = "reserved_bytes";
        e.category = "memory";
        e.value = static_cast<double>(r.value);
        break;
    }
    return e;
}

RecordDrain::RecordDrain(TraceSink& sink, std::size_t reserve, int periodMs) : sink_(sink), periodMs_(periodMs) {
    // Reserved here, on the thread that starts the profiler, before the run allocates.
    pending_.reserve(reserve);
    draining_.reserve(reserve);
    thread_ = std::thread([this] { loop(); });
}

RecordDrain::~RecordDrain() { stop(); }

void RecordDrain::push(const CompactRecord& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    pending_.push_back(r);
    // Half full: drain now rather than let a decoding thread grow the buffer.
    if (pending_.size() * 2 == pending_.capacity()) wake_.notify_one();
}

void RecordDrain::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(periodMs_));
        drainSwapped(lock);
    }
    drainSwapped(lock);  // what was pushed before stop()
}

void RecordDrain::drainSwapped(std::unique_lock<std::mutex>& lock) {
    if (pending_.empty()) return;
    std::swap(pending_, draining_);
    lock.unlock();  // pushers go on into the other buffer meanwhile
    for (const CompactRecord& r : draining_) sink_.append(toTraceEvent(r));
    draining_.clear();
    lock.lock();
}

void RecordDrain::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace ts
