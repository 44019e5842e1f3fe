// The large-block cache (core/large_block_cache.h, `--opt block-cache`, `--opt unmap-freed`):
// it sits in front of LibTorch's CPU allocator, maps its blocks on their own, reuses freed
// blocks of the same size (or up to 1/8 larger), keeps no more than its cap (evicting the
// least recently freed), gives everything back when disabled, reports its blocks to the
// memory profiler, and a decode whose tensors come from reused (stale) blocks is exact.
#include "checkpoint/safetensors_reader.h"
#include "core/large_block_cache.h"
#include "decode/decoder_run.h"
#include "model/wan_vae.h"
#include "profile/aten_profiler.h"
#include "profile/trace_store.h"
#include "profile/trace_scope.h"

#include "test_support.h"

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <QtTest>

#include <cerrno>
#include <sys/mman.h>

using namespace ts;

namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;

// A float tensor of `bytes` bytes (a multiple of 4).
at::Tensor block(std::size_t bytes) { return at::empty({static_cast<int64_t>(bytes / 4)}, at::kFloat); }

}  // namespace

class TestLargeBlockCache : public QObject {
    Q_OBJECT

    LargeBlockCache& cache() { return LargeBlockCache::instance(); }

private Q_SLOTS:
    void cleanup() { cache().disableAndRelease(); }

    void sitsInFrontOfLibTorchOnlyWhileOn() {
        QVERIFY(!cache().active());
        cache().enable(kMiB, 64 * kMiB);
        QVERIFY(cache().active());
        QVERIFY(c10::GetCPUAllocator() == &cache());
        const at::Tensor held = block(4 * kMiB);  // made by the cache, freed after it is off
        cache().disableAndRelease();
        QVERIFY(!cache().active());
        QVERIFY(c10::GetCPUAllocator() == c10::GetDefaultCPUAllocator());
    }

    void offPassesEverythingThrough() {
        cache().enable(kMiB, 64 * kMiB);
        cache().disableAndRelease();
        { const at::Tensor a = block(4 * kMiB); }
        const at::Tensor b = block(4 * kMiB);
        QCOMPARE(cache().stats().hits, std::int64_t{0});
        QCOMPARE(cache().stats().misses, std::int64_t{0});
        QCOMPARE(cache().stats().keptBytes, std::int64_t{0});
    }

    void reusesFreedBlocksThatFit() {
        cache().enable(kMiB, 64 * kMiB);
        void* first = nullptr;
        {
            at::Tensor a = block(4 * kMiB);
            first = a.data_ptr();
            a.fill_(7.0f);
        }
        QCOMPARE(cache().stats().misses, std::int64_t{1});
        QCOMPARE(cache().stats().keptBytes, std::int64_t(4 * kMiB));
        at::Tensor b = block(4 * kMiB);
        QCOMPARE(b.data_ptr(), first);  // the same block, with the old contents
        QCOMPARE(b[0].item<float>(), 7.0f);
        QCOMPARE(cache().stats().hits, std::int64_t{1});
        QCOMPARE(cache().stats().keptBytes, std::int64_t{0});
        b.reset();
        at::Tensor c = block(4 * kMiB - 256 * 1024);  // 1/16 smaller: still fits
        QCOMPARE(c.data_ptr(), first);
        QCOMPARE(cache().stats().hits, std::int64_t{2});
        c.reset();  // kept again: the only block there is
        const at::Tensor d = block(2 * kMiB);  // would waste half of it: a new one
        QVERIFY(d.data_ptr() != first);
        QCOMPARE(cache().stats().misses, std::int64_t{2});
        const at::Tensor small = block(4096);  // under the minimum: not the cache's business
        QCOMPARE(cache().stats().misses, std::int64_t{2});
        QCOMPARE(cache().stats().peakKeptBytes, std::int64_t(4 * kMiB));
    }

    void keepsNoMoreThanItsCap() {
        cache().enable(kMiB, 6 * kMiB);
        {
            const at::Tensor a = block(4 * kMiB), b = block(4 * kMiB);
        }
        QCOMPARE(cache().stats().keptBytes, std::int64_t(4 * kMiB));  // one of the two went back
        cache().disableAndRelease();
        QCOMPARE(cache().stats().keptBytes, std::int64_t{0});
    }

    void evictsTheLeastRecentlyFreedFirst() {
        cache().enable(kMiB, 9 * kMiB);
        void* newer = nullptr;
        {
            at::Tensor a = block(4 * kMiB);
            at::Tensor b = block(4 * kMiB);
            newer = b.data_ptr();
            a.reset();  // kept first
            b.reset();  // kept second: 8 MiB kept
        }
        QCOMPARE(cache().stats().keptBytes, std::int64_t(8 * kMiB));
        { const at::Tensor c = block(3 * kMiB); }  // new (3/4 of a kept block would waste too much)
        // Freeing c (3 MiB) would overrun the 9 MiB cap: the oldest, a, was evicted for it.
        QCOMPARE(cache().stats().keptBytes, std::int64_t(7 * kMiB));
        const at::Tensor d = block(4 * kMiB);
        QCOMPARE(d.data_ptr(), newer);  // b is what is left of the two
        const at::Tensor e = block(4 * kMiB);  // a went back to the system: a new block
        QCOMPARE(cache().stats().hits, std::int64_t{1});
        QCOMPARE(cache().stats().misses, std::int64_t{4});
    }

