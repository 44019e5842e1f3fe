#pragma once
// Ctrl+C on a table view copies its selected rows as tab-separated text, the header
// first: what Nsight Systems' and the PyTorch profiler's users paste into a spreadsheet.
// The cells are the displayed text (numbers as shown, in ms or MiB as the header says).
#include <QString>

class QTableView;

namespace tsui {

// The selected rows of `view` (all rows when none is selected) as TSV: a header line, then
// one line per row in the view's order; tabs and newlines inside a cell become spaces.
QString tableAsTsv(const QTableView* view);

// Binds the platform's Copy key to putting tableAsTsv(view) on the clipboard.
void installTableCopy(QTableView* view);

}  // namespace tsui
