#pragma once
// One export of a finished run, as values and plain functions: what the run left (its
// settings and outcome, the trace store, the preview's frames), the default file names,
// and writeExport(), which writes one format through the engine's own writers
// (engine/report: Chrome trace, HTML report, span CSV, summary; engine/io: PNG folder,
// MP4) — the files the CLI's --trace/--report/--csv/--summary/--out produce. Outputs
// appear atomically (ts::AtomicOutput): a failed or cancelled export leaves nothing.
// Frames are turned back into [-1,1] tensors one at a time while writing, so an export
// holds one frame's tensor at most. The ExportController runs these on its thread.
#include "decode_worker.h"

#include "decode/decode_settings.h"
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QVector>

#include <atomic>
#include <memory>

namespace tsui {

class PreviewPanel;

enum class ExportFormat { ChromeTrace, HtmlReport, SpanCsv, Summary, PngFrames, Mp4 };

// The finished run, as values.
struct ExportRun {
    ts::DecodeSettings settings;
    RunOutcome outcome;
    QString vaeSource;
    QString latentsLabel;  // the latents' path or in-memory label ("(demo latents)")
    std::shared_ptr<const ts::TraceStore> trace;
    QVector<QImage> frames;  // video frames in order (the preview's images)
};

struct ExportResult {
    ExportFormat format = ExportFormat::ChromeTrace;
    QString path;
    bool ok = false;
    QString message;  // "Wrote …" on success; the path and the problem on failure
};

// "tilescope_demo_blend_t128_o32_fp32": the clip (the latents' file name, or its label,
// without a "latents" word; else the model's name), the tiling with tile/overlap, the
// device when it is not the CPU, the precision.
QString exportStem(const ts::DecodeSettings& settings, const QString& vaeSource, const QString& latentsLabel);
// The default name of a format: stem + ".json", ".html", ".csv", "_summary.json",
// "_frames" (a folder), ".mp4".
QString defaultExportName(ExportFormat format, const QString& stem);
QString exportFormatName(ExportFormat format);  // "Chrome trace", "HTML report", ...
// Which formats need frames (PNG folder, MP4) rather than the trace.
bool exportNeedsFrames(ExportFormat format);

// The run's settings and stats as the "run" object of the trace metadata and summary
// (the keys the CLI's decode writes where they mean the same).
nlohmann::json exportRunInfo(const ExportRun& run);

// Writes one format synchronously (the controller calls it on its thread). cancel, when
// given, is polled between frames. Never throws: failures come back in the result.
ExportResult writeExport(const ExportRun& run, ExportFormat format, const QString& path,
                         const std::atomic<bool>* cancel = nullptr);

// A preview frame (RGB888 or any format QImage converts) as [3,1,H,W] fp32 in [-1,1]:
// the inverse of frameToImage, exact for 8-bit values (the PNG writer rounds back to
// the same bytes).
at::Tensor imageToFrame(const QImage& image);

// The preview's frames, shallow copies.
QVector<QImage> previewFrames(const PreviewPanel& preview);

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::ExportFormat)
Q_DECLARE_METATYPE(tsui::ExportResult)