    void enablingAgainStartsFromNothingKept() {
        // A second enable() (a second run) with a block still kept from the first: the
        // statistics restart and stay consistent with what is kept (they went negative, and
        // the eviction loop then ran off its index).
        cache().enable(kMiB, 16 * kMiB);
        { const at::Tensor a = block(10 * kMiB); }
        QCOMPARE(cache().stats().keptBytes, std::int64_t(10 * kMiB));
        cache().enable(kMiB, 16 * kMiB);
        QCOMPARE(cache().stats().keptBytes, std::int64_t{0});
        { const at::Tensor b = block(10 * kMiB); }  // a new block: the old one went back
        QCOMPARE(cache().stats().misses, std::int64_t{1});
        QCOMPARE(cache().stats().hits, std::int64_t{0});
        { const at::Tensor c = block(4 * kMiB); }  // kept beside it: 14 MiB under the 16 MiB cap
        QCOMPARE(cache().stats().keptBytes, std::int64_t(14 * kMiB));
        QCOMPARE(cache().stats().unmapFailures, std::int64_t{0});
    }

    void capZeroMapsAndUnmapsEveryBlock() {
        // `unmap-freed` alone: each block its own mapping, given back when freed.
        cache().enable(LargeBlockCache::kUnmapMinBlock, 0);
        for (int i = 0; i < 3; ++i) {
            at::Tensor a = block(6 * kMiB + 4);  // not a whole number of pages
            a.fill_(1.0f);
            void* const at = a.data_ptr();
            QCOMPARE(reinterpret_cast<std::uintptr_t>(at) % (2 * kMiB), std::uintptr_t{0});  // huge-page aligned
            a.reset();
            // Gone from the address space: mincore refuses an unmapped range.
            unsigned char resident = 0;
            QCOMPARE(mincore(at, 4096, &resident), -1);
            QCOMPARE(errno, ENOMEM);
        }
        QCOMPARE(cache().stats().unmapFailures, std::int64_t{0});  // every length matched its mapping
        QCOMPARE(cache().stats().misses, std::int64_t{3});
        QCOMPARE(cache().stats().hits, std::int64_t{0});
        QCOMPARE(cache().stats().peakKeptBytes, std::int64_t{0});
        const at::Tensor small = block(512 * 1024);  // under 1 MiB: glibc's heap, as before
        QCOMPARE(cache().stats().misses, std::int64_t{3});
    }

    void theMemoryProfilerSeesItsBlocks() {
        cache().enable(kMiB, 64 * kMiB);
        TraceStore store;
        {
            ThreadTrackScope track(&store, 0, 1);
            AtenProfiler profiler(store, false, true);
            { const at::Tensor a = block(8 * kMiB); }
            { const at::Tensor b = block(8 * kMiB); }  // served from the cache: reported again
            profiler.stop();
        }
        QCOMPARE(cache().stats().hits, std::int64_t{1});
        std::vector<double> values;
        for (const TraceEvent& e : store.snapshot().events)
            if (e.kind == TraceEvent::Kind::Counter && e.name == "allocated_bytes") values.push_back(e.value);
        // Two allocations and two frees, counted from the profiler's start.
        QCOMPARE(values, (std::vector<double>{double(8 * kMiB), 0.0, double(8 * kMiB), 0.0}));
    }

    void decodingFromStaleBlocksIsExact() {
        // A small minimum sends the golden case's tensors through the cache: reused blocks
        // hold earlier tensors' values, so code that assumed fresh (zeroed) memory would show.
        const NamedTensors golden = readSafetensors(std::string(TILESCOPE_TEST_DATA) + "/case.safetensors");
        const WanVae vae = WanVae::load(std::string(TILESCOPE_TEST_DATA) + "/vae.safetensors", VaeParts::Decoder);
        // Cap 0 (unmap-freed's): every block a fresh mapping, unmapped when freed.
        for (const std::size_t cap : {std::size_t(1) << 30, std::size_t{0}})
        for (const TilingMode tiling : {TilingMode::Off, TilingMode::Exact}) {
            cache().enable(4096, cap);
            DecodeSettings s;
            s.threads = 2;
            s.tiling = tiling;
            s.tilePx = 24;
            s.streams = tiling == TilingMode::Off ? 1 : 2;  // two workers allocate at once
            const at::Tensor video = decodeToTensor(vae, golden.at("latents"), s);
            const BlockCacheStats st = cache().stats();
            cache().disableAndRelease();
            const double err = test::maxAbs(video, golden.at("video"));
            qInfo("%s, cap %zu: %lld hits, %lld misses, max abs %.3g", toString(tiling).c_str(), cap,
                  (long long)st.hits, (long long)st.misses, err);
            if (cap > 0) QVERIFY(st.hits > 10 * st.misses);
            else QVERIFY(st.hits == 0 && st.misses > 100);
            QVERIFY2(err <= 1e-4, std::to_string(err).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestLargeBlockCache)
#include "test_large_block_cache.moc"
