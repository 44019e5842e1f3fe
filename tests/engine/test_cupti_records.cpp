// The CUPTI activity source without a GPU: synthetic activity buffers built from the CUDA 13
// record structs, laid out as CUPTI lays them out (records back to back, 8-byte aligned),
// go through CuptiRecordTranslator::consumeBuffer, the same path CUPTI's buffer-completed
// callback takes. Also: CuptiSession fails gracefully without a driver, and device peaks.
#include "profile/cupti_records.h"
#include "profile/cupti_session.h"
#include "profile/device_peaks.h"
#include "profile/trace_store.h"

#ifdef TILESCOPE_WITH_CUDA
#include <cupti.h>
#endif

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace ts;

namespace {

// An activity buffer as CUPTI hands it over: 8-byte aligned storage, records appended.
class ActivityBuffer {
public:
    template <typename Record>
    void add(const Record& r) {
        static_assert(sizeof(Record) % 8 == 0, "CUPTI records are 8-byte aligned");
        const std::size_t at = bytes_.size();
        bytes_.resize(at + sizeof(Record));
        std::memcpy(bytes_.data() + at, &r, sizeof(Record));
    }
    const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(storage().data()); }
    std::size_t size() const { return bytes_.size(); }

private:
    const std::vector<std::uint64_t>& storage() const {
        aligned_.assign((bytes_.size() + 7) / 8, 0);
        std::memcpy(aligned_.data(), bytes_.data(), bytes_.size());
        return aligned_;
    }
    std::vector<std::uint8_t> bytes_;
    mutable std::vector<std::uint64_t> aligned_;
};

std::vector<TraceEvent> select(const TraceStore::Snapshot& s, TraceEvent::Kind kind, const std::string& category) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : s.events)
        if (e.kind == kind && (category.empty() || e.category == category)) out.push_back(e);
    return out;
}

std::string arg(const TraceEvent& e, const std::string& key) {
    for (const auto& [k, v] : e.args)
        if (k == key) return v;
    return "<missing " + key + ">";
}

std::string trackName(const TraceStore::Snapshot& s, int pid, std::int64_t tid) {
    for (const auto& t : s.tracks)
        if (t.pid == pid && t.tid == tid) return t.name;
    return "<unnamed>";
}

constexpr std::int64_t kOffset = 1'000'000;  // CUPTI clock -> host steady clock
constexpr std::uint32_t kHostThread = 4242;

#ifdef TILESCOPE_WITH_CUDA
// A runtime or driver API call (CUPTI_ACTIVITY_KIND_RUNTIME or _DRIVER) on kHostThread.
CUpti_ActivityAPI apiCall(CUpti_ActivityKind kind, CUpti_CallbackId cbid, std::uint64_t start, std::uint64_t end,
                          std::uint32_t correlationId) {
    CUpti_ActivityAPI a;
    std::memset(&a, 0, sizeof a);
    a.kind = kind;
    a.cbid = cbid;
    a.start = start;
    a.end = end;
    a.processId = 1;
    a.threadId = kHostThread;
    a.correlationId = correlationId;
    return a;
}
#endif

}  // namespace

