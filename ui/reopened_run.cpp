#include "reopened_run.h"

#include "plan/memory_budget.h"

#include <QRegularExpression>

#include <algorithm>
#include <exception>
#include <map>

namespace tsui {

namespace {

// Applies `parse` to `text`, keeping `fallback` when it throws (a hand-edited value).
template <typename T, typename Parse>
T parsedOr(const QString& text, T fallback, Parse parse) {
    if (text.isEmpty()) return fallback;
    try {
        return parse(text.toStdString());
    } catch (const std::exception&) {
        return fallback;
    }
}

// "64x32+16+0" (the tiled decoder's rectText: width x height + x + y) as a QRect.
std::optional<QRect> parseRect(const std::string& text) {
    static const QRegularExpression re(QStringLiteral("^(\\d+)x(\\d+)\\+(\\d+)\\+(\\d+)$"));
    const QRegularExpressionMatch m = re.match(QString::fromStdString(text));
    if (!m.hasMatch()) return std::nullopt;
    return QRect(m.captured(3).toInt(), m.captured(4).toInt(), m.captured(1).toInt(), m.captured(2).toInt());
}

// An argument's value, "" when the span has none.
std::string argOf(const ts::TraceEvent& e, const char* key) {
    const std::string* v = e.arg(key);
    return v ? *v : std::string();
}

}  // namespace

ts::DecodeSettings settingsOfRecord(const RunRecord& r) {
    ts::DecodeSettings s;
    if (!r.device.isEmpty()) s.device = r.device.toStdString();
    s.precision = parsedOr(r.precision, s.precision, [](const std::string& t) { return ts::parsePrecision(t); });
    s.tiling = parsedOr(r.tiling, s.tiling, [](const std::string& t) { return ts::parseTilingMode(t); });
    if (r.tilePx > 0) s.tilePx = r.tilePx;
    if (r.overlapPx >= 0) s.overlapPx = r.overlapPx;
    if (r.streams >= 0) s.streams = r.streams;
    if (r.threads >= 0) s.threads = r.threads;
    s.maxMemoryBytes = parsedOr<std::int64_t>(r.memoryBudget, 0, [](const std::string& t) { return ts::parseMemorySize(t); });
    s.graph = parsedOr(r.graphOptions, s.graph, [](const std::string& t) { return ts::parseGraphOptions(t); });
    return s;
}

ts::TilingMode tilingThatRan(const RunRecord& r) {
    return parsedOr(r.tilingRun, settingsOfRecord(r).tiling, [](const std::string& t) { return ts::parseTilingMode(t); });
}

RunOutcome outcomeOfRecord(const RunRecord& r) {
    RunOutcome o;
    o.status = r.status == QLatin1String("done")        ? RunOutcome::Status::Done
               : r.status == QLatin1String("cancelled") ? RunOutcome::Status::Cancelled
                                                        : RunOutcome::Status::Failed;
    if (o.status != RunOutcome::Status::Done)  // the engine's own message is not kept in the history
        o.message = o.status == RunOutcome::Status::Cancelled ? QObject::tr("the run was cancelled") : QObject::tr("the run failed");
    o.frames = r.frames;
    o.wallSeconds = r.wallSeconds;
    o.decodeSeconds = r.decodeSeconds;
    o.macs = r.macs;
    // Exported as peak_rss_bytes: only a CPU run's peak is the process's RSS.
    o.peakRssBytes = r.peakBytes > 0 && !r.onCuda() ? r.peakBytes : -1;
    return o;
}

QVector<TileOverlay> tilesOfTrace(const ts::TraceStore& trace, const QSize& frameSize, ts::TilingMode mode) {
    if (mode == ts::TilingMode::Off) return {};
    struct Tile {
        QRect output, latent;
    };
    std::multimap<int, Tile> byIndex;  // tile order: the grid's numbers are the tiles' indices
    int latentRight = 0;
    trace.forEach([&](const ts::TraceEvent& e) {
        if (e.kind != ts::TraceEvent::Kind::Span || e.category != "tile") return;
        const std::optional<QRect> out = parseRect(argOf(e, "output_rect"));
        if (!out || out->isEmpty()) return;
        Tile t{*out, parseRect(argOf(e, "latent_rect")).value_or(QRect())};
        latentRight = std::max(latentRight, t.latent.x() + t.latent.width());
        byIndex.emplace(QString::fromStdString(argOf(e, "tile")).toInt(), t);
    });
    // Exact tiles read a halo of latent context. The rightmost tile's reaches the latent's
    // edge, so the frame's width over it is the decoder's spatial factor (8 for Wan2.1).
    const int factor = latentRight > 0 ? std::max(1, qRound(double(frameSize.width()) / latentRight)) : 0;
    // As planOverlay draws a plan: a blend tile's output is its whole decoded area, an
    // exact tile also reads the halo of context around what it writes.
    QVector<TileOverlay> tiles;
    for (const auto& [index, t] : byIndex) {
        TileOverlay o;
        o.tile = t.output;
        if (mode == ts::TilingMode::Exact && factor > 0 && !t.latent.isEmpty()) {
            const QRect halo = QRect(t.latent.x() * factor, t.latent.y() * factor, t.latent.width() * factor,
                                     t.latent.height() * factor)
                                   .intersected(QRect(QPoint(0, 0), frameSize));
            if (halo != t.output) o.halo = halo;
        }
        const bool seen = std::any_of(tiles.begin(), tiles.end(), [&](const TileOverlay& x) { return x.tile == o.tile; });
        if (!seen) tiles.push_back(o);  // a tile retried after a failure ran twice: draw it once
    }
    return tiles;
}

QString finishedText(const RunRecord& r) {
    return r.finishedAt.isValid() ? r.finishedAt.toLocalTime().toString(QStringLiteral("d MMM HH:mm:ss"))
                                  : QObject::tr("(time unknown)");
}

}  // namespace tsui
