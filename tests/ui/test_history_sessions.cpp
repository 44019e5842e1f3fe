// History across sessions: each finished run is written to the run store next to the
// history file, a second MainWindow on the same app data folder reopens and compares the
// first one's runs with their timelines and frames (read back off the GUI thread), a
// pruned run still opens with its numbers and why, and deleting a row deletes its folder.
#include "history_controller.h"
#include "async_run_store.h"
#include "history_panel.h"
#include "main_window.h"
#include "frame_compare_panel.h"
#include "run_compare_view.h"
#include "run_reopener.h"
#include "run_history_model.h"
#include "run_store.h"
#include "seam_heatmap.h"
#include "trace_feed.h"

#include "model/demo.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QItemSelectionModel>
#include <QPushButton>
#include <QTabWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace tsui;

namespace {

RunRecord syntheticRecord(int frames) {
    RunRecord r;
    r.finishedAt = QDateTime::currentDateTimeUtc();
    r.device = QStringLiteral("cpu");
    r.precision = QStringLiteral("fp32");
    r.tiling = QStringLiteral("off");
    r.status = QStringLiteral("done");
    r.frames = frames;
    return r;
}

// Run `n` of a synthetic session: one span of n ms, 2 frames of grey 10 n.
void recordSynthetic(HistoryController& ctl, int n) {
    auto trace = std::make_shared<ts::TraceStore>();
    trace->append(test::span("decode", "run", 1000, n * 1'000'000));
    QVector<QImage> frames;
    for (int i = 0; i < 2; ++i) {
        QImage f(6, 4, QImage::Format_RGB888);
        f.fill(QColor(10 * n, 10 * n, 10 * n));
        frames << f;
    }
    ctl.record(syntheticRecord(2), trace, 1000, frames);
}

}  // namespace

