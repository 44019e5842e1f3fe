// TileScope GUI: the decoding workbench.
//   tilescope [--demo] [--vae FILE --latents FILE] [--run] [--screenshot FILE] [--quit]
//   tilescope ... --select-range FROM:TO (ms, after the run, for --screenshot)
//   tilescope --bench-timeline N
//   tilescope ... --tiling MODE --tile PX --overlap PX --seam-check --view MODE --gain G (preview overlays)
//   tilescope ... --run --compare-tiling MODE (a second run, then Compare runs on the two)
//   tilescope ... --color-scheme light|dark|system
//   tilescope ... --reopen-last (the history's newest run back in the main views, for --screenshot)
#include "color_scheme.h"
#include "history_controller.h"
#include "main_window.h"
#include "preview_panel.h"
#include "run_compare_view.h"
#include "run_reopener.h"
#include "timeline_bench.h"
#include "timeline_view.h"

#include "core/error.h"
#include "core/host_allocator.h"
#include "io/latents_reader.h"
#include "model/demo.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <exception>
#include <utility>

namespace {

// Grabs the window into a PNG; false with a message on stderr when it cannot be written.
bool saveScreenshot(QWidget& window, const QString& file) {
    const QFileInfo info(file);
    if (!info.absoluteDir().exists()) QDir().mkpath(info.absolutePath());
    const QPixmap shot = window.grab();
    if (shot.isNull() || !shot.save(file, "PNG")) {
        std::fprintf(stderr, "tilescope: --screenshot: cannot write '%s'\n", qPrintable(file));
        return false;
    }
    std::fprintf(stderr, "tilescope: screenshot saved to %s\n", qPrintable(file));
    return true;
}

struct Options {
    QCommandLineOption demo{QStringLiteral("demo"),
                            QStringLiteral("Open the built-in demo model and latents (default when no --vae is given).")};
    QCommandLineOption demoModel{QStringLiteral("demo-model"),
                                 QStringLiteral("Which demo --demo opens: trained (default: the small trained model, "
                                                "33 frames at 256x256), tiny (random weights, a second) or wan2.1 "
                                                "(full size, random weights: realistic load)."),
                                 QStringLiteral("NAME")};
    QCommandLineOption vae{QStringLiteral("vae"), QStringLiteral("VAE checkpoint (.pth, .safetensors or builtin:*)."),
                           QStringLiteral("FILE")};
    QCommandLineOption latents{QStringLiteral("latents"),
                               QStringLiteral("Latents to decode (.safetensors, .npy, .pt)."), QStringLiteral("FILE")};
    QCommandLineOption run{QStringLiteral("run"), QStringLiteral("Start a decode at launch.")};
    QCommandLineOption screenshot{QStringLiteral("screenshot"),
                                  QStringLiteral("Save a PNG of the window after the run finishes (at once without --run)."),
                                  QStringLiteral("FILE")};
    QCommandLineOption quit{QStringLiteral("quit"), QStringLiteral("Quit after the screenshot (or after the run).")};
    QCommandLineOption selectRange{QStringLiteral("select-range"),
                                   QStringLiteral("After the run, select FROM:TO ms on the timeline and show the range "
                                                  "statistics (for --screenshot)."),
                                   QStringLiteral("FROM:TO")};
    QCommandLineOption benchTimeline{QStringLiteral("bench-timeline"),
                                     QStringLiteral("Time timeline redraws with N synthetic spans, print the result and exit."),
                                     QStringLiteral("N")};

