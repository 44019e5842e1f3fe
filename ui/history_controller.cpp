#include "history_controller.h"

#include "history_panel.h"
#include "run_compare_view.h"

#include "model/graph_options.h"

#include <QTabWidget>

namespace tsui {

RunRecord makeRunRecord(const ts::DecodeSettings& settings, const RunOutcome& outcome, const QString& vaeSource,
                        const QString& latents, const QString& memoryBudget, std::int64_t peakBytes) {
    RunRecord r;
    r.finishedAt = QDateTime::currentDateTimeUtc();
    r.vaeSource = vaeSource;
    r.latents = latents;
    r.device = QString::fromStdString(settings.device);
    r.precision = QString::fromStdString(ts::toString(settings.precision));
    r.tiling = QString::fromStdString(ts::toString(settings.tiling));
    r.tilePx = settings.tilePx;
    r.overlapPx = settings.overlapPx;
    r.streams = settings.streams;
    r.threads = settings.threads;
    r.memoryBudget = memoryBudget;
    r.graphOptions = QString::fromStdString(ts::toString(settings.graph));
    r.status = outcome.status == RunOutcome::Status::Done        ? QStringLiteral("done")
               : outcome.status == RunOutcome::Status::Cancelled ? QStringLiteral("cancelled")
                                                                 : QStringLiteral("failed");
    r.frames = outcome.frames;
    r.wallSeconds = outcome.wallSeconds;
    r.decodeSeconds = outcome.decodeSeconds;
    r.macs = outcome.macs;
    r.peakBytes = peakBytes;
    return r;
}

HistoryController::HistoryController(RunHistoryModel* model, QTabWidget* tabs, QObject* parent)
    : QObject(parent), model_(model), tabs_(tabs) {
    panel_ = new HistoryPanel(model_);
    compareView_ = new RunCompareView;
    compareView_->setObjectName(QStringLiteral("runCompareView"));
    tabs_->addTab(panel_, tr("Run history"));
    tabs_->addTab(compareView_, tr("Compare runs"));
    connect(panel_, &HistoryPanel::compareRequested, this, &HistoryController::compare);
    // A deleted run's trace and frames go with its row.
    connect(model_, &QAbstractItemModel::rowsAboutToBeRemoved, this, [this](const QModelIndex&, int first, int last) {
        for (int row = first; row <= last; ++row) archive_.remove(model_->record(row).id);
    });
}

void HistoryController::record(const RunRecord& record, std::shared_ptr<const ts::TraceStore> trace,
                               std::int64_t originNs, const QVector<QImage>& frames) {
    model_->add(record);
    archive_.keep({model_->record(0).id, trace ? copyTrace(*trace) : nullptr, originNs, frames});
}

bool HistoryController::compare(int olderRow, int newerRow) {
    if (olderRow < 0 || newerRow < 0 || olderRow >= model_->rowCount() || newerRow >= model_->rowCount()) return false;
    const RunRecord& a = model_->record(olderRow);
    const RunRecord& b = model_->record(newerRow);
    compareView_->setRuns(a, archive_.find(a.id), b, archive_.find(b.id));
    tabs_->setCurrentWidget(compareView_);
    return true;
}

}  // namespace tsui
