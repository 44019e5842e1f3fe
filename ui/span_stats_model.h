#pragma once
// The statistics of a dragged timeline range as a table (like Perfetto's area
// selection): per span name its count, total and mean time within the range, and that
// time as a share of the range's length.
#include "timeline_index.h"

#include <QAbstractTableModel>

#include <vector>

namespace tsui {

class SpanStatsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Category, Count, Total, Mean, Share, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;

    void setStats(std::vector<TimelineNameStats> stats);
    const std::vector<TimelineNameStats>& stats() const { return stats_; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<TimelineNameStats> stats_;
};

}  // namespace tsui
