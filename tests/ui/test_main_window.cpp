// The main window over the real engine: settings the engine refuses show a message and
// never start a run; a demo decode runs to the end on a worker thread while the event
// loop keeps serving timers; a cancelled run reports "cancelled" promptly.
#include "decode_worker.h"
#include "device_choice.h"
#include "main_window.h"
#include "run_history_model.h"
#include "settings_panel.h"
#include "window_menus.h"

#include "core/blas_library.h"
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"

#include <torch/version.h>
#include "model/demo.h"
#include "model/wan_vae.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <ATen/ATen.h>

#include <QComboBox>
#include <QElapsedTimer>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

using tsui::MainWindow;
using tsui::RunOutcome;
using tsui::WindowMenus;

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    ts::DemoAssets demo_;

    // The whole demo clip, as `tilescope --demo` opens it.
    void openDemo(MainWindow& w) { tsui::test::openDemo(w, demo_, demo_.latents); }
    static RunOutcome outcomeOf(const QSignalSpy& spy) { return tsui::test::outcomeOf(spy); }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // the run history goes under ~/.qttest
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
        QVERIFY(demo_.latents.defined());
        QCOMPARE(demo_.latents.dim(), 4);
    }

    void frameToImageConvertsRange() {
        // [3,2,2,3]: frame 1 has R=-1, G=0, B=1 everywhere except pixel (1,2) which is white.
        at::Tensor t = at::zeros({3, 2, 2, 3});
        t.select(0, 0).fill_(-1.0);
        t.select(0, 2).fill_(1.0);
        t.index_put_({at::indexing::Slice(), 1, 1, 2}, 1.0);
        const QImage img = tsui::frameToImage(t, 1);
        QCOMPARE(img.size(), QSize(3, 2));
        QCOMPARE(img.format(), QImage::Format_RGB888);
        QCOMPARE(img.pixel(0, 0), qRgb(0, 128, 255));
        QCOMPARE(img.pixel(2, 1), qRgb(255, 255, 255));
        QVERIFY(tsui::frameToImage(t, 2).isNull());
        QVERIFY(tsui::frameToImage(at::zeros({2, 1, 2, 2}), 0).isNull());
    }

    void invalidSettingsShowAMessage() {
        MainWindow w;
        openDemo(w);
        w.show();
        auto* tiling = w.findChild<QComboBox*>(QStringLiteral("tilingCombo"));
        auto* precision = w.findChild<QComboBox*>(QStringLiteral("precisionCombo"));
        auto* tile = w.findChild<QSpinBox*>(QStringLiteral("tileSpin"));
        auto* overlap = w.findChild<QSpinBox*>(QStringLiteral("overlapSpin"));
        auto* run = w.findChild<QPushButton*>(QStringLiteral("runButton"));
        auto* problem = w.findChild<QLabel*>(QStringLiteral("problemLabel"));
        QVERIFY(tiling && precision && tile && overlap && run && problem);

        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        QVERIFY(run->isEnabled());

        // fp16 on the CPU: the engine refuses it, the window says why.
        precision->setCurrentText(QStringLiteral("fp16"));
        QVERIFY(w.statusText().contains(QStringLiteral("fp16")));
        QVERIFY(problem->isVisibleTo(&w));
        QVERIFY(!run->isEnabled());
        QSignalSpy started(&w, &MainWindow::runStarted);
        QVERIFY(!w.startRun());
        QCOMPARE(started.count(), 0);
        QVERIFY(!w.isRunning());
        precision->setCurrentText(QStringLiteral("fp32"));
        QVERIFY(w.settingsProblem().isEmpty());
        QVERIFY(run->isEnabled());
        QVERIFY(!problem->isVisibleTo(&w));

        // An overlap as large as the tile.
        tiling->setCurrentText(QStringLiteral("blend"));
        tile->setValue(64);
        overlap->setValue(64);
        // Named as the window names the fields, not as the command line does.
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Overlap: 64 px must be at most half of Tile (64 px)")),
                 qPrintable(w.statusText()));
        QVERIFY(!run->isEnabled());
        overlap->setValue(16);
        // A tile size that is no multiple of 8 (typed, not stepped).
        tile->setValue(100);
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Tile: 100 px")), qPrintable(w.statusText()));
        tile->setValue(256);
        tiling->setCurrentText(QStringLiteral("off"));
        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        QVERIFY(run->isEnabled());
    }

    void cpuItemNamesItsBlas() {
        // The CPU entry says which BLAS it runs on; the slow reference one shows in its text.
        QComboBox combo;
        tsui::fillDeviceCombo(&combo);
        QCOMPARE(combo.itemData(0).toString(), QStringLiteral("cpu"));
        const ts::BlasLibrary blas = ts::currentBlasLibrary();
        const QString tip = combo.itemData(0, Qt::ToolTipRole).toString();
        QVERIFY2(tip.startsWith(QStringLiteral("CPU BLAS: ") + QString::fromStdString(blas.name)), qPrintable(tip));
        QCOMPARE(combo.itemText(0).contains(QStringLiteral("slow reference BLAS")), blas.reference);
        QCOMPARE(tip.contains(QStringLiteral("libopenblas0-openmp")), blas.reference);
    }

    void cudaPresetOnACpuBuildDisablesRun() {
        if (tsui::buildHasCuda()) QSKIP("this LibTorch has CUDA: the preset can run here");
        MainWindow w;
        openDemo(w);
        QTRY_VERIFY_WITH_TIMEOUT(w.settingsPanel()->modelInfo().ok, 30000);
        auto* run = w.findChild<QPushButton*>(QStringLiteral("runButton"));
        QVERIFY(run && run->isEnabled());
        QVERIFY(w.settingsPanel()->applyPreset(QStringLiteral("RTX 3090 Ti (24 GB)")));
        QCOMPARE(w.settings().device, std::string("cuda:0"));
        const QString why = QStringLiteral("CUDA is not available in this build");
        QVERIFY2(w.settingsProblem().contains(why), qPrintable(w.settingsProblem()));
        QVERIFY2(w.statusText().contains(why), qPrintable(w.statusText()));
        QVERIFY(run->toolTip().contains(why));
        QVERIFY(!run->isEnabled());
        QVERIFY(w.settingsPanel()->prediction().ok);  // still planned for that GPU
        QSignalSpy started(&w, &MainWindow::runStarted);
        QVERIFY(!w.startRun());
        QCOMPARE(started.count(), 0);
        QVERIFY(!w.isRunning());
        // Back on the CPU: runnable again.
        QVERIFY(w.settingsPanel()->applyPreset(QStringLiteral("CPU reference (fp32, untiled)")));
        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        QVERIFY(run->isEnabled());
    }

    void badCheckpointFailsWithAMessage() {
        MainWindow w;
        openDemo(w);
        w.setVaeSource(QStringLiteral("/nonexistent/dir/missing_vae.pth"));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        QVERIFY(finished.wait(30000));
        const RunOutcome out = outcomeOf(finished);
        QCOMPARE(out.status, RunOutcome::Status::Failed);
        QVERIFY2(out.message.contains(QStringLiteral("missing_vae.pth")), qPrintable(out.message));
        QVERIFY(w.statusText().contains(QStringLiteral("missing_vae.pth")));
        QVERIFY(!w.isRunning());
    }

    void demoDecodeRunsToTheEnd() {
        // The demo model on a corner of the demo clip (2 latent frames, 8x8): the whole
        // path of a demo run, at a cost that stays within the timeout on a slow, shared
        // 2-core CPU (the full demo clip takes minutes there).
        const at::Tensor latents = ts::test::latentCorner(demo_.latents, 2, 8);
        const ts::WanVae model = ts::WanVae::load(demo_.vaeSource, ts::VaeParts::Decoder);
        const int expectedFrames = static_cast<int>(model.config().videoFrames(latents.size(1)));
        const QSize expectedSize(static_cast<int>(latents.size(3)) * model.config().spatialFactor(),
                                 static_cast<int>(latents.size(2)) * model.config().spatialFactor());

        MainWindow w;
        openDemo(w);
        w.setLatents(latents, QStringLiteral("(demo, cropped)"));
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
        QVERIFY(w.isRunning());
        QVERIFY(!w.startRun());  // one run at a time
        QVERIFY(finished.wait(120000));  // 2 minutes at most
        const qint64 ms = clock.elapsed();
        timer.stop();

        const RunOutcome out = outcomeOf(finished);
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));
        QCOMPARE(out.frames, expectedFrames);
        QCOMPARE(w.frameCount(), expectedFrames);
        for (int i = 0; i < w.frameCount(); ++i) QCOMPARE(w.frame(i).size(), expectedSize);
        QCOMPARE(w.currentFrame().size(), expectedSize);
        auto* slider = w.findChild<QSlider*>(QStringLiteral("frameSlider"));
        QVERIFY(slider);
        QCOMPARE(slider->maximum(), expectedFrames - 1);
        slider->setValue(0);
        QCOMPARE(w.currentFrame(), w.frame(0));
        // The numbers go to the result line; the status bar says what the run recorded
        // instead of repeating them.
        QVERIFY2(w.resultLabel()->text().startsWith(QStringLiteral("Decoded %1 frames").arg(expectedFrames)),
                 qPrintable(w.resultLabel()->text()));
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Run finished: ")) && w.statusText().contains(QStringLiteral("timeline spans recorded")),
                 qPrintable(w.statusText()));
        QVERIFY(!w.statusText().contains(QStringLiteral("Decoded")));

        // The GUI thread stayed free: a 10 ms timer kept firing during the decode (at
        // least twice, since this decode takes only 60-100 ms and a blocked GUI thread lets
        // it fire once at most, and at least a tenth of the ideal count on a loaded machine).
        const int minTicks = std::max<int>(2, static_cast<int>(ms / 10 / 10));
        qInfo("decode took %lld ms, timer ticked %d times (need >= %d)", static_cast<long long>(ms), ticks, minTicks);
        QVERIFY2(ticks >= minTicks, qPrintable(QStringLiteral("%1 ticks in %2 ms").arg(ticks).arg(ms)));
    }

    void tiledDecodeMatchesUntiled() {
        // Exact tiles on a corner of the demo clip: same frames as the untiled decode.
        const at::Tensor latents = ts::test::latentCorner(demo_.latents, 2, 8);
        MainWindow w;
        openDemo(w);
        w.setLatents(latents, QStringLiteral("(demo, cropped)"));
        const RunOutcome first = tsui::test::runToEnd(w, 120000);
        QVERIFY2(first.status == RunOutcome::Status::Done, qPrintable(first.message));
        QVector<QImage> untiled;
        for (int i = 0; i < w.frameCount(); ++i) untiled << w.frame(i);
        QVERIFY(!untiled.isEmpty());

        tsui::test::setTiling(w, QStringLiteral("exact"), 32, 8);
        w.findChild<QSpinBox*>(QStringLiteral("streamsSpin"))->setValue(2);
        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        const RunOutcome tiled = tsui::test::runToEnd(w, 120000);
        QVERIFY2(tiled.status == RunOutcome::Status::Done, qPrintable(tiled.message));
        QCOMPARE(w.frameCount(), untiled.size());
        int worst = 0;
        for (int i = 0; i < w.frameCount(); ++i) {
            const QImage a = w.frame(i), b = untiled[i];
            QCOMPARE(a.size(), b.size());
            for (int y = 0; y < a.height(); ++y)
                for (int x = 0; x < a.width(); ++x) {
                    const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
                    worst = std::max({worst, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                                      std::abs(qBlue(p) - qBlue(q))});
                }
        }
        QVERIFY2(worst <= 1, qPrintable(QStringLiteral("exact tiles differ by %1/255").arg(worst)));
    }

    // Latents of another channel count than the checkpoint's latent space are refused in
    // red before Run, naming them (the decode used to fail only after Run, unnamed).
    void latentsOfAnotherLatentSpaceAreRefusedBeforeRun() {
        MainWindow w;
        QVERIFY(tsui::test::openDemoAndProbe(w, demo_, at::zeros({8, 2, 4, 4}), QStringLiteral("eight.safetensors")));
        auto* run = w.findChild<QPushButton*>(QStringLiteral("runButton"));
        auto* label = w.findChild<QLabel*>(QStringLiteral("latentsLabel"));
        QVERIFY(!run->isEnabled());
        QVERIFY2(label->text().startsWith(QStringLiteral("eight.safetensors: latents have 8 channels; this checkpoint decodes 16")),
                 qPrintable(label->text()));
        QVERIFY(label->styleSheet().contains(QStringLiteral("color")));
        QVERIFY(!w.startRun());
        QVERIFY2(w.statusText().contains(QStringLiteral("8 channels")), qPrintable(w.statusText()));
        w.setLatents(demo_.latents, QStringLiteral("(demo)"));
        QVERIFY(run->isEnabled());
        QVERIFY(label->styleSheet().isEmpty());
    }

    // A latents file is read off the GUI thread (a large one froze the window): until it
    // is in, the label says so and Run waits; a file that fails says why, in red.
    void latentsFilesAreReadOffTheGuiThread() {
        QTemporaryDir dir;
        const QString good = dir.filePath(QStringLiteral("good.safetensors"));
        ts::writeSafetensors(good.toStdString(), {{"latents", demo_.latents}});
        MainWindow w;
        QVERIFY(tsui::test::openDemoAndProbe(w, demo_, demo_.latents));
        auto* run = w.findChild<QPushButton*>(QStringLiteral("runButton"));
        auto* label = w.findChild<QLabel*>(QStringLiteral("latentsLabel"));
        w.setLatentsPath(good);
        QCOMPARE(label->text(), QStringLiteral("Reading the latents…"));  // returned before the read
        QVERIFY(!run->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(run->isEnabled(), 10000);
        QVERIFY2(label->text().startsWith(QStringLiteral("Latents 16×")), qPrintable(label->text()));
        w.setLatentsPath(dir.filePath(QStringLiteral("missing.safetensors")));
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("missing.safetensors")), 10000);
        QVERIFY(label->styleSheet().contains(QStringLiteral("color")));
        QVERIFY(!run->isEnabled());
        // An in-memory clip set meanwhile wins over a read still in flight (of another shape).
        const QString other = dir.filePath(QStringLiteral("other.safetensors"));
        ts::writeSafetensors(other.toStdString(), {{"latents", at::zeros({16, 1, 2, 2})}});
        w.setLatentsPath(other);
        w.setLatents(demo_.latents, QStringLiteral("(demo)"));
        const QString demoText = label->text();
        QTest::qWait(500);  // the read's answer has arrived by now, and was dropped
        QCOMPARE(label->text(), demoText);
        QVERIFY2(!label->text().contains(QStringLiteral("16×1×2×2")), qPrintable(label->text()));
        QCOMPARE(w.settingsPanel()->latents().size(1), demo_.latents.size(1));
        QVERIFY(run->isEnabled());
    }

    // A run cancelled after its first frames: one count in the result line and the history
    // (the history said 0: the engine counts only a finished run's frames).
    void cancelledRunKeepsItsFrameCount() {
        MainWindow w;
        QVERIFY(tsui::test::openDemoAndProbe(w, demo_, demo_.latents));
        auto* worker = w.findChild<tsui::DecodeWorker*>();
        // On the decoding thread, at the first frames: the cancel lands before the next chunk.
        connect(worker, &tsui::DecodeWorker::framesReady, worker, [worker] { worker->cancel(); }, Qt::DirectConnection);
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        QVERIFY(finished.wait(60000));
        QCOMPARE(outcomeOf(finished).status, RunOutcome::Status::Cancelled);
        QVERIFY(w.frameCount() >= 1);
        QVERIFY(w.frameCount() < 33);
        QCOMPARE(w.history()->record(0).frames, w.frameCount());
        const QString decoded = w.frameCount() == 1 ? QStringLiteral("(1 frame decoded)")
                                                    : QStringLiteral("(%1 frames decoded)").arg(w.frameCount());
        QVERIFY2(w.resultLabel()->text().endsWith(decoded), qPrintable(w.resultLabel()->text()));
    }

    void cancelBeforeTheFirstLayer() {
        MainWindow w;
        // The model probe finishing during this very short run is checked below.
        QVERIFY(tsui::test::openDemoAndProbe(w, demo_, demo_.latents));
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        w.cancelRun();
        QVERIFY(finished.wait(2000));
        QCOMPARE(outcomeOf(finished).status, RunOutcome::Status::Cancelled);
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Cancelled")), qPrintable(w.statusText()));
        QVERIFY(!w.isRunning());
        // A settings refresh after the run (a late model probe does this) keeps the result.
        Q_EMIT w.settingsPanel()->settingsChanged();
        QVERIFY2(w.statusText().startsWith(QStringLiteral("Cancelled")), qPrintable(w.statusText()));
    }

    void menusOpenInputsAndSayTheShortcuts() {
        MainWindow w;
        openDemo(w);
        auto* file = w.menuBar()->findChild<QMenu*>(QStringLiteral("fileMenu"));
        QVERIFY(file);
        QStringList names;
        for (const QAction* a : file->actions())
            names << (a->isSeparator() ? QStringLiteral("-") : a->menu() ? a->menu()->objectName() : a->objectName());
        QCOMPARE(names, QStringList({"openCheckpoint", "openLatents", "openTrace", "demoMenu", "-", "exportMenu", "-",
                                     "quit"}));
        auto* openCheckpoint = file->findChild<QAction*>(QStringLiteral("openCheckpoint"));
        QCOMPARE(file->findChild<QAction*>(QStringLiteral("quit"))->shortcut(), QKeySequence(QKeySequence::Quit));
        QVERIFY(w.menuBar()->findChild<QMenu*>(QStringLiteral("helpMenu")));
        const QString keys = WindowMenus::shortcutsHtml();
        for (const char* k : {"Ctrl+R", "Esc", "Ctrl+O", "Ctrl+Shift+M", "Shift+drag", "Ctrl+Q"})
            QVERIFY2(keys.contains(QLatin1String(k)), k);
        // The shortcut the table names is the one the action has.
        QCOMPARE(openCheckpoint->shortcut().toString(), QStringLiteral("Ctrl+Shift+O"));
        QVERIFY(keys.contains(openCheckpoint->shortcut().toString()));
        const QString about = WindowMenus::aboutHtml();
        QVERIFY2(about.contains(QStringLiteral("LibTorch ") + QLatin1String(TORCH_VERSION)), qPrintable(about));
        QVERIFY2(about.contains(QStringLiteral("BLAS: ")), qPrintable(about));

        // Like the Browse… buttons, the openers are off while a decode runs.
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(openCheckpoint->isEnabled());
        QVERIFY(w.startRun());
        QVERIFY(!openCheckpoint->isEnabled());
        QVERIFY(!file->findChild<QAction*>(QStringLiteral("openLatents"))->isEnabled());
        QVERIFY(!file->findChild<QAction*>(QStringLiteral("openTrace"))->isEnabled());  // it would replace the views
        QVERIFY(!file->findChild<QMenu*>(QStringLiteral("demoMenu"))->isEnabled());
        QVERIFY(finished.wait(60000));
        QVERIFY(openCheckpoint->isEnabled());
        QVERIFY(file->findChild<QAction*>(QStringLiteral("openTrace"))->isEnabled());
    }

    // File > Open Demo opens each built-in demo as --demo-model does: its model, its clip
    // and its title.
    void demoMenuOpensEachDemo() {
        MainWindow w;
        auto* demos = w.menuBar()->findChild<QMenu*>(QStringLiteral("demoMenu"));
        QVERIFY(demos);
        QStringList names;
        for (const QAction* a : demos->actions()) names << a->objectName();
        QCOMPARE(names, QStringList({"demoTrained", "demoFullSize", "demoTiny"}));
        const std::pair<const char*, ts::DemoKind> cases[] = {{"demoFullSize", ts::DemoKind::FullSizeRandom},
                                                              {"demoTiny", ts::DemoKind::TinyRandom},
                                                              {"demoTrained", ts::DemoKind::Trained}};
        for (const auto& [name, kind] : cases) {
            demos->findChild<QAction*>(QLatin1String(name))->trigger();
            const ts::DemoAssets expected = ts::loadDemo(kind);
            QCOMPARE(w.settingsPanel()->vaeSource(), QString::fromStdString(expected.vaeSource));
            QCOMPARE(w.windowTitle(), QString::fromStdString(expected.title) + QStringLiteral(" — TileScope"));
            QCOMPARE(w.settingsPanel()->latents().sizes().vec(), expected.latents.sizes().vec());
            QVERIFY(ts::test::maxAbs(w.settingsPanel()->latents(), expected.latents) == 0);
        }
    }

    void aRunIsOnUntilItsResultIsIn() {
        // The worker's thread ends a moment before its finished() reaches the window (a
        // queued call): in between the window still counts the run, so a second Run
        // cannot start and take the first one's result.
        MainWindow w;
        openDemo(w);
        auto* worker = w.findChild<tsui::DecodeWorker*>();
        QVERIFY(worker);
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (worker->isRunning() && std::chrono::steady_clock::now() < until)  // no event processing
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        QVERIFY(!worker->isRunning());
        QCOMPARE(finished.count(), 0);
        QVERIFY(w.isRunning());
        QVERIFY(!w.startRun());
        QVERIFY(finished.wait(10000));
        QVERIFY(!w.isRunning());
        QCOMPARE(w.history()->record(0).status, QStringLiteral("done"));
    }

    void theRunKeepsItsInputsWhileTheyAreLocked() {
        MainWindow w;
        openDemo(w);
        auto* vaeBrowse = w.findChild<QPushButton*>(QStringLiteral("vaeBrowseButton"));
        auto* latentsBrowse = w.findChild<QPushButton*>(QStringLiteral("latentsBrowseButton"));
        QVERIFY(vaeBrowse && latentsBrowse);
        QVERIFY(vaeBrowse->isEnabled() && latentsBrowse->isEnabled());
        const QString source = w.vaeSource();
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QVERIFY(w.startRun());
        // Browse… would choose inputs for the next run while this one shows its frames.
        QVERIFY(!vaeBrowse->isEnabled() && !latentsBrowse->isEnabled());
        // Inputs set meanwhile (by a script, here) do not relabel the run in flight: its
        // history entry and exports name what it decoded.
        w.setVaeSource(QStringLiteral("/nowhere/other_vae.pth"));
        w.setLatents(demo_.latents, QStringLiteral("(another clip)"));
        QVERIFY(finished.wait(60000));
        QCOMPARE(outcomeOf(finished).status, RunOutcome::Status::Done);
        QVERIFY(vaeBrowse->isEnabled() && latentsBrowse->isEnabled());
        QCOMPARE(w.history()->record(0).vaeSource, source);
        QCOMPARE(w.history()->record(0).latents, QStringLiteral("(demo)"));
    }

    void cancelDuringTheDecode() {
        MainWindow w;
        openDemo(w);
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QSignalSpy started(&w, &MainWindow::runStarted);
        auto* worker = w.findChild<tsui::DecodeWorker*>();
        QVERIFY(worker);
        QSignalSpy progress(worker, &tsui::DecodeWorker::progress);
        QVERIFY(w.startRun());
        // Wait until the engine reports progress (the model is loaded and decoding).
        QTRY_VERIFY_WITH_TIMEOUT(progress.count() > 0 || finished.count() > 0, 60000);
        if (finished.count() > 0)
            QSKIP("the demo decode finished before it could be cancelled");
        QElapsedTimer clock;
        clock.start();
        auto* cancel = w.findChild<QPushButton*>(QStringLiteral("cancelButton"));
        QVERIFY(cancel && cancel->isEnabled());
        QCOMPARE(cancel->shortcut(), QKeySequence(Qt::Key_Escape));
        QTest::mouseClick(cancel, Qt::LeftButton);
        if (finished.count() == 0) QVERIFY(finished.wait(2000));
        qInfo("cancel reported after %lld ms", static_cast<long long>(clock.elapsed()));
        QVERIFY(clock.elapsed() < 2000);
        const RunOutcome out = outcomeOf(finished);
        if (out.status == RunOutcome::Status::Done)
            QSKIP("the demo decode finished before the cancel was seen");
        QCOMPARE(out.status, RunOutcome::Status::Cancelled);
        // A new run can start after a cancelled one.
        QVERIFY(w.startRun());
        w.cancelRun();
        QVERIFY(finished.wait(2000));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
