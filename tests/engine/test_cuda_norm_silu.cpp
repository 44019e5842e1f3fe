// The CUDA fused RMS norm + SiLU (gpu/norm_silu_cuda.h, gpu/norm_silu_kernel.cu) where no
// GPU is: the launch it builds from tensors (sizes, strides, scale, which kernel), and the
// per-position indexing and arithmetic it shares with the kernel (gpu/norm_silu_launch.h),
// run here on the host over every position and checked against the ATen path in fp32 and
// bf16, for NCDHW and channels-last inputs written into a padded window. The kernel launch
// itself is checked on a lent GPU (`check --opt all` against the golden reference,
// docs/benchmarks/).
#include "core/error.h"
#include "gpu/norm_silu_cuda.h"
#include "gpu/norm_silu_launch.h"
#include "gpu/norm_silu_selfcheck.h"
#include "model/layers.h"

#include "test_support.h"
#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <c10/core/GradMode.h>
#include <c10/util/BFloat16.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include <cstring>
#include <set>

using namespace ts;
using ts::test::maxAbs;

namespace {

// What the kernels compute, position by position, with the shared pieces: x, gamma and out
// of the launch's dtype (fp32 or bf16) on the host.
void runOnHost(const gpu::NormSiluLaunch& a) {
    const bool bf16 = a.dtype == gpu::NormSiluDtype::BFloat16;
    auto load = [&](const void* base, std::int64_t i) {
        return bf16 ? gpu::bf16BitsToFloat(static_cast<const std::uint16_t*>(base)[i])
                    : static_cast<const float*>(base)[i];
    };
    for (std::int64_t p = 0; p < a.positions(); ++p) {
        std::int64_t xo = 0, oo = 0;
        gpu::positionOffsets(a, p, xo, oo);
        float sum = 0.0f;
        for (std::int64_t c = 0; c < a.sizes[1]; ++c) {
            const float v = load(a.x, xo + c * a.xStrides[1]);
            sum += v * v;
        }
        const float inv = gpu::reciprocalNorm(sum);
        for (std::int64_t c = 0; c < a.sizes[1]; ++c) {
            const float v = gpu::normSiluValue(load(a.x, xo + c * a.xStrides[1]), inv, load(a.gamma, c) * a.scale);
            const std::int64_t o = oo + c * a.outStrides[1];
            if (bf16) static_cast<std::uint16_t*>(a.out)[o] = gpu::floatToBf16Bits(v);
            else static_cast<float*>(a.out)[o] = v;
        }
    }
}

struct Case {
    at::Tensor x, gamma;
};

Case randomCase(at::IntArrayRef sizes, std::uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    return {at::randn(sizes, gen).mul_(3.0), at::randn({sizes[1]}, gen)};
}

}  // namespace

