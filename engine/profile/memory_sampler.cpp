#include "profile/memory_sampler.h"

#include "core/process_memory.h"
#include "gpu/device_memory.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace ts {

namespace {

TraceEvent counter(const char* name, int pid, std::int64_t bytes, std::int64_t timeNs) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Counter;
    e.name = name;
    e.category = "memory";
    e.pid = pid;
    e.startNs = timeNs;
    e.value = static_cast<double>(bytes);
    return e;
}

}  // namespace

MemorySampler::MemorySampler(TraceSink& sink, int periodMs, int cudaDevice)
    : sink_(sink), periodMs_(periodMs), cudaDevice_(cudaDevice) {
    sampleOnce(/*last=*/false);
    thread_ = std::thread([this, queriesCuda = cudaDevice >= 0] { loop(queriesCuda); });
}

MemorySampler::~MemorySampler() { stop(); }

void MemorySampler::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    sampleOnce(/*last=*/true);  // the state at the end of the run
}

void MemorySampler::loop(bool queriesCuda) {
    // Its CUDA queries (cudaMemGetInfo and the device switches around it) are runtime calls
    // that CUPTI records on this thread's OS id: the timeline names that track after it
    // rather than "CPU thread 2228". (Named whenever a device was asked for: a track with
    // no spans does not show.)
    if (queriesCuda)
        sink_.nameTrack(0, static_cast<std::int64_t>(::syscall(SYS_gettid)), "memory sampler (CUDA memory queries)");
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        if (wake_.wait_for(lock, std::chrono::milliseconds(periodMs_), [this] { return stopping_; })) break;
        lock.unlock();
        sampleOnce(/*last=*/false);
        lock.lock();
    }
}

void MemorySampler::sampleOnce(bool last) {
    // Every counter of one sample carries the same time: the one the heap's period is
    // measured with (a first CUDA query can take half a second).
    const std::int64_t now = traceNowNs();
    const std::int64_t rss = currentRssBytes();
    bool heapDue;
    int deviceIndex;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        heapDue = last || lastHeapNs_ < 0 || now - lastHeapNs_ >= kHeapPeriodNs;
        if (heapDue) lastHeapNs_ = now;
        deviceIndex = cudaDevice_;
    }
    // What malloc has handed out: RSS minus this is memory the allocator keeps after frees
    // (plus libraries' pages); this minus the tensors' allocated_bytes is memory that
    // libraries allocate beside LibTorch's allocator (oneDNN, BLAS buffers). mallinfo2
    // walks the free lists under the arena locks (0.4 ms with 100k free chunks), so it is
    // read every kHeapPeriodNs at most, and at the first and last sample.
    const std::int64_t heap = heapDue ? heapInUseBytes() : -1;
    std::int64_t device = -1;
    std::string whyNot;
    if (deviceIndex >= 0) {
        const DeviceMemory m = queryDeviceMemory(deviceIndex);
        device = m.usedBytes;
        if (!m.error.empty()) whyNot = m.error;
    }
    if (rss >= 0) sink_.append(counter("rss_bytes", 0, rss, now));
    if (heap >= 0) sink_.append(counter("heap_in_use_bytes", 0, heap, now));
    if (device >= 0) sink_.append(counter("device_used_bytes", 1 + deviceIndex, device, now));
    std::lock_guard<std::mutex> lock(mutex_);
    samples_ += (rss >= 0) + (device >= 0) + (heap >= 0);
    peakRss_ = std::max(peakRss_, rss);
    peakDevice_ = std::max(peakDevice_, device);
    if (!whyNot.empty() && cudaDevice_ >= 0) {
        // Once: a missing driver does not come back during the run.
        cudaDevice_ = -1;
        sink_.note("device memory sampling unavailable: " + whyNot);
    }
}

std::int64_t MemorySampler::samples() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return samples_;
}

std::int64_t MemorySampler::peakRssBytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peakRss_;
}

std::int64_t MemorySampler::peakDeviceUsedBytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return peakDevice_;
}

}  // namespace ts