    QCommandLineOption tiling{QStringLiteral("tiling"), QStringLiteral("Tiling of the decode settings: off, blend or exact."),
                              QStringLiteral("MODE")};
    QCommandLineOption tile{QStringLiteral("tile"), QStringLiteral("Tile size in output pixels."), QStringLiteral("PX")};
    QCommandLineOption overlap{QStringLiteral("overlap"), QStringLiteral("Tile overlap in output pixels."),
                               QStringLiteral("PX")};
    QCommandLineOption seamCheck{QStringLiteral("seam-check"),
                                 QStringLiteral("Tick Seam check: also decode untiled and show |tiled - untiled|.")};
    QCommandLineOption view{QStringLiteral("view"),
                            QStringLiteral("Preview view: frame, heatmap, heatmap-over-frame, side-by-side or wipe."),
                            QStringLiteral("MODE")};
    QCommandLineOption gain{QStringLiteral("gain"), QStringLiteral("Heatmap gain: auto, 10, 100, 1000 or 10000."),
                            QStringLiteral("G")};
    QCommandLineOption compareTiling{QStringLiteral("compare-tiling"),
                                     QStringLiteral("With --run: decode again with tiling MODE (off, blend or exact) "
                                                    "and open Compare runs on the two runs (for --screenshot)."),
                                     QStringLiteral("MODE")};
    QCommandLineOption colorScheme{QStringLiteral("color-scheme"),
                                   QStringLiteral("light or dark: force that palette (Fusion style); system (default): "
                                                  "follow the desktop."),
                                   QStringLiteral("SCHEME")};
    QCommandLineOption reopenLast{QStringLiteral("reopen-last"),
                                  QStringLiteral("Reopen the run history's newest run in the main window at launch, as "
                                                 "History > Reopen does (for --screenshot; not with --run).")};

