#pragma once
// What `tilescope` is asked to do at launch, as one value: parsed and checked before any
// window exists, each bad value refused with a message naming its option (the app exits
// with 2, as tilescope-cli does). Checks that need the window's widgets (a tile size
// within the spin box's range) are LaunchScript's.
#include "color_scheme.h"
#include "preview_panel.h"

#include "model/demo.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <optional>

namespace tsui {

struct LaunchOptions {
    bool helpOrVersion = false;  // -h/--help/--version in any spelling (-vh): Qt's parser prints it
    bool useDemo = true;  // --demo, --demo-model, or neither --vae nor --latents
    bool plain = false;   // no options at all (a first launch of that kind decodes the demo)
    ts::DemoKind demoKind = ts::DemoKind::Trained;
    QString vae, latents;  // empty when not given

    bool run = false;
    QString screenshot;  // empty: none
    bool quit = false;
    bool reopenLast = false;
    QString openTrace;  // --open-trace FILE: a Chrome trace shown at launch (File > Open Trace); "" none
    QString selectSpan; // --select-span TEXT: the first span whose name contains TEXT selected (its flows drawn)
    QString compareTiling;                // empty: no second run
    bool compareStages = false;           // --compare-view stages: the per-stage diff tab, not the timelines
    std::optional<double> rangeFromMs;    // --select-range, both or neither
    std::optional<double> rangeToMs;
    long long benchTimelineSpans = 0;     // > 0: time the timeline, print, exit

    // Settings and preview overlays, applied to the widgets as if typed.
    QString tiling;                       // empty: the panel's default
    std::optional<int> tilePx, overlapPx;
    bool seamCheck = false;
    std::optional<PreviewPanel::ViewMode> view;
    std::optional<double> heatmapGain;    // 0 = auto
    QString heatmapGainText;              // as typed, for the message when the preview refuses it
    ColorScheme colorScheme = ColorScheme::System;
};

// The options with their help texts, and their parsing into LaunchOptions.
class LaunchOptionParser {
public:
    LaunchOptionParser();

    // The Qt parser, for --help and --version (QCommandLineParser::process prints and exits).
    QCommandLineParser& qtParser() { return parser_; }

    // arguments[0] is the program. false, with *error naming the option, when an option is
    // unknown, a value is bad, or two options cannot go together.
    bool parse(const QStringList& arguments, LaunchOptions* out, QString* error);

private:
    QCommandLineParser parser_;
    QCommandLineOption demo_, demoModel_, vae_, latents_, run_, screenshot_, quit_, selectRange_, benchTimeline_;
    QCommandLineOption tiling_, tile_, overlap_, seamCheck_, view_, gain_, compareTiling_, compareView_, colorScheme_, reopenLast_, openTrace_, selectSpan_;
};

// --help and --version need no display: true when argv asks for either.
bool wantsHelpOrVersion(const QStringList& arguments);

}  // namespace tsui
