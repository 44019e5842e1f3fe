#pragma once
// Host blocks of the decoder's tensors mapped on their own, and freed ones kept for reuse,
// during a CPU run (`--opt unmap-freed`, `--opt block-cache`).
//
// Why: core/host_allocator keeps glibc's mmap threshold at 32 MiB. Tensors under it live in
// glibc's heap, where a freed block is a hole that only a request of its size or smaller can
// fill: as a decode moves to larger layers the holes stay resident, ~100 MiB of a 128 px
// blend tile's peak and ~240 MiB of an untiled 256x256 decode's
// (docs/benchmarks/2026-11-26-cpu-unmap-freed.md). Tensors over it are mapped fresh and
// faulted in page by page: at 832x480 one fp32 frame spent 10 s of 31 s in the zero fill of
// fresh padded buffers (docs/benchmarks/2026-11-26-cpu-skip-zero-history.md).
//
// While enabled, every block of at least `minBlock` bytes is its own anonymous mapping
// (from 2 MiB up aligned to 2 MiB and advised huge pages: a fault per 2 MiB instead of per
// 4 KiB where the kernel grants them),
// so freeing it gives the memory back instead of leaving a hole. Freed blocks are kept, up
// to `capBytes` in all, the least recently freed evicted first, and handed to the next
// allocation they fit with at most an eighth to spare, which is what LibTorch's CUDA caching
// allocator does on the GPU. Cap 0 keeps nothing: the lowest peak RSS; a large cap trades
// memory for fewer faults. Everything kept is unmapped when the run ends.
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
    std::int64_t unmapFailures = 0;   // munmap refused a block (a wrong length): should stay 0
};

// Which blocks a run maps on its own and how much of what it frees it keeps.
struct BlockCachePolicy {
    std::size_t minBlock = 0;  // 0: off (LibTorch's default allocator does everything)
    std::size_t capBytes = 0;
    bool on() const { return minBlock > 0; }
};

class LargeBlockCache final : public c10::Allocator {
public:
    // `block-cache`: blocks from glibc's mmap threshold up, kept up to 2 GiB. Measured at
    // 832x480 (bf16, five frames): a 1 GiB cap kept too little (88.7 s against 101.2 s
    // without the cache), 2 GiB as much as 4 GiB did (40.9 s against 41.5 s).
    static constexpr std::size_t kDefaultMinBlock = std::size_t(32) << 20;
    static constexpr std::size_t kDefaultCap = std::size_t(2) << 30;
    // `unmap-freed`: every block from 1 MiB up mapped on its own. Under 1 MiB the holes
    // are small and mapping costs a system call per tensor.
    static constexpr std::size_t kUnmapMinBlock = std::size_t(1) << 20;

    // The process's cache (never destroyed: a tensor may be freed after main returns).
    static LargeBlockCache& instance();

    // LibTorch 1.13's allocate() is const, 2.x's is not and 2.x adds copy_data(): both
    // allocate() overloads are declared without `override`, so whichever the base class
    // has is overridden (no version test), and copy_data() is a plain member on 1.13.
    c10::DataPtr allocate(std::size_t n) const { return allocateBlock(n); }  // NOLINT(modernize-use-override)
    c10::DataPtr allocate(std::size_t n) { return allocateBlock(n); }        // NOLINT(modernize-use-override)
    void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
    c10::DeleterFnPtr raw_deleter() const override { return &LargeBlockCache::deleteBlock; }

    // Becomes LibTorch's CPU allocator: blocks of at least minBlock bytes are mapped on their
    // own, and freed ones kept up to capBytes in all; unmaps what an earlier enable() kept
    // and resets the statistics. Call between runs, not during one.
    void enable(std::size_t minBlock = kDefaultMinBlock, std::size_t capBytes = kDefaultCap);
    // Gives LibTorch its default allocator back and unmaps the kept blocks (blocks in use
    // are unmapped when their tensors go).
    void disableAndRelease();
    BlockCacheStats stats() const;
    bool active() const;  // LibTorch's CPU allocator is this one

private:
    struct Kept {
        void* ptr;
        std::uint64_t age;  // when it was freed (a counter): the oldest goes first
    };
    using KeptBySize = std::multimap<std::size_t, Kept>;

    LargeBlockCache();
    c10::DataPtr allocateBlock(std::size_t n) const;
    static void deleteBlock(void* ptr);
    void release(void* ptr) const;
    void* newBlock(std::size_t bytes) const;  // a mapping; unmaps the kept blocks and retries once if short
    void unmap(void* ptr, std::size_t bytes) const;  // counts a refusal in the statistics
    void freeKept() const;                    // every kept block back to the system
    void forget(KeptBySize::iterator it) const;  // out of both indexes (under the lock)

    c10::Allocator* const fallback_;
    mutable std::mutex mutex_;
    bool enabled_ = false;
    std::size_t minBlock_ = kDefaultMinBlock, cap_ = kDefaultCap;
    mutable std::unordered_map<void*, std::size_t> live_;  // blocks handed out: their mapped size
    mutable KeptBySize kept_;                                // freed blocks, by size
    mutable std::map<std::uint64_t, KeptBySize::iterator> byAge_;  // the same, oldest first
    mutable std::uint64_t nextAge_ = 0;
    mutable BlockCacheStats stats_;
};

// One run's blocks: the policy in force from construction (nothing when it is off), the
// default allocator back and the kept blocks unmapped at destruction; stats() says what
// it did.
class BlockCacheScope {
public:
    explicit BlockCacheScope(BlockCachePolicy policy);
    ~BlockCacheScope();
    BlockCacheScope(const BlockCacheScope&) = delete;
    BlockCacheScope& operator=(const BlockCacheScope&) = delete;
    BlockCacheStats stats() const;

private:
    bool on_;
};

}  // namespace ts
