#include "trace_importer.h"

#include "core/error.h"
#include "report/chrome_trace_reader.h"

#include <QDateTime>
#include <QFileInfo>
#include <QPointer>

#include <nlohmann/json.hpp>

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

// Settings values the CLI writes as numbers or strings ("streams": "2"); fallback for
// anything else, fractions and values an int does not hold included.
int integer(const nlohmann::json& o, const char* key, int fallback) {
    const auto it = o.find(key);
    if (it == o.end()) return fallback;
    double v = 0;
    if (it->is_number_integer() || it->is_number_unsigned()) {
        v = it->get<double>();
    } else if (it->is_string()) {
        bool ok = false;
        v = QString::fromStdString(it->get<std::string>()).toInt(&ok);
        if (!ok) return fallback;
    } else {
        return fallback;
    }
    return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max() ? static_cast<int>(v) : fallback;
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
    const double macs = number(run, "macs");
    if (macs > 0 && macs < 9.0e18) r.macs = static_cast<std::int64_t>(macs);
    const auto video = run.find("video_shape");
    if (video != run.end() && video->is_array() && video->size() == 4 && (*video)[1].is_number_integer()) {
        const std::int64_t frames = (*video)[1].get<std::int64_t>();
        if (frames > 0 && frames < 1'000'000'000) r.frames = static_cast<int>(frames);
    }
    return r;
}

TraceImporter::~TraceImporter() {
    // The reader holds no pointer to this object, but it must not run on past the
    // application: wait for it (a trace being parsed at exit finishes first).
    if (thread_.joinable()) thread_.join();
}

bool TraceImporter::open(const QString& path) {
    if (pending_ > 0) return false;  // one read at a time: each holds the whole trace in memory
    if (thread_.joinable()) thread_.join();  // finished: its answer has been delivered
    ++pending_;
    QPointer<TraceImporter> self(this);
    thread_ = std::thread([self, path] {
        ReopenedRun run;
        QString error;
        try {
            const ts::ImportedTrace imported = ts::readChromeTrace(path.toStdString());
            if (imported.events == 0)  // an empty timeline with "0 frames" would say nothing of why
                throw ts::Error(ts::ErrorKind::Input,
                                path.toStdString() + ": holds no events the timeline can show" +
                                    (imported.skipped ? " (" + std::to_string(imported.skipped) + " skipped)" : std::string()));
            run.record = recordOfTrace(path, imported.metadata);
            ArchivedRun archived;
            archived.trace = imported.trace;
            archived.originNs = imported.originNs;
            run.run = std::move(archived);
            run.importedFrom = path;
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
            if (!error.contains(path)) error = path + QStringLiteral(": ") + error;
        }
        // The importer outlives this thread (its destructor joins), so it is alive here; the
        // answer is delivered on its own thread.
        if (!self) return;
        QMetaObject::invokeMethod(self.data(), [self, run, error, path] {
            if (!self) return;
            --self->pending_;
            if (error.isEmpty()) Q_EMIT self->opened(run);
            else Q_EMIT self->failed(path, error);
        }, Qt::QueuedConnection);
    });
    return true;
}

}  // namespace tsui