class TestCuptiRecords : public QObject {
    Q_OBJECT

private slots:
    void translatesSyntheticBuffers() {
#ifndef TILESCOPE_WITH_CUDA
        QSKIP("built without CUDA: no CUPTI headers to build records from");
#else
        ActivityBuffer first, second;
        auto kernel = [](std::uint32_t stream, std::uint64_t start, std::uint64_t end, std::uint32_t corr,
                         const char* name) {
            CUpti_ActivityKernel10 k;
            std::memset(&k, 0, sizeof k);
            k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
            k.deviceId = 0;
            k.streamId = stream;
            k.start = start;
            k.end = end;
            k.gridX = 4, k.gridY = 2, k.gridZ = 1;
            k.blockX = 128, k.blockY = 1, k.blockZ = 1;
            k.staticSharedMemory = 1024;
            k.dynamicSharedMemory = 2048;
            k.registersPerThread = 32;
            k.correlationId = corr;
            k.name = name;
            return k;
        };
        auto runtime = [](CUpti_CallbackId cbid, std::uint64_t start, std::uint64_t end, std::uint32_t corr) {
            return apiCall(CUPTI_ACTIVITY_KIND_RUNTIME, cbid, start, end, corr);
        };
        auto memory = [](CUpti_ActivityMemoryOperationType op, std::uint64_t at) {
            CUpti_ActivityMemory4 m;
            std::memset(&m, 0, sizeof m);
            m.kind = CUPTI_ACTIVITY_KIND_MEMORY2;
            m.memoryOperationType = op;
            m.memoryKind = CUPTI_ACTIVITY_MEMORY_KIND_DEVICE;
            m.address = 0x7f0000000000ull;
            m.bytes = 1u << 20;
            m.timestamp = at;
            m.deviceId = 0;
            return m;
        };
        auto marker = [](CUpti_ActivityFlag flags, std::uint32_t id, std::uint64_t at, const char* name) {
            CUpti_ActivityMarker2 m;
            std::memset(&m, 0, sizeof m);
            m.kind = CUPTI_ACTIVITY_KIND_MARKER;
            m.flags = flags;
            m.id = id;
            m.timestamp = at;
            m.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
            m.objectId.pt.threadId = kHostThread;
            m.name = name;
            m.domain = name ? "tilescope" : nullptr;
            return m;
        };

        first.add(memory(CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_ALLOCATION, 800));
        first.add(marker(CUPTI_ACTIVITY_FLAG_MARKER_START, 9, 850, "tile 3"));
        first.add(runtime(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, 900, 950, 101));
        first.add(runtime(CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, 960, 990, 102));
        first.add(kernel(7, 1000, 1500, 101, "_Z6decodePfi"));
        first.add(kernel(13, 1200, 2000, 102, "plain_kernel"));
        CUpti_ActivityMemcpy6 copy;
        std::memset(&copy, 0, sizeof copy);
        copy.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
        copy.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
        copy.bytes = 4096;
        copy.start = 2100;
        copy.end = 2300;
        copy.deviceId = 0;
        copy.streamId = 7;
        copy.correlationId = 103;
        first.add(copy);
        // The sync record arrives before its runtime record (next buffer): it must wait
        // for the thread id rather than land on a wrong track.
        CUpti_ActivitySynchronization2 sync;
        std::memset(&sync, 0, sizeof sync);
        sync.kind = CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;
        sync.type = CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE;
        sync.start = 2310;
        sync.end = 2350;
        sync.correlationId = 104;
        sync.streamId = 7;
        first.add(sync);

        second.add(runtime(CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, 2050, 2090, 103));
        second.add(runtime(CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020, 2305, 2355, 104));
        second.add(marker(CUPTI_ACTIVITY_FLAG_MARKER_END, 9, 2400, nullptr));
        second.add(marker(CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS, 10, 2450, "checkpoint"));
        second.add(memory(CUPTI_ACTIVITY_MEMORY_OPERATION_TYPE_RELEASE, 2500));

        TraceStore store;
        CuptiRecordTranslator translator(store, kOffset);
        translator.consumeBuffer(first.data(), first.size());
        translator.consumeBuffer(second.data(), second.size());
        translator.addDropped(3);
        translator.finish();
        translator.finish();  // idempotent: one note
        const TraceStore::Snapshot s = store.snapshot();

        // Record counts by kind.
        QCOMPARE(translator.recordCount(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), size_t(2));
        QCOMPARE(translator.recordCount(CUPTI_ACTIVITY_KIND_RUNTIME), size_t(4));
        QCOMPARE(translator.recordCount(CUPTI_ACTIVITY_KIND_MEMORY2), size_t(2));
        QCOMPARE(translator.recordCount(CUPTI_ACTIVITY_KIND_MARKER), size_t(3));
        QCOMPARE(translator.totalRecords(), size_t(13));

        // Kernels: one track per stream on device 0 (pid 1), durations, args, demangled name.
        const auto kernels = select(s, TraceEvent::Kind::Span, "kernel");
        QCOMPARE(kernels.size(), size_t(2));
        QCOMPARE(kernels[0].pid, 1);
        QCOMPARE(kernels[0].tid, std::int64_t(7));
        QCOMPARE(kernels[1].tid, std::int64_t(13));
        QCOMPARE(kernels[0].startNs, 1000 + kOffset);
        QCOMPARE(kernels[0].durationNs, std::int64_t(500));
        QCOMPARE(kernels[1].durationNs, std::int64_t(800));
        QCOMPARE(kernels[0].name, std::string("decode(float*, int)"));
        QCOMPARE(kernels[1].name, std::string("plain_kernel"));
        QCOMPARE(arg(kernels[0], "grid"), std::string("(4, 2, 1)"));
        QCOMPARE(arg(kernels[0], "block"), std::string("(128, 1, 1)"));
        QCOMPARE(arg(kernels[0], "registers per thread"), std::string("32"));
        QCOMPARE(arg(kernels[0], "dynamic shared mem"), std::string("2048"));
        QCOMPARE(trackName(s, 1, 7), std::string("CUDA stream 7"));
        QCOMPARE(trackName(s, 1, 13), std::string("CUDA stream 13"));
        QCOMPARE(trackName(s, 1, -1), std::string("GPU 0"));

        // Runtime spans on the host thread; flows from launch to kernel by correlation id.
        const auto api = select(s, TraceEvent::Kind::Span, "runtime");
        QCOMPARE(api.size(), size_t(4));
        QCOMPARE(api[0].name, std::string("cudaLaunchKernel"));
        QCOMPARE(api[0].pid, 0);
        QCOMPARE(api[0].tid, std::int64_t(kHostThread));
        QCOMPARE(api[0].durationNs, std::int64_t(50));
        const auto starts = select(s, TraceEvent::Kind::FlowStart, "");
        const auto ends = select(s, TraceEvent::Kind::FlowEnd, "");
        QCOMPARE(starts.size(), size_t(3));  // two launches and the memcpy; not the sync
        QCOMPARE(ends.size(), size_t(3));
        for (std::uint64_t id : {101u, 102u, 103u}) {
            auto start = std::find_if(starts.begin(), starts.end(), [&](const TraceEvent& e) { return e.flowId == id; });
            auto end = std::find_if(ends.begin(), ends.end(), [&](const TraceEvent& e) { return e.flowId == id; });
            QVERIFY(start != starts.end() && end != ends.end());
            QCOMPARE(start->pid, 0);
            QCOMPARE(start->tid, std::int64_t(kHostThread));
            QCOMPARE(end->pid, 1);
            QVERIFY(end->startNs >= start->startNs);
        }
        auto flowTo102 = std::find_if(ends.begin(), ends.end(), [](const TraceEvent& e) { return e.flowId == 102; });
        QCOMPARE(flowTo102->tid, std::int64_t(13));
        QCOMPARE(flowTo102->startNs, 1200 + kOffset);

        // Memcpy.
        const auto copies = select(s, TraceEvent::Kind::Span, "memcpy");
        QCOMPARE(copies.size(), size_t(1));
        QCOMPARE(copies[0].name, std::string("Memcpy HtoD"));
        QCOMPARE(arg(copies[0], "bytes"), std::string("4096"));
        QCOMPARE(arg(copies[0], "copy kind"), std::string("HtoD"));
        QCOMPARE(copies[0].durationNs, std::int64_t(200));
        QCOMPARE(copies[0].tid, std::int64_t(7));

        // Allocation counter: 1 MiB, then 0; alloc/free instants on the device track.
        const auto counters = select(s, TraceEvent::Kind::Counter, "memory");
        QCOMPARE(counters.size(), size_t(2));
        QCOMPARE(counters[0].name, std::string("device allocated bytes"));
        QCOMPARE(counters[0].pid, 1);
        QCOMPARE(counters[0].value, double(1 << 20));
        QCOMPARE(counters[0].startNs, 800 + kOffset);
        QCOMPARE(counters[1].value, 0.0);
        QCOMPARE(translator.allocatedBytes(0), std::int64_t(0));
        const auto memInstants = select(s, TraceEvent::Kind::Instant, "memory");
        QCOMPARE(memInstants.size(), size_t(2));
        QCOMPARE(memInstants[0].name, std::string("alloc"));
        QCOMPARE(memInstants[1].name, std::string("free"));

        // Sync: resolved onto the host thread once its runtime record came.
        const auto syncs = select(s, TraceEvent::Kind::Span, "sync");
        QCOMPARE(syncs.size(), size_t(1));
        QCOMPARE(syncs[0].name, std::string("sync: stream synchronize"));
        QCOMPARE(syncs[0].tid, std::int64_t(kHostThread));
        QCOMPARE(syncs[0].durationNs, std::int64_t(40));

        // NVTX: a start/end pair makes one span, an instantaneous marker an instant.
        const auto ranges = select(s, TraceEvent::Kind::Span, "nvtx");
        QCOMPARE(ranges.size(), size_t(1));
        QCOMPARE(ranges[0].name, std::string("tile 3"));
        QCOMPARE(ranges[0].startNs, 850 + kOffset);
        QCOMPARE(ranges[0].durationNs, std::int64_t(2400 - 850));
        QCOMPARE(ranges[0].tid, std::int64_t(kHostThread));
        QCOMPARE(arg(ranges[0], "domain"), std::string("tilescope"));
        const auto points = select(s, TraceEvent::Kind::Instant, "nvtx");
        QCOMPARE(points.size(), size_t(1));
        QCOMPARE(points[0].name, std::string("checkpoint"));

        // Dropped records: counted and shown once.
        QCOMPARE(translator.dropped(), size_t(3));
        QCOMPARE(s.notes.size(), size_t(1));
        QCOMPARE(s.notes[0], std::string("CUPTI dropped 3 records"));
#endif
    }

