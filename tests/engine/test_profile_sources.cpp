// The profiler's CPU sources with real numbers: the memory sampler sees a 64 MiB
// allocation in RSS and says why device samples are missing; the ATen op source records
// conv3d/mm with their shapes and exact FLOPs (counted once through conv3d ->
// convolution), on the track the thread is bound to; the allocation source ties bytes to
// the op that allocated them and returns to zero when they are freed; in a traced tiled
// decode on two workers, ops land on the worker tracks inside the stages, and the ops'
// FLOPs add up to the engine's own MAC count.
#include "checkpoint/safetensors_reader.h"
#include "decode/decoder_run.h"
#include "model/layers.h"
#include "model/wan_vae.h"
#include "core/process_memory.h"
#include "profile/aten_profiler.h"
#include "profile/memory_sampler.h"
#include "profile/op_flops.h"
#include "profile/profile_session.h"
#include "profile/profile_sources.h"
#include "profile/trace_scope.h"
#include "report/run_summary.h"
#include "test_support.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QtTest>

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <thread>

using namespace ts;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

std::map<std::string, std::string> argsOf(const TraceEvent& e) { return {e.args.begin(), e.args.end()}; }

std::vector<TraceEvent> named(const TraceStore& store, const std::string& name) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : store.snapshot().events)
        if (e.name == name) out.push_back(e);
    return out;
}

}  // namespace

