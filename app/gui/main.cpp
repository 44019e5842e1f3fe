// TileScope GUI: the decoding workbench.
//   tilescope [--demo] [--vae FILE --latents FILE] [--run] [--screenshot FILE] [--quit]
//   tilescope ... --select-range FROM:TO (ms, after the run, for --screenshot)
//   tilescope --bench-timeline N
//   tilescope ... --tiling MODE --tile PX --overlap PX --seam-check --view MODE --gain G (preview overlays)
//   tilescope ... --run --compare-tiling MODE (a second run, then Compare runs on the two)
//   tilescope ... --color-scheme light|dark|system
//   tilescope ... --reopen-last (the history's newest run back in the main views, for --screenshot)
//   tilescope ... --open-trace FILE (a tilescope-cli --trace file in the main views, for --screenshot)
// The options are ui/launch_options.h's; what they make the window do, ui/launch_script.h's.
#include "color_scheme.h"
#include "launch_options.h"
#include "launch_script.h"
#include "main_window.h"
#include "signal_quit.h"
#include "timeline_bench.h"

#include "core/host_allocator.h"

#include <QApplication>
#include <QStatusBar>

#include <cstdio>

namespace {

void setNames() {
    QCoreApplication::setApplicationName(QStringLiteral("TileScope"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
}

}  // namespace

int main(int argc, char** argv) {
    ts::configureHostAllocator();  // before any thread or tensor (core/host_allocator.h says why)
    tsui::LaunchOptionParser parser;
    QStringList arguments;
    for (int i = 0; i < argc; ++i) arguments << QString::fromLocal8Bit(argv[i]);
    if (tsui::wantsHelpOrVersion(arguments)) {
        // --help and --version need no display: answer them before a QApplication exists.
        QCoreApplication app(argc, argv);
        setNames();
        parser.qtParser().process(app);  // prints and exits
        return 0;
    }

    QApplication app(argc, argv);
    setNames();
    tsui::LaunchOptions options;
    if (QString bad; !parser.parse(app.arguments(), &options, &bad)) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(bad));
        return 2;
    }
    if (options.helpOrVersion) {
        parser.qtParser().process(app);  // prints and exits
        return 0;
    }
    tsui::applyColorScheme(app, options.colorScheme);
    if (options.benchTimelineSpans > 0) {
        std::printf("%s\n", qPrintable(tsui::runTimelineBenchmark(options.benchTimelineSpans).describe()));
        return 0;
    }

    tsui::MainWindow window;
    tsui::LaunchScript script(window, options);
    const QString startupError = script.openInputs();
    if (const QString bad = script.applySettings(); !bad.isEmpty()) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(bad));
        return 2;
    }
    window.show();
    if (!startupError.isEmpty()) {
        std::fprintf(stderr, "tilescope: %s\n", qPrintable(startupError));
        window.statusBar()->showMessage(startupError);
    }
    QObject::connect(&script, &tsui::LaunchScript::quitRequested, &app, [&app](int rc) { app.exit(rc); });
    // Ctrl-C / SIGTERM close the window as Quit does (signal_quit.h); the exit code says which.
    int signalled = 0;
    const tsgui::SignalQuit signals([&window, &signalled](int sig) {
        signalled = sig;
        window.close();
    });
    script.start(startupError);
    const int rc = app.exec();
    if (signalled) return 128 + signalled;
    return rc != 0 ? rc : script.exitCode();
}
