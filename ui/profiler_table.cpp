#include "profiler_table.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>

#include <algorithm>

namespace tsui {

namespace {

// Sorts on Qt::UserRole within kSortGroupRole's groups; the groups keep their order when the
// sort is descending (the proxy reverses lessThan for it, so this reverses them back).
class GroupedSortProxy : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override {
        const QVariant gl = left.data(kSortGroupRole), gr = right.data(kSortGroupRole);
        if (gl.isValid() && gr.isValid() && gl.toInt() != gr.toInt())
            return (sortOrder() == Qt::AscendingOrder) == (gl.toInt() < gr.toInt());
        return QSortFilterProxyModel::lessThan(left, right);
    }
};

QString cellText(QString text) {
    return text.replace(QLatin1Char('\t'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
}

}  // namespace

QTableView* makeProfilerTable(QAbstractItemModel* model, int stretchColumn, int sortColumn, Qt::SortOrder order,
                              QWidget* parent) {
    auto* table = new QTableView(parent);
    auto* sorted = new GroupedSortProxy(table);
    sorted->setSourceModel(model);
    sorted->setSortRole(Qt::UserRole);
    table->setModel(sorted);
    layOutProfilerTable(table, stretchColumn);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    // Enabling sorting sorts at once by the indicator's column: set it first (-1: the
    // model's order, which a proxy keeps when asked to sort by no column).
    table->horizontalHeader()->setSortIndicator(sortColumn, order);
    table->setSortingEnabled(true);
    return table;
}

void layOutProfilerTable(QTableView* table, int stretchColumn) {
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    QHeaderView* header = table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(stretchColumn, QHeaderView::Stretch);
    installTableCopy(table);
}

QString tableAsTsv(const QTableView* view) {
    const QAbstractItemModel* model = view->model();
    if (!model) return {};
    // Columns in their on-screen order, hidden ones left out.
    const QHeaderView* header = view->horizontalHeader();
    QList<int> columns;
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!header->isSectionHidden(logical)) columns << logical;
    }
    QList<int> rows;
    if (view->selectionModel())
        for (const QModelIndex& i : view->selectionModel()->selectedIndexes()) rows << i.row();
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());  // one per row, not per cell
    if (rows.isEmpty())
        for (int r = 0; r < model->rowCount(); ++r) rows << r;

    QStringList lines;
    QStringList cells;
    for (int c : columns) cells << cellText(model->headerData(c, Qt::Horizontal).toString());
    lines << cells.join(QLatin1Char('\t'));
    for (int r : rows) {
        cells.clear();
        for (int c : columns) cells << cellText(model->index(r, c).data().toString());
        lines << cells.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

void installTableCopy(QTableView* view) {
    auto* copy = new QAction(QTableView::tr("Copy as tab-separated text"), view);
    copy->setObjectName(QStringLiteral("copyTable"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    QObject::connect(copy, &QAction::triggered, view,
                     [view] { QGuiApplication::clipboard()->setText(tableAsTsv(view)); });
    view->addAction(copy);
    view->setContextMenuPolicy(Qt::ActionsContextMenu);  // also on the right-click menu
}

}  // namespace tsui
