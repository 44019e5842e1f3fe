#include "run_store.h"

#include "trace_codec.h"

#include "io/atomic_file.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <exception>
#include <vector>

#include <unistd.h>

namespace tsui {

namespace {

constexpr QLatin1String kManifest("run.json");
constexpr QLatin1String kTrace("trace.bin");
constexpr QLatin1String kFormat("tilescope-run");
constexpr int kVersion = 1;
// A temporary this old is an interrupted write (a crash), not one in progress.
constexpr qint64 kStaleTempSecs = 3600;

QString tr(const char* text) {
    return QCoreApplication::translate("tsui::RunStore", text);
}

QString frameName(int i) {
    return QStringLiteral("frame_%1.png").arg(i, 4, 10, QLatin1Char('0'));
}

bool isTempName(const QString& name) {
    return ts::leftoverWriterPid(name.toStdString()) > 0;  // what ts::AtomicOutput leaves while it works
}

QString writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.flush())
        return QStringLiteral("%1: cannot write: %2").arg(path, f.errorString());
    return {};
}

qint64 folderBytes(const QString& dir) {
    qint64 total = 0;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) total += it.nextFileInfo().size();
    return total;
}

struct Entry {
    QString id;
    qint64 savedNs = 0;  // when it was written: the manifest's, else the folder's time
    qint64 bytes = 0;
};

// The runs' folders, newest first.
std::vector<Entry> entries(const QString& root) {
    std::vector<Entry> out;
    const QFileInfoList dirs = QDir(root).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QFileInfo& d : dirs) {
        if (isTempName(d.fileName())) continue;
        Entry e{d.fileName(), d.lastModified().toMSecsSinceEpoch() * 1000000, folderBytes(d.filePath())};
        QFile manifest(d.filePath() + QLatin1Char('/') + kManifest);
        if (manifest.open(QIODevice::ReadOnly)) {
            bool ok = false;
            const qint64 saved = QJsonDocument::fromJson(manifest.readAll()).object().value(QStringLiteral("savedAtNs")).toString().toLongLong(&ok);
            if (ok) e.savedNs = saved;
        }
        out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
        return a.savedNs != b.savedNs ? a.savedNs > b.savedNs : a.id > b.id;
    });
    return out;
}

std::shared_ptr<const ts::TraceStore> toStore(ts::TraceStore::Snapshot snap) {
    auto store = std::make_shared<ts::TraceStore>();
    for (ts::TraceEvent& e : snap.events) store->append(std::move(e));
    for (const ts::TraceStore::TrackName& t : snap.tracks) store->nameTrack(t.pid, t.tid, t.name);
    for (const std::string& n : snap.notes) store->note(n);
    return store;
}

}  // namespace

RunStore::RunStore(QString root, int maxRuns, qint64 maxBytes)
    : root_(std::move(root)), maxRuns_(std::max(1, maxRuns)), maxBytes_(std::max<qint64>(0, maxBytes)) {}

QString RunStore::defaultRoot() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs");
}

