// Comparing two runs from the history: the archive keeps only the newest runs' traces and
// frames (and drops frames first to stay in its byte budget); the compare view puts both
// timelines on one linked time axis, each starting at its run's start, and diffs the
// frames with known PSNR and max |Δ|; a run whose data are gone gets a message, not a
// crash; and the whole path from the history table's Compare button through two demo runs.
#include "history_controller.h"
#include "history_panel.h"
#include "qcp.h"
#include "main_window.h"
#include "run_archive.h"
#include "profiler_table.h"
#include "memory_view.h"
#include "run_diff_model.h"

#include <nlohmann/json.hpp>
#include "frame_compare_panel.h"
#include "run_compare_view.h"
#include "run_history_model.h"
#include "seam_heatmap.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "model/demo.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <QAbstractItemModelTester>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QSlider>
#include <QStandardPaths>
#include <QTabWidget>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

using namespace tsui;
using tsui::test::span;

namespace {

QVector<QImage> solidFrames(int n, int w, int h, int grey) {
    QVector<QImage> frames;
    for (int i = 0; i < n; ++i) {
        QImage f(w, h, QImage::Format_RGB888);
        f.fill(QColor(grey, grey, grey));
        frames << f;
    }
    return frames;
}

// A run that started at `originNs` and whose trace spans [origin, origin + lengthMs].
ArchivedRun syntheticRun(const QString& id, std::int64_t originNs, double lengthMs, QVector<QImage> frames) {
    auto store = std::make_shared<ts::TraceStore>();
    const auto len = static_cast<std::int64_t>(lengthMs * 1e6);
    store->append(span("stage 1", "stage", originNs, len / 2));
    store->append(span("stage 2", "stage", originNs + len / 2, len / 2));
    store->append(span("decode", "run", originNs, len));
    return {id, store, originNs, std::move(frames)};
}

RunRecord recordWithId(const QString& id, double wall) {
    RunRecord r;
    r.id = id;
    r.finishedAt = QDateTime::currentDateTimeUtc();
    r.device = QStringLiteral("cpu");
    r.precision = QStringLiteral("fp32");
    r.tiling = QStringLiteral("off");
    r.status = QStringLiteral("done");
    r.wallSeconds = wall;
    r.decodeSeconds = wall;
    return r;
}

}  // namespace

