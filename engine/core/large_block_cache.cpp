#include "core/large_block_cache.h"

#include <c10/core/CPUAllocator.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace ts {

namespace {

constexpr std::uint8_t kPriority = 1;  // over the default registration (0)
constexpr std::size_t kHugePage = std::size_t(2) << 20;

c10::Device cpu() { return c10::Device(c10::DeviceType::CPU); }

std::size_t pageSize() {
#if defined(__unix__)
    static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    return page;
#else
    return 4096;
#endif
}

// A block of `bytes` (a multiple of the page size, so page-aligned: more than the 64 bytes
// LibTorch's own allocator aligns to), or nullptr.
void* mapBlock(std::size_t bytes) {
#if defined(__unix__)
    if (bytes < kHugePage) {
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : p;
    }
    // Huge pages cover only 2 MiB-aligned ranges, and mmap promises 4 KiB: map 2 MiB more,
    // then give back the parts before the first boundary and after the block.
    void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    char* const start = static_cast<char*>(raw);
    char* const p = reinterpret_cast<char*>((reinterpret_cast<std::uintptr_t>(start) + kHugePage - 1) & ~(kHugePage - 1));
    if (p > start) munmap(start, static_cast<std::size_t>(p - start));
    munmap(p + bytes, static_cast<std::size_t>(start + kHugePage - p));  // never empty: p - start < 2 MiB
#if defined(MADV_HUGEPAGE)
    // A hint: where transparent huge pages are "madvise" (Debian's default) this is what
    // turns them on; "never" ignores it, "always" does not need it.
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
#else
    void* p = nullptr;
    return posix_memalign(&p, 64, bytes) == 0 ? p : nullptr;
#endif
}

// False if the system refused (a length that does not match the mapping).
bool unmapBlock(void* p, std::size_t bytes) {
#if defined(__unix__)
    return munmap(p, bytes) == 0;
#else
    (void)bytes;
    std::free(p);
    return true;
#endif
}

}  // namespace

LargeBlockCache::LargeBlockCache() : fallback_(c10::GetDefaultCPUAllocator()) {}

LargeBlockCache& LargeBlockCache::instance() {
    static LargeBlockCache* cache = new LargeBlockCache();
    return *cache;
}

bool LargeBlockCache::active() const { return c10::GetCPUAllocator() == this; }

void* LargeBlockCache::newBlock(std::size_t bytes) const {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (void* p = mapBlock(bytes)) return p;
        freeKept();  // short of memory: what is kept goes back first, then one more try
    }
    throw std::bad_alloc();
}

void LargeBlockCache::unmap(void* ptr, std::size_t bytes) const {
    if (unmapBlock(ptr, bytes)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.unmapFailures;
}

void LargeBlockCache::forget(KeptBySize::iterator it) const {
    byAge_.erase(it->second.age);
    stats_.keptBytes -= static_cast<std::int64_t>(it->first);
    kept_.erase(it);
}

void LargeBlockCache::freeKept() const {
    std::vector<std::pair<void*, std::size_t>> freed;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& [size, block] : kept_) freed.emplace_back(block.ptr, size);
        kept_.clear();
        byAge_.clear();
        stats_.keptBytes = 0;
    }
    for (const auto& [ptr, size] : freed) unmap(ptr, size);  // outside the lock
}

c10::DataPtr LargeBlockCache::allocateBlock(std::size_t n) const {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!enabled_ || n < minBlock_) {
        lock.unlock();
        void* p = fallback_->raw_allocate(n);  // reported to the profiler by the default allocator
        return c10::DataPtr(p, p, &LargeBlockCache::deleteBlock, cpu());
    }
    const std::size_t page = pageSize();
    std::size_t size = (n + page - 1) / page * page;
    void* ptr = nullptr;
    // The smallest kept block that fits, if it wastes at most an eighth of it.
    auto it = kept_.lower_bound(size);
    if (it != kept_.end() && it->first <= size + size / 8) {
        size = it->first;
        ptr = it->second.ptr;
        forget(it);
        ++stats_.hits;
    } else {
        ++stats_.misses;
        lock.unlock();
        ptr = newBlock(size);
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
    // Reported freed before another thread can be handed it again and report it allocated
    // (the profiler's running total would briefly count it twice). Outside the lock: the
    // profiler's callback takes locks of its own.
    lock.unlock();
    c10::reportMemoryUsageToProfiler(ptr, -static_cast<std::int64_t>(size), 0, 0, cpu());
    lock.lock();
    // Kept if it fits under the cap at all; older kept blocks make room for it (the block
    // just freed is the likeliest to be asked for again: the next chunk repeats the shapes).
    std::vector<std::pair<void*, std::size_t>> unmapped;
    if (enabled_ && size <= cap_) {
        while (!byAge_.empty() && static_cast<std::size_t>(stats_.keptBytes) + size > cap_) {
            const auto oldest = byAge_.begin()->second;
            unmapped.emplace_back(oldest->second.ptr, oldest->first);
            forget(oldest);
        }
        const std::uint64_t age = nextAge_++;
        byAge_.emplace(age, kept_.emplace(size, Kept{ptr, age}));
        stats_.keptBytes += static_cast<std::int64_t>(size);
        stats_.peakKeptBytes = std::max(stats_.peakKeptBytes, stats_.keptBytes);
    } else {
        unmapped.emplace_back(ptr, size);
    }
    lock.unlock();
    for (const auto& [p, bytes] : unmapped) unmap(p, bytes);
}

void LargeBlockCache::enable(std::size_t minBlock, std::size_t capBytes) {
    freeKept();  // an earlier run's blocks: the statistics restart from nothing kept
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

BlockCacheScope::BlockCacheScope(BlockCachePolicy policy) : on_(policy.on()) {
    if (on_) LargeBlockCache::instance().enable(policy.minBlock, policy.capBytes);
}

BlockCacheScope::~BlockCacheScope() {
    if (on_) LargeBlockCache::instance().disableAndRelease();
}

BlockCacheStats BlockCacheScope::stats() const {
    return on_ ? LargeBlockCache::instance().stats() : BlockCacheStats{};
}

}  // namespace ts
