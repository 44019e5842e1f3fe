// The model against the public reference (golden outputs of Wan-Video/Wan2.1's vae.py),
// from both checkpoint formats and both naming schemes, and shape inference on
// architectures other than the golden one.
#include "checkpoint/checkpoint_reader.h"
#include "checkpoint/key_names.h"
#include "checkpoint/safetensors_reader.h"
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"
#include "test_support.h"
#include "decode/decoder_run.h"
#include "model/cost_model.h"
#include "model/wan_vae.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <QTemporaryDir>
#include <QtTest>

using namespace ts;
using ts::test::maxAbs;
using ts::test::psnr;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

DecodeSettings cpuSettings() {
    DecodeSettings s;
    s.threads = 2;
    return s;
}


}  // namespace

class TestWanVae : public QObject {
    Q_OBJECT

    NamedTensors golden_;

private slots:
    void initTestCase() { golden_ = readSafetensors(kData + "/case.safetensors"); }

    void decodeMatchesReference_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("pth") << "vae.pth";
        QTest::newRow("safetensors") << "vae.safetensors";
    }
    void decodeMatchesReference() {
        QFETCH(QString, file);
        const WanVae vae = WanVae::load(kData + "/" + file.toStdString(), VaeParts::Decoder);
        QCOMPARE(vae.config().baseDim, 8);
        QCOMPARE(vae.config().zDim, 16);
        QCOMPARE(vae.config().numResBlocks, 2);
        QCOMPARE(vae.config().dimMult, (std::vector<int>{1, 2, 4, 4}));
        QCOMPARE(vae.config().temporalDownsample, (std::vector<bool>{false, true, true}));
        RunStats stats;
        const at::Tensor video = decodeToTensor(vae, golden_.at("latents"), cpuSettings(), &stats);
        QCOMPARE(video.sizes().vec(), golden_.at("video").sizes().vec());
        const double err = maxAbs(video, golden_.at("video"));
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs error %1").arg(err)));
        // The cost model predicts exactly the multiply-adds the layers executed.
        const DecodeCost cost = estimateDecodeCost(vae.config(), 4, 8, 8, 4, cpuSettings().graph);
        QCOMPARE(cost.macs, stats.macs);
    }

    void encodeMatchesReference_data() { decodeMatchesReference_data(); }
    void encodeMatchesReference() {
        QFETCH(QString, file);
        const WanVae vae = WanVae::load(kData + "/" + file.toStdString(), VaeParts::Encoder);
        const at::Tensor mu = encodeToLatents(vae, golden_.at("encode_input"), cpuSettings());
        QCOMPARE(mu.sizes().vec(), golden_.at("encode_mu").sizes().vec());
        const double err = maxAbs(mu, golden_.at("encode_mu"));
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs error %1").arg(err)));
    }

    // A diffusers-named copy of the golden checkpoint loads to the same model.
    void diffusersNamesDecodeTheSame() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("diffusers.safetensors").toStdString();
        const NamedTensors wan = readCheckpoint(kData + "/vae.safetensors");
        const NamedTensors diffusers = toDiffusersNames(wan);
        QVERIFY(diffusers.count("decoder.up_blocks.1.resnets.0.conv_shortcut.weight"));
        QVERIFY(diffusers.count("post_quant_conv.weight"));
        writeSafetensors(path, diffusers);
        const WanVae vae = WanVae::load(path, VaeParts::Both);
        const at::Tensor video = decodeToTensor(vae, golden_.at("latents"), cpuSettings());
        QVERIFY(maxAbs(video, golden_.at("video")) <= 1e-4);
        const at::Tensor mu = encodeToLatents(vae, golden_.at("encode_input"), cpuSettings());
        QVERIFY(maxAbs(mu, golden_.at("encode_mu")) <= 1e-4);
    }

    // The decoder alone is read: a decode-only load holds no encoder weights.
    void decodeLoadsOnlyTheDecoder() {
        const WanVae vae = WanVae::load(kData + "/vae.pth", VaeParts::Decoder);
        QVERIFY(vae.has("decoder.conv1.weight"));
        QVERIFY(vae.has("conv2.weight"));
        QVERIFY(!vae.has("encoder.conv1.weight"));
        QVERIFY(!vae.has("conv1.weight"));
        QCOMPARE(vae.parameterCount(VaeParts::Encoder), std::int64_t(0));
    }

    // Architectures other than the golden one: inference must come from the shapes.
    void infersOtherArchitectures_data() {
        QTest::addColumn<int>("dim");
        QTest::addColumn<int>("resBlocks");
        QTest::addColumn<QString>("temporal");
        QTest::addColumn<int>("stages");
        QTest::newRow("dim12-1block") << 12 << 1 << "FTT" << 4;
        QTest::newRow("dim8-3blocks-TTF") << 8 << 3 << "TTF" << 4;
        QTest::newRow("dim4-3stages") << 4 << 2 << "FT" << 3;
    }
    void infersOtherArchitectures() {
        QFETCH(int, dim);
        QFETCH(int, resBlocks);
        QFETCH(QString, temporal);
        QFETCH(int, stages);
        VaeConfig cfg;
        cfg.baseDim = dim;
        cfg.numResBlocks = resBlocks;
        cfg.dimMult = stages == 4 ? std::vector<int>{1, 2, 4, 4} : std::vector<int>{1, 2, 2};
        cfg.temporalDownsample.clear();
        for (QChar c : temporal) cfg.temporalDownsample.push_back(c == 'T');
        const WanVae built = WanVae::randomWeights(cfg, VaeParts::Both, 99, "test");
        // Round trip through a file in diffusers names, then infer.
        QTemporaryDir dir;
        const std::string path = dir.filePath("m.safetensors").toStdString();
        writeSafetensors(path, toDiffusersNames(built.weights()));
        const WanVae vae = WanVae::load(path, VaeParts::Both);
        QCOMPARE(vae.config().baseDim, dim);
        QCOMPARE(vae.config().numResBlocks, resBlocks);
        QCOMPARE(vae.config().dimMult, cfg.dimMult);
        QCOMPARE(vae.config().temporalDownsample, cfg.temporalDownsample);
        // Odd latent sizes decode to the predicted shape with finite values.
        at::Generator gen = at::detail::createCPUGenerator(1);
        const at::Tensor latents = at::randn({16, 3, 5, 7}, gen);
        RunStats stats;
        const at::Tensor video = decodeToTensor(vae, latents, cpuSettings(), &stats);
        const int sf = vae.config().spatialFactor();
        QCOMPARE(video.sizes().vec(), (std::vector<int64_t>{3, vae.config().videoFrames(3), 5 * sf, 7 * sf}));
        QVERIFY(at::isfinite(video).all().item<bool>());
        QCOMPARE(estimateDecodeCost(vae.config(), 3, 5, 7, 4, cpuSettings().graph).macs, stats.macs);
        // And the encoder maps a clip of that size back to the latent shape.
        const at::Tensor clip = at::rand({3, static_cast<int64_t>(vae.config().videoFrames(3)), 5 * sf, 7 * sf}, gen) * 2 - 1;
        const at::Tensor mu = encodeToLatents(vae, clip, cpuSettings());
        QCOMPARE(mu.sizes().vec(), (std::vector<int64_t>{16, 3, 5, 7}));
    }

    void missingTensorIsNamed() {
        NamedTensors t = readCheckpoint(kData + "/vae.safetensors");
        t.erase("decoder.upsamples.4.shortcut.weight");
        const std::string msg = test::expectError([&] { WanVae::fromTensors(t, VaeParts::Decoder, "x"); });
        QVERIFY2(msg.find("decoder.upsamples.4.shortcut.weight") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("[32, 16, 1, 1, 1]") != std::string::npos, msg.c_str());
    }

    void misshapedTensorIsNamed() {
        NamedTensors t = readCheckpoint(kData + "/vae.safetensors");
        t["decoder.middle.1.proj.weight"] = at::zeros({32, 31, 1, 1});
        const std::string msg = test::expectError([&] { WanVae::fromTensors(t, VaeParts::Decoder, "x"); });
        QVERIFY2(msg.find("decoder.middle.1.proj.weight") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("[32, 31, 1, 1]") != std::string::npos && msg.find("[32, 32, 1, 1]") != std::string::npos,
                 msg.c_str());
    }

    void wrongChannelCountIsRefused() {
        const WanVae vae = WanVae::load("builtin:tiny", VaeParts::Decoder);
        const std::string msg = test::expectError([&] { decodeToTensor(vae, at::zeros({8, 2, 4, 4}), cpuSettings()); });
        QVERIFY2(msg.find("8 channels") != std::string::npos, msg.c_str());
    }

    void fullSizeBuiltinHasTheReleasedLayout() {
        const WanVae vae = WanVae::load("builtin:wan2.1", VaeParts::Both);
        QCOMPARE(vae.config().baseDim, 96);
        // The released Wan2.1 VAE has 127M parameters (73.3M decoder side, 53.6M encoder side).
        QCOMPARE(vae.parameterCount(VaeParts::Decoder), std::int64_t(73295603));
        QCOMPARE(vae.parameterCount(VaeParts::Encoder), std::int64_t(53596928));
        // 16x3x16x16 -> 9x128x128 is 1283 GFLOP (as measured for the reference).
        QCOMPARE(estimateDecodeCost(vae.config(), 3, 16, 16, 4).macs, std::int64_t(641643773952));
    }

    void cancelStopsTheRun() {
        struct Cancel : DecodeObserver {
            int frames = 0;
            void onFrames(int, const at::Tensor&) override { ++frames; }
            bool cancelRequested() const override { return frames >= 1; }
        } observer;
        const WanVae vae = WanVae::load("builtin:tiny", VaeParts::Decoder);
        bool cancelled = false;
        try {
            runDecode(vae, at::zeros({16, 4, 8, 8}), cpuSettings(), observer);
        } catch (const Error& e) {
            cancelled = e.kind() == ErrorKind::Cancelled;
        }
        QVERIFY(cancelled);
        QCOMPARE(observer.frames, 1);
    }
};

QTEST_APPLESS_MAIN(TestWanVae)
#include "test_wan_vae.moc"
