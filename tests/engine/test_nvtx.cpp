// NVTX ranges: with a tool attached (Nsight Systems, or here a static injection that
// records the calls, as NVTX3 lets a program link one in), a decode with no TileScope
// trace at all still shows its run, chunk, stage and tile structure, properly nested on
// every thread. Without the CUDA toolkit's NVTX3 headers the suite is skipped.
#include "checkpoint/safetensors_reader.h"
#include "decode/decoder_run.h"
#include "model/wan_vae.h"
#include "profile/nvtx_range.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#if TILESCOPE_WITH_CUDA
// For InitializeInjectionNvtx2_fnptr: NVTX3's hook for an injection linked into the
// program (a weak variable shared with profile/nvtx_range.cpp), set before the first call.
#include <nvtx3/nvToolsExt.h>
#endif

using namespace ts;

namespace {

// The injection's callbacks are plain C function pointers without a context argument,
// so what they record has to live in a file-level object; it is touched only by them
// and read by the tests below after the decode has finished.
struct NvtxLog {
    std::mutex mutex;
    std::vector<std::string> pushed;              // every range name, in call order
    std::map<std::thread::id, int> depth;         // open ranges per thread
    std::map<std::thread::id, int> maxDepth;
    int pops = 0, unbalancedPops = 0;
};
NvtxLog& nvtxLog() {
    static NvtxLog log;
    return log;
}

#if TILESCOPE_WITH_CUDA
int recordPush(const char* message) {
    NvtxLog& log = nvtxLog();
    std::lock_guard<std::mutex> lock(log.mutex);
    log.pushed.emplace_back(message ? message : "");
    int& d = log.depth[std::this_thread::get_id()];
    ++d;
    int& m = log.maxDepth[std::this_thread::get_id()];
    m = std::max(m, d);
    return d - 1;
}

int recordPop() {
    NvtxLog& log = nvtxLog();
    std::lock_guard<std::mutex> lock(log.mutex);
    ++log.pops;
    int& d = log.depth[std::this_thread::get_id()];
    if (d == 0) {
        ++log.unbalancedPops;
        return -1;
    }
    return --d;
}

int initializeInjection(NvtxGetExportTableFunc_t getExportTable) {
    const auto* callbacks = static_cast<const NvtxExportTableCallbacks*>(getExportTable(NVTX_ETID_CALLBACKS));
    if (!callbacks) return 0;
    NvtxFunctionTable table = nullptr;
    unsigned int size = 0;
    if (!callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE, &table, &size) || !table) return 0;
    if (size <= NVTX_CBID_CORE_RangePop) return 0;
    *table[NVTX_CBID_CORE_RangePushA] = reinterpret_cast<NvtxFunctionPointer>(&recordPush);
    *table[NVTX_CBID_CORE_RangePop] = reinterpret_cast<NvtxFunctionPointer>(&recordPop);
    return 1;
}
#endif

int count(const std::vector<std::string>& names, const std::string& prefix) {
    int n = 0;
    for (const auto& s : names) n += s.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
}

}  // namespace

class TestNvtx : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        if (!nvtxCompiledIn()) QSKIP("built without the CUDA toolkit's NVTX3 headers");
        // An injection named in the environment would take precedence over ours.
        qunsetenv("NVTX_INJECTION64_PATH");
#if TILESCOPE_WITH_CUDA
        InitializeInjectionNvtx2_fnptr = &initializeInjection;  // before any NVTX call
#endif
    }

    void untracedTiledDecodeShowsItsStructure() {
        const NamedTensors golden = readSafetensors(std::string(TILESCOPE_TEST_DATA) + "/case.safetensors");
        const WanVae vae = WanVae::load(std::string(TILESCOPE_TEST_DATA) + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings s;
        s.threads = 2;
        s.tiling = TilingMode::Exact;
        s.tilePx = 32;
        s.streams = 2;
        RunStats stats;
        decodeToTensor(vae, golden.at("latents"), s, &stats, nullptr);  // no trace sink

        NvtxLog& log = nvtxLog();
        std::lock_guard<std::mutex> lock(log.mutex);
        QVERIFY2(!log.pushed.empty(), "no NVTX range reached the injected tool");
        // Every range closed, on the thread that opened it.
        QCOMPARE(log.unbalancedPops, 0);
        QCOMPARE(log.pops, static_cast<int>(log.pushed.size()));
        for (const auto& [thread, depth] : log.depth) QCOMPARE(depth, 0);
        // The structure the trace has: one run, a range per tile, the decoder's stages.
        QCOMPARE(count(log.pushed, "decode"), 1);
        QCOMPARE(count(log.pushed, "tile "), stats.tiles);
        QVERIFY(count(log.pushed, "prefix") >= 1);
        QVERIFY(count(log.pushed, "up stage 0") >= stats.tiles);
        QVERIFY(count(log.pushed, "head") >= stats.tiles);
        // Tiles ran on worker threads: ranges there nest (tile > stage) as on the main one.
        QVERIFY(log.maxDepth.size() >= 2);
        for (const auto& [thread, depth] : log.maxDepth) QVERIFY(depth >= 2);
    }
};

QTEST_GUILESS_MAIN(TestNvtx)
#include "test_nvtx.moc"
