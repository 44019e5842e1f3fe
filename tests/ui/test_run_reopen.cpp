// History > Reopen into the main window's own views: two demo runs in a MainWindow, the
// first reopened shows its frames (pixel for pixel), its tile grid, its timeline spans and
// memory samples, and File > Export writes its trace; a second MainWindow on the same app
// data folder does the same from disk; a run whose data are gone shows its numbers and why;
// a reopen is refused while a run is in progress, and one still reading from disk when a
// run starts never replaces it. Also the settings, outcome and tile grid (with exact
// halos) read back from a history row and a trace.
#include "export_controller.h"
#include "history_controller.h"
#include "history_panel.h"
#include "main_window.h"
#include "memory_view.h"
#include "preview_panel.h"
#include "reopened_run.h"
#include "run_history_model.h"
#include "run_reopener.h"
#include "run_store.h"
#include "trace_feed.h"

#include "model/demo.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QFile>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <memory>

using namespace tsui;

namespace {

std::size_t countEvents(const ts::TraceStore& trace, ts::TraceEvent::Kind kind, const char* name = nullptr) {
    std::size_t n = 0;
    for (const ts::TraceEvent& e : trace.snapshot().events)
        if (e.kind == kind && (!name || e.name == name)) ++n;
    return n;
}

// The Chrome trace's events other than the track-name metadata ("ph": "M"); -1 when the
// file is not JSON with a traceEvents array.
long long chromeEvents(const QString& path) {
    std::ifstream f(path.toStdString());
    const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_discarded() || !j.contains("traceEvents") || !j["traceEvents"].is_array()) return -1;
    long long n = 0;
    for (const nlohmann::json& e : j["traceEvents"])
        if (e.value("ph", "") != "M") ++n;
    return n;
}

}  // namespace

