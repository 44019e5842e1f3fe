// The fused RMS norm + SiLU (model/fused_norm_silu.h) against the ATen path it replaces
// (layers::rmsNormSilu): fp32 to rounding, bf16 to one bf16 rounding of the fp32 result,
// written into a window of a padded buffer without touching its border, across odd
// shapes, the exp polynomial's clamped range, all-zero pixels and the refusals.
#include "core/error.h"
#include "model/fused_norm_silu.h"
#include "model/layers.h"
#include "profile/aten_profiler.h"
#include "profile/trace_store.h"
#include "profile/trace_scope.h"

#include "test_support.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <QtTest>

using namespace ts;
using ts::test::maxAbs;

namespace {

struct Case {
    at::Tensor x, gamma;
};

Case randomCase(at::IntArrayRef sizes, double gammaScale, std::uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    Case c;
    c.x = at::randn(sizes, gen).mul_(3.0);
    c.gamma = at::randn({sizes[1], 1, 1, 1}, gen).mul_(gammaScale);
    return c;
}

}  // namespace

class TestFusedNormSilu : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { at::set_num_threads(2); }

    void fp32MatchesTheAtenPath_data() {
        QTest::addColumn<QVector<qint64>>("sizes");
        QTest::addColumn<double>("gammaScale");
        QTest::newRow("decoder-like") << QVector<qint64>{1, 32, 4, 12, 20} << 1.0;
        QTest::newRow("one pixel wide") << QVector<qint64>{1, 8, 1, 5, 1} << 1.0;
        QTest::newRow("odd width, two clips") << QVector<qint64>{2, 12, 3, 7, 17} << 1.0;
        QTest::newRow("one channel") << QVector<qint64>{1, 1, 2, 4, 9} << 1.0;
        // sqrt(C) * gamma up to ~400: SiLU's argument leaves the polynomial's clamp range.
        QTest::newRow("large gains") << QVector<qint64>{1, 16, 2, 6, 33} << 25.0;
    }
    void fp32MatchesTheAtenPath() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        QFETCH(QVector<qint64>, sizes);
        QFETCH(double, gammaScale);
        const std::vector<int64_t> dims(sizes.begin(), sizes.end());
        const Case c = randomCase(dims, gammaScale, 7);
        const at::Tensor expected = layers::rmsNormSilu(c.x, c.gamma);
        at::Tensor out = at::full_like(c.x, 123.0);
        QVERIFY(layers::fusedNormSiluApplies(c.x));
        layers::fusedRmsNormSiluInto(c.x, c.gamma, out);
        // Relative to the values' scale: a few fp32 ulps of sqrt(C) * |gamma| * |x|/||x||.
        const double scale = expected.abs().max().item<double>();
        const double err = maxAbs(out, expected);
        qInfo("max abs %.3g (values up to %.3g)", err, scale);
        QVERIFY2(err <= 4e-7 * std::max(1.0, scale), std::to_string(err).c_str());
        QVERIFY(out.min().item<double>() >= -0.2785);  // SiLU's minimum is -0.27846
    }

    void writesIntoAPaddedWindowOnly() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        // The pad-in-place use: the output is the interior of a bigger buffer whose border
        // (zeros in use; a sentinel here) must stay as it was.
        const Case c = randomCase({1, 24, 3, 9, 14}, 1.0, 11);
        at::Tensor buffer = at::full({1, 24, 5, 11, 16}, 7.0);
        at::Tensor window = buffer.narrow(2, 2, 3).narrow(3, 1, 9).narrow(4, 1, 14);
        QVERIFY(!window.is_contiguous());
        layers::fusedRmsNormSiluInto(c.x, c.gamma, window);
        QVERIFY(maxAbs(window, layers::rmsNormSilu(c.x, c.gamma)) <= 1e-5);
        at::Tensor mask = at::ones_like(buffer, at::kBool);
        mask.narrow(2, 2, 3).narrow(3, 1, 9).narrow(4, 1, 14).fill_(false);
        const at::Tensor border = buffer.masked_select(mask);
        QCOMPARE(border.numel(), buffer.numel() - window.numel());
        QVERIFY(border.eq(7.0).all().item<bool>());
    }

    void readsACropInPlace() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        // An exact tile's crop: a window of the previous layer's output, read through its
        // strides (it used to be refused and took the ATen path).
        const Case c = randomCase({1, 16, 3, 12, 20}, 1.0, 17);
        const at::Tensor crop = c.x.narrow(3, 2, 7).narrow(4, 3, 11);
        QVERIFY(!crop.is_contiguous());
        QVERIFY(layers::fusedNormSiluApplies(crop));
        at::Tensor out = at::empty(crop.sizes());
        layers::fusedRmsNormSiluInto(crop, c.gamma, out);
        QVERIFY(maxAbs(out, layers::rmsNormSilu(crop.contiguous(), c.gamma)) <= 1e-5);
        // bf16 the same way: the same values as from a dense copy of the crop.
        const at::Tensor crop16 = c.x.to(at::kBFloat16).narrow(3, 2, 7).narrow(4, 3, 11);
        at::Tensor out16 = at::empty(crop16.sizes(), crop16.options()), dense16 = at::empty_like(out16);
        layers::fusedRmsNormSiluInto(crop16, c.gamma, out16);
        layers::fusedRmsNormSiluInto(crop16.contiguous(), c.gamma, dense16);
        QVERIFY(out16.equal(dense16));
    }

    void bf16RoundsOnce() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        // In bf16 the ATen path rounds twice (after the norm, after SiLU); the fused one
        // computes in fp32 and rounds once, so it is within half a bf16 step (2^-9
        // relative) of the fp32 result on the same bf16 input, and no worse than ATen's.
        const Case c = randomCase({1, 48, 3, 10, 26}, 1.0, 13);
        const at::Tensor x16 = c.x.to(at::kBFloat16), g16 = c.gamma.to(at::kBFloat16);
        const at::Tensor exact = layers::rmsNormSilu(x16.to(at::kFloat), g16.to(at::kFloat));
        at::Tensor out = at::empty_like(x16);
        layers::fusedRmsNormSiluInto(x16, g16, out);
        QCOMPARE(out.scalar_type(), at::kBFloat16);
        const at::Tensor fusedErr = (out.to(at::kFloat) - exact).abs();
        const at::Tensor bound = exact.abs().mul(1.0 / 256).add(1e-6);  // half a step, with slack for the exp
        QVERIFY2(fusedErr.le(bound).all().item<bool>(), std::to_string(fusedErr.max().item<double>()).c_str());
        const double atenErr = maxAbs(layers::rmsNormSilu(x16, g16).to(at::kFloat), exact);
        qInfo("bf16 max abs: fused %.3g, ATen %.3g", fusedErr.max().item<double>(), atenErr);
        QVERIFY(fusedErr.max().item<double>() <= atenErr);
    }

    void zeroPixelsGiveZero() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        // ||x|| = 0: the norm's clamp (1e-12) keeps 0 / 0 out; SiLU(0) = 0.
        Case c = randomCase({1, 8, 1, 3, 5}, 1.0, 17);
        c.x.narrow(4, 2, 1).zero_();
        at::Tensor out = at::empty_like(c.x);
        layers::fusedRmsNormSiluInto(c.x, c.gamma, out);
        QVERIFY(out.isfinite().all().item<bool>());
        QCOMPARE(out.narrow(4, 2, 1).abs().max().item<double>(), 0.0);
        QVERIFY(maxAbs(out, layers::rmsNormSilu(c.x, c.gamma)) <= 1e-5);
    }

    void aNanPixelStaysNan() {
        // As ATen's clamp_min keeps a NaN norm: that pixel's every channel is NaN (a clamp
        // that drops the NaN would give the other channels x * 1e12), the rest unharmed.
        c10::NoGradGuard inference;
        Case c = randomCase({1, 8, 1, 3, 5}, 1.0, 19);
        c.x.index_put_({0, 3, 0, 1, 2}, std::nanf(""));
        at::Tensor out = at::empty_like(c.x);
        layers::fusedRmsNormSiluInto(c.x, c.gamma, out);
        QVERIFY(out.select(4, 2).select(3, 1).isnan().all().item<bool>());
        QCOMPARE(out.isnan().sum().item<std::int64_t>(), std::int64_t(8));
        QCOMPARE(layers::rmsNormSilu(c.x, c.gamma).isnan().sum().item<std::int64_t>(), std::int64_t(8));
    }

    void showsAsAnOpInTheProfile() {
        // Its time must stay visible where the norm, mul and silu ops were: one op span,
        // named, with the input's shape (the name outlives the call: it is read after it).
        c10::NoGradGuard inference;
        const Case c = randomCase({1, 8, 2, 4, 6}, 1.0, 23);
        at::Tensor out = at::empty_like(c.x);
        TraceStore store;
        {
            ThreadTrackScope track(&store, 0, 3);
            AtenProfiler profiler(store, true, false);
            layers::fusedRmsNormSiluInto(c.x, c.gamma, out);
            layers::fusedRmsNormSiluInto(c.x, c.gamma, out);
            profiler.stop();
        }
        int found = 0;
        for (const TraceEvent& e : store.snapshot().events)
            if (e.name == "tilescope::fused_rms_norm_silu") {
                ++found;
                QCOMPARE(e.category, std::string("op"));
                QCOMPARE(e.tid, std::int64_t{3});
                const std::string* shapes = e.arg("shapes");
                QVERIFY(shapes);
                QVERIFY2(shapes->rfind("1x8x2x4x6", 0) == 0, shapes->c_str());
            }
        QCOMPARE(found, 2);
    }

    void refusesWhatItCannotRun() {
        c10::NoGradGuard inference;  // as the decoder runs (InferenceMode)
        const Case c = randomCase({1, 8, 2, 4, 6}, 1.0, 19);
        QVERIFY(layers::fusedNormSiluApplies(c.x));
        QVERIFY(!layers::fusedNormSiluApplies(c.x.transpose(3, 4)));         // W stride != 1
        QVERIFY(!layers::fusedNormSiluApplies(c.x.to(at::kDouble)));         // dtype
        QVERIFY(!layers::fusedNormSiluApplies(c.x.flatten(0, 1)));           // not 5-D
        {
            c10::AutoGradMode grad(true);                                     // training keeps ATen
            QVERIFY(!layers::fusedNormSiluApplies(c.x));
        }
        at::Tensor out = at::empty_like(c.x);
        test::expectError([&] { layers::fusedRmsNormSiluInto(c.x, c.gamma.narrow(0, 0, 4), out); }, ErrorKind::Runtime);
        at::Tensor wrongShape = at::empty({1, 8, 2, 4, 5});
        test::expectError([&] { layers::fusedRmsNormSiluInto(c.x, c.gamma, wrongShape); }, ErrorKind::Runtime);
        at::Tensor columnMajor = at::empty({1, 8, 2, 6, 4}).transpose(3, 4);  // W stride != 1
        test::expectError([&] { layers::fusedRmsNormSiluInto(c.x, c.gamma, columnMajor); }, ErrorKind::Runtime);
    }
};

QTEST_GUILESS_MAIN(TestFusedNormSilu)
#include "test_fused_norm_silu.moc"
