#pragma once
// The run history tab: the RunHistoryModel as a table; Delete removes the selected runs,
// selecting exactly two shows their time and memory differences, and Compare asks for
// the full comparison: timelines and frame diff. Reopen (or a double-click) asks to show
// one run's timeline and frames again.
#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;

namespace tsui {

class RunHistoryModel;

class HistoryPanel : public QWidget {
    Q_OBJECT
public:
    HistoryPanel(RunHistoryModel* model, QWidget* parent = nullptr);
    QTableView* table() const { return table_; }
    QString comparison() const;  // the text shown for two selected runs, else ""
    void deleteSelected();
    // Emits compareRequested for the two selected runs; false unless exactly two are.
    bool requestCompare();
    // Emits reopenRequested for the selected run; false unless exactly one is.
    bool requestReopen();

Q_SIGNALS:
    void compareRequested(int olderRow, int newerRow);
    void reopenRequested(int row);

private:
    void onSelection();

    RunHistoryModel* model_;
    QTableView* table_ = nullptr;
    QPushButton* delete_ = nullptr;
    QPushButton* compareButton_ = nullptr;
    QPushButton* reopenButton_ = nullptr;
    QLabel* compare_ = nullptr;
};

}  // namespace tsui