class TestProfileSources : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sourcesParseAndValidate() {
        const ProfileSources on = parseProfileSources("profile", "on");
        QVERIFY(on.ops && on.memory && on.sampler && on.cupti);
        const ProfileSources off = parseProfileSources("profile", "off");
        QVERIFY(!off.ops && !off.memory && !off.sampler && !off.cupti);
        QCOMPARE(off.describe(), std::string("spans"));
        const ProfileSources some = parseProfileSources("profile", "ops,sampler");
        QCOMPARE(some.describe(), std::string("ops,sampler"));
        QVERIFY(test::expectError([] { parseProfileSources("profile", "ops,gpu"); }, ErrorKind::Usage)
                    .find("--profile: unknown source 'gpu'") != std::string::npos);
        ProfileSources bad;
        bad.samplePeriodMs = 0;
        QVERIFY(test::expectError([&] { bad.validate("--profile"); }, ErrorKind::Usage).find("0 ms") != std::string::npos);
    }

    void flopsOfProducts() {
        // conv3d: [1,4,3,8,8] * [6,4,3,3,3] -> [1,6,1,6,6]: 216 outputs x 108 MACs.
        QCOMPARE(opFlops("aten::conv3d", {{1, 4, 3, 8, 8}, {6, 4, 3, 3, 3}, {6}}, {1, 6, 1, 6, 6}), std::int64_t{2 * 216 * 108});
        // The engine's CPU layers call oneDNN's op directly (model/layers.h): same count.
        QCOMPARE(opFlops("aten::mkldnn_convolution", {{1, 4, 3, 8, 8}, {6, 4, 3, 3, 3}, {6}}, {1, 6, 1, 6, 6}),
                 std::int64_t{2 * 216 * 108});
        // grouped conv2d (groups 2): weight [8,2,3,3] -> 18 MACs per output.
        QCOMPARE(opFlops("aten::conv2d", {{1, 4, 5, 5}, {8, 2, 3, 3}}, {1, 8, 3, 3}), std::int64_t{2 * 72 * 18});
        // transposed: every input element feeds prod(weight[1:]).
        QCOMPARE(opFlops("aten::convolution", {{1, 4, 5, 5}, {4, 3, 2, 2}}, {1, 3, 10, 10}, true), std::int64_t{2 * 100 * 12});
        QCOMPARE(opFlops("aten::mm", {{7, 5}, {5, 3}}, {7, 3}), std::int64_t{2 * 7 * 5 * 3});
        QCOMPARE(opFlops("aten::addmm", {{3}, {7, 5}, {5, 3}}, {7, 3}), std::int64_t{2 * 7 * 5 * 3});
        QCOMPARE(opFlops("aten::bmm", {{2, 7, 5}, {2, 5, 3}}, {2, 7, 3}), std::int64_t{2 * 2 * 7 * 5 * 3});
        QCOMPARE(opFlops("aten::matmul", {{4, 2, 7, 5}, {5, 3}}, {4, 2, 7, 3}), std::int64_t{2 * 56 * 5 * 3});
        QCOMPARE(opFlops("aten::add", {{7, 5}, {7, 5}}, {7, 5}), std::int64_t{-1});
        QCOMPARE(opFlops("aten::mm", {{7, 5, 1}, {5, 3}}, {7, 3}), std::int64_t{-1});  // not a matrix
    }

    void samplerSeesRssGrowAndExplainsMissingDevice() {
        TraceStore store;
        std::vector<char> block;
        {
            MemorySampler sampler(store, 5, /*cudaDevice=*/0);
            std::this_thread::sleep_for(std::chrono::milliseconds(40));
            block.assign(64 << 20, 1);  // touched: resident
            std::this_thread::sleep_for(std::chrono::milliseconds(80));
            sampler.stop();
            QVERIFY(sampler.samples() >= 4);
        }
        const std::vector<TraceEvent> rss = named(store, "rss_bytes");
        QVERIFY2(rss.size() >= 4, qPrintable(QString::number(rss.size())));
        // Its own thread's track (where CUPTI puts its CUDA queries) is named, not the main one.
        const auto tracks = store.tracks();
        const auto named_ = std::find_if(tracks.begin(), tracks.end(), [](const TraceStore::TrackName& t) {
            return t.name.rfind("memory sampler", 0) == 0;
        });
        QVERIFY(named_ != tracks.end());
        QCOMPARE(named_->pid, 0);
        QVERIFY(named_->tid > 0);
        QVERIFY(named_->tid != static_cast<std::int64_t>(::syscall(SYS_gettid)));
        double lo = 1e300, hi = 0;
        for (const TraceEvent& e : rss) {
            QCOMPARE(e.category, std::string("memory"));
            QCOMPARE(e.pid, 0);
            QVERIFY(e.kind == TraceEvent::Kind::Counter);
            lo = std::min(lo, e.value);
            hi = std::max(hi, e.value);
        }
        QVERIFY2(hi - lo >= 60.0 * (1 << 20), qPrintable(QString::number((hi - lo) / (1 << 20))));
        QVERIFY(rss.back().startNs > rss.front().startNs);
        // The heap line (glibc): read at most every 50 ms, and first and last; the 64 MiB
        // block is in it.
        const std::vector<TraceEvent> heap = named(store, "heap_in_use_bytes");
        if (heapInUseBytes() >= 0) {
            QVERIFY2(heap.size() >= 3 && heap.size() < rss.size(), qPrintable(QString::number(heap.size())));
            for (std::size_t i = 1; i + 1 < heap.size(); ++i)
                QVERIFY(heap[i].startNs - heap[i - 1].startNs >= 50'000'000);
            QVERIFY(heap.back().value - heap.front().value >= 60.0 * (1 << 20));
            QCOMPARE(heap.front().pid, 0);
        }
        const std::vector<TraceEvent> device = named(store, "device_used_bytes");
        const auto notes = store.snapshot().notes;
        if (device.empty()) {
            // No driver or GPU (or a CPU-only build): said once, not per sample.
            QCOMPARE(int(notes.size()), 1);
            QVERIFY2(notes[0].rfind("device memory sampling unavailable: ", 0) == 0, notes[0].c_str());
        } else {
            QVERIFY(notes.empty());
            QCOMPARE(device.size(), rss.size());
            for (const TraceEvent& e : device) QVERIFY(e.pid == 1 && e.value > 0);
        }
    }

    void opsCarryShapesAndCountFlopsOnce() {
        TraceStore store;
        c10::InferenceMode inference;
        const at::Tensor x = at::rand({1, 4, 3, 8, 8}), w = at::rand({6, 4, 3, 3, 3}), b = at::rand({6});
        const at::Tensor a = at::rand({7, 5}), m = at::rand({5, 3});
        {
            ThreadTrackScope track(&store, 0, 7);
            AtenProfiler profiler(store, true, false);
            (void)at::conv3d(x, w, b);
            (void)at::mm(a, m);
            profiler.stop();
            QVERIFY(profiler.opsRecorded() >= 3);
        }
        (void)at::mm(a, m);  // after stop: not recorded
        const std::vector<TraceEvent> conv = named(store, "aten::conv3d");
        QCOMPARE(int(conv.size()), 1);
        QCOMPARE(conv[0].category, std::string("op"));
        QCOMPARE(conv[0].tid, std::int64_t{7});
        auto args = argsOf(conv[0]);
        QCOMPARE(args["shapes"], std::string("1x4x3x8x8 6x4x3x3x3 6"));
        QCOMPARE(args["dtype"], std::string("Float"));
        QCOMPARE(args["flops"], std::to_string(2 * 216 * 108));
        const std::vector<TraceEvent> inner = named(store, "aten::convolution");
        QCOMPARE(int(inner.size()), 1);
        QVERIFY(!argsOf(inner[0]).count("flops"));  // counted on conv3d only
        QVERIFY(inner[0].startNs >= conv[0].startNs && inner[0].startNs + inner[0].durationNs <= conv[0].startNs + conv[0].durationNs);
        const std::vector<TraceEvent> mm = named(store, "aten::mm");
        QCOMPARE(int(mm.size()), 1);
        QCOMPARE(argsOf(mm[0])["flops"], std::to_string(2 * 7 * 5 * 3));
        QCOMPARE(argsOf(mm[0])["shapes"], std::string("7x5 5x3"));
    }

    void engineConvsCallOneDnnDirectlyWhenInferring() {
        // LibTorch 1.13 sends narrow fp32 CPU convs to slow_conv3d; the engine's layers call
        // oneDNN itself when no gradient is wanted (model/layers.h), with the same result
        // and the same FLOP count in the trace.
        if (!at::hasMKLDNN()) QSKIP("this LibTorch has no oneDNN");
        const at::Tensor x = at::rand({1, 8, 3, 10, 10}), w = at::rand({8, 8, 3, 3, 3}) - 0.5, b = at::rand({8});
        TraceStore store;
        at::Tensor fast;
        {
            c10::InferenceMode inference;
            ThreadTrackScope track(&store, 0, 3);
            AtenProfiler profiler(store, true, false);
            fast = layers::conv3d(x, w, b);
            profiler.stop();
        }
        const std::vector<TraceEvent> direct = named(store, "aten::mkldnn_convolution");
        QCOMPARE(int(direct.size()), 1);
        QVERIFY(named(store, "aten::conv3d").empty());
        QCOMPARE(argsOf(direct[0])["flops"], std::to_string(2 * 8 * 8 * 8 * 8 * 27));
        QVERIFY(test::maxAbs(fast, at::conv3d(x, w, b)) < 1e-5);
        // With autograd on (the demo trainer), the dispatcher's path stays and differentiates.
        const at::Tensor wg = w.clone().requires_grad_();
        layers::conv3d(x, wg, b).sum().backward();
        QVERIFY(wg.grad().defined());
        // d sum / d w[o][i][0][0][0] = the sum of x[i] over the output's window at offset 0.
        const double expect = x[0][0].narrow(0, 0, 1).narrow(1, 0, 8).narrow(2, 0, 8).sum().item<double>();
        QVERIFY(std::abs(wg.grad()[0][0][0][0][0].item<double>() - expect) < 1e-3);
    }

    void allocationsAreTiedToTheirOp() {
        TraceStore store;
        c10::InferenceMode inference;
        {
            AtenProfiler profiler(store, true, true);
            {
                at::Tensor big = at::empty({1024, 1024});  // 4 MiB
                at::Tensor sum = big.fill_(1).sum();
            }
            profiler.stop();
            QCOMPARE(profiler.peak().bytes, std::int64_t{4 << 20} + 4);  // the block and the 4-byte sum coexist
            QCOMPARE(profiler.peak().op, std::string("aten::sum"));
        }
        const std::vector<TraceEvent> allocated = named(store, "allocated_bytes");
        QVERIFY(allocated.size() >= 4);  // two allocations, two frees
        auto first = argsOf(allocated.front());
        QCOMPARE(allocated.front().value, double(4 << 20));
        QCOMPARE(first["op"], std::string("aten::empty"));
        QCOMPARE(first["bytes"], std::to_string(4 << 20));
        QCOMPARE(allocated.back().value, 0.0);  // everything freed again
        for (const TraceEvent& e : allocated) QCOMPARE(e.pid, 0);
    }

    // CUDA's caching allocator reports its own totals with each allocation (weights and
    // cached blocks included); the session keeps their peaks for bench's
    // peak_allocated/reserved. Synthetic reports through c10's public entry point, as the
    // allocator makes them, so this runs without a GPU.
    void devicePoolPeaksComeFromTheAllocatorsTotals() {
        TraceStore store;
        ProfileSources sources;
        sources.sampler = false;
        ProfileSession session(store, sources, c10::Device(c10::kCUDA, 0));
        const c10::Device gpu(c10::kCUDA, 0);
        int dummy = 0;
        c10::reportMemoryUsageToProfiler(&dummy, 100 << 20, 900 << 20, 1024 << 20, gpu);
        c10::reportMemoryUsageToProfiler(&dummy, 300 << 20, 1200 << 20, 1536 << 20, gpu);
        c10::reportMemoryUsageToProfiler(&dummy, -300 << 20, 900 << 20, 1536 << 20, gpu);
        // A host allocation does not count towards the device's pool.
        c10::reportMemoryUsageToProfiler(&dummy, 2000 << 20, 3000 << 20, 0, c10::Device(c10::kCPU));
        session.stop();
        const nlohmann::json d = session.describe();
        QCOMPARE(d["device_peak_allocated_bytes"].get<std::int64_t>(), std::int64_t(1200) << 20);
        QCOMPARE(d["device_peak_reserved_bytes"].get<std::int64_t>(), std::int64_t(1536) << 20);
        // The run's own net allocation on the device (from 0 at start) peaks at 400 MiB.
        bool sawDevice = false;
        for (const TraceEvent& e : named(store, "allocated_bytes"))
            if (e.pid == 1) {
                sawDevice = true;
                QVERIFY(e.value <= double(400 << 20));
            }
        QVERIFY(sawDevice);
    }

    void cpuRunsHaveNoDevicePoolPeaks() {
        TraceStore store;
        ProfileSession session(store, ProfileSources{}, c10::Device(c10::kCPU));
        { at::Tensor t = at::ones({1 << 20}); }
        session.stop();
        QVERIFY(!session.describe().contains("device_peak_allocated_bytes"));
        QVERIFY(session.describe()["memory_events"].get<std::int64_t>() >= 2);
    }

    void tiledDecodeOpsOnWorkerTracksMatchEngineMacs() {
        const NamedTensors golden = readSafetensors(kData + "/case.safetensors");
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings s;
        s.threads = 2;
        s.tiling = TilingMode::Exact;
        s.tilePx = 32;
        s.streams = 2;
        TraceStore store;
        RunStats stats;
        at::Tensor video;
        {
            ProfileSession session(store, ProfileSources{}, c10::Device(c10::kCPU));
            video = decodeToTensor(vae, golden.at("latents"), s, &stats, &store);
            session.stop();
            QVERIFY(session.describe()["ops"].get<std::int64_t>() > 100);
            QVERIFY(session.describe()["memory_events"].get<std::int64_t>() > 10);
        }
        // Profiling must not change what is decoded.
        QVERIFY((video - golden.at("video")).abs().max().item<double>() <= 1e-4);
        std::map<std::int64_t, int> opsPerTrack;
        for (const TraceEvent& e : store.snapshot().events)
            if (e.category == "op") ++opsPerTrack[e.tid];
        QVERIFY(opsPerTrack[kMainTrack] > 0);  // the shared prefix
        QVERIFY(opsPerTrack[cpuWorkerTrack(0)] > 0 && opsPerTrack[cpuWorkerTrack(1)] > 0);
        // fused-norm (on by default) runs in exact tiles too: it reads their crops (strided
        // views) in place, so no block falls back to ATen's norm and SiLU (as all did while
        // it took dense tensors only).
        int fusedInTiles = 0;
        for (const TraceEvent& e : store.snapshot().events) {
            if (e.category != "op" || e.tid == kMainTrack) continue;
            QVERIFY2(e.name.rfind("aten::silu", 0) != 0 && e.name != "aten::norm", e.name.c_str());
            fusedInTiles += e.name == "tilescope::fused_rms_norm_silu";
        }
        QVERIFY(fusedInTiles > 0);
        // Ops nest with the engine's spans on their track: inside or outside a stage or
        // tile, never across its edge (what the trace viewers need to draw them).
        std::vector<TraceEvent> engine, ops;
        for (const TraceEvent& e : store.snapshot().events) {
            if (e.kind != TraceEvent::Kind::Span) continue;
            if (e.category == "op") ops.push_back(e);
            if (e.category == "stage" || e.category == "tile") engine.push_back(e);
        }
        int inside = 0;
        for (const TraceEvent& op : ops)
            for (const TraceEvent& s : engine) {
                if (s.tid != op.tid) continue;
                const std::int64_t opEnd = op.startNs + op.durationNs, sEnd = s.startNs + s.durationNs;
                const bool disjoint = opEnd <= s.startNs || sEnd <= op.startNs;
                const bool nested = s.startNs <= op.startNs && opEnd <= sEnd;
                QVERIFY2(disjoint || nested, qPrintable(QString::fromStdString(op.name + " crosses " + s.name)));
                inside += nested && s.category == "tile";
            }
        QVERIFY(inside > ops.size() / 2);
        const nlohmann::json summary = summarizeRun(store.snapshot(), {});
        const double flops = summary["flops"]["total"].get<double>();
        QVERIFY2(std::abs(flops / (2.0 * stats.macs) - 1.0) < 0.02,
                 qPrintable(QString("op FLOPs %1 vs engine %2").arg(flops).arg(2.0 * stats.macs)));
        const double coverage = summary["coverage"]["share"].get<double>();
        QVERIFY2(coverage > 0.5 && coverage <= 1.0, qPrintable(QString::number(coverage)));
        QVERIFY(summary["memory"]["allocated_bytes"]["peak_bytes"].get<std::int64_t>() > 0);
        QVERIFY(!summary["memory"]["allocated_bytes"]["op"].get<std::string>().empty());
        QVERIFY(summary["memory"]["rss_bytes"]["samples"].get<int>() >= 2);
    }
};

QTEST_GUILESS_MAIN(TestProfileSources)
#include "test_profile_sources.moc"