QString RunStore::folder(const QString& id) const {
    const auto allowed = [](QChar c) {
        return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
               (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') || c == QLatin1Char('_');
    };
    if (root_.isEmpty() || id.isEmpty() || id.size() > 64 || !std::all_of(id.begin(), id.end(), allowed)) return {};
    return root_ + QLatin1Char('/') + id;
}

QString RunStore::save(const ArchivedRun& run) const {
    const QString dir = folder(run.id);
    if (dir.isEmpty()) return tr("cannot store run \"%1\": not a valid run id").arg(run.id);
    if (!QDir().mkpath(root_)) return tr("%1: cannot create the run store folder").arg(root_);
    try {
        // The store owns the folders under its root: a run saved again replaces its files.
        ts::AtomicOutput out(QDir::toNativeSeparators(dir).toStdString(), ts::AtomicOutput::Kind::Directory,
                             [](const std::string&) { return true; });
        const QString tmp = QString::fromStdString(out.tempPath()) + QLatin1Char('/');
        QJsonObject manifest{
            {QStringLiteral("format"), kFormat},
            {QStringLiteral("version"), kVersion},
            {QStringLiteral("id"), run.id},
            // int64 as text: JSON numbers are doubles here, exact only up to 2^53.
            {QStringLiteral("originNs"), QString::number(run.originNs)},
            {QStringLiteral("savedAtNs"),
             QString::number(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch()).count())},
            {QStringLiteral("trace"), run.trace != nullptr},
            {QStringLiteral("frames"), static_cast<int>(run.frames.size())},
        };
        if (run.trace) {
            const ts::TraceStore::Snapshot snap = run.trace->snapshot();
            manifest.insert(QStringLiteral("traceEvents"), static_cast<qint64>(snap.events.size()));
            if (QString e = writeFile(tmp + kTrace, encodeTrace(snap)); !e.isEmpty()) return e;
        }
        if (!run.frames.isEmpty()) manifest.insert(QStringLiteral("frameFormat"), static_cast<int>(run.frames.first().format()));
        for (int i = 0; i < run.frames.size(); ++i) {
            QImageWriter w(tmp + frameName(i), "png");
            if (!w.write(run.frames[i])) return tr("%1: cannot write: %2").arg(dir + QLatin1Char('/') + frameName(i), w.errorString());
        }
        // Last: a folder with a manifest had everything else written before it.
        if (QString e = writeFile(tmp + kManifest, QJsonDocument(manifest).toJson()); !e.isEmpty()) return e;
        out.commit();
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    prune();
    return {};
}

LoadedRun RunStore::load(const QString& id) const {
    LoadedRun r;
    const QString dir = folder(id);
    if (dir.isEmpty()) {
        r.error = tr("no trace or frames stored: \"%1\" is not a valid run id").arg(id);
        return r;
    }
    if (!QFileInfo(dir).isDir()) {
        r.error = tr("its trace and frames are not on disk (never written, or removed: the newest %1 runs keep them)").arg(maxRuns_);
        return r;
    }
    r.status = LoadedRun::Status::Damaged;
    const auto damaged = [&](const QString& file, const QString& why) {
        r.error = tr("%1: damaged, cannot be read: %2").arg(dir + QLatin1Char('/') + file, why);
        return r;
    };
    QFile mf(dir + QLatin1Char('/') + kManifest);
    if (!mf.open(QIODevice::ReadOnly)) return damaged(kManifest, mf.errorString());
    QJsonParseError perr;
    const QJsonObject m = QJsonDocument::fromJson(mf.readAll(), &perr).object();
    if (perr.error != QJsonParseError::NoError) return damaged(kManifest, perr.errorString());
    if (m.value(QStringLiteral("format")).toString() != kFormat || m.value(QStringLiteral("version")).toInt() != kVersion)
        return damaged(kManifest, tr("not a version %1 TileScope run").arg(kVersion));
    bool ok = false;
    const qint64 origin = m.value(QStringLiteral("originNs")).toString().toLongLong(&ok);
    const int frames = m.value(QStringLiteral("frames")).toInt(-1);
    if (!ok || frames < 0) return damaged(kManifest, tr("no originNs or frames"));

    ArchivedRun run;
    run.id = id;
    run.originNs = origin;
    if (m.value(QStringLiteral("trace")).toBool()) {
        QFile tf(dir + QLatin1Char('/') + kTrace);
        if (!tf.open(QIODevice::ReadOnly)) return damaged(kTrace, tf.errorString());
        ts::TraceStore::Snapshot snap;
        QString why;
        if (!decodeTrace(tf.readAll(), &snap, &why)) return damaged(kTrace, why);
        run.trace = toStore(std::move(snap));
    }
    const auto format = static_cast<QImage::Format>(m.value(QStringLiteral("frameFormat")).toInt(QImage::Format_RGB888));
    for (int i = 0; i < frames; ++i) {
        QImageReader reader(dir + QLatin1Char('/') + frameName(i), "png");
        QImage img;
        if (!reader.read(&img)) return damaged(frameName(i), reader.errorString());
        if (!run.frames.isEmpty() && img.size() != run.frames.first().size())
            return damaged(frameName(i), tr("%1×%2, frame 0 is %3×%4").arg(img.width()).arg(img.height())
                                             .arg(run.frames.first().width()).arg(run.frames.first().height()));
        // PNG does not keep QImage's format; the compare view diffs formats alike.
        run.frames << (format > QImage::Format_Invalid && format < QImage::NImageFormats ? img.convertToFormat(format) : img);
    }
    r.status = LoadedRun::Status::Ok;
    r.error.clear();
    r.run = std::move(run);
    return r;
}

bool RunStore::remove(const QString& id) const {
    const QString dir = folder(id);
    if (dir.isEmpty() || !QFileInfo::exists(dir)) return true;
    return QDir(dir).removeRecursively();
}

QStringList RunStore::ids() const {
    QStringList out;
    for (const Entry& e : entries(root_))
        if (QFileInfo::exists(root_ + QLatin1Char('/') + e.id + QLatin1Char('/') + kManifest)) out << e.id;
    return out;
}

QStringList RunStore::prune() const {
    QStringList removed;
    const std::vector<Entry> all = entries(root_);
    qint64 bytes = 0;
    bool full = false;  // once a run does not fit, every older one goes too
    for (std::size_t i = 0; i < all.size(); ++i) {
        bytes += all[i].bytes;
        full = full || static_cast<int>(i) >= maxRuns_ || bytes > maxBytes_;
        // The newest run stays even alone over the budget: it is the one just written.
        if (i == 0 || !full) continue;
        if (QDir(root_ + QLatin1Char('/') + all[i].id).removeRecursively()) removed << all[i].id;
    }
    removeOrphanedTemporaries();
    return removed;
}

void RunStore::removeOrphanedTemporaries() const {
    // One whose writing process is gone (killed mid-write) is removed at once; any other
    // only when stale, as a process of another machine sharing the folder cannot be asked.
    const QDateTime stale = QDateTime::currentDateTimeUtc().addSecs(-kStaleTempSecs);
    for (const QFileInfo& d : QDir(root_).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const long pid = ts::leftoverWriterPid(d.fileName().toStdString());
        if (pid <= 0) continue;
        const bool writerGone = pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
        if (writerGone || d.lastModified() < stale) QDir(d.filePath()).removeRecursively();
    }
}

}  // namespace tsui