    void deviceNameNamesTheGpuTrack() {
#ifndef TILESCOPE_WITH_CUDA
        QSKIP("built without CUDA");
#else
        ActivityBuffer buffer;
        CUpti_ActivityMemset4 set;
        std::memset(&set, 0, sizeof set);
        set.kind = CUPTI_ACTIVITY_KIND_MEMSET;
        set.bytes = 256;
        set.start = 10;
        set.end = 30;
        set.deviceId = 1;
        set.streamId = 7;
        buffer.add(set);
        buffer.add(apiCall(CUPTI_ACTIVITY_KIND_RUNTIME, CUPTI_RUNTIME_TRACE_CBID_cudaMemsetAsync_v3020, 0, 0, 7));
        TraceStore store;
        CuptiRecordTranslator translator(store, 0);
        translator.setDeviceName(1, "NVIDIA H100 80GB HBM3");
        translator.mapHostThread(kHostThread, 0);  // the decode thread's track
        translator.consumeBuffer(buffer.data(), buffer.size());
        translator.finish();
        const auto s = store.snapshot();
        QCOMPARE(trackName(s, 2, -1), std::string("GPU 1 NVIDIA H100 80GB HBM3"));
        const auto sets = select(s, TraceEvent::Kind::Span, "memset");
        QCOMPARE(sets.size(), size_t(1));
        QCOMPARE(sets[0].pid, 2);
        QCOMPARE(sets[0].durationNs, std::int64_t(20));
        QCOMPARE(arg(sets[0], "bytes"), std::string("256"));
        QVERIFY(s.notes.empty());  // nothing dropped, nothing to say
        const auto api = select(s, TraceEvent::Kind::Span, "runtime");
        QCOMPARE(api.size(), size_t(1));
        QCOMPARE(api[0].name, std::string("cudaMemsetAsync"));
        QCOMPARE(api[0].tid, std::int64_t(0));  // mapped onto the engine's main track
        // Empty or null buffers are not an error.
        translator.consumeBuffer(nullptr, 0);
#endif
    }

