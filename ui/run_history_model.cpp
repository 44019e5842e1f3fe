#include "run_history_model.h"

#include "core/format_bytes.h"
#include "decode/decode_settings.h"
#include "model/graph_options.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUuid>

namespace tsui {

namespace {

constexpr int kMaxRecords = 500;  // older runs drop off: the file stays small

QString bytes(std::int64_t b) {
    return b > 0 ? QString::fromStdString(ts::formatBytes(b)) : QStringLiteral("–");
}

QString signedPercent(double from, double to) {
    if (from <= 0) return QStringLiteral("n/a");
    const double p = (to - from) / from * 100.0;
    return (p >= 0 ? QStringLiteral("+") : QString()) + QString::number(p, 'f', 1) + QStringLiteral(" %");
}

}  // namespace

QString RunRecord::peakTotalText() const {
    return peakBytes > 0 && onCuda() ? QObject::tr("%1 device").arg(bytes(peakBytes)) : bytes(peakBytes);
}

QString RunRecord::peakText() const {
    if (peakBytes <= 0 || onCuda() || peakAddedBytes < 0) return peakTotalText();
    return QObject::tr("%1 (+%2)").arg(bytes(peakBytes), QString::fromStdString(ts::formatBytes(peakAddedBytes)));
}

QString RunRecord::gflopsText() const {
    // A cancelled or failed run's work is not counted: 0.00 would read as a measured rate.
    if (!hasRate()) return QStringLiteral("–");
    return QString::number(gflops(), 'f', 2);
}

QString RunRecord::settingsText() const {
    QString s = QStringLiteral("%1 %2 %3").arg(device, precision, tiling);
    if (tiling != QStringLiteral("off"))
        s += QObject::tr(" %1/%2 px, %3 %4")
                 .arg(tilePx)
                 .arg(overlapPx)
                 .arg(QString::fromStdString(ts::countText(streams)), streams == 1 ? QObject::tr("stream") : QObject::tr("streams"));
    if (!memoryBudget.isEmpty()) s += QStringLiteral(" ≤%1").arg(memoryBudget);
    if (!tilingRun.isEmpty()) s += tilingRun == QLatin1String("off") ? QObject::tr(" → ran untiled")
                                                                     : QObject::tr(" → ran %1 %2 px").arg(tilingRun).arg(tilePxRun);
    return s;
}

QString RunRecord::modelText() const {
    return vaeSource.startsWith(QLatin1String("builtin:")) ? vaeSource : QFileInfo(vaeSource).fileName();
}

QJsonObject RunRecord::toJson() const {
    return QJsonObject{{"id", id},
                       {"finishedAt", finishedAt.toString(Qt::ISODateWithMs)},
                       {"vae", vaeSource},
                       {"latents", latents},
                       {"device", device},
                       {"precision", precision},
                       {"tiling", tiling},
                       {"tile", tilePx},
                       {"overlap", overlapPx},
                       {"streams", streams},
                       {"threads", threads},
                       {"maxMemory", memoryBudget},
                       {"tilingRun", tilingRun},
                       {"tileRun", tilePxRun},
                       {"opt", graphOptions},
                       {"status", status},
                       {"frames", frames},
                       {"wallSeconds", wallSeconds},
                       {"decodeSeconds", decodeSeconds},
                       {"peakBytes", static_cast<double>(peakBytes)},
                       {"peakAddedBytes", static_cast<double>(peakAddedBytes)},
                       {"macs", static_cast<double>(macs)}};
}

RunRecord RunRecord::fromJson(const QJsonObject& o) {
    RunRecord r;
    r.id = o.value("id").toString();
    r.finishedAt = QDateTime::fromString(o.value("finishedAt").toString(), Qt::ISODateWithMs);
    r.vaeSource = o.value("vae").toString();
    r.latents = o.value("latents").toString();
    r.device = o.value("device").toString();
    r.precision = o.value("precision").toString();
    r.tiling = o.value("tiling").toString();
    r.tilingRun = o.value("tilingRun").toString();
    r.tilePxRun = o.value("tileRun").toInt();
    r.tilePx = o.value("tile").toInt();
    r.overlapPx = o.value("overlap").toInt();
    r.streams = o.value("streams").toInt(1);
    r.threads = o.value("threads").toInt();
    r.memoryBudget = o.value("maxMemory").toString();
    // Files written before "opt" existed load with it empty (shown as unknown), and a
    // hand-edited value that the engine would refuse is kept only if it parses.
    r.graphOptions = o.value("opt").toString();
    if (!r.graphOptions.isEmpty()) {
        try {
            r.graphOptions = QString::fromStdString(ts::toString(ts::parseGraphOptions(r.graphOptions.toStdString())));
        } catch (const std::exception&) {
            r.graphOptions.clear();
        }
    }
    r.status = o.value("status").toString();
    r.frames = o.value("frames").toInt();
    r.wallSeconds = o.value("wallSeconds").toDouble();
    r.decodeSeconds = o.value("decodeSeconds").toDouble();
    r.peakBytes = static_cast<std::int64_t>(o.value("peakBytes").toDouble());
    r.peakAddedBytes = static_cast<std::int64_t>(o.value("peakAddedBytes").toDouble(-1));
    r.macs = static_cast<std::int64_t>(o.value("macs").toDouble());
    return r;
}

QString compareRuns(const RunRecord& a, const RunRecord& b) {
    // Two runs of different models or latents differ by more than their settings: said
    // first, so the percentages are not read as the settings' effect.
    QString inputs;
    if (a.vaeSource != b.vaeSource || a.latents != b.latents)
        inputs = QObject::tr("Different inputs, so not only the settings differ: A decoded %1 on %2, B %3 on %4. ")
                     .arg(a.modelText(), a.latents, b.modelText(), b.latents);
    // Different optimisations explain a difference that the settings text does not show.
    QString opt;
    if (a.graphOptions != b.graphOptions && !a.graphOptions.isEmpty() && !b.graphOptions.isEmpty())
        opt = QObject::tr("; --opt %1 → %2").arg(a.graphOptions, b.graphOptions);
    // A CPU run's peak is the process's RSS, a CUDA run's the device's memory: shown, not
    // compared.
    // Two CPU runs of one window compare by what each decode added: the process's RSS also
    // holds what the window keeps of earlier runs, which favours the first.
    QString peakChange;
    if (a.onCuda() != b.onCuda())
        peakChange = QObject::tr("host and device memory: not compared");
    else if (!a.onCuda() && a.peakAddedBytes >= 0 && b.peakAddedBytes >= 0)
        peakChange = QObject::tr("added by the decode %1 → %2, %3")
                         .arg(QString::fromStdString(ts::formatBytes(a.peakAddedBytes)),
                              QString::fromStdString(ts::formatBytes(b.peakAddedBytes)),
                              signedPercent(static_cast<double>(a.peakAddedBytes), static_cast<double>(b.peakAddedBytes)));
    else
        peakChange = signedPercent(static_cast<double>(a.peakBytes), static_cast<double>(b.peakBytes));
    return inputs + QObject::tr("B (%1) vs A (%2): wall time %3 s → %4 s (%5); peak memory %6 → %7 (%8); %9 → %10 GFLOP/s")
        .arg(b.settingsText(), a.settingsText())
        .arg(a.wallSeconds, 0, 'f', 2)
        .arg(b.wallSeconds, 0, 'f', 2)
        .arg(signedPercent(a.wallSeconds, b.wallSeconds))
        .arg(a.peakTotalText(), b.peakTotalText(), peakChange)
        .arg(a.gflopsText(), b.gflopsText()) + opt;
}

RunHistoryModel::RunHistoryModel(const QString& file, QObject* parent) : QAbstractTableModel(parent), file_(file) {
    if (file_.isEmpty())
        file_ = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/run-history.json");
    load();
}

bool RunHistoryModel::load() {
    beginResetModel();
    records_.clear();
    keepFile_ = false;
    QString problem;
    QFile f(file_);
    if (f.exists()) {
        if (!f.open(QIODevice::ReadOnly)) {
            problem = tr("cannot read: %1").arg(f.errorString());
        } else {
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
            f.close();
            if (pe.error != QJsonParseError::NoError || !doc.isArray()) {
                problem = tr("not a run history (%1)").arg(doc.isNull() ? pe.errorString() : tr("not a list of runs"));
            } else {
                for (const QJsonValue& v : doc.array())
                    if (v.isObject()) records_.push_back(RunRecord::fromJson(v.toObject()));
            }
        }
    }
    endResetModel();
    if (problem.isEmpty()) {
        setError(QString());
        return true;
    }
    // The next save would replace the file: move it aside first, so that whatever it held
    // can still be recovered by hand.
    const QString aside = file_ + QStringLiteral(".damaged-") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    if (QFile::rename(file_, aside)) {
        setError(tr("%1: %2; it was kept as %3 and a new history started").arg(file_, problem, aside));
    } else {
        keepFile_ = true;
        setError(tr("%1: %2; it could not be moved aside, so runs of this session are not saved to it").arg(file_, problem));
    }
    return false;
}

bool RunHistoryModel::save() {
    if (keepFile_) return false;  // load() said why
    QDir().mkpath(QFileInfo(file_).absolutePath());
    QJsonArray array;
    for (const RunRecord& r : records_) array.append(r.toJson());
    // QSaveFile: the old history stays intact until the new one is complete.
    QSaveFile f(file_);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(array).toJson()) < 0 || !f.commit()) {
        writeFailed_ = true;
        setError(tr("%1: cannot write: %2; runs listed here are not kept for later sessions").arg(file_, f.errorString()));
        return false;
    }
    if (writeFailed_) setError(QString());  // written again: that problem is over
    writeFailed_ = false;
    return true;
}

