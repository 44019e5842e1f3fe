// Tiled decoding end to end: exact tiles equal the untiled decode (and so the reference),
// blend tiles show their seams, concurrent workers change nothing, and the executed work
// is what the plan predicted.
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "decode/decoder_run.h"
#include "model/wan_vae.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "test_support.h"

#include <QtTest>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>

using namespace ts;
using ts::test::maxAbs;
using ts::test::psnr;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

DecodeSettings tiled(TilingMode mode, int tile, int overlap = 0, int streams = 1) {
    DecodeSettings s;
    s.threads = 2;
    s.tiling = mode;
    s.tilePx = tile;
    s.overlapPx = overlap;
    s.streams = streams;
    return s;
}

}  // namespace

class TestTiledDecode : public QObject {
    Q_OBJECT

    NamedTensors golden_;

private slots:
    void initTestCase() { golden_ = readSafetensors(kData + "/case.safetensors"); }

    void exactTilesEqualTheReference_data() {
        QTest::addColumn<int>("tile");
        QTest::addColumn<int>("streams");
        QTest::newRow("16 px") << 16 << 1;
        QTest::newRow("24 px, uneven") << 24 << 1;
        QTest::newRow("32 px, 2 workers") << 32 << 2;
    }
    void exactTilesEqualTheReference() {
        QFETCH(int, tile);
        QFETCH(int, streams);
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        RunStats stats;
        const at::Tensor video = decodeToTensor(vae, golden_.at("latents"), tiled(TilingMode::Exact, tile, 0, streams), &stats);
        const double err = maxAbs(video, golden_.at("video"));
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs error %1").arg(err)));
        QCOMPARE(stats.macs, stats.plannedMacs);
        const int per = (64 + tile - 1) / tile;
        QCOMPARE(stats.tiles, per * per);
        // One span for the shared prefix and one per tile, on `streams` workers.
        QCOMPARE(int(stats.schedule.size()), stats.tiles + 1);
        std::set<int> workers;
        for (const TileSpan& s : stats.schedule) workers.insert(s.worker);
        QVERIFY(int(workers.size()) <= streams);
    }

    // A deeper model (3 residual blocks per stage, other temporal layout) at odd sizes:
    // the halos come from the layer stack, not from constants.
    void exactTilesOnAnotherArchitecture() {
        VaeConfig cfg;
        cfg.baseDim = 4;
        cfg.numResBlocks = 3;
        cfg.temporalDownsample = {true, false, true};
        const WanVae vae = WanVae::randomWeights(cfg, VaeParts::Decoder, 5, "deep");
        at::Generator gen = at::detail::createCPUGenerator(3);
        const at::Tensor latents = at::randn({16, 3, 7, 9}, gen);
        DecodeSettings off = tiled(TilingMode::Off, 256);
        const at::Tensor untiled = decodeToTensor(vae, latents, off);
        RunStats stats;
        const at::Tensor exact = decodeToTensor(vae, latents, tiled(TilingMode::Exact, 16), &stats);
        QVERIFY2(maxAbs(exact, untiled) <= 1e-4, qPrintable(QString("max abs %1").arg(maxAbs(exact, untiled))));
        QCOMPARE(stats.macs, stats.plannedMacs);
    }

    // Blend decodes each latent tile on its own: seams, reported, not hidden.
    void blendShowsItsSeams() {
        const WanVae vae = WanVae::load(kData + "/vae.pth", VaeParts::Decoder);
        RunStats one, two;
        const at::Tensor a = decodeToTensor(vae, golden_.at("latents"), tiled(TilingMode::Blend, 32, 16, 1), &one);
        const at::Tensor b = decodeToTensor(vae, golden_.at("latents"), tiled(TilingMode::Blend, 32, 16, 2), &two);
        QCOMPARE(one.macs, one.plannedMacs);
        QCOMPARE(one.tiles, 9);  // 4x4 latent tiles every 2 latent px on 8x8
        QVERIFY(maxAbs(a, b) <= 1e-5);  // workers do not change the result
        const double db = psnr(a, golden_.at("video"));
        QVERIFY2(db > 10 && db < 60, qPrintable(QString("blend PSNR %1 dB").arg(db)));
        // One tile covering the frame is the untiled decode.
        const at::Tensor whole = decodeToTensor(vae, golden_.at("latents"), tiled(TilingMode::Blend, 64, 16));
        QVERIFY(maxAbs(whole, golden_.at("video")) <= 1e-4);
    }

    // The time an observer spends with the frames (writing an MP4, the GUI's copies) is
    // counted apart: decode_s and GFLOP/s are the network's, untiled and tiled.
    void deliveringFramesIsNotDecodeTime_data() {
        QTest::addColumn<int>("mode");
        QTest::newRow("untiled") << static_cast<int>(TilingMode::Off);
        QTest::newRow("exact tiles") << static_cast<int>(TilingMode::Exact);
    }
    void deliveringFramesIsNotDecodeTime() {
        QFETCH(int, mode);
        struct SlowWriter : DecodeObserver {
            int calls = 0;
            void onFrames(int, const at::Tensor&) override {
                ++calls;
                std::this_thread::sleep_for(std::chrono::milliseconds(150));
            }
        } writer;
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        const RunStats stats = runDecode(vae, golden_.at("latents"), tiled(static_cast<TilingMode>(mode), 32), writer);
        QVERIFY(writer.calls >= 1);
        QVERIFY2(stats.deliverSeconds >= 0.15 * writer.calls, std::to_string(stats.deliverSeconds).c_str());
        QVERIFY2(stats.decodeSeconds > 0 && stats.decodeSeconds + stats.deliverSeconds <= stats.wallSeconds + 1e-6,
                 (std::to_string(stats.decodeSeconds) + " + " + std::to_string(stats.deliverSeconds) + " > " +
                  std::to_string(stats.wallSeconds)).c_str());
    }

    void streamsNeedTiles() {
        bool refused = false;
        try {
            tiled(TilingMode::Off, 64, 0, 2).validate();
        } catch (const Error& e) {
            refused = e.kind() == ErrorKind::Usage && std::string(e.what()).find("--streams") != std::string::npos;
        }
        QVERIFY(refused);
    }

    // The engine refuses a bad device itself (the GUI and scripts call it without the CLI's
    // checks), before any work and naming the setting.
    void badDeviceIsRefusedByTheEngine() {
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings s = tiled(TilingMode::Exact, 32);
        s.device = "tpu";
        const std::string message =
            test::expectError([&] { decodeToTensor(vae, golden_.at("latents"), s); }, ErrorKind::Usage);
        QVERIFY2(message.find("--device: 'tpu'") != std::string::npos, message.c_str());
        // An index past c10's 8-bit DeviceIndex must not wrap around to another device.
        s.device = "cuda:200";
        const std::string wrapped =
            test::expectError([&] { decodeToTensor(vae, golden_.at("latents"), s); }, ErrorKind::Usage);
        QVERIFY2(wrapped.find("--device: 'cuda:200'") != std::string::npos, wrapped.c_str());
    }
};

QTEST_APPLESS_MAIN(TestTiledDecode)
#include "test_tiled_decode.moc"