    void driverLaunchesStartFlowsOtherDriverCallsStayOut() {
        // cuBLASLt launches its GEMMs with cuLaunchKernelEx: the kernel's launch site is a
        // driver record. Only the driver's launches become spans; its other calls are counted.
#ifndef TILESCOPE_WITH_CUDA
        QSKIP("built without CUDA");
#else
        auto driver = [](CUpti_CallbackId cbid, std::uint64_t start, std::uint64_t end, std::uint32_t corr) {
            return apiCall(CUPTI_ACTIVITY_KIND_DRIVER, cbid, start, end, corr);
        };
        ActivityBuffer buffer;
        buffer.add(driver(CUPTI_DRIVER_TRACE_CBID_cuCtxGetCurrent, 90, 95, 200));
        buffer.add(driver(CUPTI_DRIVER_TRACE_CBID_cuLaunchHostFunc, 96, 98, 199));  // no device record follows
        buffer.add(driver(CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx, 100, 120, 201));
        CUpti_ActivityKernel10 k;
        std::memset(&k, 0, sizeof k);
        k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
        k.start = 150;
        k.end = 400;
        k.streamId = 7;
        k.correlationId = 201;
        k.name = "nvjet_sm90_tst_64x16";
        buffer.add(k);
        TraceStore store;
        CuptiRecordTranslator translator(store, 0);
        translator.mapHostThread(kHostThread, 0);
        translator.consumeBuffer(buffer.data(), buffer.size());
        translator.finish();
        const auto s = store.snapshot();
        QCOMPARE(translator.recordCount(CUPTI_ACTIVITY_KIND_DRIVER), size_t(3));
        const auto calls = select(s, TraceEvent::Kind::Span, "driver");
        QCOMPARE(calls.size(), size_t(1));
        QCOMPARE(calls[0].name, std::string("cuLaunchKernelEx"));
        QCOMPARE(calls[0].tid, std::int64_t(0));
        QCOMPARE(calls[0].startNs, std::int64_t(100));
        QCOMPARE(calls[0].durationNs, std::int64_t(20));
        QCOMPARE(arg(calls[0], "correlation id"), std::string("201"));
        const auto starts = select(s, TraceEvent::Kind::FlowStart, "flow");
        const auto ends = select(s, TraceEvent::Kind::FlowEnd, "flow");
        QCOMPARE(starts.size(), size_t(1));
        QCOMPARE(ends.size(), size_t(1));
        QCOMPARE(starts[0].flowId, std::uint64_t(201));
        QCOMPARE(ends[0].flowId, std::uint64_t(201));
        QCOMPARE(starts[0].startNs, std::int64_t(100));
        QCOMPARE(ends[0].pid, 1);
        QCOMPARE(ends[0].tid, std::int64_t(7));
        QVERIFY(select(s, TraceEvent::Kind::Span, "runtime").empty());

        // The per-thread-stream launch and a driver copy start flows too.
        ActivityBuffer more;
        more.add(driver(CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz, 500, 510, 301));
        more.add(driver(CUPTI_DRIVER_TRACE_CBID_cuMemcpyHtoDAsync_v2, 520, 530, 302));
        TraceStore store2;
        CuptiRecordTranslator second(store2, 0);
        second.consumeBuffer(more.data(), more.size());
        const auto s2 = store2.snapshot();
        const auto calls2 = select(s2, TraceEvent::Kind::Span, "driver");
        QCOMPARE(calls2.size(), size_t(2));
        QCOMPARE(calls2[0].name, std::string("cuLaunchKernel_ptsz"));
        QCOMPARE(calls2[1].name, std::string("cuMemcpyHtoDAsync"));
        QCOMPARE(select(s2, TraceEvent::Kind::FlowStart, "flow").size(), size_t(2));
#endif
    }

