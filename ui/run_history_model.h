#pragma once
// Every finished run (settings, wall time, peak memory, GFLOP/s) as a table, kept in a
// JSON file under the user's app data folder (QStandardPaths::AppDataLocation) so it
// survives restarts; rows can be deleted and two runs compared.
#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QVector>

#include <cstdint>

namespace tsui {

struct RunRecord {
    // Links the record to what this session still keeps of the run (RunArchive: its
    // trace and frames); "" for runs recorded before ids existed. add() assigns one.
    QString id;
    QDateTime finishedAt;
    QString vaeSource;
    QString latents;          // label or path
    QString device, precision, tiling;
    int tilePx = 0, overlapPx = 0, streams = 1, threads = 0;
    QString memoryBudget;     // as typed, "" none
    // What ran where a memory budget changed it (tiling and tile size); "" when it ran as
    // asked, or for runs recorded before the history kept it.
    QString tilingRun;
    int tilePxRun = 0;
    // The run's --opt switches (ts::toString(GraphOptions): "none" or names joined by
    // commas); "" for runs recorded before the history kept them.
    QString graphOptions;
    QString status;           // "done", "cancelled", "failed"
    int frames = 0;
    double wallSeconds = 0;
    double decodeSeconds = 0;
    // CPU runs: the process's peak RSS; CUDA runs: the device memory in use at its peak
    // (MainWindow::recordRun). Runs recorded before 2026-11-27 kept the highest memory
    // counter of either.
    std::int64_t peakBytes = 0;
    // CPU runs: what the decode added to the process's RSS at its peak (peakBytes minus the
    // RSS when it began, which holds what the window keeps of earlier runs); -1 unknown.
    std::int64_t peakAddedBytes = -1;
    std::int64_t macs = 0;

    double gflops() const { return decodeSeconds > 0 ? 2.0 * static_cast<double>(macs) / decodeSeconds / 1e9 : 0; }
    bool onCuda() const { return device.startsWith(QLatin1String("cuda")); }
    // A finished run with counted work has a rate; a cancelled or failed one has none.
    bool hasRate() const { return status == QLatin1String("done") && gflops() > 0; }
    QString peakText() const;       // "612.0 MiB (+270.1 MiB)", "3.4 GiB device" (a CUDA run's), "–" unknown
    QString peakTotalText() const;  // the same without what the decode added: "612.0 MiB"
    QString gflopsText() const;  // "188.06"; "–" for a run that did not finish (no rate to give)
    QString settingsText() const;  // "cpu fp32 exact 256/32 px, 2 streams"
    QString modelText() const;     // the checkpoint's file name, or a builtin:* name as is
    QJsonObject toJson() const;
    static RunRecord fromJson(const QJsonObject& o);
};

// "B vs A": time and memory differences, in absolute and relative terms.
QString compareRuns(const RunRecord& a, const RunRecord& b);

class RunHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { When, Model, Settings, Options, Status, Frames, Wall, Peak, Gflops, ColumnCount };

    // file: where the history lives; empty = AppDataLocation/run-history.json.
    explicit RunHistoryModel(const QString& file = QString(), QObject* parent = nullptr);

    const QString& file() const { return file_; }
    // What went wrong last when reading or writing the file ("" when nothing): the Run
    // history tab shows it until it is resolved (lastErrorChanged).
    const QString& lastError() const { return error_; }
    const QVector<RunRecord>& records() const { return records_; }
    const RunRecord& record(int row) const { return records_.at(row); }

    void add(const RunRecord& record);  // newest first; saved at once
    bool removeRows(int row, int count, const QModelIndex& parent = QModelIndex()) override;
    // false (history empty, lastError set) when the file is unreadable or damaged. A
    // damaged file is moved aside (run-history.json.damaged-DATE) so that nothing in it is
    // lost; when it cannot be, save() refuses to write over it.
    bool load();
    bool save();

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void lastErrorChanged(const QString& error);

private:
    void setError(const QString& error);

    QString file_;
    QString error_;
    bool keepFile_ = false;  // an unreadable history that could not be moved aside: never overwritten
    bool writeFailed_ = false;  // error_ is the last save's
    QVector<RunRecord> records_;
};

}  // namespace tsui
