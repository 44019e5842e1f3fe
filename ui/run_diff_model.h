#pragma once
// Where two runs differ, per stage, op (self time) and memory counter: both traces
// summarised as `tilescope-cli --summary` does and diffed as `tilescope-cli diff` does
// (engine/report), as a table for Compare runs. The diff runs on a pool thread
// (diffTracesInBackground); the model only shows its rows, largest change first.
#include <QAbstractTableModel>
#include <QFuture>
#include <QString>

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <vector>

namespace ts {
class TraceStore;
}

namespace tsui {

struct RunDiffRow {
    QString kind;  // "stage", "op" or "memory"
    QString name;
    double a = 0, b = 0;  // seconds, or peak bytes for memory
    double changePct = 0;
    bool isNew = false;  // absent from A: no base for a percentage
    double change() const { return b - a; }
};

// The rows of a diffSummaries() document: time rows then memory rows, each as ordered there.
std::vector<RunDiffRow> runDiffRows(const nlohmann::json& diff);

// Summarises both traces and diffs them on the global thread pool. A null store counts as an
// empty trace; an engine error gives no rows.
QFuture<std::vector<RunDiffRow>> diffTracesInBackground(std::shared_ptr<const ts::TraceStore> a,
                                                        std::shared_ptr<const ts::TraceStore> b);

class RunDiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Kind, Name, A, B, Change, ChangePct, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setRows(std::vector<RunDiffRow> rows);
    const std::vector<RunDiffRow>& rows() const { return rows_; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    // DisplayRole: "12.3 ms", "-1.25 s", "+4.0 MiB", "-12.5 %"; UserRole: the raw number (sorting);
    // kSortGroupRole: time rows 0, memory rows 1 in the A, B and Change columns.
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<RunDiffRow> rows_;
};

}  // namespace tsui