class TestRunCompare : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
    }

    void archiveKeepsTheNewestRuns() {
        RunArchive archive(2, qint64(1) << 30);
        archive.keep(syntheticRun(QStringLiteral("a"), 0, 1, solidFrames(1, 4, 4, 0)));
        archive.keep(syntheticRun(QStringLiteral("b"), 0, 1, solidFrames(1, 4, 4, 0)));
        archive.keep(syntheticRun(QStringLiteral("c"), 0, 1, solidFrames(1, 4, 4, 0)));
        QCOMPARE(archive.size(), 2);
        QVERIFY(archive.find(QStringLiteral("a")) == nullptr);
        QVERIFY(archive.find(QStringLiteral("b")) != nullptr);
        QVERIFY(archive.find(QStringLiteral("c")) != nullptr);
        archive.remove(QStringLiteral("b"));
        QCOMPARE(archive.size(), 1);
        QVERIFY(archive.find(QStringLiteral("b")) == nullptr);
        archive.keep(syntheticRun(QString(), 0, 1, {}));  // no id: nothing to find it by
        QCOMPARE(archive.size(), 1);
        QVERIFY(archive.find(QString()) == nullptr);

        // Budget of one run's frames: the older run keeps its trace, loses its frames.
        const QVector<QImage> frames = solidFrames(3, 16, 16, 10);
        const qint64 oneRun = ArchivedRun{QString(), nullptr, 0, frames}.frameBytes();
        QVERIFY(oneRun >= 3 * 16 * 16 * 3);
        RunArchive tight(4, oneRun);
        tight.keep(syntheticRun(QStringLiteral("old"), 0, 1, frames));
        tight.keep(syntheticRun(QStringLiteral("new"), 0, 1, frames));
        QCOMPARE(tight.size(), 2);
        QVERIFY(tight.find(QStringLiteral("old"))->frames.isEmpty());
        QVERIFY(tight.find(QStringLiteral("old"))->trace != nullptr);
        QCOMPARE(tight.find(QStringLiteral("new"))->frames.size(), 3);
        QCOMPARE(tight.frameBytes(), oneRun);
    }

    void historyRowsGetPersistentIds() {
        const QString file = dir_.filePath(QStringLiteral("ids.json"));
        QString id;
        {
            RunHistoryModel model(file);
            QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
            RunRecord r = recordWithId(QString(), 1.0);
            model.add(r);
            model.add(recordWithId(QStringLiteral("given"), 2.0));
            QCOMPARE(model.rowCount(), 2);
            id = model.record(1).id;
            QCOMPARE(id.size(), 36);  // a UUID without braces
            QCOMPARE(model.record(0).id, QStringLiteral("given"));
        }
        RunHistoryModel again(file);
        QCOMPARE(again.rowCount(), 2);
        QCOMPARE(again.record(1).id, id);
        QCOMPARE(again.record(0).id, QStringLiteral("given"));
    }

    void compareViewLinksTimelinesAndDiffsFrames() {
        RunCompareView view;
        QAbstractItemModelTester diffTester(view.diffModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        view.resize(1200, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        // A: 3 frames of grey 100, 20 ms, started at t = 5 s; B: grey 110 except frame 1,
        // which equals A; 50 ms, started at t = 9 s. Both timelines start at 0.
        QVector<QImage> b = solidFrames(3, 8, 6, 110);
        b[1] = solidFrames(1, 8, 6, 100).first();
        const ArchivedRun a = syntheticRun(QStringLiteral("A"), 5'000'000'000, 20, solidFrames(3, 8, 6, 100));
        ArchivedRun bb = syntheticRun(QStringLiteral("B"), 9'000'000'000, 50, b);
        {  // B also ran a tile worker, whose row label is wider than A's "main".
            auto store = std::make_shared<ts::TraceStore>();
            for (const ts::TraceEvent& e : bb.trace->snapshot().events) store->append(e);
            ts::TraceEvent tile = span("tile 0", "tile", 9'000'000'000, 10'000'000);
            tile.tid = 7;
            store->append(tile);
            store->nameTrack(0, 7, "tile worker 0 with a long name");
            bb.trace = store;
        }
        view.setRuns(recordWithId(QStringLiteral("A"), 1), &a, recordWithId(QStringLiteral("B"), 2), &bb);
        // The clip's statistics are computed off the GUI thread: not there yet when
        // setRuns returns (their result comes back through the event loop).
        QVERIFY(view.frames()->statsPending());
        QVERIFY(std::isnan(view.frames()->runPsnrDb()));
        QVERIFY(view.frames()->statsText().contains(QStringLiteral("computing")));
        QCOMPARE(view.frames()->frameCount(), 3);
        QSignalSpy ready(&view, &RunCompareView::statsReady);
        QVERIFY(ready.wait(10000));
        QVERIFY(!view.frames()->statsPending());

        // Per stage: A's 10 + 10 ms against B's 25 + 25 ms, as tilescope-cli diff says it.
        if (view.diffPending()) {
            QSignalSpy diffed(&view, &RunCompareView::diffReady);
            QVERIFY(diffed.wait(10000));
        }
        const RunDiffModel* diff = view.diffModel();
        int stage1 = -1;
        for (int r = 0; r < diff->rowCount(); ++r)
            if (diff->rows()[r].kind == QLatin1String("stage") && diff->rows()[r].name == QLatin1String("stage 1")) stage1 = r;
        QVERIFY2(stage1 >= 0, qPrintable(QString::number(diff->rowCount())));
        QVERIFY(std::abs(diff->rows()[stage1].a - 0.010) < 1e-9);
        QVERIFY(std::abs(diff->rows()[stage1].b - 0.025) < 1e-9);
        QCOMPARE(diff->index(stage1, RunDiffModel::Change).data().toString(), QStringLiteral("+15.0 ms"));
        QCOMPARE(diff->index(stage1, RunDiffModel::ChangePct).data().toString(), QStringLiteral("+150 %"));
        // The tab's table shows these rows (its order: diffRowsSayNewAndMiB).
        auto* table = view.findChild<QTableView*>(QStringLiteral("compareDiffTable"));
        QCOMPARE(table->model()->rowCount(), diff->rowCount());
        auto* tabs = view.findChild<QTabWidget*>(QStringLiteral("compareTimeTabs"));
        QVERIFY(tabs->currentWidget() != table);  // the timelines first
        view.showStagesTab(true);
        QCOMPARE(tabs->currentWidget(), table);
        view.showStagesTab(false);

        QVERIFY2(view.message().isEmpty(), qPrintable(view.message()));
        QVERIFY(view.summary().contains(QStringLiteral("B (")));
        // One colour legend for the two stacked timelines: the rows go to the plots.
        QVERIFY(view.timelineA()->findChild<QLabel*>(QStringLiteral("timelineLegend"))->isVisible());
        QVERIFY(!view.timelineB()->findChild<QLabel*>(QStringLiteral("timelineLegend"))->isVisible());
        QCOMPARE(view.feedA()->index().spanCount(), std::size_t(3));
        QCOMPARE(view.feedB()->index().spanCount(), std::size_t(4));
        QCOMPARE(view.feedA()->origin(), std::int64_t(5'000'000'000));
        QCOMPARE(view.feedB()->origin(), std::int64_t(9'000'000'000));
        QCPAxis* xa = view.timelineA()->plot()->xAxis;
        QCPAxis* xb = view.timelineB()->plot()->xAxis;
        // One range for both: from each run's start to the end of the longer one.
        QCOMPARE(xa->range().lower, 0.0);
        QVERIFY(std::abs(xa->range().upper - 51.0) < 1e-6);
        QCOMPARE(xb->range().lower, xa->range().lower);
        QCOMPARE(xb->range().upper, xa->range().upper);
        // The plot areas start at the same x, so equal times are at equal x on screen.
        view.timelineA()->plot()->replot(QCustomPlot::rpImmediateRefresh);
        view.timelineB()->plot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(view.timelineB()->plot()->axisRect()->left() > 40);
        QCOMPARE(view.timelineA()->plot()->axisRect()->left(), view.timelineB()->plot()->axisRect()->left());
        QCOMPARE(xa->coordToPixel(10.0), xb->coordToPixel(10.0));
        // Zooming or panning either moves the other.
        xb->setRange(10, 15);
        QCOMPARE(xa->range().lower, 10.0);
        QCOMPARE(xa->range().upper, 15.0);
        QTest::mouseDClick(view.timelineA()->plot(), Qt::LeftButton, {}, view.timelineA()->plot()->rect().center());
        QVERIFY(std::abs(xb->range().upper - xa->range().upper) < 1e-9);
        QVERIFY(xa->range().upper > 15.0);

        // Frame statistics: 10 grey levels = 10/127.5 on the [-1,1] scale in every value.
        const double delta = 10.0 / 127.5;
        QCOMPARE(view.frames()->frameCount(), 3);
        QVERIFY(std::abs(view.frames()->frameMaxAbs(0) - delta) < 1e-6);
        QVERIFY(std::abs(view.frames()->framePsnrDb(0) - 10 * std::log10(4 / (delta * delta))) < 1e-3);
        QCOMPARE(view.frames()->frameMaxAbs(1), 0.0);
        QVERIFY(view.frames()->framePsnrDb(1) >= 99.0);  // identical frame
        QVERIFY(std::abs(view.frames()->runMaxAbs() - delta) < 1e-6);
        QVERIFY(std::abs(view.frames()->runPsnrDb() - 10 * std::log10(4 / (delta * delta * 2 / 3))) < 1e-3);
        QVERIFY(std::isnan(view.frames()->framePsnrDb(3)));

        // The shared slider drives the heatmap: auto gain maps delta to white.
        QCOMPARE(view.frames()->currentFrame(), 0);
        const QRgb top = view.frames()->displayedImage().pixel(3, 3);
        QVERIFY2(qRed(top) > 250 && qGreen(top) > 250 && qBlue(top) > 240, qPrintable(QString::number(top, 16)));
        QCOMPARE(top, heatmapImage(diffImages(a.frames[0], b[0]), autoGain(view.frames()->runMaxAbs())).pixel(3, 3));
        auto* slider = view.findChild<QSlider*>(QStringLiteral("compareFrameSlider"));
        QVERIFY(slider && slider->isEnabled());
        QCOMPARE(slider->maximum(), 2);
        slider->setValue(1);
        QCOMPARE(view.frames()->currentFrame(), 1);
        QCOMPARE(view.frames()->displayedImage().pixel(3, 3), heatColour(0.0));
        QVERIFY(view.frames()->statsText().contains(QStringLiteral("frame 2")));
        view.frames()->setShow(FrameComparePanel::Show::B);
        slider->setValue(2);
        QCOMPARE(view.frames()->displayedImage().pixel(0, 0), qRgb(110, 110, 110));
        view.frames()->setShow(FrameComparePanel::Show::A);
        QCOMPARE(view.frames()->displayedImage().pixel(0, 0), qRgb(100, 100, 100));
        view.frames()->setShow(FrameComparePanel::Show::Diff);
        view.frames()->setGain(10);  // 10 * 0.078 = 0.78 of the colour map
        QCOMPARE(view.frames()->displayedImage().pixel(0, 0), heatmapImage(diffImages(a.frames[2], b[2]), 10).pixel(0, 0));
        // 0.78 of the map: between yellow (2/3) and white, blue at 3 * 0.784 - 2 = 0.35.
        QCOMPARE(qRed(view.frames()->displayedImage().pixel(0, 0)), 255);
        QCOMPARE(qGreen(view.frames()->displayedImage().pixel(0, 0)), 255);
        QVERIFY(std::abs(qBlue(view.frames()->displayedImage().pixel(0, 0)) - 90) <= 2);
    }

    void diffRowsSayNewAndMiB() {
        // An op only B ran has no base for a percentage; memory rows come first, named as the
        // memory graph names the counters, in MiB.
        const nlohmann::json diff = {
            {"time", {{{"kind", "op"}, {"name", "aten::pad"}, {"a", 0.0}, {"b", 0.002}, {"change", 0.002}, {"change_pct", nullptr}},
                      {{"kind", "stage"}, {"name", "up stage 3"}, {"a", 14.1391}, {"b", 6.8319}, {"change", -7.3072}, {"change_pct", -51.7}}}},
            {"memory", {{{"kind", "memory"}, {"name", "rss_bytes"}, {"a", 1048576.0}, {"b", 3145728.0}, {"change", 2097152.0},
                         {"change_pct", 200.0}}}}};
        RunDiffModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRows(runDiffRows(diff));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, RunDiffModel::Kind).data().toString(), QStringLiteral("memory"));
        QCOMPARE(model.index(0, RunDiffModel::Name).data().toString(), QStringLiteral("host rss"));
        QCOMPARE(model.index(0, RunDiffModel::Change).data().toString(), QStringLiteral("+2.0 MiB"));
        QCOMPARE(model.index(0, RunDiffModel::ChangePct).data().toString(), QStringLiteral("+200 %"));
        QCOMPARE(model.index(0, RunDiffModel::A).data(Qt::UserRole).toDouble(), 1048576.0);
        QCOMPARE(model.index(1, RunDiffModel::ChangePct).data().toString(), QStringLiteral("new"));
        QCOMPARE(model.index(1, RunDiffModel::B).data().toString(), QStringLiteral("2.00 ms"));
        // A second and more in seconds, so the columns stay narrow.
        QCOMPARE(model.index(2, RunDiffModel::A).data().toString(), QStringLiteral("14.14 s"));
        QCOMPARE(model.index(2, RunDiffModel::Change).data().toString(), QStringLiteral("-7.31 s"));
        QCOMPARE(model.index(2, RunDiffModel::ChangePct).data().toString(), QStringLiteral("-51.7 %"));
        QCOMPARE(counterLabel("allocated_bytes@1"), QStringLiteral("GPU 0 allocated"));
        // A table keeps the model's order (here memory, then op, then stage) until a header
        // is clicked, though sorting is on (it sorted by the first column, descending, at
        // once); then it sorts by the raw numbers, times apart from bytes: 3 MiB is not
        // "more" than 2 ms, whichever way the column sorts.
        RunDiffModel reversed;
        reversed.setRows({model.rows()[0], model.rows()[1], model.rows()[2]});
        std::unique_ptr<QTableView> table(makeProfilerTable(&reversed, RunDiffModel::Name, -1, Qt::AscendingOrder));
        const auto kinds = [&table] {
            QStringList k;
            for (int r = 0; r < table->model()->rowCount(); ++r) k << table->model()->index(r, RunDiffModel::Kind).data().toString();
            return k.join(QLatin1Char(','));
        };
        QCOMPARE(kinds(), QStringLiteral("memory,op,stage"));
        table->sortByColumn(RunDiffModel::Kind, Qt::DescendingOrder);
        QCOMPARE(kinds(), QStringLiteral("stage,op,memory"));
        table->sortByColumn(RunDiffModel::B, Qt::DescendingOrder);
        QCOMPARE(kinds(), QStringLiteral("stage,op,memory"));  // 6.83 s, 2 ms; then 3 MiB
        table->sortByColumn(RunDiffModel::B, Qt::AscendingOrder);
        QCOMPARE(kinds(), QStringLiteral("op,stage,memory"));
        table->sortByColumn(RunDiffModel::ChangePct, Qt::DescendingOrder);  // percentages compare across units
        QCOMPARE(kinds(), QStringLiteral("op,memory,stage"));  // new (infinite), +200 %, -51.7 %
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }

    void missingRunDataGivesAMessage() {
        RunCompareView view;
        const ArchivedRun a = syntheticRun(QStringLiteral("A"), 0, 20, solidFrames(3, 8, 6, 100));
        // B's data are gone (an older run, or one from an earlier session).
        view.setRuns(recordWithId(QStringLiteral("A"), 1), &a, recordWithId(QStringLiteral("B"), 2), nullptr);
        QVERIFY2(view.message().contains(QStringLiteral("B: this run's trace and frames are no longer kept")),
                 qPrintable(view.message()));
        QCOMPARE(view.frames()->frameCount(), 0);
        QCOMPARE(view.feedA()->index().spanCount(), std::size_t(3));
        QCOMPARE(view.feedB()->index().spanCount(), std::size_t(0));
        QCOMPARE(view.findChild<TimelineView*>(QStringLiteral("compareTimelineB"))->emptyText(),
                 QStringLiteral("No trace of this run to show"));  // not the main window's "No run yet"
        QVERIFY(view.frames()->displayedImage().isNull());
        QVERIFY(std::isnan(view.frames()->runPsnrDb()));
        QVERIFY(view.frames()->statsText().contains(QStringLiteral("No frames")));
        view.frames()->showFrame(0);  // nothing to show: no crash, still nothing
        QCOMPARE(view.frames()->currentFrame(), -1);

        // Frames of different sizes and counts: said, not diffed.
        const ArchivedRun big = syntheticRun(QStringLiteral("C"), 0, 20, solidFrames(2, 16, 6, 100));
        view.setRuns(recordWithId(QStringLiteral("A"), 1), &a, recordWithId(QStringLiteral("C"), 2), &big);
        QVERIFY2(view.message().contains(QStringLiteral("differ in size (A 8×6, B 16×6)")), qPrintable(view.message()));
        QCOMPARE(view.frames()->frameCount(), 0);
        const ArchivedRun shorter = syntheticRun(QStringLiteral("D"), 0, 20, solidFrames(2, 8, 6, 100));
        view.setRuns(recordWithId(QStringLiteral("A"), 1), &a, recordWithId(QStringLiteral("D"), 2), &shorter);
        QVERIFY2(view.message().contains(QStringLiteral("A has 3 frames, B 2")), qPrintable(view.message()));
        QCOMPARE(view.frames()->frameCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(!view.frames()->statsPending(), 10000);
        QCOMPARE(view.frames()->frameMaxAbs(1), 0.0);

        // Cleared: both sides empty again.
        view.clear();
        QCOMPARE(view.feedA()->index().spanCount(), std::size_t(0));
        QVERIFY(view.message().isEmpty());
    }

    void historyCompareButtonComparesTwoDemoRuns() {
        const QString file = dir_.filePath(QStringLiteral("demo-history.json"));
        const at::Tensor latents = ts::test::latentCorner(demo_.latents, 2, 8);  // 5 frames of 64x64
        {
            MainWindow w(nullptr, file);
            w.show();
            QVERIFY(test::openDemoAndProbe(w, demo_, latents));
            const QString failed = test::runUntiledThenBlend(w);
            QVERIFY2(failed.isEmpty(), qPrintable(failed));
            QCOMPARE(w.history()->rowCount(), 2);
            QCOMPARE(w.historyController()->archive().size(), 2);

            HistoryPanel* panel = w.historyController()->panel();
            auto* button = panel->findChild<QPushButton*>(QStringLiteral("historyCompareButton"));
            QVERIFY(button);
            QVERIFY(!button->isEnabled());
            panel->table()->selectionModel()->select(w.history()->index(0, 0),
                                                     QItemSelectionModel::Select | QItemSelectionModel::Rows);
            QVERIFY(!button->isEnabled());  // one run: nothing to compare
            panel->table()->selectionModel()->select(w.history()->index(1, 0),
                                                     QItemSelectionModel::Select | QItemSelectionModel::Rows);
            QVERIFY(button->isEnabled());
            w.tabs()->setCurrentIndex(0);
            QTest::mouseClick(button, Qt::LeftButton);

            RunCompareView* view = w.historyController()->compareView();
            QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(view));
            QTRY_VERIFY_WITH_TIMEOUT(!view->frames()->statsPending(), 10000);
            QVERIFY2(view->message().isEmpty(), qPrintable(view->message()));
            QVERIFY(view->summary().contains(QStringLiteral("cpu fp32 blend 32/8 px")));
            QVERIFY(view->feedA()->index().spanCount() > 0);
            QVERIFY(view->feedB()->index().spanCount() > 0);
            // B tiles: its trace has tile spans, A's (untiled) none.
            QVERIFY(view->feedB()->index().countMatches(view->feedB()->index().matchNames("tile")) > 0);
            QCOMPARE(view->frames()->frameCount(), w.frameCount());
            QCOMPARE(view->frames()->frameCount(), 5);
            // Blend tiles of 32 px (random weights) differ from the untiled decode visibly
            // but boundedly; the frame of the slider is among them.
            QVERIFY2(view->frames()->runPsnrDb() > 10 && view->frames()->runPsnrDb() < 99 && view->frames()->runMaxAbs() > 0 && view->frames()->runMaxAbs() <= 2,
                     qPrintable(QString::number(view->frames()->runPsnrDb()) + " dB"));
            double worst = 0;
            for (int i = 0; i < view->frames()->frameCount(); ++i) worst = std::max(worst, view->frames()->frameMaxAbs(i));
            QCOMPARE(worst, view->frames()->runMaxAbs());
            // B is the run the preview still shows.
            view->frames()->setShow(FrameComparePanel::Show::B);
            view->frames()->showFrame(4);
            QCOMPARE(view->frames()->displayedImage(), w.frame(4));
            QCOMPARE(view->timelineA()->plot()->xAxis->range().upper, view->timelineB()->plot()->xAxis->range().upper);

            // Deleting a run drops what the archive kept of it.
            w.history()->removeRows(1, 1);
            QCOMPARE(w.historyController()->archive().size(), 1);
            QCOMPARE(w.history()->rowCount(), 1);
        }
        // A new session: test_run_store's newSessionReopensAndComparesEarlierRuns.
    }
};

QTEST_MAIN(TestRunCompare)
#include "test_run_compare.moc"
