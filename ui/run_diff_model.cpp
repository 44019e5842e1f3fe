#include "run_diff_model.h"

#include "memory_view.h"
#include "profiler_table.h"

#include "profile/trace_store.h"
#include "report/run_summary.h"
#include "report/summary_diff.h"

#include <nlohmann/json.hpp>

#include <QPromise>
#include <QThreadPool>

#include <cmath>
#include <limits>

namespace tsui {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

nlohmann::json summaryOf(const std::shared_ptr<const ts::TraceStore>& store) {
    const ts::TraceStore::Snapshot snapshot = store ? store->snapshot() : ts::TraceStore::Snapshot{};
    return ts::summarizeRun(snapshot, nlohmann::json::object());
}

QString valueText(const RunDiffRow& r, double v, bool sign) {
    const QString plus = sign && v >= 0 ? QStringLiteral("+") : QString();
    if (r.kind == QLatin1String("memory")) return plus + QString::number(v / kMiB, 'f', 1) + QStringLiteral(" MiB");
    // Three significant digits or so: the table is narrow and these are timings, not ids.
    if (std::abs(v) >= 1.0) return plus + QString::number(v, 'f', 2) + QStringLiteral(" s");
    const double ms = v * 1e3;
    const int decimals = std::abs(ms) >= 10 ? 1 : std::abs(ms) >= 1 ? 2 : 3;
    return plus + QString::number(ms, 'f', decimals) + QStringLiteral(" ms");
}

}  // namespace

std::vector<RunDiffRow> runDiffRows(const nlohmann::json& diff) {
    std::vector<RunDiffRow> rows;
    // Memory first: a handful of rows that would sit under dozens of ops.
    for (const char* section : {"memory", "time"}) {
        if (!diff.contains(section) || !diff[section].is_array()) continue;
        for (const nlohmann::json& r : diff[section]) {
            RunDiffRow row;
            row.kind = QString::fromStdString(r.value("kind", std::string()));
            row.name = QString::fromStdString(r.value("name", std::string()));
            if (row.kind == QLatin1String("memory")) row.name = counterLabel(row.name.toStdString());  // as the graph names it
            row.a = r.value("a", 0.0);
            row.b = r.value("b", 0.0);
            row.isNew = !r.contains("change_pct") || !r["change_pct"].is_number();
            row.changePct = row.isNew ? 0.0 : r["change_pct"].get<double>();
            rows.push_back(row);
        }
    }
    return rows;
}

QFuture<std::vector<RunDiffRow>> diffTracesInBackground(std::shared_ptr<const ts::TraceStore> a,
                                                        std::shared_ptr<const ts::TraceStore> b) {
    auto promise = std::make_shared<QPromise<std::vector<RunDiffRow>>>();
    QFuture<std::vector<RunDiffRow>> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, a, b] {
        std::vector<RunDiffRow> rows;
        try {
            if (!promise->isCanceled()) rows = runDiffRows(ts::diffSummaries(summaryOf(a), summaryOf(b)));
        } catch (const std::exception&) {
            rows.clear();  // a trace the summary cannot read: no table, the timelines still show it
        }
        promise->addResult(rows);
        promise->finish();
    });
    return future;
}

void RunDiffModel::setRows(std::vector<RunDiffRow> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

int RunDiffModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int RunDiffModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunDiffModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const RunDiffRow& r = rows_[static_cast<std::size_t>(index.row())];
    if (role == Qt::TextAlignmentRole)
        return index.column() >= A ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    // Seconds and bytes in one column: a sort keeps the time rows and the memory rows apart.
    if (role == kSortGroupRole && index.column() >= A && index.column() <= Change) return r.kind == QLatin1String("memory") ? 1 : 0;
    if (role == Qt::UserRole) {
        switch (index.column()) {
        case Kind: return r.kind;
        case Name: return r.name;
        case A: return r.a;
        case B: return r.b;
        case Change: return r.change();
        case ChangePct: return r.isNew ? QVariant(std::numeric_limits<double>::infinity()) : QVariant(r.changePct);
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (index.column()) {
    case Kind: return r.kind;
    case Name: return r.name;
    case A: return valueText(r, r.a, false);
    case B: return valueText(r, r.b, false);
    case Change: return valueText(r, r.change(), true);
    case ChangePct:
        return r.isNew ? tr("new") : QStringLiteral("%1%2 %").arg(r.changePct >= 0 ? QStringLiteral("+") : QString())
                                         .arg(r.changePct, 0, 'f', std::abs(r.changePct) >= 100 ? 0 : 1);
    }
    return {};
}

QVariant RunDiffModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation == Qt::Horizontal && role == Qt::ToolTipRole) {
        switch (section) {
        case A: case B: return tr("Stages: total time; ops: self time (without the ops they call); memory: the counter's peak");
        case Change: return tr("B − A: negative is faster or smaller");
        default: return {};
        }
    }
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Kind: return tr("Kind");
    case Name: return tr("Name");
    case A: return tr("A");
    case B: return tr("B");
    case Change: return tr("Change");
    case ChangePct: return tr("Change %");
    }
    return {};
}

}  // namespace tsui
