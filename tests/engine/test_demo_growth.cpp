// Growing the demo model (tools/train_demo/model_growth.h): one more residual block per
// stage leaves what the model computes unchanged, in the encoder and the decoder, untiled
// and with exact tiles (whose halos grow with the deeper stack), and weights that do not fit
// the architecture are refused with the tensor named.
#include "decode/decoder_run.h"
#include "demo_model.h"
#include "model/wan_vae.h"
#include "model_growth.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QtTest>

using namespace ts;
using namespace ts::demo;

namespace {

// A dim-8 model with one block per encoder stage whose blocks are not identities (the
// trainer starts every block's second convolution at zero).
NamedTensors trainedLookingModel(const VaeConfig& cfg) {
    NamedTensors p = initParameters(cfg, 3);
    at::NoGradGuard noGrad;
    at::Generator gen = at::detail::createCPUGenerator(11);
    for (auto& [name, t] : p) {
        if (name.find("residual.6.weight") != std::string::npos) t.normal_(0, 0.05, gen);
        if (name.find(".gamma") != std::string::npos) t.uniform_(0.8, 1.2, gen);
    }
    return p;
}

DecodeSettings cpu(TilingMode tiling = TilingMode::Off) {
    DecodeSettings s;
    s.threads = 2;
    s.tiling = tiling;
    s.tilePx = 16;
    return s;
}

}  // namespace

class TestDemoGrowth : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void grownModelComputesTheSame() {
        const VaeConfig cfg = demoConfig(DemoArch{8, 1});
        const NamedTensors small = trainedLookingModel(cfg);
        const NamedTensors grown = addResidualBlock(small, cfg, 5, "test");
        VaeConfig deeper = cfg;
        deeper.numResBlocks = 2;
        QCOMPARE(grown.size(), expectedTensors(deeper, VaeParts::Both).size());
        // The new blocks: last in their stage, second convolution zero.
        QCOMPARE(grown.at("decoder.upsamples.2.residual.6.weight").abs().max().item<float>(), 0.0f);
        QCOMPARE(grown.at("encoder.downsamples.1.residual.6.weight").abs().max().item<float>(), 0.0f);
        // A trained block and a resampler moved to their new places.
        QCOMPARE(maxAbsOf(grown.at("decoder.upsamples.4.residual.6.weight"), small.at("decoder.upsamples.3.residual.6.weight")), 0.0);
        QCOMPARE(maxAbsOf(grown.at("decoder.upsamples.3.resample.1.weight"), small.at("decoder.upsamples.2.resample.1.weight")), 0.0);
        QCOMPARE(maxAbsOf(grown.at("encoder.downsamples.2.resample.1.weight"), small.at("encoder.downsamples.1.resample.1.weight")), 0.0);

        const WanVae a = WanVae::fromTensors(small, VaeParts::Both, "small");
        const WanVae b = WanVae::fromTensors(grown, VaeParts::Both, "grown");
        QCOMPARE(b.config().numResBlocks, 2);
        at::Generator gen = at::detail::createCPUGenerator(1);
        const at::Tensor clip = at::rand({3, 9, 32, 32}, gen) * 2 - 1;
        const at::Tensor latA = encodeToLatents(a, clip, cpu()), latB = encodeToLatents(b, clip, cpu());
        QVERIFY2(test::maxAbs(latA, latB) <= 1e-5, std::to_string(test::maxAbs(latA, latB)).c_str());
        const at::Tensor videoA = decodeToTensor(a, latA, cpu());
        const at::Tensor videoB = decodeToTensor(b, latA, cpu());
        QVERIFY2(test::maxAbs(videoA, videoB) <= 1e-5, std::to_string(test::maxAbs(videoA, videoB)).c_str());
        // Exact tiles of the deeper decoder (larger halos) still equal its untiled decode.
        const at::Tensor tiled = decodeToTensor(b, latA, cpu(TilingMode::Exact));
        QVERIFY2(test::maxAbs(tiled, videoB) <= 1e-4, std::to_string(test::maxAbs(tiled, videoB)).c_str());
        QVERIFY(test::maxAbs(videoA, at::zeros_like(videoA)) > 0.01);  // not a trivially zero decode
    }

    void refusesWeightsOfAnotherArchitecture() {
        const VaeConfig cfg = demoConfig(DemoArch{8, 1});
        NamedTensors missing = trainedLookingModel(cfg);
        missing.erase("decoder.upsamples.0.residual.2.weight");
        const std::string m1 = test::expectError([&] { addResidualBlock(missing, cfg, 5, "weights.safetensors"); });
        QVERIFY2(m1.find("weights.safetensors") != std::string::npos && m1.find("decoder.upsamples.0.residual.2.weight") != std::string::npos,
                 m1.c_str());
        // A dim-16 model's tensors read as a dim-8 one: the first tensor of another shape is named.
        const NamedTensors wider = trainedLookingModel(demoConfig(DemoArch{16, 1}));
        const std::string m2 = test::expectError([&] { addResidualBlock(wider, cfg, 5, "wide.safetensors"); });
        QVERIFY2(m2.find("wide.safetensors") != std::string::npos && m2.find("shape") != std::string::npos, m2.c_str());
    }

private:
    static double maxAbsOf(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }
};

QTEST_APPLESS_MAIN(TestDemoGrowth)
#include "test_demo_growth.moc"
