// The built-in demo model (resources/demo/, trained by tools/train_demo, see
// docs/demo-model.md): builtin:demo resolves to the shipped files, its latents decode to
// the demo clip, and an encode -> decode round trip of clips it never saw in training
// reconstructs them (PSNR thresholds = what export measured, minus a margin).
#include "core/resource_path.h"
#include "decode/decoder_run.h"
#include "io/latents_reader.h"
#include "model/demo.h"
#include "model/wan_vae.h"
#include "synthetic_clips.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <filesystem>

using namespace ts;

namespace {

// Measured on the shipped weights (docs/demo-model.md: `eval --frames 9 --size 64
// --count 2` and `export`), minus a margin of about 1.5 dB for platform differences in
// float summation order. Each bar is above what the weights shipped before reached, so
// the test fails if the old weights come back. These small sets (32-64 px frames) are
// below the 28 dB goal; frames of 128 px and more meet it (kGoalPsnr below; see
// docs/demo-model.md, "The 28 dB goal by frame size").
constexpr double kMinHeldOutPsnr = 26.0;      // measured 27.52 dB (stage 7; stage 5: 27.53); dim 16: 23.91, 5-frame weights: 15.47
// The demo clip with text (seed 2^40 + 1000040, since 2026-11-27) measures 31.30 dB; the
// texture-only clip before it measured 33.79 dB (stage 7; stage 5: 33.50; dim 16: 27.64).
constexpr double kMinDemoLatentsPsnr = 30.0;
// 33-frame clips (9 latent frames, longer than any training clip): 27.23 dB on two
// 33x32x32 clips (dim 24, stage 5; stage 4: 26.54); the dim-16 stage 3 gave 21.84 dB and
// its stage 2 (9-frame clips) fell apart to 13.13 dB, below the clips' mean colour (18.80 dB).
constexpr double kMinLongClipPsnr = 25.0;
// Issue 7's goal, held without a margin: the mean over 16 held-out 5x128x128 clips, the
// shortest clips at the smallest frame size where it holds, measured 28.62 dB (stage 7;
// the same clips at 64x64: 27.65 dB). Float summation order moves this by ~0.01 dB.
constexpr double kGoalPsnr = 28.0;

double psnr(const at::Tensor& a, const at::Tensor& b) {
    const double mse = (a - b).pow(2).mean().item<double>();
    return 10.0 * std::log10(4.0 / std::max(mse, 1e-12));
}

DecodeSettings cpuSettings() {
    DecodeSettings s;
    s.threads = 2;
    return s;
}

// Held-out clip i (never seen in training) of `frames` frames of size x size pixels.
at::Tensor heldOutClip(int i, int frames, int size) {
    demo::ClipSpec spec;
    spec.frames = frames;
    spec.height = spec.width = size;
    return demo::makeClip(demo::kHeldOutSeedBase + static_cast<std::uint64_t>(i), spec);
}

at::Tensor roundTrip(const WanVae& vae, const at::Tensor& clip) {
    return decodeToTensor(vae, encodeToLatents(vae, clip, cpuSettings()), cpuSettings());
}

}  // namespace

class TestDemoModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void builtinDemoResolvesToResources() {
        const std::string file = findResource(kDemoVaeResource);
        QVERIFY2(!file.empty(), "resources/demo/demo_vae.safetensors not found");
        QVERIFY(std::filesystem::file_size(file) <= 20u * 1024 * 1024);
        const WanVae vae = WanVae::load("builtin:demo", VaeParts::Both);
        QCOMPARE(vae.source(), file);
        const VaeConfig& c = vae.config();
        QCOMPARE(c.zDim, 16);
        QCOMPARE(c.baseDim, 24);
        QCOMPARE(c.numResBlocks, 2);  // as Wan2.1's (stage 7 grew the dim-24 model from 1)
        QCOMPARE(c.dimMult, (std::vector<int>{1, 2, 4, 4}));
        QCOMPARE(c.temporalDownsample, (std::vector<bool>{false, true, true}));
        QVERIFY(c.hasEncoder && c.hasDecoder);
    }

    void theGuiDemoIsTheTrainedModel() {
        // What `tilescope --demo` opens by default: the trained model and its clip.
        const DemoAssets trained = loadDemo();
        QCOMPARE(trained.vaeSource, std::string("builtin:demo"));
        QCOMPARE(trained.latents.sizes().vec(), (std::vector<std::int64_t>{16, 9, 32, 32}));
        QVERIFY(at::isfinite(trained.latents).all().item<bool>());
        const DemoAssets tiny = loadDemo(parseDemoKind("tiny", "--demo-model"));
        QCOMPARE(tiny.vaeSource, std::string("builtin:tiny"));
        QCOMPARE(tiny.latents.sizes().vec(), (std::vector<std::int64_t>{16, 5, 12, 16}));
        QVERIFY(test::maxAbs(tiny.latents, loadDemo(DemoKind::TinyRandom).latents) == 0);  // seeded
        const DemoAssets full = loadDemo(parseDemoKind("wan2.1", "--demo-model"));
        QCOMPARE(full.vaeSource, std::string("builtin:wan2.1"));
        QCOMPARE(full.latents.sizes().vec(), (std::vector<std::int64_t>{16, 3, 16, 16}));
        const std::string error = test::expectError([] { parseDemoKind("big", "--demo-model"); }, ErrorKind::Usage);
        QVERIFY2(error.rfind("--demo-model: unknown demo 'big'", 0) == 0, error.c_str());
    }

    void builtinTinyStillRandomWeights() {
        const WanVae vae = WanVae::load("builtin:tiny", VaeParts::Decoder);
        QCOMPARE(vae.config().baseDim, 8);
        QCOMPARE(vae.config().numResBlocks, 2);
        QCOMPARE(vae.source(), std::string("builtin:tiny"));
    }

    // The shipped latents are the demo clip encoded by the shipped model; decoding the
    // first two latent frames over the top-left 16x16 latent pixels gives back the
    // clip's first 5 frames there (the crop's own border aside).
    void demoLatentsDecodeToTheDemoClip() {
        const std::string file = findResource(kDemoLatentsResource);
        QVERIFY2(!file.empty(), "resources/demo/demo_latents.safetensors not found");
        const at::Tensor latents = readLatents(file);
        QCOMPARE(latents.sizes().vec(), (std::vector<int64_t>{16, 9, 32, 32}));
        const WanVae vae = WanVae::load("builtin:demo", VaeParts::Decoder);
        const at::Tensor part = latents.narrow(1, 0, 2).narrow(2, 0, 16).narrow(3, 0, 16).contiguous();
        const at::Tensor video = decodeToTensor(vae, part, cpuSettings());
        QCOMPARE(video.sizes().vec(), (std::vector<int64_t>{3, 5, 128, 128}));
        demo::ClipSpec spec;
        spec.frames = 5;
        spec.height = spec.width = 256;  // the clip's first frames do not depend on its length
        const at::Tensor clip = demo::makeClip(demo::kDemoClipSeed, spec);
        const double db = psnr(video.narrow(2, 0, 112).narrow(3, 0, 112), clip.narrow(2, 0, 112).narrow(3, 0, 112));
        qInfo("demo latents, first 5 frames (112x112 crop): %.2f dB", db);
        QVERIFY2(db >= kMinDemoLatentsPsnr, qPrintable(QString::number(db)));
    }

    // Clips from the held-out seed range: never seen in training.
    void roundTripOfHeldOutClips() {
        const WanVae vae = WanVae::load("builtin:demo", VaeParts::Both);
        demo::ClipSpec spec;
        spec.frames = 9;
        spec.height = spec.width = 64;
        double sum = 0;
        const int n = 2;
        for (int i = 0; i < n; ++i) {
            const at::Tensor clip = demo::makeClip(demo::kHeldOutSeedBase + static_cast<std::uint64_t>(i), spec);
            const at::Tensor latents = encodeToLatents(vae, clip, cpuSettings());
            QCOMPARE(latents.sizes().vec(), (std::vector<int64_t>{16, 3, 8, 8}));
            // Normalised latents are unit-scale (the model's statistics are folded in).
            const double rms = latents.pow(2).mean().sqrt().item<double>();
            QVERIFY2(rms > 0.3 && rms < 3.0, qPrintable(QString::number(rms)));
            const at::Tensor video = decodeToTensor(vae, latents, cpuSettings());
            QCOMPARE(video.sizes().vec(), clip.sizes().vec());
            sum += psnr(video, clip);
        }
        qInfo("held-out round trip, 9x64x64: mean %.2f dB", sum / n);
        QVERIFY2(sum / n >= kMinHeldOutPsnr, qPrintable(QString::number(sum / n)));
        // The same clips through random weights are noise: the threshold means something.
        const WanVae tiny = WanVae::load("builtin:tiny", VaeParts::Both);
        const at::Tensor clip = demo::makeClip(demo::kHeldOutSeedBase, spec);
        const at::Tensor noise = decodeToTensor(tiny, encodeToLatents(tiny, clip, cpuSettings()), cpuSettings());
        const double noiseDb = psnr(noise, clip);
        qInfo("the same clip through builtin:tiny (random weights): %.2f dB", noiseDb);
        QVERIFY2(noiseDb < sum / n - 3, qPrintable(QString::number(noiseDb)));
    }

    // The goal, on the same 16 clips `tilescope-train-demo eval --frames 5 --size 128
    // --count 16` measures, clamped to [-1, 1] as every frame a user sees is.
    void meetsTheGoalAtVideoFrameSizes() {
        const WanVae vae = WanVae::load("builtin:demo", VaeParts::Both);
        double sum = 0, lowest = 1e9;
        const int n = 16;
        for (int i = 0; i < n; ++i) {
            const at::Tensor clip = heldOutClip(i, 5, 128);
            const double db = psnr(roundTrip(vae, clip).clamp(-1, 1), clip);
            sum += db;
            lowest = std::min(lowest, db);
        }
        qInfo("held-out round trip, 16 clips of 5x128x128: mean %.2f dB, lowest %.2f dB", sum / n, lowest);
        QVERIFY2(sum / n >= kGoalPsnr, qPrintable(QString::number(sum / n)));
    }

    // The first launch plays 33 frames: later latent frames must stay recognisable too.
    void longClipsStayRecognisable() {
        const WanVae vae = WanVae::load("builtin:demo", VaeParts::Both);
        double sum = 0, meanColour = 0;
        const int n = 2;
        for (int i = 0; i < n; ++i) {
            const at::Tensor clip = heldOutClip(i, 33, 32);
            sum += psnr(roundTrip(vae, clip), clip);
            meanColour += psnr(clip.mean({1, 2, 3}, /*keepdim=*/true).expand_as(clip), clip);
        }
        qInfo("held-out round trip, 33x32x32: mean %.2f dB (mean colour alone %.2f dB)", sum / n, meanColour / n);
        QVERIFY2(sum / n >= kMinLongClipPsnr, qPrintable(QString::number(sum / n)));
        QVERIFY(sum / n > meanColour / n + 1.5);
    }
};

QTEST_APPLESS_MAIN(TestDemoModel)
#include "test_demo_model.moc"