class TestRunReopen : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;
    at::Tensor latents_;
    QTemporaryDir dir_;
    QString file_;
    std::unique_ptr<MainWindow> w_;
    // What the first run (blend 32/8) left, captured right after it finished.
    QVector<QImage> frames_;
    QVector<TileOverlay> grid_;
    std::size_t spans_ = 0, rssSamples_ = 0;
    long long exportedEvents_ = 0;
    QString id_;

    ExportResult exportTo(MainWindow& w, ExportFormat format, const QString& path) {
        QSignalSpy spy(w.exporter(), &ExportController::exported);
        if (w.exporter()->exportTo(format, path)) spy.wait(60000);
        return spy.isEmpty() ? ExportResult{} : spy.last().at(0).value<ExportResult>();
    }

    // Reopens `row` in `w` and waits for the views to show it; false when they did not.
    static bool reopenAndWait(MainWindow& w, int row) {
        QSignalSpy reopened(w.reopener(), &RunReopener::reopened);
        return w.reopener()->reopen(row) && reopened.wait(20000);
    }

    // The first run's frames, grid, spans and samples in `w`'s main views.
    void verifyFirstRunShown(MainWindow& w) {
        QCOMPARE(w.frameCount(), frames_.size());
        for (int i = 0; i < frames_.size(); ++i) {
            const QImage shown = w.frame(i).convertToFormat(QImage::Format_RGB888);
            const QImage want = frames_[i].convertToFormat(QImage::Format_RGB888);
            QCOMPARE(shown.size(), want.size());
            for (int y = 0; y < want.height(); y += 7)
                for (int x = 0; x < want.width(); x += 5)
                    QCOMPARE(shown.pixel(x, y), want.pixel(x, y));
            QCOMPARE(shown, want);
        }
        QCOMPARE(w.currentFrame(), w.frame(frames_.size() - 1));  // as after the run: its last frame
        const QVector<TileOverlay> grid = w.preview()->view()->overlay();
        QCOMPARE(grid.size(), grid_.size());
        for (int i = 0; i < grid.size(); ++i) QCOMPARE(grid[i].tile, grid_[i].tile);
        QCOMPARE(w.traceFeed()->index().spanCount(), spans_);
        QCOMPARE(countEvents(*w.traceFeed()->store(), ts::TraceEvent::Kind::Span), spans_);
        QCOMPARE(static_cast<std::size_t>(w.memory()->sampleCount("rss_bytes")), rssSamples_);
        QVERIFY(w.reopener()->isShowing());
        const QString banner = w.reopener()->bannerText();
        QVERIFY2(banner.contains(QStringLiteral("Reopened run of")) && banner.contains(QStringLiteral("blend 32/8 px")),
                 qPrintable(banner));
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Reopened run of")), qPrintable(w.statusText()));
        // The heading above the preview names the reopened run, not the inputs.
        QCOMPARE(w.titleText(), QStringLiteral("Reopened run: builtin:tiny on (demo latents)"));
        QVERIFY2(w.statusText().contains(QStringLiteral("%1 timeline spans").arg(spans_)), qPrintable(w.statusText()));
        QVERIFY2(w.resultLabel()->text().contains(QStringLiteral("Decoded 5 frames")), qPrintable(w.resultLabel()->text()));
        QCOMPARE(w.exporter()->stem(), QStringLiteral("tilescope_demo_blend_t32_o8_fp32"));
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        file_ = dir_.filePath(QStringLiteral("run-history.json"));
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
        latents_ = ts::test::latentCorner(demo_.latents, 2, 8);  // 5 frames of 64x64
        w_ = std::make_unique<MainWindow>(nullptr, file_);
        QVERIFY(test::openDemoAndProbe(*w_, demo_, latents_, QStringLiteral("(demo latents)")));

        test::setTiling(*w_, QStringLiteral("blend"), 32, 8);
        const RunOutcome first = test::runToEnd(*w_);
        QVERIFY2(first.status == RunOutcome::Status::Done, qPrintable(first.message));
        for (int i = 0; i < w_->frameCount(); ++i) frames_ << w_->frame(i).copy();
        QCOMPARE(frames_.size(), 5);
        grid_ = w_->preview()->view()->overlay();
        QVERIFY(grid_.size() > 1);  // blend tiles: a grid to bring back
        spans_ = w_->traceFeed()->index().spanCount();
        rssSamples_ = static_cast<std::size_t>(w_->memory()->sampleCount("rss_bytes"));
        QVERIFY(spans_ > 0);
        QVERIFY(rssSamples_ > 0);
        const ExportResult t = exportTo(*w_, ExportFormat::ChromeTrace, dir_.filePath(QStringLiteral("first.json")));
        QVERIFY2(t.ok, qPrintable(t.message));
        exportedEvents_ = chromeEvents(t.path);
        QVERIFY(exportedEvents_ > 0);
        id_ = w_->history()->record(0).id;

        // The second run decodes untiled: other frames, another trace, no grid.
        test::setTiling(*w_, QStringLiteral("off"), 256, 32);
        const RunOutcome second = test::runToEnd(*w_);
        QVERIFY2(second.status == RunOutcome::Status::Done, qPrintable(second.message));
        QVERIFY(w_->preview()->view()->overlay().isEmpty());
        QVERIFY(w_->traceFeed()->index().spanCount() != spans_);
        bool differs = false;
        for (int i = 0; i < 5; ++i) differs = differs || w_->frame(i) != frames_[i];
        QVERIFY(differs);  // else showing the first run's frames would prove nothing
        QCOMPARE(w_->history()->rowCount(), 2);
    }

    // The values a history row and a trace give back: settings (a hand-edited value keeps
    // its default), the outcome, and the grid of the tiles that ran, with exact halos.
    void recordAndTraceGiveBackTheRun() {
        RunRecord r;
        r.device = QStringLiteral("cuda:1");
        r.precision = QStringLiteral("bf16");
        r.tiling = QStringLiteral("exact");
        r.tilePx = 128;
        r.overlapPx = 16;
        r.streams = 3;
        r.memoryBudget = QStringLiteral("2G");
        r.graphOptions = QStringLiteral("none");
        r.status = QStringLiteral("cancelled");
        r.frames = 9;
        r.wallSeconds = 2.5;
        r.peakBytes = 1234;
        ts::DecodeSettings s = settingsOfRecord(r);
        QCOMPARE(s.device, std::string("cuda:1"));
        QVERIFY(s.precision == ts::Precision::BF16 && s.tiling == ts::TilingMode::Exact);
        QCOMPARE(s.tilePx, 128);
        QCOMPARE(s.overlapPx, 16);
        QCOMPARE(s.streams, 3);
        QCOMPARE(s.maxMemoryBytes, std::int64_t(2) << 30);
        QCOMPARE(ts::toString(s.graph), std::string("none"));
        r.precision = QStringLiteral("fp64");
        r.memoryBudget = QStringLiteral("lots");
        s = settingsOfRecord(r);
        QVERIFY(s.precision == ts::Precision::FP32);
        QCOMPARE(s.maxMemoryBytes, std::int64_t(0));
        // The grid a reopen draws is of the tiling that ran: a budget's choice where it differs.
        RunRecord budgeted = r;
        budgeted.tiling = QStringLiteral("off");
        QVERIFY(tilingThatRan(budgeted) == ts::TilingMode::Off);
        budgeted.tilingRun = QStringLiteral("exact");
        QVERIFY(tilingThatRan(budgeted) == ts::TilingMode::Exact);
        const RunOutcome o = outcomeOfRecord(r);
        QVERIFY(o.status == RunOutcome::Status::Cancelled);
        QCOMPARE(o.frames, 9);
        QCOMPARE(o.wallSeconds, 2.5);
        // A CUDA run's recorded peak is the device's memory: not exported as the process's RSS.
        QCOMPARE(o.peakRssBytes, std::int64_t(-1));
        RunRecord onCpu = r;
        onCpu.device = QStringLiteral("cpu");
        QCOMPARE(outcomeOfRecord(onCpu).peakRssBytes, std::int64_t(1234));
        // The history says which memory its peak column holds.
        RunHistoryModel history(QDir(dir_.path()).filePath(QStringLiteral("peaks.json")));
        history.add(r);
        history.add(onCpu);
        QCOMPARE(history.index(0, RunHistoryModel::Peak).data().toString(), QStringLiteral("1.2 KiB"));
        QCOMPARE(history.index(1, RunHistoryModel::Peak).data().toString(), QStringLiteral("1.2 KiB device"));
        QVERIFY(history.headerData(RunHistoryModel::Peak, Qt::Horizontal, Qt::ToolTipRole).toString().contains("RSS"));

        // Two exact tiles of a 64x64 frame (latent 8x8, factor 8), the second run twice
        // (a retry): drawn once each, in tile order, each with the halo it read.
        ts::TraceStore trace;
        auto tile = [&](int index, const char* out, const char* lat) {
            ts::TraceEvent e = test::span("tile", "tile", 0, 10);
            e.args = {{"tile", std::to_string(index)}, {"output_rect", out}, {"latent_rect", lat}};
            trace.append(e);
        };
        tile(1, "32x64+32+0", "6x8+2+0");
        tile(0, "32x64+0+0", "6x8+0+0");
        tile(1, "32x64+32+0", "6x8+2+0");
        const QVector<TileOverlay> grid = tilesOfTrace(trace, QSize(64, 64), ts::TilingMode::Exact);
        QCOMPARE(grid.size(), 2);
        QCOMPARE(grid[0].tile, QRect(0, 0, 32, 64));
        QCOMPARE(grid[0].halo, QRect(0, 0, 48, 64));
        QCOMPARE(grid[1].tile, QRect(32, 0, 32, 64));
        QCOMPARE(grid[1].halo, QRect(16, 0, 48, 64));
        QVERIFY(tilesOfTrace(trace, QSize(64, 64), ts::TilingMode::Blend)[0].halo.isEmpty());
        QVERIFY(tilesOfTrace(trace, QSize(64, 64), ts::TilingMode::Off).isEmpty());
    }

    void reopenReplacesTheMainViews() {
        // Row 1 is the first run; the archive holds it, so it comes through a queued signal only.
        QVERIFY(reopenAndWait(*w_, 1));
        verifyFirstRunShown(*w_);
        QCOMPARE(w_->tabs()->currentIndex(), 0);  // the timeline it brought back
        // A settings change redraws the predicted grid for the panel's settings (untiled:
        // none); the reopened frames keep the grid they were decoded with.
        test::setTiling(*w_, QStringLiteral("exact"), 24, 8);
        const QVector<TileOverlay> kept = w_->preview()->view()->overlay();
        QCOMPARE(kept.size(), grid_.size());
        for (int i = 0; i < kept.size(); ++i) QCOMPARE(kept[i].tile, grid_[i].tile);
        test::setTiling(*w_, QStringLiteral("off"), 256, 32);

        // File > Export writes the reopened run: its trace and its frames.
        const ExportResult t = exportTo(*w_, ExportFormat::ChromeTrace, dir_.filePath(QStringLiteral("reopened.json")));
        QVERIFY2(t.ok, qPrintable(t.message));
        QCOMPARE(chromeEvents(t.path), exportedEvents_);
        QCOMPARE(chromeEvents(t.path), static_cast<long long>(w_->traceFeed()->store()->size()));
        const QString pngs = dir_.filePath(QStringLiteral("reopened_frames"));
        const ExportResult f = exportTo(*w_, ExportFormat::PngFrames, pngs);
        QVERIFY2(f.ok, qPrintable(f.message));
        const QStringList files = QDir(pngs).entryList({QStringLiteral("*.png")}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 5);
        QCOMPARE(QImage(QDir(pngs).filePath(files[3])).convertToFormat(QImage::Format_RGB888),
                 frames_[3].convertToFormat(QImage::Format_RGB888));
        const ExportResult s = exportTo(*w_, ExportFormat::Summary, dir_.filePath(QStringLiteral("reopened_summary.json")));
        QVERIFY2(s.ok, qPrintable(s.message));
        std::ifstream sf(s.path.toStdString());
        const nlohmann::json summary = nlohmann::json::parse(sf, nullptr, false);
        QVERIFY(!summary.is_discarded());
        QCOMPARE(QString::fromStdString(summary["run"].value("tiling", "")), QStringLiteral("blend"));
        QCOMPARE(summary["run"]["settings"].value("tile", 0), 32);
    }

    // A new session on the same app data folder: the run is read from disk off the GUI
    // thread and shown the same way.
    void reopenFromDiskInANewSession() {
        QVERIFY(w_->historyController()->runStore()->waitForIdle(20000));
        MainWindow w(nullptr, file_);
        QCOMPARE(w.historyController()->archive().size(), 0);
        QCOMPARE(w.history()->record(1).id, id_);
        QSignalSpy reopened(w.reopener(), &RunReopener::reopened);
        QVERIFY(w.reopener()->reopen(1));
        QVERIFY(w.reopener()->isLoading());
        QVERIFY2(w.statusText().contains(QStringLiteral("from disk")), qPrintable(w.statusText()));
        QVERIFY(reopened.wait(20000));
        QVERIFY2(reopened.last().at(1).toString().isEmpty(), qPrintable(reopened.last().at(1).toString()));
        verifyFirstRunShown(w);
        const ExportResult t = exportTo(w, ExportFormat::ChromeTrace, dir_.filePath(QStringLiteral("from_disk.json")));
        QVERIFY2(t.ok, qPrintable(t.message));
        QCOMPARE(chromeEvents(t.path), exportedEvents_);
    }

    // A run whose folder was pruned: its numbers, the reason in the status bar and the
    // banner, and nothing else (no frames, timeline or trace export).
    void prunedRunShowsItsNumbersAndWhy() {
        const QString root = dir_.filePath(QStringLiteral("runs"));
        QVERIFY(RunStore(root).remove(id_));
        MainWindow w(nullptr, file_);
        QVERIFY(reopenAndWait(w, 1));
        QCOMPARE(w.frameCount(), 0);
        QCOMPARE(w.traceFeed()->index().spanCount(), std::size_t(0));
        QVERIFY2(w.statusText().contains(QStringLiteral("numbers only: its trace and frames are not on disk")),
                 qPrintable(w.statusText()));
        QVERIFY2(w.reopener()->bannerText().contains(QStringLiteral("Numbers only")), qPrintable(w.reopener()->bannerText()));
        QVERIFY2(w.resultLabel()->text().contains(QStringLiteral("Decoded 5 frames")), qPrintable(w.resultLabel()->text()));
        QVERIFY(!w.exporter()->canExport(ExportFormat::ChromeTrace));
        QVERIFY(!w.exporter()->canExport(ExportFormat::PngFrames));
    }

    // A run in progress is never replaced: Reopen is off, a reopen asked for anyway (a
    // double-click) is refused with a message, and one reading from disk when a run
    // starts is dropped.
    void refusedWhileARunIsInProgress() {
        HistoryPanel* panel = w_->historyController()->panel();
        auto* button = panel->findChild<QPushButton*>(QStringLiteral("historyReopenButton"));
        QVERIFY(button);
        panel->table()->selectionModel()->select(w_->history()->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QVERIFY(button->isEnabled());
        QSignalSpy finished(w_.get(), &MainWindow::runFinished);
        QSignalSpy refused(w_->reopener(), &RunReopener::refused);
        QSignalSpy reopened(w_->reopener(), &RunReopener::reopened);
        QVERIFY2(w_->startRun(), qPrintable(w_->statusText()));
        QVERIFY(w_->isRunning());
        QVERIFY(!button->isEnabled());
        QVERIFY(!w_->reopener()->isShowing());
        QCOMPARE(w_->titleText(), QString::fromStdString(demo_.title));  // the run's inputs again
        Q_EMIT panel->reopenRequested(1);  // what a double-click on the row sends
        QCOMPARE(refused.size(), 1);
        QVERIFY2(w_->statusText().startsWith(QStringLiteral("A decode is running")), qPrintable(w_->statusText()));
        QVERIFY(!w_->reopener()->reopen(0));
        QCOMPARE(refused.size(), 2);
        QVERIFY(finished.wait(120000));
        QCOMPARE(reopened.size(), 0);
        QVERIFY(button->isEnabled());
        QCOMPARE(w_->frameCount(), 5);
        QVERIFY(w_->frame(4) != frames_[4]);  // the new (untiled) run's frames, not the reopened ones

        // A second session: a reopen still reading from disk when a run starts.
        QVERIFY(w_->historyController()->runStore()->waitForIdle(20000));
        MainWindow w(nullptr, file_);
        QVERIFY(test::openDemoAndProbe(w, demo_, latents_, QStringLiteral("(demo latents)")));
        QSignalSpy reopened2(w.reopener(), &RunReopener::reopened);
        QSignalSpy finished2(&w, &MainWindow::runFinished);
        QVERIFY(w.reopener()->reopen(0));
        QVERIFY(w.reopener()->isLoading());
        QVERIFY(w.startRun());  // before the read's result can arrive: it is queued behind this
        QVERIFY(!w.reopener()->isLoading());
        QVERIFY(finished2.wait(120000));
        QTRY_VERIFY_WITH_TIMEOUT(!w.historyController()->isLoading(), 20000);
        QTest::qWait(50);  // a queued reopened() would have arrived by now
        QCOMPARE(reopened2.size(), 0);
        QVERIFY(!w.reopener()->isShowing());
        QCOMPARE(w.history()->rowCount(), 4);  // the run recorded; nothing replaced it
    }
};

QTEST_MAIN(TestRunReopen)
#include "test_run_reopen.moc"