    void addTo(QCommandLineParser& parser) const {
        parser.setApplicationDescription(
            QStringLiteral("TileScope: a profiler and decoding workbench for the Wan2.1 video VAE."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({demo, demoModel, vae, latents, run, screenshot, quit, selectRange, benchTimeline});
        parser.addOptions({tiling, tile, overlap, seamCheck, view, gain, compareTiling, colorScheme, reopenLast});
    }
};

void setNames() {
    QCoreApplication::setApplicationName(QStringLiteral("TileScope"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
}

// --help and --version need no display: answer them before a QApplication exists.
bool wantsHelpOrVersion(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "-h" || a == "--help" || a == "--help-all" || a == "-?" || a == "-v" || a == "--version")
            return true;
    }
    return false;
}

// --tiling/--tile/--overlap/--seam-check/--view onto the window's widgets (the settings
// panel validates the values as if typed); "" or the message naming the bad option.
QString applyPreviewOptions(tsui::MainWindow& window, const QCommandLineParser& parser, const Options& opts) {
    if (parser.isSet(opts.tiling)) {
        const QString mode = parser.value(opts.tiling);
        if (mode != QLatin1String("off") && mode != QLatin1String("blend") && mode != QLatin1String("exact"))
            return QStringLiteral("--tiling: '%1' is not off, blend or exact").arg(mode);
        window.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(mode);
    }
    const std::pair<const QCommandLineOption*, const char*> spins[] = {{&opts.tile, "tileSpin"}, {&opts.overlap, "overlapSpin"}};
    for (const auto& [opt, name] : spins) {
        if (!parser.isSet(*opt)) continue;
        auto* spin = window.findChild<QSpinBox*>(QLatin1String(name));
        bool ok = false;
        const int px = parser.value(*opt).toInt(&ok);
        if (!ok || px < spin->minimum() || px > spin->maximum())
            return QStringLiteral("--%1: '%2' is not a pixel count from %3 to %4")
                .arg(opt->names().first(), parser.value(*opt)).arg(spin->minimum()).arg(spin->maximum());
        spin->setValue(px);
    }
    if (parser.isSet(opts.seamCheck)) window.preview()->setSeamCheckEnabled(true);
    if (parser.isSet(opts.view)) {
        using Mode = tsui::PreviewPanel::ViewMode;
        const QString v = parser.value(opts.view);
        const std::pair<const char*, Mode> modes[] = {{"frame", Mode::Frame}, {"heatmap", Mode::Heatmap},
                                                      {"heatmap-over-frame", Mode::HeatmapOverFrame},
                                                      {"side-by-side", Mode::SideBySide}, {"wipe", Mode::Wipe}};
        bool found = false;
        for (const auto& [name, mode] : modes)
            if (v == QLatin1String(name)) window.preview()->setViewMode(mode), found = true;
        if (!found) return QStringLiteral("--view: '%1' is not frame, heatmap, heatmap-over-frame, side-by-side or wipe").arg(v);
    }
    if (parser.isSet(opts.gain)) {
        const QString g = parser.value(opts.gain);
        const double value = g == QLatin1String("auto") ? 0.0 : g.toDouble();
        window.preview()->setHeatmapGain(value);
        if (window.preview()->heatmapGain() != value)
            return QStringLiteral("--gain: '%1' is not auto, 10, 100, 1000 or 10000").arg(g);
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    ts::configureHostAllocator();  // before any thread or tensor (core/host_allocator.h says why)
    const Options opts;
    if (wantsHelpOrVersion(argc, argv)) {
        QCoreApplication app(argc, argv);
        setNames();
        QCommandLineParser parser;
        opts.addTo(parser);
        parser.process(app);  // prints and exits
        return 0;
    }

    QApplication app(argc, argv);
    setNames();
    QCommandLineParser parser;
    opts.addTo(parser);
    parser.process(app);
    const QCommandLineOption& demoOpt = opts.demo;
    const QCommandLineOption& vaeOpt = opts.vae;
    const QCommandLineOption& latentsOpt = opts.latents;
    const QCommandLineOption& runOpt = opts.run;
    const QCommandLineOption& shotOpt = opts.screenshot;
    const QCommandLineOption& quitOpt = opts.quit;
    tsui::ColorScheme scheme = tsui::ColorScheme::System;
    if (QString bad; !tsui::parseColorScheme(parser.value(opts.colorScheme).isEmpty() ? QStringLiteral("system")
                                                                                       : parser.value(opts.colorScheme),
                                             &scheme, &bad)) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(bad));
        return 2;
    }
    tsui::applyColorScheme(app, scheme);
    const QString compareMode = parser.value(opts.compareTiling);
    if (!compareMode.isEmpty() && compareMode != QLatin1String("off") && compareMode != QLatin1String("blend") &&
        compareMode != QLatin1String("exact")) {
        std::fprintf(stderr, "tilescope: --compare-tiling: '%s' is not off, blend or exact\n", qPrintable(compareMode));
        return 2;
    }

    if (parser.isSet(opts.reopenLast) && parser.isSet(opts.run)) {
        std::fprintf(stderr, "tilescope: --reopen-last cannot be combined with --run (a reopen never replaces a run)\n");
        return 2;
    }

    if (parser.isSet(opts.benchTimeline)) {
        bool ok = false;
        const long long n = parser.value(opts.benchTimeline).toLongLong(&ok);
        if (!ok || n < 1 || n > 100000000) {
            std::fprintf(stderr, "tilescope: --bench-timeline: '%s' is not a span count from 1 to 100000000\n",
                         qPrintable(parser.value(opts.benchTimeline)));
            return 2;
        }
        std::printf("%s\n", qPrintable(tsui::runTimelineBenchmark(n).describe()));
        return 0;
    }

    double rangeFrom = 0, rangeTo = 0;
    if (parser.isSet(opts.selectRange)) {
        const QStringList parts = parser.value(opts.selectRange).split(QLatin1Char(':'));
        bool ok1 = false, ok2 = false;
        if (parts.size() == 2) {
            rangeFrom = parts[0].toDouble(&ok1);
            rangeTo = parts[1].toDouble(&ok2);
        }
        if (!ok1 || !ok2 || rangeTo <= rangeFrom || rangeFrom < 0) {
            std::fprintf(stderr, "tilescope: --select-range: '%s' is not FROM:TO in ms with 0 <= FROM < TO\n",
                         qPrintable(parser.value(opts.selectRange)));
            return 2;
        }
    }

    const bool explicitDemo = parser.isSet(demoOpt) || parser.isSet(opts.demoModel);
    const bool useDemo = explicitDemo || (!parser.isSet(vaeOpt) && !parser.isSet(latentsOpt));
    ts::DemoKind demoKind = ts::DemoKind::Trained;
    try {
        if (parser.isSet(opts.demoModel))
            demoKind = ts::parseDemoKind(parser.value(opts.demoModel).toStdString(), "--demo-model");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tilescope: %s\n", e.what());
        return 2;
    }
    if (explicitDemo && (parser.isSet(vaeOpt) || parser.isSet(latentsOpt))) {
        std::fprintf(stderr, "tilescope: --demo cannot be combined with --vae or --latents\n");
        return 2;
    }

    tsui::MainWindow window;
    QString startupError;
    if (useDemo) {
        try {
            ts::DemoAssets demo = ts::loadDemo(demoKind);
            window.setVaeSource(QString::fromStdString(demo.vaeSource));
            window.setLatents(demo.latents, QStringLiteral("(demo latents)"));
            window.setTitle(QString::fromStdString(demo.title));
        } catch (const std::exception& e) {
            startupError = QStringLiteral("Cannot open the demo: ") + QString::fromUtf8(e.what());
        }
    } else {
        if (parser.isSet(vaeOpt)) window.setVaeSource(parser.value(vaeOpt));
        if (parser.isSet(latentsOpt)) {
            const QString path = parser.value(latentsOpt);
            try {
                window.setLatents(ts::readLatents(path.toStdString()), path);
            } catch (const std::exception& e) {
                window.setLatentsPath(path);
                startupError = QString::fromUtf8(e.what());
            }
        }
        window.setTitle(QFileInfo(parser.value(latentsOpt)).fileName());
    }
    if (const QString bad = applyPreviewOptions(window, parser, opts); !bad.isEmpty()) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(bad));
        return 2;
    }
    window.show();
    if (!startupError.isEmpty()) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(startupError));
        window.statusBar()->showMessage(startupError);
    }

    const QString shotFile = parser.value(shotOpt);
    const bool quit = parser.isSet(quitOpt);
    int exitCode = 0;

    auto finish = [&](bool ok) {
        if (parser.isSet(opts.selectRange)) {
            window.timeline()->selectRange(rangeFrom, rangeTo);
            window.tabs()->setCurrentIndex(1);
            QCoreApplication::processEvents();  // lay the table out before the grab
        }
        if (!shotFile.isEmpty() && !saveScreenshot(window, shotFile)) ok = false;
        if (!ok) exitCode = 1;
        if (quit) QTimer::singleShot(0, &app, [&] { app.exit(exitCode); });
    };

    bool comparedOnce = false;
    if (parser.isSet(runOpt)) {
        QObject::connect(&window, &tsui::MainWindow::runFinished, &window,
                         [&](const tsui::RunOutcome& outcome) {
                             const bool ok = outcome.status == tsui::RunOutcome::Status::Done;
                             if (!ok) std::fprintf(stderr, "tilescope: run ended: %s\n", qPrintable(outcome.message));
                             // --compare-tiling: the first run done, decode again with the other tiling.
                             if (ok && !compareMode.isEmpty() && window.history()->rowCount() > 0 && !comparedOnce) {
                                 comparedOnce = true;
                                 window.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(compareMode);
                                 QTimer::singleShot(0, &window, [&] {
                                     if (!window.startRun()) {
                                         std::fprintf(stderr, "tilescope: --compare-tiling: %s\n", qPrintable(window.statusText()));
                                         finish(false);
                                     }
                                 });
                                 return;
                             }
                             if (ok && !compareMode.isEmpty()) {
                                 window.historyController()->compare(1, 0);
                                 // The clip's diff statistics come from a pool thread: grab once they are in.
                                 auto* view = window.historyController()->compareView();
                                 if (view->statsPending()) {
                                     QObject::connect(view, &tsui::RunCompareView::statsReady, &window, [&, ok] {
                                         QTimer::singleShot(100, &window, [&, ok] { finish(ok); });
                                     }, Qt::SingleShotConnection);
                                     return;
                                 }
                             }
                             // Let the last frame paint before grabbing.
                             QTimer::singleShot(100, &window, [&, ok] { finish(ok); });
                         });
        QTimer::singleShot(0, &window, [&] {
            if (!window.startRun()) {
                std::fprintf(stderr, "tilescope: --run: %s\n", qPrintable(window.statusText()));
                finish(false);
            }
        });
    } else if (parser.isSet(opts.reopenLast)) {
        QObject::connect(window.reopener(), &tsui::RunReopener::reopened, &window, [&] {
            QTimer::singleShot(200, &window, [&] { finish(startupError.isEmpty()); });  // let it paint
        });
        QTimer::singleShot(0, &window, [&] {
            if (window.history()->rowCount() == 0 || !window.reopener()->reopen(0)) {
                std::fprintf(stderr, "tilescope: --reopen-last: %s\n",
                             window.history()->rowCount() == 0 ? "the run history is empty" : qPrintable(window.statusText()));
                finish(false);
            }
        });
    } else if (!shotFile.isEmpty() || quit) {
        QTimer::singleShot(200, &window, [&] { finish(startupError.isEmpty()); });
    }
    const int rc = app.exec();
    return rc != 0 ? rc : exitCode;
}
