// --opt cache-host keeps causal histories in host memory in the conv buffers' own layout.
// The copies themselves need a CUDA device (pinned memory, a side stream: the GPU suites
// run them when a device is lent); what runs anywhere is checked here: the dense views the
// staging buffers are cut into, and the way back into a window of a padded buffer.
#include "model/host_history.h"

#include <ATen/ATen.h>

#include "test_support.h"

#include <QtTest>

using namespace ts;

namespace {

// A padded conv buffer [B,C,2+T,H+2,W+2] in `format` and its history window: the first two
// frames without the spatial border (what load() writes into, not dense).
struct PaddedWindow {
    at::Tensor buffer, window;
};

PaddedWindow paddedWindow(at::MemoryFormat format) {
    PaddedWindow p;
    p.buffer = at::zeros({1, 6, 4, 7, 9}).contiguous(format);
    p.window = p.buffer.narrow(2, 0, 2).narrow(3, 1, 5).narrow(4, 1, 7);
    return p;
}

}  // namespace

class TestHostHistory : public QObject {
    Q_OBJECT

private slots:
    void denseViewKeepsTheLayout_data() {
        QTest::addColumn<bool>("channelsLast");
        QTest::newRow("NCDHW") << false;
        QTest::newRow("channels-last-3d") << true;
    }
    void denseViewKeepsTheLayout() {
        QFETCH(bool, channelsLast);
        const at::MemoryFormat format = channelsLast ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
        const at::Tensor bytes = at::empty({4096}, at::kByte);
        const std::vector<std::int64_t> sizes{1, 6, 2, 5, 7};
        const at::Tensor view = HostHistoryCopier::denseView(bytes, at::kBFloat16, sizes, format);
        QCOMPARE(view.sizes(), at::IntArrayRef(sizes));
        QCOMPARE(view.scalar_type(), at::kBFloat16);
        QVERIFY(view.is_contiguous(format));
        QVERIFY(view.is_non_overlapping_and_dense());
        QCOMPARE(view.data_ptr(), bytes.data_ptr());  // a view, no copy
        // The layout the conv buffers have, stride for stride.
        QCOMPARE(view.strides(), at::empty(sizes, at::TensorOptions().memory_format(format)).strides());
        // Filled from a window of a padded buffer (what store() stages), values intact.
        const PaddedWindow p = paddedWindow(format);
        p.window.copy_(at::randn(p.window.sizes()));
        view.copy_(p.window);
        QCOMPARE(test::maxAbs(view.to(at::kFloat), p.window.to(at::kBFloat16).to(at::kFloat)), 0.0);
    }

    void denseViewRefusesTooFewBytes() {
        const at::Tensor bytes = at::empty({100}, at::kByte);
        bool refused = false;
        try {
            HostHistoryCopier::denseView(bytes, at::kFloat, {1, 6, 2, 5, 7}, at::MemoryFormat::Contiguous);
        } catch (const std::exception&) {
            refused = true;  // (QVERIFY_THROWS_EXCEPTION needs Qt 6.3)
        }
        QVERIFY(refused);
    }

    // The way back: a history kept (here in CPU memory) in the buffers' layout, in the cache
    // dtype, lands in the padded buffer's window and nowhere else.
    void loadFillsTheWindowOnly_data() { denseViewKeepsTheLayout_data(); }
    void loadFillsTheWindowOnly() {
        QFETCH(bool, channelsLast);
        const at::MemoryFormat format = channelsLast ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
        const PaddedWindow p = paddedWindow(format);
        const at::Tensor kept = at::randn(p.window.sizes()).to(at::kBFloat16).contiguous(format);
        HostHistoryCopier::load(kept, HostHistoryState{}, p.window);
        QCOMPARE(test::maxAbs(p.window, kept.to(at::kFloat)), 0.0);
        QVERIFY(p.buffer.is_contiguous(format));
        // Everything outside the window (border and the frames after it) is still zero.
        p.window.zero_();
        QCOMPARE(p.buffer.abs().max().item<double>(), 0.0);
    }
};

QTEST_APPLESS_MAIN(TestHostHistory)
#include "test_host_history.moc"
