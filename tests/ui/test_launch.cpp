// `tilescope`'s launch options and the script they drive: every bad value refused before a
// window exists, with a message naming its option; the values that need the widgets
// checked as the widgets check typed input; and a scripted launch (run, screenshot, quit)
// on the tiny demo that ends with the exit code a script can trust.
#include "launch_options.h"
#include "launch_script.h"
#include "main_window.h"
#include "run_history_model.h"
#include "settings_panel.h"
#include "timeline_view.h"

#include "checkpoint/safetensors_writer.h"
#include "report/chrome_trace_writer.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace tsui;

namespace {

// Parses `args` (program name added); the error text, or "" when it was accepted.
QString parseError(const QStringList& args, LaunchOptions* out = nullptr) {
    LaunchOptionParser parser;
    LaunchOptions options;
    QString error;
    const bool ok = parser.parse(QStringList{QStringLiteral("tilescope")} + args, &options, &error);
    if (out) *out = options;
    return ok ? QString() : (error.isEmpty() ? QStringLiteral("REFUSED WITHOUT A MESSAGE") : error);
}

}  // namespace

class TestLaunch : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }  // history under ~/.qttest

    void noArgumentsOpenTheTrainedDemo() {
        LaunchOptions o;
        QCOMPARE(parseError({}, &o), QString());
        QVERIFY(o.useDemo);
        QVERIFY(o.plain);
        QCOMPARE(o.demoKind, ts::DemoKind::Trained);
        QVERIFY(!o.run && !o.quit && o.screenshot.isEmpty());
        QCOMPARE(o.colorScheme, ColorScheme::System);
        QCOMPARE(o.benchTimelineSpans, 0LL);
    }

    void everyOptionReachesItsField() {
        LaunchOptions o;
        QCOMPARE(parseError({"--vae", "m.pth", "--latents", "l.safetensors", "--run", "--tiling", "exact", "--tile", "64",
                             "--overlap", "16", "--seam-check", "--view", "heatmap-over-frame", "--gain", "100",
                             "--select-range", "1.5:20", "--compare-tiling", "blend", "--compare-view", "stages",
                             "--color-scheme", "dark",
                             "--screenshot", "s.png", "--quit"},
                            &o),
                 QString());
        QVERIFY(!o.useDemo);
        QVERIFY(o.compareStages);
        QCOMPARE(o.vae, QStringLiteral("m.pth"));
        QCOMPARE(o.latents, QStringLiteral("l.safetensors"));
        QVERIFY(o.run && o.quit && o.seamCheck);
        QCOMPARE(o.tiling, QStringLiteral("exact"));
        QCOMPARE(o.tilePx.value_or(-1), 64);
        QCOMPARE(o.overlapPx.value_or(-1), 16);
        QVERIFY(o.view == PreviewPanel::ViewMode::HeatmapOverFrame);
        QCOMPARE(o.heatmapGain.value_or(-1), 100.0);
        QCOMPARE(o.rangeFromMs.value_or(-1), 1.5);
        QCOMPARE(o.rangeToMs.value_or(-1), 20.0);
        QCOMPARE(o.compareTiling, QStringLiteral("blend"));
        QCOMPARE(o.colorScheme, ColorScheme::Dark);
        QCOMPARE(o.screenshot, QStringLiteral("s.png"));

        QCOMPARE(parseError({"--demo-model", "wan2.1", "--gain", "auto", "--bench-timeline", "1000"}, &o), QString());
        QVERIFY(o.useDemo);
        QCOMPARE(o.demoKind, ts::DemoKind::FullSizeRandom);
        QCOMPARE(o.heatmapGain.value_or(-1), 0.0);  // auto
        QCOMPARE(o.benchTimelineSpans, 1000LL);
    }

    void badValuesAreRefusedNamingTheOption_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        QTest::newRow("tiling") << QStringList{"--tiling", "diagonal"} << "--tiling: 'diagonal'";
        QTest::newRow("tile") << QStringList{"--tile", "big"} << "--tile: 'big'";
        QTest::newRow("overlap") << QStringList{"--overlap", "1.5"} << "--overlap: '1.5'";
        QTest::newRow("view") << QStringList{"--view", "x-ray"} << "--view: 'x-ray'";
        QTest::newRow("gain") << QStringList{"--gain", "loud"} << "--gain: 'loud'";
        QTest::newRow("range reversed") << QStringList{"--select-range", "5:1"} << "--select-range: '5:1'";
        QTest::newRow("range one number") << QStringList{"--select-range", "5"} << "--select-range: '5'";
        QTest::newRow("bench count") << QStringList{"--bench-timeline", "0"} << "--bench-timeline: '0'";
        QTest::newRow("compare tiling") << QStringList{"--compare-tiling", "both"} << "--compare-tiling: 'both'";
        QTest::newRow("color scheme") << QStringList{"--color-scheme", "purple"} << "--color-scheme";
        QTest::newRow("demo model") << QStringList{"--demo-model", "huge"} << "--demo-model";
        QTest::newRow("demo and vae") << QStringList{"--demo", "--vae", "m.pth"} << "--demo cannot be combined";
        QTest::newRow("reopen and run") << QStringList{"--reopen-last", "--run"} << "--reopen-last cannot be combined";
        QTest::newRow("trace and run") << QStringList{"--open-trace", "t.json", "--run"} << "--open-trace cannot be combined";
        QTest::newRow("empty trace") << QStringList{"--open-trace", ""} << "--open-trace: the path is empty";
        QTest::newRow("empty span") << QStringList{"--select-span", ""} << "--select-span: the text is empty";
        QTest::newRow("span and range") << QStringList{"--select-span", "conv", "--select-range", "1:2"}
                                        << "--select-span cannot be combined";
        QTest::newRow("unknown option") << QStringList{"--frobnicate"} << "frobnicate";
        QTest::newRow("stray argument") << QStringList{"clip.safetensors"} << "'clip.safetensors'";
        QTest::newRow("empty latents") << QStringList{"--vae", "m.pth", "--latents", ""} << "--latents: the path is empty";
        QTest::newRow("compare view") << QStringList{"--run", "--compare-tiling", "exact", "--compare-view", "ops"}
                                      << "--compare-view: 'ops'";
        QTest::newRow("compare view alone") << QStringList{"--compare-view", "stages"} << "needs --compare-tiling";
    }
    void badValuesAreRefusedNamingTheOption() {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        const QString error = parseError(args);
        QVERIFY2(error.contains(named), qPrintable(error.isEmpty() ? QStringLiteral("accepted") : error));
    }

    void helpAndVersionAreSeenBeforeAnyWindow() {
        QVERIFY(wantsHelpOrVersion({"tilescope", "--run", "--help"}));
        QVERIFY(wantsHelpOrVersion({"tilescope", "-v"}));
        QVERIFY(!wantsHelpOrVersion({"tilescope", "--run"}));
        QVERIFY(!wantsHelpOrVersion({"--help"}));  // argv[0] is the program, never an option
        LaunchOptions o;
        QCOMPARE(parseError({"-vh"}, &o), QString());  // a spelling only Qt's parser sees
        QVERIFY(o.helpOrVersion);
    }

    // The binary as a script sees it: the exit codes and where the text goes.
    void theBinaryAnswersWithExitCodes() {
        const QString gui = QStringLiteral(TILESCOPE_GUI_PATH);
        const ts::test::CliResult version = ts::test::runCli({"--version"}, 60000, gui);
        QCOMPARE(version.exitCode, 0);
        QVERIFY2(version.stdoutText.startsWith(QStringLiteral("TileScope ")), qPrintable(version.allText()));
        const ts::test::CliResult compact = ts::test::runCli({"-vh"}, 60000, gui);  // needs the QApplication path
        QCOMPARE(compact.exitCode, 0);
        QVERIFY2(compact.stdoutText.startsWith(QStringLiteral("TileScope ")), qPrintable(compact.allText()));
        const ts::test::CliResult bad = ts::test::runCli({"--tiling", "diagonal"}, 60000, gui);
        QCOMPARE(bad.exitCode, 2);
        // The last line (Qt may warn first, e.g. about XDG_RUNTIME_DIR).
        QCOMPARE(bad.stderrText.split(QLatin1Char('\n')).last(),
                 QStringLiteral("tilescope: --tiling: 'diagonal' is not off, blend or exact"));
        const ts::test::CliResult unknown = ts::test::runCli({"--frobnicate"}, 60000, gui);
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.stderrText.contains(QStringLiteral("frobnicate")), qPrintable(unknown.allText()));
    }

    // SIGTERM or Ctrl-C close the window as Quit does (a cancelled decode, the run store's
    // writes finished) and exit 128 + the signal; they used to kill the process where it stood.
    void aSignalClosesTheWindow() {
        QTemporaryDir home;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), home.path());
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        for (const int sig : {SIGTERM, SIGINT}) {
            QProcess p;
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(TILESCOPE_GUI_PATH), {"--demo-model", "tiny"});
            QVERIFY(p.waitForStarted(30000));
            QTest::qWait(2000);  // up and showing its window
            QCOMPARE(::kill(static_cast<pid_t>(p.processId()), sig), 0);
            QVERIFY(p.waitForFinished(30000));
            QCOMPARE(p.exitStatus(), QProcess::NormalExit);
            QCOMPARE(p.exitCode(), 128 + sig);
        }
    }

    // Values the parser cannot judge alone are judged by the widgets they go to.
    void settingsGoThroughTheWidgets() {
        LaunchOptions o;
        QCOMPARE(parseError({"--tiling", "blend", "--tile", "96", "--overlap", "24", "--view", "wipe"}, &o), QString());
        MainWindow w;
        LaunchScript script(w, o);
        QCOMPARE(script.applySettings(), QString());
        QCOMPARE(w.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->currentText(), QStringLiteral("blend"));
        QCOMPARE(w.findChild<QSpinBox*>(QStringLiteral("tileSpin"))->value(), 96);
        QCOMPARE(w.findChild<QSpinBox*>(QStringLiteral("overlapSpin"))->value(), 24);
        QVERIFY(w.preview()->viewMode() == PreviewPanel::ViewMode::Wipe);

        QCOMPARE(parseError({"--tile", "100000000"}, &o), QString());
        const QString tooBig = LaunchScript(w, o).applySettings();
        QVERIFY2(tooBig.startsWith(QStringLiteral("--tile: '100000000' is not a pixel count from")), qPrintable(tooBig));
        QCOMPARE(parseError({"--gain", "7"}, &o), QString());
        const QString oddGain = LaunchScript(w, o).applySettings();
        QVERIFY2(oddGain.startsWith(QStringLiteral("--gain: '7'")), qPrintable(oddGain));
    }

    // What the README's demo command does, on the tiny demo: run, screenshot, quit with 0.
    void scriptedRunSavesAScreenshotAndQuits() {
        QVERIFY(dir_.isValid());
        const QString shot = dir_.filePath(QStringLiteral("shots/run.png"));  // the folder is created
        LaunchOptions o;
        QCOMPARE(parseError({"--demo-model", "tiny", "--run", "--screenshot", shot, "--quit"}, &o), QString());
        MainWindow w;
        LaunchScript script(w, o);
        QCOMPARE(script.openInputs(), QString());
        QCOMPARE(script.applySettings(), QString());
        w.show();
        QSignalSpy finished(&w, &MainWindow::runFinished);
        QSignalSpy quit(&script, &LaunchScript::quitRequested);
        script.start({});
        QVERIFY(quit.wait(120000));
        QCOMPARE(finished.count(), 1);
        QCOMPARE(quit.first().at(0).toInt(), 0);
        QCOMPARE(script.exitCode(), 0);
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), w.size() * w.devicePixelRatio());
    }

    // A screenshot waits for the checkpoint's probe (it showed "Reading the checkpoint…"),
    // and --quit answers 1 for a checkpoint that cannot be read, as for bad latents.
    void unreadableCheckpointAtLaunchFailsTheScript() {
        const QString bad = dir_.filePath(QStringLiteral("notes.pth"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("these are my notes, not a checkpoint\n");
        f.close();
        const QString latents = dir_.filePath(QStringLiteral("l.safetensors"));
        ts::writeSafetensors(latents.toStdString(), {{"latents", at::zeros({16, 1, 2, 2})}});
        LaunchOptions o;
        QCOMPARE(parseError({"--vae", bad, "--latents", latents, "--screenshot", dir_.filePath(QStringLiteral("bad.png")), "--quit"}, &o),
                 QString());
        MainWindow w;
        LaunchScript script(w, o);
        QCOMPARE(script.openInputs(), QString());
        QSignalSpy quit(&script, &LaunchScript::quitRequested);
        script.start({});
        QVERIFY(quit.wait(60000));
        QCOMPARE(quit.first().at(0).toInt(), 1);
        QVERIFY(!w.settingsPanel()->modelPending());
        QVERIFY2(w.settingsPanel()->modelInfo().error.contains(QStringLiteral("notes.pth")),
                 qPrintable(w.settingsPanel()->modelInfo().error));
    }

    // The very first launch (no options, an empty history) decodes the demo at once; the
    // next one, with that run in the history, waits for Run. Any option makes it scripted.
    void firstLaunchDecodesTheDemo() {
        QVERIFY(dir_.isValid());
        const QString history = dir_.filePath(QStringLiteral("first-launch/run-history.json"));
        LaunchOptions o;
        QCOMPARE(parseError({}, &o), QString());
        o.demoKind = ts::DemoKind::TinyRandom;  // the trained demo's path, in a tenth of the time
        {
            MainWindow w(nullptr, history);
            LaunchScript script(w, o);
            QCOMPARE(script.openInputs(), QString());
            w.show();
            QSignalSpy finished(&w, &MainWindow::runFinished);
            script.start({});
            QVERIFY(finished.wait(60000));
            QCOMPARE(w.history()->rowCount(), 1);
            QVERIFY(w.frameCount() > 0);
        }
        MainWindow again(nullptr, history);
        QCOMPARE(again.history()->rowCount(), 1);
        LaunchScript script(again, o);
        QCOMPARE(script.openInputs(), QString());
        again.show();
        script.start({});
        QTest::qWait(600);  // past the first launch's 300 ms
        QVERIFY(!again.isRunning());
        QCOMPARE(again.frameCount(), 0);
        LaunchOptions scripted;
        QCOMPARE(parseError({"--demo-model", "tiny"}, &scripted), QString());
        QVERIFY(!scripted.plain);
    }

    // A latent file that cannot be read opens the window anyway and says why; a scripted
    // screenshot of it still exits 1, so a script sees the failure.
    void unreadableInputFailsTheScriptedLaunch() {
        LaunchOptions o;
        const QString missing = dir_.filePath(QStringLiteral("missing.safetensors"));
        QCOMPARE(parseError({"--vae", "builtin:tiny", "--latents", missing, "--quit"}, &o), QString());
        MainWindow w;
        LaunchScript script(w, o);
        const QString problem = script.openInputs();
        QVERIFY2(problem.contains(QStringLiteral("missing.safetensors")), qPrintable(problem));
        QSignalSpy quit(&script, &LaunchScript::quitRequested);
        script.start(problem);
        QVERIFY(quit.wait(10000));
        QCOMPARE(quit.first().at(0).toInt(), 1);
    }

    // --open-trace with --select-span: the span is selected (its details shown) and the
    // scripted launch exits 0; a text no span's name contains exits 1, saying so.
    void scriptedTraceSelectsASpan() {
        ts::TraceStore store;
        ts::TraceEvent conv;
        conv.name = "aten::cudnn_convolution";
        conv.category = "op";
        conv.durationNs = 5000;
        store.append(conv);
        const QString trace = dir_.filePath(QStringLiteral("select.json.gz"));
        ts::writeChromeTrace(trace.toStdString(), store.snapshot(), nlohmann::json::object());
        for (const bool matches : {true, false}) {
            LaunchOptions o;
            const QString span = matches ? QStringLiteral("cudnn") : QStringLiteral("no such span");
            QCOMPARE(parseError({"--open-trace", trace, "--select-span", span, "--quit"}, &o), QString());
            MainWindow w(nullptr, dir_.filePath(QStringLiteral("select-history.json")));
            LaunchScript script(w, o);
            QSignalSpy quit(&script, &LaunchScript::quitRequested);
            script.start({});
            QVERIFY(quit.wait(20000));
            QCOMPARE(quit.first().at(0).toInt(), matches ? 0 : 1);
            QCOMPARE(w.timeline()->selectedRecord() >= 0, matches);
        }
    }
};

QTEST_MAIN(TestLaunch)
#include "test_launch.moc"