void RunHistoryModel::setError(const QString& error) {
    if (error == error_) return;
    error_ = error;
    Q_EMIT lastErrorChanged(error_);
}

void RunHistoryModel::add(const RunRecord& record) {
    beginInsertRows(QModelIndex(), 0, 0);
    records_.prepend(record);
    if (records_.first().id.isEmpty()) records_.first().id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    endInsertRows();
    if (records_.size() > kMaxRecords) removeRows(kMaxRecords, records_.size() - kMaxRecords);
    save();
}

bool RunHistoryModel::removeRows(int row, int count, const QModelIndex& parent) {
    if (parent.isValid() || row < 0 || count <= 0 || row + count > records_.size()) return false;
    beginRemoveRows(parent, row, row + count - 1);
    records_.remove(row, count);
    endRemoveRows();
    save();
    return true;
}

int RunHistoryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : records_.size();
}

int RunHistoryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunHistoryModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= records_.size() || index.column() >= ColumnCount) return {};
    const RunRecord& r = records_[index.row()];
    if (role == Qt::ToolTipRole)
        return QStringLiteral("%1\n--opt %2\n%3 on %4")
            .arg(r.settingsText(), r.graphOptions.isEmpty() ? tr("(not recorded)") : r.graphOptions, r.vaeSource, r.latents);
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Frames ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case When: return r.finishedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    case Model: return r.modelText();
    case Settings: return r.settingsText();
    case Options: return r.graphOptions.isEmpty() ? QStringLiteral("–") : r.graphOptions;
    case Status: return r.status;
    case Frames: return r.frames;
    case Wall: return QString::number(r.wallSeconds, 'f', 2);
    case Peak: return r.peakText();  // says which memory: a CUDA run's is the device's
    case Gflops: return r.gflopsText();
    }
    return {};
}

QVariant RunHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Peak)
        return tr("CPU runs: the process's peak resident memory (RSS) during the decode, and in brackets what the "
                  "decode added to it (the rest is what the window held before: the model, and what it keeps of "
                  "earlier runs). Runs of one window compare by what they added.\n"
                  "CUDA runs: the device memory in use at its peak.");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case When: return tr("Finished");
    case Model: return tr("Model");
    case Settings: return tr("Settings");
    case Options: return tr("Optimisations (--opt)");
    case Status: return tr("Status");
    case Frames: return tr("Frames");
    case Wall: return tr("Wall (s)");
    case Peak: return tr("Peak memory");
    case Gflops: return tr("GFLOP/s");
    }
    return {};
}

}  // namespace tsui
