// The preview's overlays: the seam heatmap functions on synthetic frames with known
// differences (exact PSNR, maxima and colours), the wipe divider dragged with the mouse,
// pinning a run as A, and Seam check runs of the demo through the main window: blend
// tiles show seams at the tile borders with a finite PSNR equal to the engine's, exact
// tiles stay within 1e-4, and cancelling during the reference decode cancels the run.
#include "decode_worker.h"
#include "frame_compare.h"
#include "frame_view.h"
#include "main_window.h"
#include "preview_panel.h"
#include "run_history_model.h"
#include "seam_heatmap.h"
#include "settings_panel.h"

#include "decode/decoder_run.h"
#include "model/demo.h"
#include "model/wan_vae.h"
#include "test_support.h"
#include "ui_test_support.h"
#include "report/video_quality.h"

#include <ATen/ATen.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace tsui;

class TestPreviewCompare : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;
    QTemporaryDir dir_;

    at::Tensor smallLatents() const {
        // 2 latent frames of 8x8 -> 5 frames of 64x64.
        return ts::test::latentCorner(demo_.latents, 2, 8);
    }
    void openDemo(MainWindow& w, const at::Tensor& latents) { test::openDemo(w, demo_, latents); }
    static void setTiling(MainWindow& w, const QString& mode, int tile, int overlap) { test::setTiling(w, mode, tile, overlap); }
    static RunOutcome runToEnd(MainWindow& w) { return test::runToEnd(w, 300000); }
    static QImage solid(int w, int h, QColor c) {
        QImage image(w, h, QImage::Format_RGB888);
        image.fill(c);
        return image;
    }

