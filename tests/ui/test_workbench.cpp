// The workbench around a decode: presets, run history, the engine's prediction and the
// settings panel that shows it, the preview's player, and whole demo runs through the
// main window (timeline, memory graph, preview and history get data; the event loop
// keeps serving timers; cancel is seen within a second).
#include "history_controller.h"
#include "history_panel.h"
#include "main_window.h"
#include "memory_view.h"
#include "prediction.h"
#include "preset_store.h"
#include "preview_panel.h"
#include "run_history_model.h"
#include "settings_panel.h"
#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "model/demo.h"
#include "model/wan_vae.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <ATen/ATen.h>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace tsui;

class TestWorkbench : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;
    QTemporaryDir dir_;

    at::Tensor smallLatents() const {
        // A corner of the demo clip: 2 latent frames of 8x8 -> 5 frames of 64x64 in a
        // second or two on a busy 2-core machine.
        return ts::test::latentCorner(demo_.latents, 2, 8);
    }
    // The demo model on `latents`, its checkpoint probed (the prediction needs it).
    void openDemo(MainWindow& w, const at::Tensor& latents) {
        QVERIFY2(test::openDemoAndProbe(w, demo_, latents), qPrintable(w.settingsPanel()->modelInfo().error));
    }
    static RunRecord record(double wall, std::int64_t peak, std::int64_t macs) {
        RunRecord r;
        r.finishedAt = QDateTime::currentDateTimeUtc();
        r.device = QStringLiteral("cpu");
        r.precision = QStringLiteral("fp32");
        r.tiling = QStringLiteral("exact");
        r.tilePx = 128;
        r.overlapPx = 32;
        r.status = QStringLiteral("done");
        r.frames = 17;
        r.wallSeconds = wall;
        r.decodeSeconds = wall / 2;
        r.peakBytes = peak;
        r.macs = macs;
        return r;
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // settings and history under ~/.qttest
        QFile::remove(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + QStringLiteral("/tilescope.ini"));
        QVERIFY(dir_.isValid());
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
    }

    void presetsSaveLoadAndDefaults() {
        QSettings settings(dir_.filePath(QStringLiteral("presets.ini")), QSettings::IniFormat);
        PresetStore store(&settings);
        QVERIFY(store.names().contains(QStringLiteral("RTX 3090 Ti (24 GB)")));
        const auto rtx = store.find(QStringLiteral("RTX 3090 Ti (24 GB)"));
        QVERIFY(rtx && rtx->builtin);
        QCOMPARE(rtx->settings.device, std::string("cuda:0"));
        QVERIFY(rtx->settings.precision == ts::Precision::BF16);
        QCOMPARE(rtx->settings.maxMemoryBytes, std::int64_t(22) << 30);
        Preset mine;
        mine.name = QStringLiteral("mine");
        mine.settings.tiling = ts::TilingMode::Blend;
        mine.settings.tilePx = 96;
        mine.settings.streams = 3;
        mine.memoryText = QStringLiteral("4G");
        QVERIFY(store.save(mine));
        QVERIFY(!store.save(Preset{}));  // no name
        PresetStore again(&settings);
        const auto loaded = again.find(QStringLiteral("mine"));
        QVERIFY(loaded && !loaded->builtin);
        QVERIFY(loaded->settings.tiling == ts::TilingMode::Blend);
        QCOMPARE(loaded->settings.tilePx, 96);
        QCOMPARE(loaded->settings.streams, 3);
        QCOMPARE(loaded->memoryText, QStringLiteral("4G"));
        QVERIFY(!again.remove(QStringLiteral("RTX 3090 Ti (24 GB)")));  // built-in
        QVERIFY(again.remove(QStringLiteral("mine")));
        QVERIFY(!again.find(QStringLiteral("mine")));
    }

    void historyPersistsDeletesAndCompares() {
        const QString file = dir_.filePath(QStringLiteral("history.json"));
        {
            RunHistoryModel model(file);
            QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
            QCOMPARE(model.rowCount(), 0);
            model.add(record(4.0, 200 << 20, 1'000'000'000));
            model.add(record(2.0, 300 << 20, 1'000'000'000));
            QCOMPARE(model.rowCount(), 2);
            QCOMPARE(model.record(0).wallSeconds, 2.0);  // newest first
            QCOMPARE(model.data(model.index(0, RunHistoryModel::Gflops)).toString(), QStringLiteral("2.00"));
            QCOMPARE(model.data(model.index(0, RunHistoryModel::Settings)).toString(),
                     QStringLiteral("cpu fp32 exact 128/32 px, 1 stream"));
            RunRecord autoStreams = record(1.0, 100 << 20, 1'000'000'000);
            autoStreams.streams = ts::DecodeSettings::kAutoCount;
            QCOMPARE(autoStreams.settingsText(), QStringLiteral("cpu fp32 exact 128/32 px, auto streams"));
            // A cancelled run has no rate to give (its work is not counted): no "0.00".
            RunRecord cancelled = record(1.0, 100 << 20, 0);
            cancelled.status = QStringLiteral("cancelled");
            QCOMPARE(cancelled.gflopsText(), QStringLiteral("–"));
            QVERIFY(!cancelled.hasRate() && record(1.0, 100 << 20, 1'000'000'000).hasRate());  // Reopen's result line asks this
            // A CPU run's peak is host RSS, a CUDA run's device memory: shown, not compared.
            RunRecord onGpu = record(1.0, std::int64_t(3) << 30, 1'000'000'000);
            onGpu.device = QStringLiteral("cuda:0");
            QCOMPARE(onGpu.peakText(), QStringLiteral("3.00 GiB device"));
            const QString mixed = compareRuns(record(2.0, 300 << 20, 1'000'000'000), onGpu);
            QVERIFY2(mixed.contains(QStringLiteral("300.0 MiB → 3.00 GiB device (host and device memory: not compared)")),
                     qPrintable(mixed));
            // Two CPU runs of one window compare by what each decode added: the second run's
            // RSS also holds what the window kept of the first.
            RunRecord first = record(2.0, 400 << 20, 1'000'000'000), second = record(1.0, 550 << 20, 1'000'000'000);
            first.peakAddedBytes = 200 << 20;
            second.peakAddedBytes = 210 << 20;
            QCOMPARE(second.peakText(), QStringLiteral("550.0 MiB (+210.0 MiB)"));
            const QString added = compareRuns(first, second);
            QVERIFY2(added.contains(QStringLiteral("peak memory 400.0 MiB → 550.0 MiB (added by the decode 200.0 MiB → 210.0 MiB, +5.0 %)")),
                     qPrintable(added));
            RunOutcome measured;
            measured.status = RunOutcome::Status::Done;
            measured.rssAtDecodeStartBytes = 340 << 20;
            QCOMPARE(makeRunRecord(ts::DecodeSettings(), measured, "builtin:demo", "demo", "", 550 << 20).peakAddedBytes,
                     std::int64_t(210) << 20);
            QCOMPARE(RunRecord::fromJson(second.toJson()).peakAddedBytes, std::int64_t(210) << 20);
            QCOMPARE(RunRecord::fromJson(QJsonObject{}).peakAddedBytes, std::int64_t(-1));  // older records: unknown
            // A budget that tiled an untiled request: the settings say what was asked and what
            // ran; a run as asked says nothing more.
            ts::DecodeSettings asked;
            asked.maxMemoryBytes = 100 << 20;
            RunOutcome budgeted;
            budgeted.status = RunOutcome::Status::Done;
            budgeted.tilingRun = QStringLiteral("exact");
            budgeted.tilePxRun = 64;
            const RunRecord tiled = makeRunRecord(asked, budgeted, "builtin:demo", "demo", "100M", 1);
            QCOMPARE(tiled.settingsText(), QStringLiteral("cpu fp32 off ≤100M → ran exact 64 px"));
            QCOMPARE(RunRecord::fromJson(tiled.toJson()).settingsText(), tiled.settingsText());
            budgeted.tilingRun = QStringLiteral("off");
            QCOMPARE(makeRunRecord(asked, budgeted, "builtin:demo", "demo", "100M", 1).settingsText(),
                     QStringLiteral("cpu fp32 off ≤100M"));
        }
        RunHistoryModel model(file);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.record(1).peakBytes, std::int64_t(200) << 20);
        const QString diff = compareRuns(model.record(1), model.record(0));
        QVERIFY2(diff.contains(QStringLiteral("-50.0 %")), qPrintable(diff));  // time halved
        QVERIFY2(diff.contains(QStringLiteral("+50.0 %")), qPrintable(diff));  // memory +50 %
        QVERIFY2(!diff.contains(QStringLiteral("Different inputs")), qPrintable(diff));
        // The model column names the checkpoint by its file name; two runs of different
        // models or latents say so before their percentages.
        RunRecord tiny = model.record(0), full = model.record(1);
        tiny.vaeSource = QStringLiteral("builtin:tiny");
        full.vaeSource = QStringLiteral("/data/models/Wan2.1_VAE.pth");
        tiny.latents = full.latents = QStringLiteral("(demo latents)");
        QCOMPARE(tiny.modelText(), QStringLiteral("builtin:tiny"));
        QCOMPARE(full.modelText(), QStringLiteral("Wan2.1_VAE.pth"));
        const QString across = compareRuns(full, tiny);
        QVERIFY2(across.startsWith(QStringLiteral("Different inputs, so not only the settings differ: A decoded "
                                                  "Wan2.1_VAE.pth on (demo latents), B builtin:tiny on (demo latents). B (")),
                 qPrintable(across));
        QCOMPARE(model.headerData(RunHistoryModel::Model, Qt::Horizontal).toString(), QStringLiteral("Model"));

        HistoryPanel panel(&model);
        panel.table()->selectRow(0);
        QVERIFY(panel.comparison().isEmpty());
        panel.table()->selectionModel()->select(model.index(1, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(panel.comparison(), diff);
        panel.deleteSelected();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(RunHistoryModel(file).rowCount(), 0);  // saved at once
        // Empty, the line under the table says what will fill it.
        const auto* hint = panel.findChild<QLabel*>(QStringLiteral("historyCompare"));
        QVERIFY2(hint->text().startsWith(QStringLiteral("No runs yet")), qPrintable(hint->text()));
        model.add(record(1.0, 1 << 20, 1'000'000));
        QCOMPARE(hint->text(), QStringLiteral("Select two runs to compare them."));

        QFile bad(dir_.filePath(QStringLiteral("bad.json")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{not json");
        bad.close();
        RunHistoryModel broken(bad.fileName());
        QCOMPARE(broken.rowCount(), 0);
        QVERIFY(broken.lastError().contains(QStringLiteral("bad.json")));
        // The damaged file is moved aside, not overwritten by the next save (it was, and
        // every earlier run went with it); the tab says where it went until resolved.
        const QStringList aside = QDir(dir_.path()).entryList({QStringLiteral("bad.json.damaged-*")});
        QCOMPARE(aside.size(), 1);
        QVERIFY2(broken.lastError().contains(aside.first()), qPrintable(broken.lastError()));
        HistoryPanel brokenPanel(&broken);
        const auto* problem = brokenPanel.findChild<QLabel*>(QStringLiteral("historyProblem"));
        QVERIFY(!problem->isHidden());
        QCOMPARE(brokenPanel.problemText(), broken.lastError());
        broken.add(record(1.0, 1 << 20, 1'000'000));
        QCOMPARE(RunHistoryModel(bad.fileName()).rowCount(), 1);
        QFile kept(dir_.filePath(aside.first()));
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArray("{not json"));
        // A run store that cannot write says so there too, and stops once it writes again.
        brokenPanel.setStoreProblem(QStringLiteral("disk full"));
        QVERIFY(brokenPanel.problemText().endsWith(QStringLiteral("\ndisk full")));
        brokenPanel.setStoreProblem(QString());
        QCOMPARE(brokenPanel.problemText(), broken.lastError());
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("historyProblem"))->isHidden());  // a sound history: no line
    }

    void historyKeepsGraphOptions() {
        const QString file = dir_.filePath(QStringLiteral("history-opt.json"));
        {
            RunHistoryModel model(file);
            RunRecord plain = record(3.0, 100 << 20, 1'000'000'000);
            plain.graphOptions = QStringLiteral("none");
            RunRecord tuned = record(2.0, 80 << 20, 1'000'000'000);
            tuned.graphOptions = QString::fromStdString(ts::toString(ts::GraphOptions::allExact()));
            model.add(plain);
            model.add(tuned);
        }
        RunHistoryModel model(file);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 2);
        const QString all = QString::fromStdString(ts::toString(ts::GraphOptions::allExact()));
        QVERIFY(all.contains(QStringLiteral("frame-split")));
        QCOMPARE(model.record(0).graphOptions, all);
        QCOMPARE(model.record(1).graphOptions, QStringLiteral("none"));
        QCOMPARE(model.data(model.index(0, RunHistoryModel::Options)).toString(), all);
        QCOMPARE(model.headerData(RunHistoryModel::Options, Qt::Horizontal).toString(), QStringLiteral("Optimisations (--opt)"));
        QVERIFY(model.data(model.index(1, RunHistoryModel::Settings), Qt::ToolTipRole).toString().contains(QStringLiteral("--opt none")));
        QVERIFY(compareRuns(model.record(1), model.record(0)).contains(QStringLiteral("--opt none → ") + all));

        // A history written before "opt" existed still loads; its runs show no options,
        // and a value the engine would refuse is dropped rather than shown.
        QFile old(dir_.filePath(QStringLiteral("history-old.json")));
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write(R"json([{"finishedAt":"2026-01-02T03:04:05.000Z","vae":"builtin:tiny","latents":"(demo)","device":"cpu",
                      "precision":"fp32","tiling":"off","tile":256,"overlap":32,"streams":1,"threads":0,"maxMemory":"",
                      "status":"done","frames":5,"wallSeconds":1.5,"decodeSeconds":1.0,"peakBytes":1000,"macs":2000},
                     {"device":"cpu","precision":"fp32","tiling":"off","status":"done","opt":"warp-drive"}])json");
        old.close();
        RunHistoryModel legacy(old.fileName());
        QVERIFY2(legacy.lastError().isEmpty(), qPrintable(legacy.lastError()));
        QCOMPARE(legacy.rowCount(), 2);
        QCOMPARE(legacy.record(0).frames, 5);
        QCOMPARE(legacy.record(0).wallSeconds, 1.5);
        QVERIFY(legacy.record(0).graphOptions.isEmpty());
        QCOMPARE(legacy.data(legacy.index(0, RunHistoryModel::Options)).toString(), QStringLiteral("–"));
        QVERIFY(legacy.data(legacy.index(0, RunHistoryModel::When), Qt::ToolTipRole).toString().contains(QStringLiteral("(not recorded)")));
        QVERIFY(legacy.record(1).graphOptions.isEmpty());
        QVERIFY(!compareRuns(legacy.record(0), model.record(0)).contains(QStringLiteral("--opt")));
    }

    void predictionMatchesThePlanner() {
        const ts::WanVae model = ts::WanVae::load(demo_.vaeSource, ts::VaeParts::Decoder);
        ts::DecodeSettings s;
        const Prediction untiled = predictDecode(model.config(), 5, 12, 16, s);
        QVERIFY2(untiled.ok, qPrintable(untiled.error));
        QCOMPARE(untiled.plan.tiles.size(), std::size_t(1));
        QVERIFY(planOverlay(untiled.plan).isEmpty());
        QVERIFY(untiled.flops > 0);
        s.tiling = ts::TilingMode::Exact;
        s.tilePx = 32;
        s.overlapPx = 8;
        const Prediction exact = predictDecode(model.config(), 5, 12, 16, s);
        QVERIFY2(exact.ok, qPrintable(exact.error));
        QCOMPARE(exact.plan.frameWidth, 128);
        QCOMPARE(exact.plan.frameHeight, 96);
        QCOMPARE(exact.plan.tiles.size(), std::size_t(12));  // 4 x 3 tiles of 32 px
        QVERIFY(exact.overhead >= 1.0);
        QVERIFY(exact.flops >= untiled.flops);
        const QVector<TileOverlay> grid = planOverlay(exact.plan);
        QCOMPARE(grid.size(), 12);
        QCOMPARE(grid[0].tile, QRect(0, 0, 32, 32));
        QVERIFY(grid[0].halo.contains(grid[0].tile));   // exact tiles read context around them
        QVERIFY(grid[0].halo != grid[0].tile);
        s.tiling = ts::TilingMode::Blend;
        s.overlapPx = 24;  // more than half the tile: refused, naming the option
        const Prediction bad = predictDecode(model.config(), 5, 12, 16, s);
        QVERIFY(!bad.ok);
        QVERIFY2(bad.error.startsWith(QStringLiteral("Overlap: ")), qPrintable(bad.error));
        QCOMPARE(inWindowTerms(QStringLiteral("--tiling off; --tile 8, --max-memory auto, --opt none, --opt-x")),
                 QStringLiteral("Tiling off; Tile 8, Memory budget auto, Optimisations none, --opt-x"));
        // A decode far beyond this machine's RAM is planned but refused, as the run would be.
        const Prediction huge = predictDecode(model.config(), 1, 1024, 1024, ts::DecodeSettings());
        QVERIFY(huge.ok);
        QVERIFY2(huge.refusal.contains(QStringLiteral("of RAM")) && huge.refusal.contains(QStringLiteral("Tiling exact")),
                 qPrintable(huge.refusal));
        QVERIFY(predictDecode(model.config(), 5, 12, 16, ts::DecodeSettings()).refusal.isEmpty());
    }

    void optimisationCheckboxesReachTheSettings() {
        // One checkbox per --opt switch; toggling one changes the settings the run gets
        // and the predicted memory (frame-split holds one frame where the plain path holds four).
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h-opt.json")));
        openDemo(w, demo_.latents);
        SettingsPanel* panel = w.settingsPanel();
        QVERIFY(panel->settings().graph == ts::GraphOptions::allExact());
        auto* split = w.findChild<QCheckBox*>(QStringLiteral("opt-frame-split"));
        auto* bf16 = w.findChild<QCheckBox*>(QStringLiteral("opt-cache-bf16"));
        QVERIFY(split && bf16 && split->isChecked() && !bf16->isChecked());
        QVERIFY(!split->toolTip().isEmpty());
        const std::int64_t before = panel->prediction().peakBytes;
        QSignalSpy changed(panel, &SettingsPanel::settingsChanged);
        split->setChecked(false);
        QCOMPARE(changed.count(), 1);
        QVERIFY(!panel->settings().graph.frameSplit);
        QVERIFY(panel->settings().graph.padInPlace);
        QVERIFY2(panel->prediction().peakBytes > before,
                 qPrintable(QString::number(panel->prediction().peakBytes) + " vs " + QString::number(before)));
        bf16->setChecked(true);
        QVERIFY(panel->settings().graph.cacheBf16);
    }

    void settingsChangesRedrawTheGrid() {
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h1.json")));
        openDemo(w, demo_.latents);
        w.show();
        SettingsPanel* panel = w.settingsPanel();
        // The count and its unit stay on one line when the label wraps (no-break spaces).
        QVERIFY2(panel->modelInfo().describe().contains(QStringLiteral("\u00a0M\u00a0decoder\u00a0parameters")),
                 qPrintable(panel->modelInfo().describe()));
        QVERIFY2(panel->prediction().ok, qPrintable(panel->prediction().error));
        QVERIFY(w.preview()->view()->overlay().isEmpty());  // untiled
        auto* label = w.findChild<QLabel*>(QStringLiteral("predictionLabel"));
        QVERIFY(label && label->text().contains(QStringLiteral("peak")));

        w.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(QStringLiteral("exact"));
        w.findChild<QSpinBox*>(QStringLiteral("overlapSpin"))->setValue(8);
        w.findChild<QSpinBox*>(QStringLiteral("tileSpin"))->setValue(64);
        QCOMPARE(w.preview()->view()->overlay().size(), 4);  // 2 x 2 tiles of 64 px over 128x96
        w.findChild<QSpinBox*>(QStringLiteral("tileSpin"))->setValue(32);
        QCOMPARE(w.preview()->view()->overlay().size(), 12);
        QCOMPARE(panel->prediction().plan.tiles.size(), std::size_t(12));
        QVERIFY(label->text().contains(QStringLiteral("FLOP")));

        // The 3090 Ti preset: bf16, exact 256 px tiles, a 22 GiB budget, predicted even
        // where this machine has no such GPU.
        QVERIFY(panel->applyPreset(QStringLiteral("RTX 3090 Ti (24 GB)")));
        QCOMPARE(panel->settings().device, std::string("cuda:0"));
        QCOMPARE(panel->settings().tilePx, 256);
        QCOMPARE(panel->prediction().budgetBytes, std::int64_t(22) << 30);
        QVERIFY2(panel->prediction().ok, qPrintable(panel->prediction().error));
        QCOMPARE(w.preview()->view()->overlay().size(), 1);  // one 256 px tile covers 128x96
        QVERIFY(panel->applyPreset(QStringLiteral("CPU reference (fp32, untiled)")));
        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        QVERIFY(panel->recentCheckpoints().contains(QString::fromStdString(demo_.vaeSource)));
    }

    void previewPlaysAtSixteenFps() {
        PreviewPanel preview;
        FrameBatch batch;
        for (int i = 0; i < 4; ++i) {
            QImage img(8, 8, QImage::Format_RGB888);
            img.fill(QColor(i * 60, 0, 0));
            batch.images << img;
        }
        preview.addFrames(batch);
        QCOMPARE(preview.frameCount(), 4);
        QCOMPARE(preview.currentIndex(), 3);  // follows the newest
        QCOMPARE(preview.fps(), 16);
        auto* play = preview.findChild<QPushButton*>(QStringLiteral("playButton"));
        QVERIFY(play && play->isEnabled());
        QTest::mouseClick(play, Qt::LeftButton);
        QVERIFY(preview.isPlaying());
        QTRY_COMPARE_WITH_TIMEOUT(preview.currentIndex(), 1, 2000);  // wrapped around: 3 -> 0 -> 1
        QTest::mouseClick(play, Qt::LeftButton);
        QVERIFY(!preview.isPlaying());
        auto* zoom = preview.findChild<QComboBox*>(QStringLiteral("zoomCombo"));
        zoom->setCurrentIndex(2);
        Q_EMIT zoom->activated(2);
        QCOMPARE(preview.view()->zoom(), 2.0);
    }

    void wholeDemoRunFillsEveryView() {
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h2.json")));
        const at::Tensor latents = smallLatents();
        openDemo(w, latents);
        w.show();
        QSignalSpy finished(&w, &MainWindow::runFinished);
        int ticks = 0;
        QTimer timer;
        timer.setInterval(10);
        connect(&timer, &QTimer::timeout, [&ticks] { ++ticks; });
        timer.start();
        QElapsedTimer clock;
        clock.start();
        QVERIFY(w.startRun());
        QVERIFY(w.traceFeed()->isLive());
        QVERIFY(finished.wait(120000));
        const qint64 ms = clock.elapsed();
        timer.stop();
        const RunOutcome out = test::outcomeOf(finished);
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));

        // Preview: every frame, 64x64.
        QCOMPARE(w.frameCount(), 5);
        QCOMPARE(w.currentFrame().size(), QSize(64, 64));
        // Timeline: the run span on the main track, chunks under it.
        const TimelineIndex& idx = w.traceFeed()->index();
        QVERIFY(idx.rowCount() >= 2);
        QCOMPARE(idx.rowLabel(0), std::string("main"));
        QCOMPARE(idx.name(idx.record(idx.row(0).spans[0].record).name), std::string("decode"));
        QVERIFY(idx.countMatches(idx.matchNames("latent frame")) >= 2);
        // The engine's spans take the first rows, ops the rows under them.
        auto rowCategory = [&idx](int r) { return idx.categoryName(idx.record(idx.row(r).spans[0].record).category); };
        QCOMPARE(rowCategory(1), std::string("chunk"));
        QCOMPARE(rowCategory(2), std::string("stage"));
        QCOMPARE(rowCategory(3), std::string("op"));
        // ATen ops from the worker's profile session: the convolutions, with their FLOPs.
        QVERIFY(idx.countMatches(idx.matchNames("aten::mkldnn_convolution")) > 0 ||
                idx.countMatches(idx.matchNames("aten::conv3d")) > 0);
        w.timeline()->plot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(w.timeline()->spans()->lastBlockCount() > 0);
        // History: one done run with GFLOP/s and a peak.
        QCOMPARE(w.history()->rowCount(), 1);
        QCOMPARE(w.history()->record(0).status, QStringLiteral("done"));
        QVERIFY(w.history()->record(0).gflops() > 0);
        QVERIFY(w.history()->record(0).peakBytes > 0);
        // The event loop stayed free: a 10 ms timer kept firing (a tenth of its ideal count,
        // and at least twice: this run takes only 60-100 ms, so a blocked GUI thread would
        // let it fire once at most).
        const int minTicks = std::max<int>(2, static_cast<int>(ms / 10 / 10));
        qInfo("run took %lld ms, timer ticked %d times (need >= %d)", static_cast<long long>(ms), ticks, minTicks);
        QVERIFY(ticks >= minTicks);
        // Memory graph: RSS samples from the engine's memory sampler.
        if (w.memory()->sampleCount("rss_bytes") == 0) QSKIP("no rss_bytes counters arrived: memory sampler not in this build");
        QVERIFY(w.memory()->peakBytes() > 1e6);
        QVERIFY(w.memory()->sampleCount("allocated_bytes") > 0);  // c10 allocation events
        // The history's peak of a CPU run is the process's RSS high-water mark of the decode
        // (the graph's samples also cover loading the model, before it), with what the decode
        // added above the RSS it started from.
        const RunRecord& r = w.history()->record(0);
        QCOMPARE(r.peakBytes, out.peakRssBytes);
        QVERIFY(out.rssAtDecodeStartBytes > 0 && r.peakBytes >= out.rssAtDecodeStartBytes);
        QCOMPARE(r.peakAddedBytes, r.peakBytes - out.rssAtDecodeStartBytes);
    }

    // A run after a larger model's run: its peak is its own decode's, not the RSS the old
    // model still held when the run was started (a review found 278 MiB "added" by a tiny
    // decode after a full-size one).
    void peakAfterALargerModelIsTheDecodesOwn() {
        DecodeWorker worker;
        QSignalSpy finished(&worker, &DecodeWorker::finished);
        DecodeRequest big;
        big.vaeSource = QStringLiteral("builtin:wan2.1");
        big.latents = at::zeros({16, 1, 2, 2});
        big.settings.threads = 2;
        QVERIFY(worker.start(big));
        QVERIFY(finished.wait(120000));
        DecodeRequest tiny = big;
        tiny.vaeSource = QStringLiteral("builtin:tiny");
        QVERIFY(worker.start(tiny));
        QVERIFY(finished.wait(120000));
        const RunOutcome out = finished.last().at(0).value<RunOutcome>();
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));
        if (out.rssAtDecodeStartBytes <= 0) QSKIP("no RSS figures on this system");
        const std::int64_t added = out.peakRssBytes - out.rssAtDecodeStartBytes;
        qInfo("tiny decode after wan2.1: peak %lld MiB, added %lld MiB", static_cast<long long>(out.peakRssBytes >> 20),
              static_cast<long long>(added >> 20));
        QVERIFY2(added >= 0 && added < (64 << 20), qPrintable(QString::number(added >> 20)));  // the old model's 280 MiB
    }

    void cancelIsSeenWithinASecond() {
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("h3.json")));
        // The tiny demo's own latents decode in under 100 ms now, about as long as a cancel
        // takes to arrive: 18 times the work (~1.5 s) leaves no race.
        openDemo(w, demo_.latents.repeat({1, 2, 3, 3}).contiguous());
        w.show();
        const bool active = QTest::qWaitForWindowActive(&w);
        auto* worker = w.findChild<DecodeWorker*>();
        QSignalSpy progress(worker, &DecodeWorker::progress);
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 1 || finished.count() > 0, 60000);
        if (finished.count() > 0) QSKIP("the demo finished before it could be cancelled");
        QElapsedTimer clock;
        clock.start();
        if (active)
            QTest::keyClick(&w, Qt::Key_Escape);  // the Cancel button's shortcut
        else
            QTest::mouseClick(w.findChild<QPushButton*>(QStringLiteral("cancelButton")), Qt::LeftButton);
        QVERIFY(finished.wait(1000) || finished.count() > 0);
        qInfo("cancel seen after %lld ms", static_cast<long long>(clock.elapsed()));
        QVERIFY(clock.elapsed() < 1000);
        QCOMPARE(test::outcomeOf(finished).status, RunOutcome::Status::Cancelled);
        QCOMPARE(w.history()->record(0).status, QStringLiteral("cancelled"));
    }
};

QTEST_MAIN(TestWorkbench)
#include "test_workbench.moc"
