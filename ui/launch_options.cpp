#include "launch_options.h"

#include <exception>
#include <utility>

namespace tsui {

namespace {

QCommandLineOption flag(const char* name, const char* help) {
    return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help));
}

QCommandLineOption valued(const char* name, const char* help, const char* valueName) {
    return QCommandLineOption(QString::fromLatin1(name), QString::fromUtf8(help), QString::fromLatin1(valueName));
}

bool isTiling(const QString& mode) {
    return mode == QLatin1String("off") || mode == QLatin1String("blend") || mode == QLatin1String("exact");
}

std::optional<PreviewPanel::ViewMode> viewMode(const QString& name) {
    using Mode = PreviewPanel::ViewMode;
    const std::pair<const char*, Mode> modes[] = {{"frame", Mode::Frame},
                                                  {"heatmap", Mode::Heatmap},
                                                  {"heatmap-over-frame", Mode::HeatmapOverFrame},
                                                  {"side-by-side", Mode::SideBySide},
                                                  {"wipe", Mode::Wipe}};
    for (const auto& [text, mode] : modes)
        if (name == QLatin1String(text)) return mode;
    return std::nullopt;
}

}  // namespace

LaunchOptionParser::LaunchOptionParser()
    : demo_(flag("demo", "Open the built-in demo model and latents (default when no --vae is given).")),
      demoModel_(valued("demo-model",
                        "Which demo --demo opens: trained (default: the small trained model, 33 frames at "
                        "256x256), tiny (random weights, a second) or wan2.1 (full size, random weights: "
                        "realistic load).",
                        "NAME")),
      vae_(valued("vae", "VAE checkpoint (.pth, .safetensors or builtin:*).", "FILE")),
      latents_(valued("latents", "Latents to decode (.safetensors, .npy, .pt).", "FILE")),
      run_(flag("run", "Start a decode at launch.")),
      screenshot_(valued("screenshot", "Save a PNG of the window after the run finishes (at once without --run).",
                         "FILE")),
      quit_(flag("quit", "Quit after the screenshot (or after the run).")),
      selectRange_(valued("select-range",
                          "After the run, select FROM:TO ms on the timeline and show the range statistics (for "
                          "--screenshot).",
                          "FROM:TO")),
      benchTimeline_(valued("bench-timeline", "Time timeline redraws with N synthetic spans, print the result and exit.",
                            "N")),
      tiling_(valued("tiling", "Tiling of the decode settings: off, blend or exact.", "MODE")),
      tile_(valued("tile", "Tile size in output pixels.", "PX")),
      overlap_(valued("overlap", "Tile overlap in output pixels.", "PX")),
      seamCheck_(flag("seam-check", "Tick Seam check: also decode untiled and show |tiled - untiled|.")),
      view_(valued("view", "Preview view: frame, heatmap, heatmap-over-frame, side-by-side or wipe.", "MODE")),
      gain_(valued("gain", "Heatmap gain: auto, 10, 100, 1000 or 10000.", "G")),
      compareTiling_(valued("compare-tiling",
                            "With --run: decode again with tiling MODE (off, blend or exact) and open Compare runs "
                            "on the two runs (for --screenshot).",
                            "MODE")),
      compareView_(valued("compare-view",
                          "With --compare-tiling: show the two timelines (timelines, the default) or the table of "
                          "what changed per stage, op and memory counter (stages).",
                          "VIEW")),
      colorScheme_(valued("color-scheme",
                          "light or dark: force that palette (Fusion style); system (default): follow the desktop.",
                          "SCHEME")),
      reopenLast_(flag("reopen-last",
                       "Reopen the run history's newest run in the main window at launch, as History > Reopen "
                       "does (for --screenshot; not with --run).")),
      openTrace_(valued("open-trace",
                        "Show a Chrome trace written by tilescope-cli --trace (.json or .json.gz) at launch, as File > "
                        "Open Trace does (for --screenshot; not with --run or --reopen-last).",
                        "FILE")),
      selectSpan_(valued("select-span",
                         "Before --screenshot: select the earliest timeline span whose name contains TEXT, which "
                         "draws its launch flows and shows its details.",
                         "TEXT")) {
    parser_.setApplicationDescription(QStringLiteral("TileScope: a profiler and decoding workbench for the Wan2.1 video VAE."));
    parser_.addHelpOption();
    parser_.addVersionOption();
    parser_.addOptions({demo_, demoModel_, vae_, latents_, run_, screenshot_, quit_, selectRange_, benchTimeline_});
    parser_.addOptions({tiling_, tile_, overlap_, seamCheck_, view_, gain_, compareTiling_, compareView_, colorScheme_, reopenLast_});
    parser_.addOptions({openTrace_, selectSpan_});
}