private Q_SLOTS:
    // Tile numbers that would overlap move down a line; apart, they stay at their corners.
    void tileNumbersDoNotCoverEachOther() {
        const QVector<QRect> boxes{QRect(0, 0, 10, 12), QRect(8, 0, 10, 12), QRect(100, 0, 10, 12), QRect(4, 0, 10, 12)};
        const QVector<QRect> placed = unclutteredLabels(boxes, 12);
        QCOMPARE(placed[0], boxes[0]);
        QCOMPARE(placed[1], boxes[1].translated(0, 12));  // "1" beside "0": a line down
        QCOMPARE(placed[2], boxes[2]);
        QCOMPARE(placed[3], boxes[3].translated(0, 24));  // clear of both
        for (int i = 0; i < placed.size(); ++i)
            for (int j = i + 1; j < placed.size(); ++j) QVERIFY(!placed[i].intersects(placed[j]));
    }

    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
    }

    void tensorDiffHasKnownStatistics() {
        at::Tensor a = at::zeros({3, 4, 6});
        at::Tensor b = a.clone();
        b[1][2][3] = 0.5;    // G at (x=3, y=2)
        b[0][0][0] = -0.1;   // R at (0, 0)
        b[2][0][0] = 0.05;   // B at (0, 0): the map keeps the larger channel
        const DiffMap d = diffTensors(a, b);
        QCOMPARE(d.width, 6);
        QCOMPARE(d.height, 4);
        const double mse = (0.25 + std::pow(double(0.1f), 2) + std::pow(double(0.05f), 2)) / 72.0;  // float inputs
        QVERIFY(std::abs(d.mse - mse) < 1e-9 * mse + 1e-12);
        QVERIFY(std::abs(d.maxAbs - 0.5) < 1e-7);
        QCOMPARE(d.at(3, 2), 0.5f);
        QVERIFY(std::abs(d.at(0, 0) - 0.1f) < 1e-7f);
        QCOMPARE(d.at(1, 1), 0.0f);
        QVERIFY(std::abs(psnrFromMse(d.mse) - 10.0 * std::log10(4.0 / mse)) < 1e-5);  // 0.1f, 0.05f
        // The same number as the engine's video comparison (decode --check-seams).
        const ts::VideoQuality q = ts::compareVideos(a.unsqueeze(1), b.unsqueeze(1));
        QVERIFY(std::abs(q.psnrDb[0] - psnrFromMse(d.mse)) < 1e-6);
        // [3,1,H,W] slices work; other shapes give a null map.
        QCOMPARE(diffTensors(a.unsqueeze(1), b.unsqueeze(1)).maxAbs, d.maxAbs);
        QVERIFY(diffTensors(a, at::zeros({3, 4, 5})).isNull());
        QCOMPARE(psnrFromMse(0), ts::kIdenticalPsnrDb);
        QCOMPARE(diffTensors(a, a).maxAbs, 0.0);
    }

    void imageDiffMatchesEightBitPsnr() {
        QImage a = solid(8, 4, QColor(100, 100, 100));
        QImage b = a.copy();
        b.setPixel(5, 1, qRgb(100, 151, 100));  // 51 levels = 0.4 on the [-1,1] scale
        b.setPixel(0, 3, qRgb(90, 100, 100));   // 10 levels
        const DiffMap d = diffImages(a, b);
        QCOMPARE(d.width, 8);
        QVERIFY(std::abs(d.maxAbs - 0.4) < 1e-12);
        QVERIFY(std::abs(d.at(5, 1) - 0.4f) < 1e-7f);
        QVERIFY(std::abs(d.at(0, 3) - 10 / 127.5f) < 1e-7f);
        QCOMPARE(d.at(4, 1), 0.0f);
        const double mse8 = (51.0 * 51 + 10.0 * 10) / (3 * 32);
        const double psnr8 = 20 * std::log10(255.0) - 10 * std::log10(mse8);  // the 8-bit PSNR
        QVERIFY2(std::abs(psnrFromMse(d.mse) - psnr8) < 1e-9, qPrintable(QString::number(psnrFromMse(d.mse))));
        QVERIFY(std::abs(psnr8 - 33.63827) < 1e-4);
        QCOMPARE(psnrFromMse(diffImages(a, a).mse), ts::kIdenticalPsnrDb);
        QVERIFY(diffImages(a, solid(8, 5, Qt::black)).isNull());
        QVERIFY(compareText(a, solid(8, 5, Qt::black)).contains(QStringLiteral("not comparable")));
        QVERIFY2(compareText(a, b).contains(QStringLiteral("A vs current (8-bit frames): PSNR 33.64 dB, max |Δ| 0.4")),
                 qPrintable(compareText(a, b)));
        QVERIFY(compareText(a, a).contains(QStringLiteral("identical")));
    }

    void heatmapColoursKnownPixels() {
        QCOMPARE(heatColour(0), qRgb(0, 0, 0));
        QCOMPARE(heatColour(1.0 / 3), qRgb(255, 0, 0));
        QCOMPARE(heatColour(0.5), qRgb(255, 128, 0));
        QCOMPARE(heatColour(2.0 / 3), qRgb(255, 255, 0));
        QCOMPARE(heatColour(1), qRgb(255, 255, 255));
        QCOMPARE(heatColour(7), qRgb(255, 255, 255));  // saturates
        QCOMPARE(heatColour(-1), qRgb(0, 0, 0));

        at::Tensor a = at::zeros({3, 4, 6});
        at::Tensor b = a.clone();
        b[1][2][3] = 0.5;
        b[0][0][0] = 0.1;
        const DiffMap d = diffTensors(a, b);
        const QImage heat = heatmapImage(d, 2.0);  // 0.5 -> 1 (white), 0.1 -> 0.2
        QCOMPARE(heat.size(), QSize(6, 4));
        QCOMPARE(heat.pixel(3, 2), qRgb(255, 255, 255));
        QCOMPARE(heat.pixel(0, 0), qRgb(153, 0, 0));  // 3 * 0.2 * 255
        QCOMPARE(heat.pixel(5, 3), qRgb(0, 0, 0));
        const QImage autoHeat = heatmapImage(d, autoGain(d.maxAbs));  // max -> white
        QCOMPARE(autoHeat.pixel(3, 2), qRgb(255, 255, 255));
        QCOMPARE(autoHeat.pixel(0, 0), heatColour(0.2));
        QCOMPARE(autoGain(0), 1.0);
        QCOMPARE(autoGain(1e-6), kMaxAutoGain);  // float rounding is not scaled up to white
        QCOMPARE(autoGain(0.25), 4.0);

        // Over a frame: no heat leaves a darkened grey frame, full heat is white.
        const QImage frame = solid(6, 4, QColor(200, 200, 200));
        const QImage over = heatmapOverFrame(frame, heat);
        QCOMPARE(over.pixel(5, 3), qRgb(80, 80, 80));
        QCOMPARE(over.pixel(3, 2), qRgb(255, 255, 255));
        QCOMPARE(over.pixel(0, 0), qRgb(233, 80, 80));
    }

    void sideBySideAndPinnedRun() {
        const QImage a = solid(8, 4, Qt::red), b = solid(8, 6, Qt::blue);
        const QImage both = sideBySide(a, b, 4);
        QCOMPARE(both.size(), QSize(20, 6));
        QCOMPARE(both.pixel(0, 1), qRgb(255, 0, 0));   // a, centred: rows 1..4
        QCOMPARE(both.pixel(0, 0), qRgb(0, 0, 0));
        QCOMPARE(both.pixel(10, 3), qRgb(0, 0, 0));    // the gap
        QCOMPARE(both.pixel(19, 0), qRgb(0, 0, 255));

        QVector<QImage> frames{solid(8, 4, Qt::red), solid(8, 4, Qt::green), solid(8, 4, Qt::blue)};
        PinnedRun pinned;
        QVERIFY(pinned.isEmpty());
        pinned.pin(frames, QStringLiteral("run 1"));
        frames[0].fill(Qt::white);  // A holds its own copy
        QCOMPARE(pinned.frameCount(), 3);
        QCOMPARE(pinned.frame(0).pixel(0, 0), qRgb(255, 0, 0));
        QCOMPARE(pinned.frame(9).pixel(0, 0), qRgb(0, 0, 255));  // past the end: the last frame
        QCOMPARE(pinned.bytes(), 3 * frames[0].sizeInBytes());
        pinned.pin({solid(8, 4, Qt::black)}, QStringLiteral("run 2"));  // one run only
        QCOMPARE(pinned.frameCount(), 1);
        QCOMPARE(pinned.label(), QStringLiteral("run 2"));
    }

    void previewShowsSeamMapsAndFailures() {
        PreviewPanel preview;
        QCOMPARE(preview.heatmapGain(), 0.0);  // Auto until the user picks a gain
        FrameBatch frames;
        frames.images = {solid(6, 4, QColor(200, 200, 200)), solid(6, 4, QColor(10, 10, 10))};
        preview.addFrames(frames);
        at::Tensor a = at::zeros({3, 4, 6});
        at::Tensor b = a.clone();
        b[0][1][2] = 0.01;  // ×100 -> white
        SeamBatch seams;
        seams.frames = {diffTensors(a, b), diffTensors(a, a)};
        preview.addSeams(seams);
        QCOMPARE(preview.seamCount(), 2);
        QVERIFY(std::abs(preview.seamMaxAbs() - 0.01) < 1e-8);
        const double mse = std::pow(double(0.01f), 2) / 72 / 2;  // frame 2 adds nothing
        QVERIFY(std::abs(preview.seamPsnrDb() - 10 * std::log10(4 / mse)) < 1e-6);
        preview.showFrame(0);
        preview.setViewMode(PreviewPanel::ViewMode::Heatmap);
        preview.setHeatmapGain(100);
        QCOMPARE(preview.displayedImage().pixel(2, 1), qRgb(255, 255, 255));
        QCOMPARE(preview.displayedImage().pixel(0, 0), qRgb(0, 0, 0));
        preview.setViewMode(PreviewPanel::ViewMode::HeatmapOverFrame);
        QCOMPARE(preview.displayedImage().pixel(0, 0), qRgb(80, 80, 80));
        QVERIFY(preview.statsText().contains(QStringLiteral("gain ×100")));
        preview.setHeatmapGain(0);  // auto: the run's max -> white
        QVERIFY(preview.statsText().contains(QStringLiteral("gain ×100")));
        preview.showFrame(1);
        QCOMPARE(preview.currentIndex(), 1);
        QVERIFY(preview.statsText().contains(QStringLiteral("frame 2 identical")));
        SeamBatch failed;
        failed.error = QStringLiteral("out of memory");
        preview.addSeams(failed);
        QCOMPARE(preview.statsText(), QStringLiteral("Seam check failed: out of memory"));
        preview.clearFrames();
        QCOMPARE(preview.seamCount(), 0);
        QVERIFY(preview.seamError().isEmpty());
        QVERIFY(std::isnan(preview.seamPsnrDb()));
    }

    void wipeDividerFollowsTheMouse() {
        FrameView view;
        view.resize(420, 320);
        view.setImage(solid(100, 100, Qt::red));       // current, right of the divider
        view.setCompareImage(solid(100, 100, Qt::blue));  // A, left
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        const QRect target = view.imageRect();
        QVERIFY(target.width() > 200);
        const int x0 = view.wipeDividerX();
        QCOMPARE(x0, target.x() + target.width() / 2);
        QSignalSpy moved(&view, &FrameView::wipeMoved);

        // A press away from the divider does not move it.
        QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(x0 - 60, target.center().y()));
        QTest::mouseMove(&view, QPoint(x0 - 20, target.center().y()));
        QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(x0 - 20, target.center().y()));
        QCOMPARE(moved.count(), 0);
        QCOMPARE(view.wipeDividerX(), x0);

        // Dragging the divider to three quarters.
        const int x1 = target.x() + target.width() * 3 / 4;
        QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(x0 + 2, target.center().y()));
        QTest::mouseMove(&view, QPoint(x0 + 30, target.center().y()));
        QTest::mouseMove(&view, QPoint(x1, target.center().y()));
        QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(x1, target.center().y()));
        QVERIFY(moved.count() >= 1);
        const double expected = static_cast<double>(x1 - target.x()) / target.width();
        QVERIFY(std::abs(moved.last().at(0).toDouble() - expected) < 1e-9);
        QVERIFY(std::abs(view.wipePosition() - expected) < 1e-9);
        QVERIFY(std::abs(view.wipeDividerX() - x1) <= 1);

        // Left of the divider shows A, right of it the current frame. Past the edges clamps.
        const QImage shot = view.grab().toImage();
        QCOMPARE(QColor(shot.pixel(x1 - 20, target.bottom() - 5)).rgb(), QColor(Qt::blue).rgb());
        QCOMPARE(QColor(shot.pixel(x1 + 20, target.bottom() - 5)).rgb(), QColor(Qt::red).rgb());
        QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(x1, target.center().y()));
        QTest::mouseMove(&view, QPoint(target.right() + 50, target.center().y()));
        QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(target.right() + 50, target.center().y()));
        QCOMPARE(view.wipePosition(), 1.0);
        view.setCompareImage(QImage());
        QCOMPARE(view.wipeDividerX(), -1);
    }

    void seamCheckBlendShowsSeamsAtTileBorders() {
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h1.json")));
        const at::Tensor latents = smallLatents();
        openDemo(w, latents);
        w.show();
        setTiling(w, QStringLiteral("blend"), 32, 8);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsProblem().isEmpty() && !w.settingsPanel()->modelPending(), 30000);
        PreviewPanel* preview = w.preview();
        QVERIFY(!preview->seamCheckEnabled());  // off by default
        preview->setSeamCheckEnabled(true);
        const RunOutcome out = runToEnd(w);
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));
        QVERIFY(out.seamSeconds > 0);
        QCOMPARE(preview->seamCount(), 5);
        const double psnr = preview->seamPsnrDb();
        qInfo("blend 32/8 seams: PSNR %.3f dB, max %.5f", psnr, preview->seamMaxAbs());
        QVERIFY(std::isfinite(psnr) && psnr < ts::kIdenticalPsnrDb && psnr > 10);
        QVERIFY(preview->seamMaxAbs() > 1e-3);

        // The same numbers the engine gives for the whole video (decode --check-seams).
        const ts::WanVae model = ts::WanVae::load(demo_.vaeSource, ts::VaeParts::Decoder);
        const ts::DecodeSettings s = w.settings();
        const at::Tensor tiled = ts::decodeToTensor(model, latents, s);
        const at::Tensor untiled = ts::decodeToTensor(model, latents, s.untiledReference());
        const double mse = (tiled.to(at::kDouble) - untiled.to(at::kDouble)).pow(2).mean().item<double>();
        QVERIFY2(std::abs(psnrFromMse(mse) - psnr) < 1e-6, qPrintable(QString::number(psnrFromMse(mse))));
        QVERIFY(std::abs((tiled - untiled).abs().max().item<double>() - preview->seamMaxAbs()) < 1e-6);

        // The columns of the first tile's right border differ (with tiles this small
        // the demo's mid-block attention sees a different context everywhere, so the
        // border is not the only place) and show as non-black in the heatmap.
        const QVector<TileOverlay> tiles = preview->view()->overlay();
        QVERIFY(tiles.size() >= 4);
        const DiffMap d = preview->seam(preview->currentIndex());
        double all = 0;
        for (float v : d.absDiff) all += v;
        all /= d.absDiff.size();
        const int border = tiles[0].tile.right();
        QVERIFY(border > 0 && border < d.width - 1);
        double atBorder = 0;
        for (int y = 0; y < d.height; ++y) atBorder += d.at(border, y);
        atBorder /= d.height;
        qInfo("mean |diff| %.5f, at the border column %d: %.5f", all, border, atBorder);
        QVERIFY(atBorder > 1e-3);
        preview->setViewMode(PreviewPanel::ViewMode::Heatmap);
        preview->setHeatmapGain(100);
        const QImage heat = preview->displayedImage();
        QCOMPARE(heat.size(), QSize(64, 64));
        int lit = 0;
        for (int y = 0; y < heat.height(); ++y) lit += heat.pixel(border, y) != qRgb(0, 0, 0);
        QVERIFY2(lit > heat.height() / 2, qPrintable(QString::number(lit)));
        QVERIFY(preview->statsText().contains(QStringLiteral("PSNR")));
        QVERIFY(w.findChild<QLabel*>(QStringLiteral("previewStats"))->text().contains(QStringLiteral("max |Δ|")));
        // Frame view shows the decoded frame again.
        preview->setViewMode(PreviewPanel::ViewMode::Frame);
        QCOMPARE(preview->displayedImage(), preview->currentFrame());

        // Pin this run as A, decode exact tiles with Seam check: nearly no seams.
        preview->pinCurrentRun();
        QCOMPARE(preview->pinned().frameCount(), 5);
        setTiling(w, QStringLiteral("exact"), 32, 8);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsProblem().isEmpty(), 30000);
        const RunOutcome exact = runToEnd(w);
        QVERIFY2(exact.status == RunOutcome::Status::Done, qPrintable(exact.message));
        QCOMPARE(preview->seamCount(), 5);
        qInfo("exact 32/8 seams: PSNR %.3f dB, max %.3g", preview->seamPsnrDb(), preview->seamMaxAbs());
        QVERIFY(preview->seamMaxAbs() <= 1e-4);
        QVERIFY(preview->seamPsnrDb() > 80);
        preview->setViewMode(PreviewPanel::ViewMode::Heatmap);
        preview->setHeatmapGain(1000);  // 1e-4 * 1000 = 0.1: at most dark red
        const QImage dark = preview->displayedImage();
        int maxRed = 0;
        for (int y = 0; y < dark.height(); ++y)
            for (int x = 0; x < dark.width(); ++x) maxRed = std::max(maxRed, qRed(dark.pixel(x, y)));
        QVERIFY2(maxRed <= 77, qPrintable(QString::number(maxRed)));

        // Compare: A (blend) against the current run (exact), following the slider.
        preview->setViewMode(PreviewPanel::ViewMode::SideBySide);
        QCOMPARE(preview->displayedImage().size(), QSize(64 + 4 + 64, 64));
        const DiffMap ab = diffImages(preview->pinned().frame(preview->currentIndex()), preview->currentFrame());
        QVERIFY(ab.maxAbs > 0);
        QVERIFY2(preview->statsText().contains(psnrText(psnrFromMse(ab.mse))), qPrintable(preview->statsText()));
        preview->setViewMode(PreviewPanel::ViewMode::Wipe);
        QCOMPARE(preview->displayedImage(), preview->currentFrame());
        QCOMPARE(preview->view()->compareImage(), preview->pinned().frame(preview->currentIndex()));
        preview->showFrame(1);
        QCOMPARE(preview->view()->compareImage(), preview->pinned().frame(1));
        QCOMPARE(preview->displayedImage(), preview->frame(1));
    }

    void cancelDuringTheReferenceDecode() {
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h2.json")));
        // Longer than the small clip, so the reference decode can be caught running.
        openDemo(w, ts::test::latentCorner(demo_.latents, 4, 16));
        w.show();
        setTiling(w, QStringLiteral("blend"), 64, 16);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsProblem().isEmpty() && !w.settingsPanel()->modelPending(), 30000);
        w.preview()->setSeamCheckEnabled(true);
        auto* worker = w.findChild<DecodeWorker*>();
        bool inReference = false;
        connect(worker, &DecodeWorker::progress, this, [&inReference](const ProgressInfo& p) {
            if (p.stage.startsWith(QStringLiteral("Seam check"))) inReference = true;
        });
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(inReference || finished.count() > 0, 300000);
        if (finished.count() > 0) QSKIP("the reference decode finished before it could be cancelled");
        QElapsedTimer clock;
        clock.start();
        w.cancelRun();
        QVERIFY(finished.wait(5000) || finished.count() > 0);
        qInfo("cancel during the reference seen after %lld ms", static_cast<long long>(clock.elapsed()));
        QVERIFY(clock.elapsed() < 2000);
        // The run itself is complete: it is done, with all its frames, in the result line
        // and the history (it was recorded as cancelled with 0 frames); the check is not.
        const RunOutcome out = test::outcomeOf(finished);
        QCOMPARE(out.status, RunOutcome::Status::Done);
        QVERIFY(out.seamCancelled);
        QCOMPARE(out.frames, 13);
        QVERIFY(!w.isRunning());
        QCOMPARE(w.frameCount(), 13);  // the tiled run's frames stay
        QVERIFY(w.preview()->seamCount() < 13);
        QCOMPARE(w.history()->record(0).status, QStringLiteral("done"));
        QCOMPARE(w.history()->record(0).frames, 13);
        QVERIFY2(w.resultLabel()->text().contains(QStringLiteral("Seam check cancelled (the run itself is complete)")),
                 qPrintable(w.resultLabel()->text()));
        QVERIFY2(w.preview()->statsText().startsWith(QStringLiteral("Seam check cancelled")),
                 qPrintable(w.preview()->statsText()));
        // The worker takes the next run at once.
        w.preview()->setSeamCheckEnabled(false);
        w.setLatents(smallLatents(), QStringLiteral("(demo)"));
        const RunOutcome next = runToEnd(w);
        QVERIFY2(next.status == RunOutcome::Status::Done, qPrintable(next.message));
        QCOMPARE(next.seamSeconds, 0.0);
        QCOMPARE(w.preview()->seamCount(), 0);
    }

    void seamCheckOfAnUntiledRunSkipsTheReference() {
        // Tiling off: the reference decode would be the run itself. It is skipped (no
        // "Seam check" progress, no time spent), the seams read identical, and the status
        // bar says why.
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h3.json")));
        openDemo(w, smallLatents());
        w.show();
        setTiling(w, QStringLiteral("off"), 256, 32);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsProblem().isEmpty() && !w.settingsPanel()->modelPending(), 30000);
        PreviewPanel* preview = w.preview();
        preview->setSeamCheckEnabled(true);
        bool inReference = false;
        connect(w.findChild<DecodeWorker*>(), &DecodeWorker::progress, this, [&inReference](const ProgressInfo& p) {
            if (p.stage.startsWith(QStringLiteral("Seam check"))) inReference = true;
        });
        const RunOutcome out = runToEnd(w);
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));
        QVERIFY(out.seamSkipped);
        QCOMPARE(out.seamSeconds, 0.0);
        QVERIFY(!inReference);
        QVERIFY2(w.resultLabel()->text().contains(QStringLiteral("Seam check skipped: tiling is off")), qPrintable(w.resultLabel()->text()));
        QCOMPARE(preview->seamPsnrDb(), ts::kIdenticalPsnrDb);
        QCOMPARE(preview->seamMaxAbs(), 0.0);
        QCOMPARE(preview->seam(0).width, 64);
        QCOMPARE(preview->seam(0).maxAbs, 0.0);
        QVERIFY2(preview->statsText().contains(QStringLiteral("its own untiled reference")), qPrintable(preview->statsText()));
        preview->setViewMode(PreviewPanel::ViewMode::Heatmap);
        const QImage heat = preview->displayedImage();
        QCOMPARE(heat.size(), QSize(64, 64));
        int lit = 0;
        for (int y = 0; y < heat.height(); ++y)
            for (int x = 0; x < heat.width(); ++x) lit += heat.pixel(x, y) != qRgb(0, 0, 0);
        QCOMPARE(lit, 0);

        // A tiled run next does decode its reference again.
        setTiling(w, QStringLiteral("blend"), 32, 8);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsProblem().isEmpty(), 30000);
        const RunOutcome tiled = runToEnd(w);
        QVERIFY2(tiled.status == RunOutcome::Status::Done, qPrintable(tiled.message));
        QVERIFY(!tiled.seamSkipped);
        QVERIFY(tiled.seamSeconds > 0);
        QVERIFY(inReference);
        QCOMPARE(preview->seamCount(), 5);
        QVERIFY(preview->seamMaxAbs() > 1e-3);
        QVERIFY(!preview->statsText().contains(QStringLiteral("its own")));
        QVERIFY(!w.resultLabel()->text().contains(QStringLiteral("Seam check skipped")));
    }
};

QTEST_MAIN(TestPreviewCompare)
#include "test_preview_compare.moc"
