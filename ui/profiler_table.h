#pragma once
// The tables of a profiler's views (Range statistics, Compare runs' per-stage diff, Run
// history): one line per row, dense, columns as wide as their contents and one stretched,
// sortable by any column on the model's raw numbers (Qt::UserRole, so "10.5" sorts after
// "9.8"; rows that give Qt::UserRole + 1, kSortGroupRole, sort within their group, the groups
// in a fixed order whichever way the column sorts), and Ctrl+C copying the selected rows as tab-separated text with the header, what
// Nsight Systems' and the PyTorch profiler's users paste into a spreadsheet.
#include <QString>
#include <Qt>

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace tsui {

// A cell's sort group (an int): a sorted column keeps rows of one group together, lowest
// group first, e.g. times apart from byte counts in one column. Cells without it sort as one group.
constexpr int kSortGroupRole = Qt::UserRole + 1;

// One line per row, no row numbers, columns as wide as their contents but `stretchColumn`,
// which takes what is left, and Ctrl+C (installTableCopy): what every profiler table here
// has, the Run history's too (its rows are the model's, so it has no sorting proxy).
void layOutProfilerTable(QTableView* table, int stretchColumn);

// A table over `model` through a sorting proxy, laid out as above with dense rows. sortColumn -1 keeps the model's own order
// until a header is clicked.
QTableView* makeProfilerTable(QAbstractItemModel* model, int stretchColumn, int sortColumn, Qt::SortOrder order,
                              QWidget* parent = nullptr);

// The selected rows of `view` (all rows when none is selected) as TSV: a header line, then
// one line per row in the view's order; tabs and newlines inside a cell become spaces.
// The cells are the displayed text (numbers as shown, in the units the header names).
QString tableAsTsv(const QTableView* view);

// Binds the platform's Copy key (and the right-click menu) to putting tableAsTsv(view) on
// the clipboard.
void installTableCopy(QTableView* view);

}  // namespace tsui
