#include "export_job.h"

#include "preview_panel.h"

#include "core/error.h"
#include "io/video_writer.h"
#include "report/chrome_trace_writer.h"
#include "report/html_report_writer.h"
#include "report/run_summary.h"
#include "report/span_csv_writer.h"

#include <ATen/ATen.h>

#include <QFileInfo>
#include <QRegularExpression>

#include <cstring>
#include <new>

namespace tsui {

namespace {

// Frames the HTML report shows, as the CLI's report does: the first, two in between
// and the last.
constexpr int kReportFrames = 4;

// Letters, digits, '.', '-' kept; runs of anything else become one '_'.
QString sanitize(QString text) {
    text.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9.\\-]+")), QStringLiteral("_"));
    while (text.startsWith(QLatin1Char('_'))) text.remove(0, 1);
    while (text.endsWith(QLatin1Char('_'))) text.chop(1);
    return text;
}

QString clipName(const QString& vaeSource, const QString& latentsLabel) {
    QString label = latentsLabel.trimmed();
    if (!label.isEmpty() && !label.startsWith(QLatin1Char('('))) label = QFileInfo(label).completeBaseName();
    // "(demo latents)" -> "demo", "clip_latents" -> "clip": the word says nothing in a file name.
    label.replace(QRegularExpression(QStringLiteral("[_\\s-]*latents?\\b"), QRegularExpression::CaseInsensitiveOption),
                  QString());
    QString name = sanitize(label);
    if (name.isEmpty()) {
        const QString vae = vaeSource.trimmed();
        name = sanitize(vae.startsWith(QStringLiteral("builtin:")) ? vae.mid(8) : QFileInfo(vae).completeBaseName());
    }
    return name.isEmpty() ? QStringLiteral("run") : name;
}

// Turns anything a writer throws into the one-line message the user sees.
template <typename Fn>
ExportResult attempt(ExportFormat format, const QString& path, Fn fn) {
    ExportResult r;
    r.format = format;
    r.path = path;
    try {
        r.message = fn();
        r.ok = true;
    } catch (const ts::Error& e) {
        r.message = QString::fromUtf8(e.what());
    } catch (const c10::Error& e) {
        r.message = path + QStringLiteral(": ") + QString::fromUtf8(e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        r.message = path + QStringLiteral(": out of memory");
    } catch (const std::exception& e) {
        r.message = path + QStringLiteral(": ") + QString::fromUtf8(e.what());
    }
    return r;
}

ts::ReportFrames reportFrames(const QVector<QImage>& frames) {
    ts::ReportFrames out;
    const int n = frames.size();
    for (int k = 0; k < kReportFrames && n > 0; ++k) {
        const int want = n <= 1 ? 0 : k * (n - 1) / (kReportFrames - 1);
        if (!out.empty() && out.back().first == want) continue;
        const at::Tensor f = imageToFrame(frames[want]);
        if (f.defined()) out.emplace_back(want, f.select(1, 0));
    }
    return out;
}

QString writeFrames(const ExportRun& run, ExportFormat format, const std::string& path, const std::atomic<bool>* cancel) {
    const QVector<QImage>& frames = run.frames;
    if (frames.isEmpty()) ts::throwInput(path + ": the run has no decoded frames to export");
    const QSize size = frames.front().size();
    for (int i = 0; i < frames.size(); ++i)
        if (frames[i].isNull() || frames[i].size() != size)
            ts::throwInput(path + ": frame " + std::to_string(i) + " is missing or of another size");
    // The engine's writer picks the format from the path: keep a folder a folder.
    if (format == ExportFormat::PngFrames && !ts::isPngFolderPath(path))
        ts::throwUsage(path + ": a PNG folder name must not end in .mp4, .mkv or .safetensors");
    if (format == ExportFormat::Mp4 && !ts::isVideoContainerPath(path))
        ts::throwUsage(path + ": a video needs the extension .mp4 or .mkv");
    std::unique_ptr<ts::VideoWriter> writer =
        ts::openVideoWriter(path, frames.size(), size.height(), size.width(), ts::VideoWriterOptions{});
    for (const QImage& image : frames) {
        if (cancel && cancel->load()) throw ts::Error(ts::ErrorKind::Cancelled, path + ": export cancelled; nothing written");
        writer->append(imageToFrame(image));  // one frame's tensor at a time
    }
    writer->finish();
    QString text = QObject::tr("Wrote %1 frames of %2×%3 px to %4")
                       .arg(frames.size())
                       .arg(size.width())
                       .arg(size.height())
                       .arg(QString::fromStdString(path));
    if (!writer->encoderNote().empty()) text += QStringLiteral(" (%1)").arg(QString::fromStdString(writer->encoderNote()));
    return text;
}

}  // namespace

// ------------------------------------------------------------------------ naming

QString exportStem(const ts::DecodeSettings& s, const QString& vaeSource, const QString& latentsLabel) {
    QStringList parts{QStringLiteral("tilescope"), clipName(vaeSource, latentsLabel),
                      QString::fromStdString(ts::toString(s.tiling))};
    if (s.tiling != ts::TilingMode::Off) parts << QStringLiteral("t%1").arg(s.tilePx) << QStringLiteral("o%1").arg(s.overlapPx);
    if (s.device != "cpu") parts << sanitize(QString::fromStdString(s.device).remove(QLatin1Char(':')));
    parts << QString::fromStdString(ts::toString(s.precision));
    return parts.join(QLatin1Char('_'));
}

QString defaultExportName(ExportFormat format, const QString& stem) {
    switch (format) {
    case ExportFormat::ChromeTrace: return stem + QStringLiteral(".json");
    case ExportFormat::HtmlReport: return stem + QStringLiteral(".html");
    case ExportFormat::SpanCsv: return stem + QStringLiteral(".csv");
    case ExportFormat::Summary: return stem + QStringLiteral("_summary.json");
    case ExportFormat::PngFrames: return stem + QStringLiteral("_frames");
    case ExportFormat::Mp4: return stem + QStringLiteral(".mp4");
    }
    return stem;
}

QString exportFormatName(ExportFormat format) {
    switch (format) {
    case ExportFormat::ChromeTrace: return QObject::tr("Chrome/Perfetto trace");
    case ExportFormat::HtmlReport: return QObject::tr("HTML report");
    case ExportFormat::SpanCsv: return QObject::tr("span CSV");
    case ExportFormat::Summary: return QObject::tr("summary JSON");
    case ExportFormat::PngFrames: return QObject::tr("PNG frames");
    case ExportFormat::Mp4: return QObject::tr("MP4 video");
    }
    return {};
}

bool exportNeedsFrames(ExportFormat format) {
    return format == ExportFormat::PngFrames || format == ExportFormat::Mp4;
}

// ------------------------------------------------------------------------ writing

at::Tensor imageToFrame(const QImage& image) {
    if (image.isNull()) return {};
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    const int w = rgb.width(), h = rgb.height();
    at::Tensor bytes = at::empty({h, w, 3}, at::kByte);
    auto* dst = bytes.data_ptr<uint8_t>();
    const std::size_t rowBytes = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y)  // QImage rows are 4-byte aligned: copy row by row
        std::memcpy(dst + static_cast<std::size_t>(y) * rowBytes, rgb.constScanLine(y), rowBytes);
    return bytes.permute({2, 0, 1}).to(at::kFloat).div_(127.5).sub_(1.0).unsqueeze(1);
}

