#include "core/large_block_cache.h"

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

namespace ts {

namespace {

constexpr std::size_t kAlignment = 64;    // as LibTorch's default CPU allocator
constexpr std::uint8_t kPriority = 1;     // over the default registration (0)

c10::Device cpu() { return c10::Device(c10::DeviceType::CPU); }

}  // namespace

LargeBlockCache::LargeBlockCache() : fallback_(c10::GetDefaultCPUAllocator()) {}

LargeBlockCache& LargeBlockCache::instance() {
    static LargeBlockCache* cache = new LargeBlockCache();
    return *cache;
}

bool LargeBlockCache::active() const { return c10::GetCPUAllocator() == this; }

void* LargeBlockCache::newBlock(std::size_t n) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
        void* p = nullptr;
        if (posix_memalign(&p, kAlignment, n) == 0) return p;
        freeKept();  // short of memory: what is kept goes back first, then one more try
    }
    throw std::bad_alloc();
}

void LargeBlockCache::freeKept() const {
    std::vector<void*> freed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [size, ptr] : kept_) freed.push_back(ptr);
        kept_.clear();
        stats_.keptBytes = 0;
    }
    for (void* ptr : freed) std::free(ptr);  // outside the lock
}

c10::DataPtr LargeBlockCache::allocateBlock(std::size_t n) const {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!enabled_ || n < minBlock_) {
        lock.unlock();
        void* p = fallback_->raw_allocate(n);  // reported to the profiler by the default allocator
        return c10::DataPtr(p, p, &LargeBlockCache::deleteBlock, cpu());
    }
    void* ptr = nullptr;
    std::size_t size = n;
    // The smallest kept block that fits, if it wastes at most an eighth of it.
    auto it = kept_.lower_bound(n);
    if (it != kept_.end() && it->first <= n + n / 8) {
        size = it->first;
        ptr = it->second;
        kept_.erase(it);
        stats_.keptBytes -= static_cast<std::int64_t>(size);
        ++stats_.hits;
    } else {
        ++stats_.misses;
        lock.unlock();
        ptr = newBlock(n);
        lock.lock();
    }
    live_.emplace(ptr, size);
    lock.unlock();
    // The memory profiler sees these blocks as it sees the default allocator's.
    c10::reportMemoryUsageToProfiler(ptr, static_cast<std::int64_t>(size), 0, 0, cpu());
    return c10::DataPtr(ptr, ptr, &LargeBlockCache::deleteBlock, cpu());
}

void LargeBlockCache::deleteBlock(void* ptr) { instance().release(ptr); }

void LargeBlockCache::release(void* ptr) const {
    std::unique_lock<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) {
        lock.unlock();
        fallback_->raw_deallocate(ptr);  // a small block: the default allocator's
        return;
    }
    const std::size_t size = it->second;
    live_.erase(it);
    const bool keep = enabled_ && static_cast<std::size_t>(stats_.keptBytes) + size <= cap_;
    if (keep) {
        kept_.emplace(size, ptr);
        stats_.keptBytes += static_cast<std::int64_t>(size);
        stats_.peakKeptBytes = std::max(stats_.peakKeptBytes, stats_.keptBytes);
    }
    lock.unlock();
    c10::reportMemoryUsageToProfiler(ptr, -static_cast<std::int64_t>(size), 0, 0, cpu());
    if (!keep) std::free(ptr);
}

void LargeBlockCache::enable(std::size_t minBlock, std::size_t capBytes) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        enabled_ = true;
        minBlock_ = std::max<std::size_t>(minBlock, 1);
        cap_ = capBytes;
        stats_ = BlockCacheStats{};
    }
    c10::SetCPUAllocator(this, kPriority);
}

void LargeBlockCache::disableAndRelease() {
    // New tensors go to the default allocator again; ours still free through deleteBlock.
    if (active()) c10::SetCPUAllocator(fallback_, kPriority);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        enabled_ = false;
    }
    freeKept();
}

BlockCacheStats LargeBlockCache::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

BlockCacheScope::BlockCacheScope(bool on) : on_(on) {
    if (on_) LargeBlockCache::instance().enable();
}

BlockCacheScope::~BlockCacheScope() {
    if (on_) LargeBlockCache::instance().disableAndRelease();
}

BlockCacheStats BlockCacheScope::stats() const {
    return on_ ? LargeBlockCache::instance().stats() : BlockCacheStats{};
}

}  // namespace ts
