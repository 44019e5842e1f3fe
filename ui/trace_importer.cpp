#include "trace_importer.h"

#include "report/chrome_trace_reader.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QPointer>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <thread>

namespace tsui {

namespace {

QString text(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}

double number(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number() ? it->get<double>() : 0.0;
}

// Settings values the CLI writes as numbers or strings ("streams": "2").
int integer(const nlohmann::json& o, const char* key, int fallback) {
    const auto it = o.find(key);
    if (it == o.end()) return fallback;
    if (it->is_number()) return it->get<int>();
    bool ok = false;
    const int v = it->is_string() ? QString::fromStdString(it->get<std::string>()).toInt(&ok) : 0;
    return ok ? v : fallback;
}

}  // namespace

RunRecord recordOfTrace(const QString& path, const nlohmann::json& metadata) {
    const QFileInfo file(path);
    RunRecord r;
    r.finishedAt = file.lastModified();
    r.latents = file.fileName();
    r.status = QStringLiteral("done");
    r.vaeSource = QObject::tr("trace file");
    const nlohmann::json run = metadata.is_object() && metadata.contains("run") && metadata["run"].is_object()
                                   ? metadata["run"]
                                   : nlohmann::json::object();
    const nlohmann::json settings =
        run.contains("settings") && run["settings"].is_object() ? run["settings"] : nlohmann::json::object();
    if (const QString vae = text(run, "vae"); !vae.isEmpty()) r.vaeSource = vae;
    r.device = text(run, "device");
    r.precision = text(run, "precision");
    r.tiling = !text(run, "tiling_run").isEmpty() ? text(run, "tiling_run") : text(settings, "tiling");
    r.tilePx = integer(run, "tile_run", integer(settings, "tile", 0));
    r.overlapPx = integer(settings, "overlap", 0);
    r.streams = integer(run, "workers", integer(settings, "streams", 1));
    r.threads = integer(run, "threads_per_worker", 0);
    r.graphOptions = text(settings, "opt");
    r.wallSeconds = number(run, "wall_s");
    r.decodeSeconds = number(run, "decode_s");
    r.macs = static_cast<std::int64_t>(number(run, "macs"));
    const auto video = run.find("video_shape");
    if (video != run.end() && video->is_array() && video->size() == 4 && (*video)[1].is_number())
        r.frames = (*video)[1].get<int>();
    return r;
}

void TraceImporter::open(const QString& path) {
    const int generation = ++generation_;
    ++pending_;
    QPointer<TraceImporter> self(this);
    // Detached: a trace of a long run is tens of MB of JSON; the answer comes back through
    // the application object's thread, and only while this importer lives.
    std::thread([self, generation, path] {
        ReopenedRun run;
        QString error;
        try {
            const ts::ImportedTrace imported = ts::readChromeTrace(path.toStdString());
            run.record = recordOfTrace(path, imported.metadata);
            ArchivedRun archived;
            archived.trace = imported.trace;
            std::int64_t origin = std::numeric_limits<std::int64_t>::max();
            imported.trace->forEach([&origin](const ts::TraceEvent& e) { origin = std::min(origin, e.startNs); });
            archived.originNs = origin == std::numeric_limits<std::int64_t>::max() ? 0 : origin;
            run.run = std::move(archived);
            run.importedFrom = path;
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QCoreApplication* app = QCoreApplication::instance();
        if (!app) return;
        QMetaObject::invokeMethod(app, [self, generation, run, error, path] {
            if (!self) return;
            --self->pending_;
            if (generation != self->generation_) return;
            if (error.isEmpty()) Q_EMIT self->opened(run);
            else Q_EMIT self->failed(path, error);
        }, Qt::QueuedConnection);
    }).detach();
}

}  // namespace tsui
