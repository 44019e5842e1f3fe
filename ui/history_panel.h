#pragma once
// The run history tab: the RunHistoryModel as a table; Delete removes the selected runs,
// selecting exactly two shows their time and memory differences, and Compare asks for
// the full comparison: timelines and frame diff. Reopen (or a double-click) asks to bring
// one run back into the main window's views (off while a decode runs).
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
    // Reopen replaces the main views: the window turns it off while a run is in progress
    // (`why` becomes the button's tooltip). A double-click still asks; the window refuses.
    void setReopenAllowed(bool allowed, const QString& why = QString());
    bool reopenAllowed() const { return reopenAllowed_; }
    // What is not being kept on disk (the history file's problem, from the model, and the
    // run store's: a run's trace and frames not written), above the table until resolved.
    void setStoreProblem(const QString& problem);
    QString problemText() const;

Q_SIGNALS:
    void compareRequested(int olderRow, int newerRow);
    void reopenRequested(int row);

private:
    void onSelection();
    void showProblems();

    RunHistoryModel* model_;
    QTableView* table_ = nullptr;
    QPushButton* delete_ = nullptr;
    QPushButton* compareButton_ = nullptr;
    QPushButton* reopenButton_ = nullptr;
    QLabel* compare_ = nullptr;
    QLabel* problem_ = nullptr;
    QString storeProblem_;
    bool reopenAllowed_ = true;
    QString reopenTip_;
};

}  // namespace tsui
