#include "span_stats_model.h"

namespace tsui {

void SpanStatsModel::setStats(std::vector<TimelineNameStats> stats) {
    beginResetModel();
    stats_ = std::move(stats);
    endResetModel();
}

int SpanStatsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(stats_.size());
}

int SpanStatsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SpanStatsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const TimelineNameStats& s = stats_[static_cast<std::size_t>(index.row())];
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Count ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    // UserRole: the raw number, for sorting and tests.
    if (role == Qt::UserRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(s.name);
        case Category: return QString::fromStdString(s.category);
        case Count: return static_cast<qlonglong>(s.count);
        case Total: return static_cast<qlonglong>(s.totalNs);
        case Mean: return s.meanNs;
        case Share: return s.share;
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (index.column()) {
    case Name: return QString::fromStdString(s.name);
    case Category: return QString::fromStdString(s.category);
    case Count: return static_cast<qlonglong>(s.count);
    case Total: return QString::number(static_cast<double>(s.totalNs) / 1e6, 'f', 3);
    case Mean: return QString::number(s.meanNs / 1e6, 'f', 3);
    case Share: return QString::number(s.share * 100.0, 'f', 1) + QStringLiteral(" %");
    }
    return {};
}

QVariant SpanStatsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && section == Share)
        return tr("The name's time within the range over the range's length: a span covering the range is 100 %. Names "
                  "nested in each other, or on parallel tracks (tile workers, CUDA streams), add up to more than 100 %");
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole && (section == Total || section == Mean))
        return tr("Only the part of each span inside the range counts: a span that starts before the range or ends "
                  "after it adds its time in the range, not its whole length");
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Name: return tr("Name");
    case Category: return tr("Category");
    case Count: return tr("Count");
    case Total: return tr("Total in range (ms)");
    case Mean: return tr("Mean in range (ms)");
    case Share: return tr("% of range");
    }
    return {};
}

}  // namespace tsui
