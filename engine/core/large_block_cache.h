#pragma once
// Large host blocks kept for reuse during a CPU run (`--opt block-cache`).
//
// Why: core/host_allocator keeps glibc's mmap threshold at 32 MiB, so every CPU tensor over
// it is mapped fresh and faulted in page by page, and unmapped when freed. At 832x480 the
// full-resolution layers' buffers are 77-154 MB: one fp32 frame spent 10 s of 31 s in the
// zero fill of fresh padded buffers alone (docs/benchmarks/2026-11-26-cpu-skip-zero-history.md).
// With this cache, a freed block of at least `minBlock` bytes is kept (up to `capBytes` in
// all) and handed to the next allocation it fits with at most an eighth of it to spare, which is
// what LibTorch's CUDA caching allocator does on the GPU. It holds memory the run freed,
// so the peak RSS rises by up to what is kept; it is emptied when the run ends.
//
// LibTorch has one CPU allocator per process, so there is one cache per process. enable()
// puts it in front of LibTorch's default CPU allocator and disableAndRelease() puts the
// default back: off, nothing passes through it. Every block it hands out has the block's
// address as its context (LibTorch's raw_allocate/raw_deallocate, which oneDNN uses, rely
// on that); small ones come from the default allocator and go back to it.
#include <c10/core/Allocator.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

namespace ts {

struct BlockCacheStats {
    std::int64_t hits = 0;            // large allocations served from kept blocks
    std::int64_t misses = 0;          // large allocations that needed a new block
    std::int64_t keptBytes = 0;       // held now, unused
    std::int64_t peakKeptBytes = 0;   // the most held at once since enable()
};

class LargeBlockCache final : public c10::Allocator {
public:
    static constexpr std::size_t kDefaultMinBlock = std::size_t(32) << 20;  // the mmap threshold
    // Measured at 832x480 (bf16, five frames): a 1 GiB cap kept too little (88.7 s against
    // 101.2 s without the cache), 2 GiB as much as 4 GiB did (40.9 s against 41.5 s).
    static constexpr std::size_t kDefaultCap = std::size_t(2) << 30;

    // The process's cache (never destroyed: a tensor may be freed after main returns).
    static LargeBlockCache& instance();

    // LibTorch 1.13's allocate() is const, 2.x's is not and 2.x adds copy_data(): both
    // allocate() overloads are declared without `override`, so whichever the base class
    // has is overridden (no version test), and copy_data() is a plain member on 1.13.
    c10::DataPtr allocate(std::size_t n) const { return allocateBlock(n); }  // NOLINT(modernize-use-override)
    c10::DataPtr allocate(std::size_t n) { return allocateBlock(n); }        // NOLINT(modernize-use-override)
    void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
    c10::DeleterFnPtr raw_deleter() const override { return &LargeBlockCache::deleteBlock; }

    // Becomes LibTorch's CPU allocator and keeps freed blocks of at least minBlock bytes, up
    // to capBytes in all; resets the statistics. Call between runs, not during one.
    void enable(std::size_t minBlock = kDefaultMinBlock, std::size_t capBytes = kDefaultCap);
    // Gives LibTorch its default allocator back and frees the kept blocks (blocks in use
    // are freed when their tensors go).
    void disableAndRelease();
    BlockCacheStats stats() const;
    bool active() const;  // LibTorch's CPU allocator is this one

private:
    LargeBlockCache();
    c10::DataPtr allocateBlock(std::size_t n) const;
    static void deleteBlock(void* ptr);
    void release(void* ptr) const;
    void* newBlock(std::size_t n) const;  // aligned; frees the kept blocks and retries once if short
    void freeKept() const;                // every kept block back to the system

    c10::Allocator* const fallback_;
    mutable std::mutex mutex_;
    bool enabled_ = false;
    std::size_t minBlock_ = kDefaultMinBlock, cap_ = kDefaultCap;
    mutable std::unordered_map<void*, std::size_t> live_;  // large blocks handed out, by address
    mutable std::multimap<std::size_t, void*> kept_;       // freed large blocks, by size
    mutable BlockCacheStats stats_;
};

// One run's caching: on from construction (when `on`), off and emptied at destruction;
// stats() says what it did.
class BlockCacheScope {
public:
    explicit BlockCacheScope(bool on);
    ~BlockCacheScope();
    BlockCacheScope(const BlockCacheScope&) = delete;
    BlockCacheScope& operator=(const BlockCacheScope&) = delete;
    BlockCacheStats stats() const;

private:
    bool on_;
};

}  // namespace ts
