// TileScope GUI: the decoding workbench.
//   tilescope [--demo] [--vae FILE --latents FILE] [--run] [--screenshot FILE] [--quit]
//   tilescope ... --select-range FROM:TO (ms, after the run, for --screenshot)
//   tilescope --bench-timeline N
#include "main_window.h"
#include "timeline_bench.h"
#include "timeline_view.h"

#include "core/error.h"
#include "io/latents_reader.h"
#include "model/demo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <exception>

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

    void addTo(QCommandLineParser& parser) const {
        parser.setApplicationDescription(
            QStringLiteral("TileScope: a profiler and decoding workbench for the Wan2.1 video VAE."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({demo, vae, latents, run, screenshot, quit, selectRange, benchTimeline});
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

}  // namespace

int main(int argc, char** argv) {
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

    const bool useDemo = parser.isSet(demoOpt) || (!parser.isSet(vaeOpt) && !parser.isSet(latentsOpt));
    if (parser.isSet(demoOpt) && (parser.isSet(vaeOpt) || parser.isSet(latentsOpt))) {
        std::fprintf(stderr, "tilescope: --demo cannot be combined with --vae or --latents\n");
        return 2;
    }

    tsui::MainWindow window;
    QString startupError;
    if (useDemo) {
        try {
            ts::DemoAssets demo = ts::loadDemo();
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

    if (parser.isSet(runOpt)) {
        QObject::connect(&window, &tsui::MainWindow::runFinished, &window,
                         [&](const tsui::RunOutcome& outcome) {
                             const bool ok = outcome.status == tsui::RunOutcome::Status::Done;
                             if (!ok) std::fprintf(stderr, "tilescope: run ended: %s\n", qPrintable(outcome.message));
                             // Let the last frame paint before grabbing.
                             QTimer::singleShot(100, &window, [&, ok] { finish(ok); });
                         });
        QTimer::singleShot(0, &window, [&] {
            if (!window.startRun()) {
                std::fprintf(stderr, "tilescope: --run: %s\n", qPrintable(window.statusText()));
                finish(false);
            }
        });
    } else if (!shotFile.isEmpty() || quit) {
        QTimer::singleShot(200, &window, [&] { finish(startupError.isEmpty()); });
    }
    const int rc = app.exec();
    return rc != 0 ? rc : exitCode;
}
