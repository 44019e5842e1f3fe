// Graph and memory optimisations (--opt): each switch is parsed and validated where it
// enters, and the decode with it matches the reference decode of the golden case (exact
// switches to the same 1e-4 as the plain path; the lossy cache-bf16 to its stated bound),
// untiled and through exact tiles.
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "decode/decoder_run.h"
#include "model/cost_model.h"
#include "model/graph_options.h"
#include "model/wan_vae.h"
#include "plan/tile_plan.h"

#include "test_support.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <optional>

using namespace ts;
using ts::test::maxAbs;
using ts::test::psnr;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

DecodeSettings withOptions(const GraphOptions& graph, TilingMode tiling = TilingMode::Off, int tile = 256) {
    DecodeSettings s;
    s.threads = 2;
    s.graph = graph;
    s.tiling = tiling;
    s.tilePx = tile;
    return s;
}

}  // namespace

class TestGraphOptions : public QObject {
    Q_OBJECT

    NamedTensors golden_;
    std::optional<WanVae> vae_;

private Q_SLOTS:
    void initTestCase() {
        golden_ = readSafetensors(kData + "/case.safetensors");
        vae_.emplace(WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder));
    }

    void parsesNamesAllAndNone() {
        QCOMPARE(toString(parseGraphOptions("none")), std::string("none"));
        QCOMPARE(toString(parseGraphOptions("all")), std::string("pad-in-place,fused-norm,skip-zero-history,frame-split,channels-last,release-cache"));
        QCOMPARE(toString(parseGraphOptions("all,cache-bf16")),
                 std::string("pad-in-place,fused-norm,skip-zero-history,frame-split,cache-bf16,channels-last,release-cache"));
        QCOMPARE(toString(parseGraphOptions("cache-bf16,arena,all")), toString(parseGraphOptions("all,arena,cache-bf16")));
        QVERIFY(parseGraphOptions("arena,all").arena);
        QVERIFY(parseGraphOptions("cache-host,all").cacheHost);
        QVERIFY(parseGraphOptions("unmap-freed,all").unmapFreed);
        QVERIFY(!parseGraphOptions("all").cacheHost);
        const GraphOptions two = parseGraphOptions("frame-split,pad-in-place");
        QVERIFY(two.frameSplit && two.padInPlace && !two.cacheBf16 && !two.channelsLast);
        QVERIFY(parseGraphOptions("none") == GraphOptions::none());
        QVERIFY(DecodeSettings().graph == GraphOptions::allExact());  // the default
        for (const std::string& name : graphOptionNames()) QCOMPARE(toString(onlyOption(name)), name);
    }

    void refusesUnknownNamesNamingTheFlag_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("unknown") << "fuse-everything";
        QTest::newRow("empty") << "";
        QTest::newRow("trailing comma item") << "pad-in-place,,frame-split";
        QTest::newRow("case") << "Pad-In-Place";
    }
    void refusesUnknownNamesNamingTheFlag() {
        QFETCH(QString, text);
        const std::string message = test::expectError([&] { parseGraphOptions(text.toStdString()); }, ErrorKind::Usage);
        QVERIFY2(message.find("--opt") != std::string::npos, message.c_str());
        QVERIFY2(message.find("pad-in-place") != std::string::npos, "lists the accepted names");
    }

    void exactSwitchesMatchTheReference_data() {
        QTest::addColumn<QString>("opt");
        QTest::addColumn<int>("tiling");  // TilingMode
        QTest::newRow("none") << "none" << int(TilingMode::Off);
        QTest::newRow("pad-in-place") << "pad-in-place" << int(TilingMode::Off);
        QTest::newRow("fused-norm") << "fused-norm" << int(TilingMode::Off);
        QTest::newRow("fused-norm + pad-in-place") << "fused-norm,pad-in-place" << int(TilingMode::Off);
        QTest::newRow("skip-zero-history") << "skip-zero-history" << int(TilingMode::Off);
        QTest::newRow("block-cache (golden tensors under its minimum)") << "block-cache" << int(TilingMode::Off);
        QTest::newRow("arena") << "arena" << int(TilingMode::Off);
        QTest::newRow("arena + pad-in-place") << "arena,pad-in-place" << int(TilingMode::Off);
        QTest::newRow("frame-split") << "frame-split" << int(TilingMode::Off);
        QTest::newRow("channels-last (CPU: ignored)") << "channels-last" << int(TilingMode::Off);
        QTest::newRow("release-cache (CPU: no-op)") << "release-cache" << int(TilingMode::Off);
        QTest::newRow("cache-host (CPU: histories stay)") << "cache-host" << int(TilingMode::Off);
        QTest::newRow("all") << "all" << int(TilingMode::Off);
        QTest::newRow("all, exact 24 px tiles") << "all" << int(TilingMode::Exact);
        QTest::newRow("all + arena, exact 24 px tiles") << "all,arena" << int(TilingMode::Exact);
        QTest::newRow("frame-split, exact 24 px tiles") << "frame-split" << int(TilingMode::Exact);
        QTest::newRow("fused-norm, exact 24 px tiles") << "fused-norm" << int(TilingMode::Exact);
        QTest::newRow("skip-zero-history, exact 24 px tiles") << "skip-zero-history" << int(TilingMode::Exact);
        QTest::newRow("skip-zero-history + arena + pad-in-place") << "skip-zero-history,arena,pad-in-place" << int(TilingMode::Off);
        // Tiles of uneven sizes give shapes that collide across layer kinds in the arena.
        QTest::newRow("arena + pad-in-place, exact 24 px tiles") << "arena,pad-in-place" << int(TilingMode::Exact);
    }
    void exactSwitchesMatchTheReference() {
        QFETCH(QString, opt);
        QFETCH(int, tiling);
        const DecodeSettings s = withOptions(parseGraphOptions(opt.toStdString()), TilingMode(tiling), 24);
        RunStats stats;
        const at::Tensor video = decodeToTensor(*vae_, golden_.at("latents"), s, &stats);
        QCOMPARE(video.sizes().vec(), golden_.at("video").sizes().vec());
        const double err = maxAbs(video, golden_.at("video"));
        qInfo("--opt %s, tiling %s: max abs %.3g vs the reference", qPrintable(opt),
              toString(TilingMode(tiling)).c_str(), err);
        QVERIFY2(err <= 1e-4, std::to_string(err).c_str());
        QVERIFY(stats.macs > 0);
    }

    void frameSplitDoesTheSameWork() {
        // Splitting frames changes the shape of the work, not its amount.
        RunStats plain, split;
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(GraphOptions::none()), &plain);
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(onlyOption("frame-split")), &split);
        QCOMPARE(split.macs, plain.macs);
    }

    void skipZeroHistoryDropsTheZeroTaps() {
        // The first latent frame's causal convs see two zero frames in front of it: with the
        // switch they run one time tap of three. The work the layers report is what the cost
        // model predicts, both ways, and a single frame (an image) saves most of its conv work.
        const VaeConfig& cfg = vae_->config();
        const GraphOptions skip = onlyOption("skip-zero-history");
        RunStats plain, skipped;
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(GraphOptions::none()), &plain);
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(skip), &skipped);
        QCOMPARE(plain.macs, estimateDecodeCost(cfg, 4, 8, 8, 4).macs);
        QCOMPARE(skipped.macs, estimateDecodeCost(cfg, 4, 8, 8, 4, skip).macs);
        QVERIFY(skipped.macs < plain.macs);
        const at::Tensor image = golden_.at("latents").narrow(1, 0, 1);
        RunStats imagePlain, imageSkipped;
        decodeToTensor(*vae_, image, withOptions(GraphOptions::none()), &imagePlain);
        decodeToTensor(*vae_, image, withOptions(skip), &imageSkipped);
        QCOMPARE(imageSkipped.macs, estimateDecodeCost(cfg, 1, 8, 8, 4, skip).macs);
        const double ratio = double(imageSkipped.macs) / double(imagePlain.macs);
        qInfo("skip-zero-history: %.3f of the work on 4 latent frames, %.3f on one", double(skipped.macs) / plain.macs,
              ratio);
        // 3-frame convs drop to a third; the per-frame upsampling convs and attention stay.
        QVERIFY2(ratio > 0.34 && ratio < 0.6, std::to_string(ratio).c_str());
        // Exact tiles: each tile's first frame too, as the plan predicts.
        RunStats tiled;
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(skip, TilingMode::Exact, 24), &tiled);
        QCOMPARE(tiled.macs, tiled.plannedMacs);
    }

    void arenaStopsAllocatingAfterWarmUp() {
        // Steady state: the first latent frames make every padded shape once; later frames
        // reuse them, so decoding 4 latent frames holds as many buffers as decoding 3.
        RunStats three, four;
        decodeToTensor(*vae_, golden_.at("latents").narrow(1, 0, 3), withOptions(parseGraphOptions("all,arena")), &three);
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(parseGraphOptions("all,arena")), &four);
        qInfo("arena: %d buffers, %lld bytes", four.arenaBuffers, static_cast<long long>(four.arenaBytes));
        QVERIFY(three.arenaBuffers > 0);
        QCOMPARE(four.arenaBuffers, three.arenaBuffers);
        QCOMPARE(four.arenaBytes, three.arenaBytes);
        RunStats off;
        decodeToTensor(*vae_, golden_.at("latents"), withOptions(GraphOptions::none()), &off);
        QCOMPARE(off.arenaBuffers, 0);
    }

    void memoryModelFollowsTheSwitches() {
        // frame-split and cache-bf16 change what is held, never the work.
        const VaeConfig& cfg = vae_->config();
        const DecodeCost plain = estimateDecodeCost(cfg, 4, 8, 8, 4, GraphOptions::none());
        const DecodeCost split = estimateDecodeCost(cfg, 4, 8, 8, 4, onlyOption("frame-split"));
        const DecodeCost bf16 = estimateDecodeCost(cfg, 4, 8, 8, 4, onlyOption("cache-bf16"));
        QCOMPARE(split.macs, plain.macs);
        QCOMPARE(bf16.macs, plain.macs);
        // The largest layer is at full resolution after both temporal upsamplers: four
        // frames deep without the split, one with it; then the stage before it (four
        // frames at half resolution) is the largest, at about half the plain peak.
        QVERIFY2(split.peakLayerBytes * 10 < plain.peakLayerBytes * 6,
                 (std::to_string(split.peakLayerBytes) + " vs " + std::to_string(plain.peakLayerBytes)).c_str());
        QCOMPARE(split.historyBytes, plain.historyBytes);
        QVERIFY(bf16.historyBytes < plain.historyBytes);
        QVERIFY(bf16.historyBytes * 2 >= plain.historyBytes);  // only the upsampling part is halved
        QCOMPARE(bf16.peakLayerBytes, plain.peakLayerBytes);
        // cache-host: the upsampling histories leave the device; only the prefix's (at
        // latent resolution) stay counted, and the work is the same.
        const DecodeCost host = estimateDecodeCost(cfg, 4, 8, 8, 4, onlyOption("cache-host"));
        const DecodeCost prefix = prefixCost(cfg, 4, 8, 8, 4);
        QCOMPARE(host.macs, plain.macs);
        QCOMPARE(host.historyBytes, prefix.historyBytes);
        QVERIFY(host.historyBytes * 4 < plain.historyBytes);
        QCOMPARE(host.peakLayerBytes, plain.peakLayerBytes);
        // The plan applies it only where it acts: on CUDA, not on the CPU.
        DecodeSettings s;
        s.tiling = TilingMode::Exact;
        s.tilePx = 32;
        s.graph = onlyOption("cache-host");
        const std::int64_t cpuPeak = makeTilePlan(cfg, 4, 8, 8, s).estimatedPeakBytes;
        s.graph = GraphOptions::none();
        QCOMPARE(cpuPeak, makeTilePlan(cfg, 4, 8, 8, s).estimatedPeakBytes);
        s.device = "cuda";
        s.graph = onlyOption("cache-host");
        const std::int64_t gpuHost = makeTilePlan(cfg, 4, 8, 8, s).estimatedPeakBytes;
        s.graph = GraphOptions::none();
        QVERIFY2(gpuHost < makeTilePlan(cfg, 4, 8, 8, s).estimatedPeakBytes, std::to_string(gpuHost).c_str());
    }

    void cacheBf16StaysWithinItsStatedBound() {
        // The lossy switch: histories rounded to bf16 (8 bits of mantissa). The bound
        // stated in docs/benchmarks and the usage text: PSNR >= 40 dB against fp32 and
        // max abs <= 0.05 on this model; it must also differ (or it is not switched on).
        const at::Tensor exact = decodeToTensor(*vae_, golden_.at("latents"), withOptions(GraphOptions::none()));
        const at::Tensor lossy = decodeToTensor(*vae_, golden_.at("latents"), withOptions(parseGraphOptions("all,cache-bf16")));
        const double db = psnr(lossy, exact), err = maxAbs(lossy, exact);
        qInfo("cache-bf16: %.1f dB, max abs %.3g against fp32", db, err);
        QVERIFY2(err > 0, "cache-bf16 changed nothing: the switch is not reaching the histories");
        QVERIFY2(db >= 40.0, std::to_string(db).c_str());
        QVERIFY2(err <= 0.05, std::to_string(err).c_str());
    }
};

QTEST_GUILESS_MAIN(TestGraphOptions)
#include "test_graph_options.moc"