class TestCudaNormSilu : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void launchDescribesTheTensors() {
        const Case c = randomCase({2, 12, 3, 5, 7}, 1);
        at::Tensor buffer = at::zeros({2, 12, 5, 7, 9});
        const at::Tensor window = buffer.narrow(2, 2, 3).narrow(3, 1, 5).narrow(4, 1, 7);
        int streamTag = 0;
        const gpu::NormSiluLaunch a = gpu::makeNormSiluLaunch(c.x, c.gamma, window, &streamTag);
        QCOMPARE(a.dtype, gpu::NormSiluDtype::Float32);
        QCOMPARE(a.x, c.x.data_ptr());
        QCOMPARE(a.out, window.data_ptr());
        QCOMPARE(a.gamma, c.gamma.data_ptr());
        QCOMPARE(a.stream, static_cast<void*>(&streamTag));
        QCOMPARE(a.scale, std::sqrt(12.0f));
        QCOMPARE(a.positions(), std::int64_t(2 * 3 * 5 * 7));
        for (int d = 0; d < 5; ++d) {
            QCOMPARE(a.sizes[d], c.x.size(d));
            QCOMPARE(a.xStrides[d], c.x.stride(d));
            QCOMPARE(a.outStrides[d], window.stride(d));
        }
        QVERIFY(!a.channelsInnermost());  // NCDHW: the thread-per-position kernel
        const at::Tensor last = c.x.contiguous(at::MemoryFormat::ChannelsLast3d);
        QVERIFY(gpu::makeNormSiluLaunch(last, c.gamma, window, nullptr).channelsInnermost());
        QCOMPARE(gpu::makeNormSiluLaunch(c.x.to(at::kBFloat16), c.gamma.to(at::kBFloat16),
                                         window.to(at::kBFloat16), nullptr).dtype,
                 gpu::NormSiluDtype::BFloat16);
        QCOMPARE(gpu::makeNormSiluLaunch(c.x.to(at::kHalf), c.gamma.to(at::kHalf), window.to(at::kHalf), nullptr).dtype,
                 gpu::NormSiluDtype::Float16);
    }

    void vectorisedKernelTakesAlignedChannelsLastOnly() {
        // Which kernel a launch gets: the vectorised one only where every 16-byte load is
        // aligned and whole; the lane count sized to the channels.
        auto lanes = [](std::int64_t C, at::ScalarType t, bool channelsLast, std::int64_t firstChannel = 0) {
            const auto format = channelsLast ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
            const auto options = at::TensorOptions().dtype(t);
            const at::Tensor all = at::zeros({1, C + firstChannel, 2, 3, 4}, options).contiguous(format);
            const at::Tensor x = all.narrow(1, firstChannel, C);
            at::Tensor buffer = at::zeros({1, C, 4, 5, 6}, options).contiguous(format);
            const at::Tensor window = buffer.narrow(2, 2, 2).narrow(3, 1, 3).narrow(4, 1, 4);
            return gpu::normSiluVectorLanes(gpu::makeNormSiluLaunch(x, at::ones({C}, options), window, nullptr));
        };
        // The fewest lanes (a power of two) holding C at up to 4 vectors each.
        QCOMPARE(lanes(96, at::kBFloat16, true), 4);    // Wan's channels: 12 vectors of 8
        QCOMPARE(lanes(192, at::kBFloat16, true), 8);
        QCOMPARE(lanes(384, at::kBFloat16, true), 16);  // 48 vectors, 3 per lane
        QCOMPARE(lanes(384, at::kHalf, true), 16);
        QCOMPARE(lanes(384, at::kFloat, true), 32);     // 96 vectors of 4
        QCOMPARE(lanes(40, at::kBFloat16, true), 2);    // 5 vectors
        QCOMPARE(lanes(40, at::kFloat, true), 4);       // 10 vectors
        QCOMPARE(lanes(8, at::kBFloat16, true), 1);
        QCOMPARE(lanes(1024, at::kBFloat16, true), 32); // 128 vectors: four per lane
        QCOMPARE(lanes(1032, at::kBFloat16, true), 0);  // 129: more than registers hold
        QCOMPARE(lanes(12, at::kBFloat16, true), 0);    // not whole vectors
        QCOMPARE(lanes(96, at::kBFloat16, false), 0);   // NCDHW: the per-thread kernel
        QCOMPARE(lanes(40, at::kBFloat16, true, 8), 2); // a view 16 bytes in: still aligned
        QCOMPARE(lanes(40, at::kBFloat16, true, 4), 0); // 8 bytes in: misaligned
        QCOMPARE(lanes(40, at::kFloat, true, 2), 0);
    }

    void vectorLanesMustFitTheChannels() {
        // A launch's lanes (set by makeNormSiluLaunch, or by hand in a micro-benchmark) are
        // checked before the kernel runs: a power of two up to 32 holding C at 4 vectors per lane.
        const at::Tensor x = at::zeros({1, 384, 2, 3, 4}, at::kBFloat16).contiguous(at::MemoryFormat::ChannelsLast3d);
        const at::Tensor gamma = at::ones({384}, at::kBFloat16);
        const gpu::NormSiluLaunch a = gpu::makeNormSiluLaunch(x, gamma, at::empty_like(x), nullptr);
        QCOMPARE(a.vectorLanes, 16);
        QVERIFY(gpu::vectorLanesValid(a, 16));   // 48 vectors, 3 per lane
        QVERIFY(gpu::vectorLanesValid(a, 32));
        QVERIFY(!gpu::vectorLanesValid(a, 8));   // 6 per lane: more than registers hold
        QVERIFY(!gpu::vectorLanesValid(a, 24));  // not a power of two
        QVERIFY(!gpu::vectorLanesValid(a, 64));
        QVERIFY(!gpu::vectorLanesValid(a, 0));
        QCOMPARE(gpu::makeNormSiluLaunch(x.contiguous(), gamma, at::empty_like(x.contiguous()), nullptr).vectorLanes, 0);
    }

    void positionsSplitTheSameIn32Bits() {
        // The kernels split a position in 32-bit arithmetic where it fits: the same offsets.
        const at::Tensor x = at::zeros({3, 8, 5, 7, 11}).contiguous(at::MemoryFormat::ChannelsLast3d);
        at::Tensor buffer = at::zeros({3, 8, 7, 9, 13});
        const at::Tensor window = buffer.narrow(2, 2, 5).narrow(3, 1, 7).narrow(4, 1, 11);
        const gpu::NormSiluLaunch a = gpu::makeNormSiluLaunch(x, at::ones({8}), window, nullptr);
        QVERIFY(gpu::positionsFit32(a));
        for (std::int64_t p = 0; p < a.positions(); ++p) {
            std::int64_t x64 = 0, o64 = 0, x32 = 0, o32 = 0;
            gpu::positionOffsets(a, p, x64, o64);
            gpu::positionOffsets<std::uint32_t>(a, p, x32, o32);
            QCOMPARE(x32, x64);
            QCOMPARE(o32, o64);
        }
        gpu::NormSiluLaunch huge = a;
        huge.sizes[0] = std::int64_t(1) << 30;  // 2^30 * 385 positions: 64-bit only
        QVERIFY(!gpu::positionsFit32(huge));
    }

    void launchRefusesMismatches() {
        const Case c = randomCase({1, 8, 2, 3, 4}, 2);
        const at::Tensor out = at::empty_like(c.x);
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::makeNormSiluLaunch(c.x, c.gamma.narrow(0, 0, 7), out, nullptr));
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::makeNormSiluLaunch(c.x, c.gamma.to(at::kBFloat16), out, nullptr));
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::makeNormSiluLaunch(c.x, c.gamma, out.narrow(4, 0, 3), nullptr));
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::makeNormSiluLaunch(c.x, c.gamma, out.to(at::kBFloat16), nullptr));
        QVERIFY_THROWS_EXCEPTION(ts::Error,
                                 gpu::makeNormSiluLaunch(c.x.to(at::kDouble), c.gamma.to(at::kDouble),
                                                         out.to(at::kDouble), nullptr));
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::makeNormSiluLaunch(c.x.flatten(0, 1), c.gamma, out.flatten(0, 1), nullptr));
    }

    void neverTakesCpuTensors() {
        const Case c = randomCase({1, 8, 2, 3, 4}, 3);
        c10::NoGradGuard inference;
        QVERIFY(!gpu::cudaNormSiluApplies(c.x));
        // Where the kernel cannot run at all, the decoder's per-run question says why.
        if (!gpu::cudaNormSiluBuilt()) QCOMPARE(gpu::cudaNormSiluProblemOn(0), gpu::describeCudaNormSilu());
        at::Tensor out = at::empty_like(c.x);
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::cudaRmsNormSiluInto(c.x, c.gamma, out));
    }

    void infoSaysWhatFusedNormRunsOnCuda() {
        // A GPU user must be able to tell the kernel from the ATen fallback: `info` says which,
        // and why when it is the fallback.
        const std::string expected = gpu::describeCudaNormSilu();
        if (gpu::cudaNormSiluBuilt()) QCOMPARE(expected, std::string("fused-norm kernel (ours)"));
        else QVERIFY2(expected.rfind("ATen ops (", 0) == 0 && expected.size() > 12, expected.c_str());
        const test::CliResult r = test::runCli({"info", "--vae", "builtin:tiny", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject info = QJsonDocument::fromJson(r.stdoutText.toUtf8()).object();
        QCOMPARE(info.value("cuda_norm_silu").toString().toStdString(), expected);
    }

    void kernelArithmeticMatchesAten_data() {
        QTest::addColumn<bool>("channelsLast");
        QTest::addColumn<bool>("bf16");
        QTest::newRow("NCDHW fp32") << false << false;
        QTest::newRow("channels-last fp32") << true << false;
        QTest::newRow("NCDHW bf16") << false << true;
        QTest::newRow("channels-last bf16") << true << true;
    }
    void kernelArithmeticMatchesAten() {
        QFETCH(bool, channelsLast);
        QFETCH(bool, bf16);
        c10::NoGradGuard inference;
        const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
        const auto format = channelsLast ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
        const Case c = randomCase({2, 40, 3, 6, 11}, 4);
        const at::Tensor x = c.x.to(dtype).contiguous(format), gamma = c.gamma.to(dtype);
        // The pad-in-place use: a window of a bigger buffer in the same layout; its border
        // (a sentinel here) must stay untouched.
        at::Tensor buffer = at::full({2, 40, 5, 8, 13}, 7.0, at::TensorOptions().dtype(dtype)).contiguous(format);
        at::Tensor window = buffer.narrow(2, 2, 3).narrow(3, 1, 6).narrow(4, 1, 11);
        runOnHost(gpu::makeNormSiluLaunch(x, gamma, window, nullptr));
        const at::Tensor exact = layers::rmsNormSilu(x.to(at::kFloat), gamma.to(at::kFloat).view({40, 1, 1, 1}));
        const at::Tensor err = (window.to(at::kFloat) - exact).abs();
        // fp32: a few ulps of the values; bf16: one rounding of the fp32 result (half a step,
        // 2^-9 relative), with slack for the different summation order.
        const at::Tensor bound = bf16 ? exact.abs().mul(1.0 / 256).add(1e-6) : exact.abs().mul(4e-7).add(1e-6);
        QVERIFY2(err.le(bound).all().item<bool>(), std::to_string(err.max().item<double>()).c_str());
        at::Tensor mask = at::ones(buffer.sizes(), at::kBool);
        mask.narrow(2, 2, 3).narrow(3, 1, 6).narrow(4, 1, 11).fill_(false);
        QVERIFY(buffer.masked_select(mask).eq(7.0).all().item<bool>());
    }

    void aNanPixelStaysNan() {
        // As ATen's clamp_min keeps a NaN norm: the pixel's every channel is NaN, not x * 1e12.
        c10::NoGradGuard inference;
        Case c = randomCase({1, 8, 1, 2, 3}, 6);
        c.x.index_put_({0, 3, 0, 1, 2}, std::nanf(""));
        at::Tensor out = at::zeros_like(c.x);
        runOnHost(gpu::makeNormSiluLaunch(c.x, c.gamma, out, nullptr));
        const at::Tensor pixel = out.select(4, 2).select(3, 1).select(2, 0).select(0, 0);  // [C]
        QVERIFY(pixel.isnan().all().item<bool>());
        QCOMPARE(out.isnan().sum().item<std::int64_t>(), std::int64_t(8));
        const at::Tensor expected = layers::rmsNormSilu(c.x, c.gamma.view({8, 1, 1, 1}));
        QCOMPARE(expected.isnan().sum().item<std::int64_t>(), std::int64_t(8));
    }

    void kernelMatchesAtenOnTheGpu() {
        // Runs where a CUDA LibTorch and the kernel are both here (a GPU machine with Qt); the
        // lent machines without Qt run the same cases with `tilescope-cli check --kernels`.
        if (!at::hasCUDA() || !gpu::cudaNormSiluBuilt()) QSKIP("needs a CUDA device and the kernel built");
        const std::vector<gpu::NormSiluCheck> results = gpu::checkNormSiluKernels(c10::Device(at::kCUDA, 0));
        QCOMPARE(results.size(), gpu::normSiluCheckCases().size());
        for (const gpu::NormSiluCheck& r : results)
            QVERIFY2(r.pass(), (r.name + " (" + r.kernel + "): " + std::to_string(r.worstRatio) + " of the allowed error")
                                   .c_str());
    }

    void kernelCheckCoversEveryKernel() {
        // `check --kernels` is the only GPU check the lent machines run (they have no Qt):
        // its cases must reach all three kernels, each dtype on the vectorised one.
        std::set<std::string> kernels;
        for (const gpu::NormSiluCheckCase& c : gpu::normSiluCheckCases()) {
            std::string k = gpu::normSiluKernelOf(c, c10::Device(at::kCPU));
            if (k.rfind("vectorised", 0) == 0) k = std::string("vectorised ") + c10::toString(c.dtype);
            kernels.insert(k);
        }
        for (const char* k : {"per-thread", "per-warp", "vectorised Float", "vectorised BFloat16", "vectorised Half"})
            QVERIFY2(kernels.count(k), k);
        QCOMPARE(gpu::normSiluKernelOf({40, true, at::kBFloat16, 4}, c10::Device(at::kCPU)), std::string("per-warp"));
        QCOMPARE(gpu::normSiluKernelOf({96, true, at::kBFloat16, 0}, c10::Device(at::kCPU)), std::string("vectorised, 4 lanes"));
    }

    void kernelCheckNeedsACudaDevice() {
        // On the CPU (or without a CUDA LibTorch) the check refuses with a message naming what
        // it needs, and a usage error exits 2.
        QVERIFY_THROWS_EXCEPTION(ts::Error, gpu::checkNormSiluKernels(c10::Device(at::kCPU)));
        const test::CliResult r = test::runCli({"check", "--kernels"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--device cuda"), qPrintable(r.stderrText));
        if (!at::hasCUDA()) {
            const test::CliResult c = test::runCli({"check", "--kernels", "--device", "cuda"});
            QCOMPARE(c.exitCode, 2);  // as decode --device cuda: a combination this build cannot run
            QVERIFY2(c.stderrText.contains("--device cuda: this build's LibTorch has no CUDA support"), qPrintable(c.stderrText));
        }
    }

    void bf16BitsRoundToNearestEvenAsC10Does() {
        at::Generator gen = at::detail::createCPUGenerator(5);
        const at::Tensor values = at::randn({4096}, gen).mul_(1e3);
        const float* v = values.data_ptr<float>();
        for (std::int64_t i = 0; i < values.numel(); ++i) {
            const c10::BFloat16 expected(v[i]);
            std::uint16_t bits;
            std::memcpy(&bits, &expected, sizeof bits);
            QCOMPARE(gpu::floatToBf16Bits(v[i]), bits);
            QCOMPARE(gpu::bf16BitsToFloat(bits), static_cast<float>(expected));
        }
        // Exactly halfway: to the even neighbour (1 + 2^-8 -> 1, 1 + 3 * 2^-8 -> 1 + 2^-6).
        QCOMPARE(gpu::floatToBf16Bits(1.0f + 1.0f / 256), std::uint16_t(0x3f80));
        QCOMPARE(gpu::floatToBf16Bits(1.0f + 3.0f / 256), std::uint16_t(0x3f82));
        QCOMPARE(gpu::floatToBf16Bits(std::nanf("")), std::uint16_t(0x7fc0));
    }
};

QTEST_GUILESS_MAIN(TestCudaNormSilu)
#include "test_cuda_norm_silu.moc"
