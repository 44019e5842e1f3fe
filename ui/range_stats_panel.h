#pragma once
// The Range statistics tab: what a Shift+drag across the timeline selected, per span name
// (count, total and mean time, % of the range), sortable by any column, under a line that
// names the range, or says how to select one while there is none.
#include <QWidget>

class QLabel;
class QTableView;

namespace tsui {

class TimelineView;

class RangeStatsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RangeStatsPanel(TimelineView* timeline, QWidget* parent = nullptr);

    QTableView* table() const { return table_; }
    QString headline() const;
    int nameCount() const;  // rows of the selected range, 0 without one

private:
    void showRange(double fromMs, double toMs);
    void showHint();

    TimelineView* timeline_;
    QLabel* headline_ = nullptr;
    QTableView* table_ = nullptr;
};

}  // namespace tsui