    void sessionFailsGracefullyWithoutAGpu() {
        TraceStore store;
        CuptiSession session;
        std::string why;
        if (session.start(store, &why)) {
            session.stop();  // a machine with a GPU: the real path ran; nothing to assert here
            QSKIP("CUPTI started: this machine has a GPU");
        }
        QVERIFY2(why.rfind("GPU activity unavailable: ", 0) == 0, why.c_str());
        QVERIFY(why.size() > std::string("GPU activity unavailable: ").size());
        const auto s = store.snapshot();
        QCOMPARE(s.notes.size(), size_t(1));
        QCOMPARE(s.notes[0], why);
        QVERIFY(!session.running());
        session.stop();  // harmless when not started
        // A second attempt fails the same way instead of tripping over the first.
        std::string again;
        QVERIFY(!session.start(store, &again));
        QVERIFY(again.rfind("GPU activity unavailable: ", 0) == 0);
    }

    void devicePresetsByName() {
        auto h100 = devicePresetFor("NVIDIA H100 80GB HBM3");
        QVERIFY(h100.has_value());
        QCOMPARE(h100->fp32Tflops, 67.0);
        QCOMPARE(h100->bf16Tflops, 989.0);
        auto ti = devicePresetFor("NVIDIA GeForce RTX 3090 Ti");
        QVERIFY(ti.has_value());
        QCOMPARE(ti->fp32Tflops, 40.0);
        QCOMPARE(ti->bf16Tflops, 80.0);  // fp32 accumulation: half the fp16-accumulate 160
        QCOMPARE(ti->tf32Tflops, 40.0);
        QCOMPARE(h100->tf32Tflops, 494.7);
        QCOMPARE(devicePresetFor("NVIDIA H100 PCIe")->bf16Tflops, 756.0);
        QVERIFY(!devicePresetFor("NVIDIA GeForce RTX 3090").has_value());  // not the Ti
        QVERIFY(!devicePresetFor("NVIDIA H100 NVL").has_value());
        // H100 SXM: 2619 MHz HBM3 clock as the runtime reports it, 5120-bit bus: ~3.35 TB/s.
        QVERIFY(std::abs(bandwidthGBs(2619, 5120) - 3352.3) < 0.1);
    }

    void devicePeaksQueryReportsErrors() {
        const DevicePeaks p = queryDevicePeaks(0);
        if (p.error.empty()) {
            QVERIFY(p.sms > 0 && p.memoryBytes > 0);  // a GPU is present
            return;
        }
        QCOMPARE(p.sms, 0);
        QCOMPARE(p.peakFp32Tflops, 0.0);
    }
};

QTEST_APPLESS_MAIN(TestCuptiRecords)
#include "test_cupti_records.moc"
