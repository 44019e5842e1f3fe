#include "history_panel.h"

#include "problem_label.h"
#include "profiler_table.h"
#include "run_history_model.h"

#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace tsui {

HistoryPanel::HistoryPanel(RunHistoryModel* model, QWidget* parent) : QWidget(parent), model_(model) {
    auto* layout = new QVBoxLayout(this);
    problem_ = makeProblemLabel(QStringLiteral("historyProblem"), this);
    layout->addWidget(problem_);
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("historyTable"));
    table_->setModel(model_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    // The --opt list (the longest, its tooltip has all of it) takes what is left.
    layOutProfilerTable(table_, RunHistoryModel::Options);
    table_->setToolTip(tr("Every finished run. Select two (Ctrl+click) to compare them; Ctrl+C copies the selected rows as tab-separated text."));
    layout->addWidget(table_, 1);
    auto* bar = new QHBoxLayout;
    delete_ = new QPushButton(tr("Delete"), this);
    delete_->setObjectName(QStringLiteral("historyDelete"));
    delete_->setShortcut(QKeySequence::Delete);
    delete_->setEnabled(false);
    compare_ = new QLabel(tr("Select two runs to compare them."), this);
    compare_->setObjectName(QStringLiteral("historyCompare"));
    compare_->setWordWrap(true);
    compare_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    compareButton_ = new QPushButton(tr("Compare"), this);
    compareButton_->setObjectName(QStringLiteral("historyCompareButton"));
    compareButton_->setEnabled(false);
    compareButton_->setToolTip(tr("Open the two selected runs in Compare runs: both timelines one above the other "
                                  "and the frame difference |A − B| (A is the older run)"));
    reopenButton_ = new QPushButton(tr("Reopen"), this);
    reopenButton_->setObjectName(QStringLiteral("historyReopenButton"));
    reopenButton_->setEnabled(false);
    reopenTip_ = tr("Bring the selected run back into the main window (also a double-click): its frames with "
                    "its tile grid, timeline, memory graph, numbers and File > Export, its settings shown "
                    "read-only; runs of earlier sessions are read back from disk");
    reopenButton_->setToolTip(reopenTip_);
    bar->addWidget(delete_);
    bar->addWidget(reopenButton_);
    bar->addWidget(compareButton_);
    bar->addWidget(compare_, 1);
    layout->addLayout(bar);
    connect(delete_, &QPushButton::clicked, this, &HistoryPanel::deleteSelected);
    connect(compareButton_, &QPushButton::clicked, this, &HistoryPanel::requestCompare);
    connect(reopenButton_, &QPushButton::clicked, this, &HistoryPanel::requestReopen);
    connect(table_, &QTableView::doubleClicked, this, [this](const QModelIndex& i) { Q_EMIT reopenRequested(i.row()); });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryPanel::onSelection);
    connect(model_, &QAbstractItemModel::modelReset, this, &HistoryPanel::onSelection);
    connect(model_, &QAbstractItemModel::rowsInserted, this, &HistoryPanel::onSelection);
    connect(model_, &QAbstractItemModel::rowsRemoved, this, &HistoryPanel::onSelection);
    connect(model_, &RunHistoryModel::lastErrorChanged, this, &HistoryPanel::showProblems);
    showProblems();
}

void HistoryPanel::setStoreProblem(const QString& problem) {
    storeProblem_ = problem;
    showProblems();
}

QString HistoryPanel::problemText() const {
    return problem_->text();
}

void HistoryPanel::showProblems() {
    QStringList lines;
    if (!model_->lastError().isEmpty()) lines << model_->lastError();
    if (!storeProblem_.isEmpty()) lines << storeProblem_;
    problem_->setText(lines.join(QLatin1Char('\n')));
    problem_->setVisible(!lines.isEmpty());
}

QString HistoryPanel::comparison() const {
    QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.size() != 2) return {};
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() > b.row(); });
    // Older run (larger row: the newest is on top) is A.
    return compareRuns(model_->record(rows[0].row()), model_->record(rows[1].row()));
}

void HistoryPanel::onSelection() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    delete_->setEnabled(!rows.isEmpty());
    compareButton_->setEnabled(rows.size() == 2);
    reopenButton_->setEnabled(rows.size() == 1 && reopenAllowed_);
    if (rows.size() == 2)
        compare_->setText(comparison());
    else if (model_->rowCount() == 0)
        compare_->setText(tr("No runs yet: every finished run is listed here, this session's and earlier ones'."));
    else
        compare_->setText(tr("Select two runs to compare them."));
}

bool HistoryPanel::requestCompare() {
    QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.size() != 2) return false;
    // The newest run is on top: the larger row is the older run, A.
    const int older = std::max(rows[0].row(), rows[1].row()), newer = std::min(rows[0].row(), rows[1].row());
    Q_EMIT compareRequested(older, newer);
    return true;
}

void HistoryPanel::setReopenAllowed(bool allowed, const QString& why) {
    reopenAllowed_ = allowed;
    reopenButton_->setToolTip(allowed || why.isEmpty() ? reopenTip_ : why);
    onSelection();
}

bool HistoryPanel::requestReopen() {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.size() != 1 || !reopenAllowed_) return false;
    Q_EMIT reopenRequested(rows[0].row());
    return true;
}

void HistoryPanel::deleteSelected() {
    QModelIndexList rows = table_->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() > b.row(); });
    for (const QModelIndex& r : rows) model_->removeRows(r.row(), 1);
}

}  // namespace tsui
