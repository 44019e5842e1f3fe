#pragma once
// A run History > Reopen brings back into the main window, as values: its history row,
// its trace and frames when they could be had (from the in-memory RunArchive or the disk
// store), or why not; and what the main window's views need that only the row knows,
// turned back into the engine's types: the settings it ran with, its outcome (for the
// result line and File > Export), and the tile grid it actually ran (read from the
// trace's tile spans, so tiles split after an out-of-memory retry show as they ran).
#include "decode_worker.h"
#include "frame_view.h"
#include "run_archive.h"
#include "run_history_model.h"

#include "decode/decode_settings.h"
#include "profile/trace_store.h"

#include <QMetaType>
#include <QSize>
#include <QString>
#include <QVector>

#include <optional>

namespace tsui {

struct ReopenedRun {
    RunRecord record;
    std::optional<ArchivedRun> run;  // the trace and frames; none when they are gone
    QString missing;                 // why the trace or frames are not there; "" when they are
    QString importedFrom;            // a trace file (File > Open Trace), not a history row: "" for a row
    bool hasFrames() const { return run && !run->frames.isEmpty(); }
    bool hasTrace() const { return run && run->trace; }
};

// The settings a history row records. Fields a hand-edited history file got wrong keep
// their defaults: a reopen shows what it can rather than failing.
ts::DecodeSettings settingsOfRecord(const RunRecord& record);
// The tiling that ran: the row's tilingRun where a budget changed it, else what was asked.
ts::TilingMode tilingThatRan(const RunRecord& record);
// The row's numbers as the outcome the run ended with.
RunOutcome outcomeOfRecord(const RunRecord& record);
// The tiles the trace's "tile" spans wrote (their output_rect args, in tile order; an
// exact tile's halo from its latent_rect), for the preview's grid over frames of
// frameSize. Empty for an untiled run or a trace without tile spans.
QVector<TileOverlay> tilesOfTrace(const ts::TraceStore& trace, const QSize& frameSize, ts::TilingMode mode);
// "26 Nov 02:40:11": when the run finished, local time.
QString finishedText(const RunRecord& record);

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::ReopenedRun)