bool LaunchOptionParser::parse(const QStringList& arguments, LaunchOptions* out, QString* error) {
    const auto fail = [error](const QString& message) {
        *error = message;
        return false;
    };
    if (!parser_.parse(arguments)) return fail(parser_.errorText());
    if (!parser_.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument '%1' (options start with --)").arg(parser_.positionalArguments().first()));
    LaunchOptions o;
    o.plain = arguments.size() <= 1;
    // Spellings wantsHelpOrVersion() does not see (-vh): answered like --help.
    if (parser_.isSet(QStringLiteral("help")) || parser_.isSet(QStringLiteral("version"))) {
        o.helpOrVersion = true;
        *out = std::move(o);
        return true;
    }
    for (const QCommandLineOption* path : {&vae_, &latents_})
        if (parser_.isSet(*path) && parser_.value(*path).isEmpty())
            return fail(QStringLiteral("--%1: the path is empty").arg(path->names().first()));

    const bool explicitDemo = parser_.isSet(demo_) || parser_.isSet(demoModel_);
    if (explicitDemo && (parser_.isSet(vae_) || parser_.isSet(latents_)))
        return fail(QStringLiteral("--demo cannot be combined with --vae or --latents"));
    o.useDemo = explicitDemo || (!parser_.isSet(vae_) && !parser_.isSet(latents_));
    if (parser_.isSet(demoModel_)) {
        try {
            o.demoKind = ts::parseDemoKind(parser_.value(demoModel_).toStdString(), "--demo-model");
        } catch (const std::exception& e) {
            return fail(QString::fromUtf8(e.what()));
        }
    }
    o.vae = parser_.value(vae_);
    o.latents = parser_.value(latents_);

    o.run = parser_.isSet(run_);
    o.screenshot = parser_.value(screenshot_);
    o.quit = parser_.isSet(quit_);
    o.reopenLast = parser_.isSet(reopenLast_);
    if (o.reopenLast && o.run)
        return fail(QStringLiteral("--reopen-last cannot be combined with --run (a reopen never replaces a run)"));
    o.openTrace = parser_.value(openTrace_);
    if (parser_.isSet(openTrace_) && o.openTrace.isEmpty()) return fail(QStringLiteral("--open-trace: the path is empty"));
    if (!o.openTrace.isEmpty() && (o.run || o.reopenLast))
        return fail(QStringLiteral("--open-trace cannot be combined with --run or --reopen-last (each fills the same views)"));
    o.selectSpan = parser_.value(selectSpan_);
    if (parser_.isSet(selectSpan_) && o.selectSpan.isEmpty()) return fail(QStringLiteral("--select-span: the text is empty"));
    if (parser_.isSet(selectSpan_) && parser_.isSet(selectRange_))
        return fail(QStringLiteral("--select-span cannot be combined with --select-range (each shows its own tab)"));
    o.compareTiling = parser_.value(compareTiling_);
    if (!o.compareTiling.isEmpty() && !isTiling(o.compareTiling))
        return fail(QStringLiteral("--compare-tiling: '%1' is not off, blend or exact").arg(o.compareTiling));
    if (parser_.isSet(compareView_)) {
        const QString v = parser_.value(compareView_);
        if (v != QLatin1String("timelines") && v != QLatin1String("stages"))
            return fail(QStringLiteral("--compare-view: '%1' is not timelines or stages").arg(v));
        if (o.compareTiling.isEmpty()) return fail(QStringLiteral("--compare-view needs --compare-tiling (two runs to compare)"));
        o.compareStages = v == QLatin1String("stages");
    }

    if (parser_.isSet(selectRange_)) {
        const QStringList parts = parser_.value(selectRange_).split(QLatin1Char(':'));
        bool okFrom = false, okTo = false;
        const double from = parts.size() == 2 ? parts[0].toDouble(&okFrom) : 0;
        const double to = parts.size() == 2 ? parts[1].toDouble(&okTo) : 0;
        if (!okFrom || !okTo || to <= from || from < 0)
            return fail(QStringLiteral("--select-range: '%1' is not FROM:TO in ms with 0 <= FROM < TO")
                            .arg(parser_.value(selectRange_)));
        o.rangeFromMs = from;
        o.rangeToMs = to;
    }
    if (parser_.isSet(benchTimeline_)) {
        bool ok = false;
        o.benchTimelineSpans = parser_.value(benchTimeline_).toLongLong(&ok);
        if (!ok || o.benchTimelineSpans < 1 || o.benchTimelineSpans > 100000000)
            return fail(QStringLiteral("--bench-timeline: '%1' is not a span count from 1 to 100000000")
                            .arg(parser_.value(benchTimeline_)));
    }

    o.tiling = parser_.value(tiling_);
    if (!o.tiling.isEmpty() && !isTiling(o.tiling))
        return fail(QStringLiteral("--tiling: '%1' is not off, blend or exact").arg(o.tiling));
    // Whole numbers here; their range is the settings panel's (LaunchScript checks it).
    const std::pair<const QCommandLineOption*, std::optional<int>*> pixels[] = {{&tile_, &o.tilePx},
                                                                                {&overlap_, &o.overlapPx}};
    for (const auto& [opt, value] : pixels) {
        if (!parser_.isSet(*opt)) continue;
        bool ok = false;
        *value = parser_.value(*opt).toInt(&ok);
        if (!ok) return fail(QStringLiteral("--%1: '%2' is not a pixel count").arg(opt->names().first(), parser_.value(*opt)));
    }
    o.seamCheck = parser_.isSet(seamCheck_);
    if (parser_.isSet(view_)) {
        o.view = viewMode(parser_.value(view_));
        if (!o.view)
            return fail(QStringLiteral("--view: '%1' is not frame, heatmap, heatmap-over-frame, side-by-side or wipe")
                            .arg(parser_.value(view_)));
    }
    if (parser_.isSet(gain_)) {
        const QString g = parser_.value(gain_);
        bool ok = g == QLatin1String("auto");
        o.heatmapGain = ok ? 0.0 : g.toDouble(&ok);
        o.heatmapGainText = g;
        if (!ok) return fail(QStringLiteral("--gain: '%1' is not auto, 10, 100, 1000 or 10000").arg(g));
    }
    const QString scheme = parser_.value(colorScheme_);
    if (QString bad; !parseColorScheme(scheme.isEmpty() ? QStringLiteral("system") : scheme, &o.colorScheme, &bad))
        return fail(bad);

    *out = std::move(o);
    return true;
}

bool wantsHelpOrVersion(const QStringList& arguments) {
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString& a = arguments[i];
        if (a == QLatin1String("-h") || a == QLatin1String("--help") || a == QLatin1String("--help-all") ||
            a == QLatin1String("-?") || a == QLatin1String("-v") || a == QLatin1String("--version"))
            return true;
    }
    return false;
}

}  // namespace tsui