QVector<QImage> previewFrames(const PreviewPanel& preview) {
    QVector<QImage> out;
    out.reserve(preview.frameCount());
    for (int i = 0; i < preview.frameCount(); ++i) out << preview.frame(i);
    return out;
}

nlohmann::json exportRunInfo(const ExportRun& run) {
    const ts::DecodeSettings& s = run.settings;
    const RunOutcome& o = run.outcome;
    const char* status = o.status == RunOutcome::Status::Done        ? "done"
                         : o.status == RunOutcome::Status::Cancelled ? "cancelled"
                                                                     : "failed";
    nlohmann::json info{{"tool", "tilescope"},
                        {"vae", run.vaeSource.toStdString()},
                        {"latents", run.latentsLabel.toStdString()},
                        {"status", status},
                        {"device", s.device},
                        {"precision", ts::toString(s.precision)},
                        {"tiling", ts::toString(s.tiling)},
                        {"tiles", o.tiles},
                        {"wall_s", o.wallSeconds},
                        {"decode_s", o.decodeSeconds},
                        {"gflop", 2.0 * static_cast<double>(o.macs) / 1e9},
                        {"macs", o.macs},
                        {"settings",
                         {{"tile", s.tilePx},
                          {"overlap", s.overlapPx},
                          {"streams", ts::countText(s.streams)},
                          {"threads", ts::countText(s.threads)},
                          {"tf32", s.allowTf32},
                          {"max_memory_bytes", s.maxMemoryBytes},
                          {"opt", ts::toString(s.graph)}}}};
    if (!run.frames.isEmpty())
        info["video_shape"] = {3, run.frames.size(), run.frames.front().height(), run.frames.front().width()};
    if (o.peakRssBytes > 0) info["peak_rss_bytes"] = o.peakRssBytes;
    if (o.status != RunOutcome::Status::Done) info["message"] = o.message.toStdString();
    return info;
}

ExportResult writeExport(const ExportRun& run, ExportFormat format, const QString& qpath, const std::atomic<bool>* cancel) {
    const std::string path = qpath.toStdString();
    return attempt(format, qpath, [&]() -> QString {
        if (path.empty()) ts::throwUsage("export: no output path given");
        if (exportNeedsFrames(format)) return writeFrames(run, format, path, cancel);
        if (!run.trace) ts::throwInput(path + ": the run recorded no trace to export");
        const ts::TraceStore::Snapshot snapshot = run.trace->snapshot();
        const nlohmann::json info = exportRunInfo(run);
        switch (format) {
        case ExportFormat::ChromeTrace:
            ts::writeChromeTrace(path, snapshot, nlohmann::json{{"tool", "tilescope"}, {"run", info}});
            break;
        case ExportFormat::SpanCsv: ts::writeSpanCsv(path, snapshot); break;
        case ExportFormat::Summary: ts::writeRunSummary(path, snapshot, info); break;
        case ExportFormat::HtmlReport:
            ts::writeHtmlReport(path, snapshot, ts::summarizeRun(snapshot, info), reportFrames(run.frames));
            break;
        default: break;
        }
        return QObject::tr("Wrote the %1 (%2 events) to %3").arg(exportFormatName(format)).arg(snapshot.events.size()).arg(qpath);
    });
}

}  // namespace tsui