class TestHistorySessions : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
    }

    void newSessionReopensAndComparesEarlierRuns();

    // Runs beyond the in-memory archive come from disk, also next to one that is cached;
    // a run whose payload could not be written opens with its numbers and the reason.
    void olderAndUnwrittenRuns() {
        QTemporaryDir dir;
        RunHistoryModel model(dir.filePath(QStringLiteral("h.json")));
        QTabWidget tabs;
        HistoryController ctl(&model, &tabs);
        QCOMPARE(ctl.runStore()->store().root(), dir.filePath(QStringLiteral("runs")));
        for (int n = 1; n <= 6; ++n) recordSynthetic(ctl, n);
        QVERIFY(ctl.runStore()->waitForIdle(10000));
        QCOMPARE(ctl.archive().size(), RunArchive::kDefaultRuns);
        QVERIFY(!ctl.archive().find(model.record(5).id));
        QCOMPARE(ctl.runStore()->store().ids().size(), 6);
        QSignalSpy shown(&ctl, &HistoryController::shown);
        QVERIFY(ctl.compare(5, 0));  // run 1 from disk, run 6 from memory
        QVERIFY(ctl.isLoading());
        QVERIFY(shown.wait(10000));
        RunCompareView* view = ctl.compareView();
        QVERIFY2(view->message().isEmpty(), qPrintable(view->message()));
        QCOMPARE(view->feedA()->index().spanCount(), std::size_t(1));
        QCOMPARE(view->frames()->frameCount(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(!view->frames()->statsPending(), 10000);
        QVERIFY(std::abs(view->frames()->runMaxAbs() - 50 / 127.5) < 1e-6);  // grey 10 vs grey 60
        QVERIFY(ctl.archive().find(model.record(5).id));  // read once, cached since

        // A store that cannot be written (its root is a file): the runs still record.
        QFile blocker(dir.filePath(QStringLiteral("blocked")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        RunHistoryModel model2(dir.filePath(QStringLiteral("h2.json")));
        HistoryController ctl2(&model2, &tabs, nullptr, dir.filePath(QStringLiteral("blocked/runs")));
        QSignalSpy saved(ctl2.runStore(), &AsyncRunStore::saved);
        for (int n = 1; n <= 5; ++n) recordSynthetic(ctl2, n);
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 5, 10000);
        QVERIFY(!saved.at(0).at(1).toString().isEmpty());
        QSignalSpy shown2(&ctl2, &HistoryController::shown);
        QVERIFY(ctl2.showRun(4));  // the oldest: not in memory, never on disk
        QCOMPARE(shown2.size(), 1);  // nothing to wait for
        QVERIFY(!ctl2.isLoading());
        QVERIFY2(ctl2.compareView()->message().startsWith(QStringLiteral("Run: its trace and frames could not be written to disk: ")),
                 qPrintable(ctl2.compareView()->message()));
        QCOMPARE(ctl2.compareView()->frames()->frameCount(), 0);
        QVERIFY(ctl2.showRun(0));  // the newest is still in memory
        QVERIFY2(ctl2.compareView()->message().isEmpty(), qPrintable(ctl2.compareView()->message()));
        QCOMPARE(ctl2.compareView()->frames()->frameCount(), 2);
    }
};

// The bar: run the demo in one window, close it, open a second window on the
// same app data folder and reopen/compare the first window's runs, timelines and frames.
void TestHistorySessions::newSessionReopensAndComparesEarlierRuns() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("run-history.json"));
    const at::Tensor latents = ts::test::latentCorner(demo_.latents, 2, 8);  // 5 frames of 64x64
    QVector<QImage> framesA, framesB;
    std::size_t spansA = 0, spansB = 0;
    QString idA, idB;
    {
        MainWindow w(nullptr, file);
        QVERIFY(test::openDemoAndProbe(w, demo_, latents));
        const QString failed = test::runUntiledThenBlend(w);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        idA = w.history()->record(1).id;
        idB = w.history()->record(0).id;
        const RunArchive& archive = w.historyController()->archive();
        QVERIFY(archive.find(idA) && archive.find(idB));
        framesA = archive.find(idA)->frames;
        framesB = archive.find(idB)->frames;
        spansA = archive.find(idA)->trace->size();
        spansB = archive.find(idB)->trace->size();
        QCOMPARE(framesB.size(), 5);
        QCOMPARE(framesB[4], w.frame(4));
    }  // closing waits for the writes
    const RunStore disk(dir.filePath(QStringLiteral("runs")));
    QCOMPARE(disk.ids(), QStringList({idB, idA}));

    MainWindow w(nullptr, file);
    QAbstractItemModelTester tester(w.history(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(w.history()->rowCount(), 2);
    QCOMPARE(w.historyController()->archive().size(), 0);
    HistoryController* ctl = w.historyController();
    RunCompareView* view = ctl->compareView();
    QSignalSpy shown(ctl, &HistoryController::shown);

    // Compare: both runs come from disk, off the GUI thread; meanwhile the tab says so.
    QVERIFY(ctl->compare(1, 0));
    QVERIFY(ctl->isLoading());
    QVERIFY2(view->message().contains(QStringLiteral("from disk")), qPrintable(view->message()));
    QVERIFY(shown.wait(20000));
    QVERIFY2(view->message().isEmpty(), qPrintable(view->message()));
    QCOMPARE(view->feedA()->store()->size(), spansA);
    QCOMPARE(view->feedB()->store()->size(), spansB);
    QVERIFY(view->feedB()->index().countMatches(view->feedB()->index().matchNames("tile")) > 0);
    QCOMPARE(view->frames()->frameCount(), 5);
    QTRY_VERIFY_WITH_TIMEOUT(!view->frames()->statsPending(), 10000);
    double mse = 0, worst = 0;
    for (int i = 0; i < 5; ++i) {
        const DiffMap d = diffImages(framesA[i], framesB[i]);
        mse += d.mse / 5;
        worst = std::max(worst, d.maxAbs);
    }
    QVERIFY(worst > 0);
    QCOMPARE(view->frames()->runMaxAbs(), worst);
    QVERIFY(std::abs(view->frames()->runPsnrDb() - psnrFromMse(mse)) < 1e-9);
    view->frames()->setShow(FrameComparePanel::Show::B);
    view->frames()->showFrame(4);
    QCOMPARE(view->frames()->displayedImage(), framesB[4]);

    // Reopen through the history tab: the run back in the main window's views (now cached).
    HistoryPanel* panel = ctl->panel();
    auto* reopen = panel->findChild<QPushButton*>(QStringLiteral("historyReopenButton"));
    QVERIFY(reopen && !reopen->isEnabled());
    panel->table()->selectionModel()->select(w.history()->index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    QVERIFY(reopen->isEnabled());
    QSignalSpy reopened(w.reopener(), &RunReopener::reopened);
    QTest::mouseClick(reopen, Qt::LeftButton);
    QVERIFY(reopened.wait(10000));  // from the archive, through a queued signal
    QCOMPARE(w.traceFeed()->store()->size(), spansA);
    QCOMPARE(w.frameCount(), 5);
    QCOMPARE(w.frame(2), framesA[2]);

    // One run alone in the Compare runs tab.
    shown.clear();
    QVERIFY(ctl->showRun(1));
    QCOMPARE(shown.size(), 1);  // from the archive: at once
    QVERIFY(view->isSingle());
    QVERIFY2(view->message().isEmpty(), qPrintable(view->message()));
    QCOMPARE(view->feedA()->store()->size(), spansA);
    QCOMPARE(view->frames()->frameCount(), 5);
    view->frames()->showFrame(2);
    QCOMPARE(view->frames()->displayedImage(), framesA[2]);

    // A run whose folder was pruned still opens, with its numbers and why.
    QVERIFY(disk.remove(idA));
    MainWindow third(nullptr, file);
    QSignalSpy shown3(third.historyController(), &HistoryController::shown);
    QVERIFY(third.historyController()->showRun(1));
    QVERIFY(shown3.wait(20000));
    RunCompareView* v3 = third.historyController()->compareView();
    QVERIFY2(v3->message().startsWith(QStringLiteral("Run: its trace and frames are not on disk")), qPrintable(v3->message()));
    QVERIFY(v3->summary().contains(QStringLiteral("cpu fp32 off")));
    QCOMPARE(v3->frames()->frameCount(), 0);

    // Deleting a row deletes the run's folder. A run the Compare tab does not show leaves
    // it as it is; deleting the one it shows empties it and says why (it went on showing it).
    third.history()->removeRows(0, 1);
    QVERIFY(third.historyController()->runStore()->waitForIdle(10000));
    QVERIFY(!QFile::exists(disk.folder(idB)));
    QVERIFY(disk.ids().isEmpty());
    QVERIFY(v3->summary().contains(QStringLiteral("cpu fp32 off")));
    third.history()->removeRows(0, 1);  // run A, shown alone
    QCOMPARE(v3->summary(), QStringLiteral("A run shown here was deleted from Run history."));
    QVERIFY(v3->message().isEmpty());
}

QTEST_MAIN(TestHistorySessions)
#include "test_history_sessions.moc"
