#include "history_controller.h"

#include "history_panel.h"
#include "run_compare_view.h"

#include "model/graph_options.h"

#include <QFileInfo>
#include <QTabWidget>

#include <algorithm>

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
    if (!r.onCuda() && peakBytes > 0 && outcome.rssAtDecodeStartBytes > 0)
        r.peakAddedBytes = std::max<std::int64_t>(0, peakBytes - outcome.rssAtDecodeStartBytes);
    // Kept only where it differs from the request (the budget's choice), so the settings
    // text says so.
    const bool sameTiling = outcome.tilingRun == r.tiling && (r.tiling == QLatin1String("off") || outcome.tilePxRun == r.tilePx);
    if (!outcome.tilingRun.isEmpty() && !sameTiling) {
        r.tilingRun = outcome.tilingRun;
        r.tilePxRun = outcome.tilePxRun;
    }
    return r;
}

HistoryController::HistoryController(RunHistoryModel* model, QTabWidget* tabs, QObject* parent, const QString& storeRoot)
    : QObject(parent), model_(model), tabs_(tabs) {
    panel_ = new HistoryPanel(model_);
    compareView_ = new RunCompareView;
    compareView_->setObjectName(QStringLiteral("runCompareView"));
    tabs_->addTab(panel_, tr("Run history"));
    tabs_->addTab(compareView_, tr("Compare runs"));
    store_ = new AsyncRunStore(RunStore(storeRoot.isEmpty() ? QFileInfo(model_->file()).absolutePath() + QStringLiteral("/runs")
                                                            : storeRoot),
                               this);
    connect(panel_, &HistoryPanel::compareRequested, this, &HistoryController::compare);
    connect(store_, &AsyncRunStore::loaded, this, &HistoryController::onLoaded);
    connect(store_, &AsyncRunStore::saved, this, [this](const QString& id, const QString& error) {
        if (error.isEmpty()) {
            panel_->setStoreProblem(QString());  // the store writes again
            return;
        }
        qWarning("tilescope: run %s not kept on disk: %s", qPrintable(id), qPrintable(error));
        saveErrors_.insert(id, tr("its trace and frames could not be written to disk: %1").arg(error));
        panel_->setStoreProblem(tr("The last run's trace and frames could not be written to disk, so later sessions "
                                   "cannot reopen it: %1").arg(error));
    });
    // A deleted run's trace and frames go with its row, in memory and on disk.
    connect(model_, &QAbstractItemModel::rowsAboutToBeRemoved, this, [this](const QModelIndex&, int first, int last) {
        bool shown = false;
        for (int row = first; row <= last; ++row) {
            const QString id = model_->record(row).id;
            archive_.remove(id);
            store_->remove(id);
            shown = shown || shownIds_.contains(id);
        }
        // Compare runs must not go on showing a run that no longer exists.
        if (shown) {
            shownIds_.clear();
            compareView_->clearBecause(tr("A run shown here was deleted from Run history."));
        }
    });
}

void HistoryController::record(const RunRecord& record, std::shared_ptr<const ts::TraceStore> trace,
                               std::int64_t originNs, const QVector<QImage>& frames) {
    model_->add(record);
    // A copy of the run's trace: its own store is shared with the live timeline and the
    // exporter, which let go of it when the next run starts; the archive's copy is what
    // RunArchive's limits bound instead.
    ArchivedRun run{model_->record(0).id, trace ? trace->clone() : nullptr, originNs, frames};
    archive_.keep(run);
    // The same (shared, immutable) trace copy and frames: writing costs no extra memory.
    store_->save(std::move(run));
}

bool HistoryController::compare(int olderRow, int newerRow) {
    if (olderRow < 0 || newerRow < 0 || olderRow >= model_->rowCount() || newerRow >= model_->rowCount()) return false;
    compareRecords({model_->record(olderRow), model_->record(newerRow)});
    return true;
}

bool HistoryController::showRun(int row) {
    if (row < 0 || row >= model_->rowCount()) return false;
    compareRecords({model_->record(row)});
    return true;
}

bool HistoryController::reopen(int row) {
    if (row < 0 || row >= model_->rowCount()) return false;
    Request r = request({model_->record(row)});
    if (r.loading()) {
        pendingReopen_ = std::move(r);
        return true;
    }
    pendingReopen_.reset();
    Q_EMIT reopened(r.sides[0].run);
    return true;
}

bool HistoryController::Request::loading() const {
    return std::any_of(sides.begin(), sides.end(), [](const Side& s) { return s.loading; });
}

HistoryController::Request HistoryController::request(std::vector<RunRecord> records) {
    Request r;
    for (RunRecord& rec : records) {
        Side side;
        ReopenedRun& run = side.run;
        run.record = std::move(rec);
        const ArchivedRun* kept = archive_.find(run.record.id);
        // The archive releases old runs' frames to stay in its budget: such a run is
        // read from disk, where its frames are.
        if (kept && (!kept->frames.isEmpty() || run.record.frames == 0)) {
            run.run = *kept;
        } else if (run.record.id.isEmpty()) {
            run.missing = tr("recorded by an older TileScope, which kept the numbers of a run only");
        } else if (saveErrors_.contains(run.record.id)) {
            if (kept) run.run = *kept;
            run.missing = saveErrors_.value(run.record.id);
        } else {
            side.loading = true;
            store_->load(run.record.id);
        }
        r.sides.push_back(std::move(side));
    }
    return r;
}

void HistoryController::compareRecords(std::vector<RunRecord> records) {
    Request r = request(std::move(records));
    tabs_->setCurrentWidget(compareView_);
    if (!r.loading()) {
        pendingCompare_.reset();
        show(r);
        return;
    }
    pendingCompare_ = std::move(r);
    const auto& sides = pendingCompare_->sides;
    compareView_->showLoading(sides[0].run.record, sides.size() > 1 ? &sides[1].run.record : nullptr);
}

void HistoryController::onLoaded(const QString& id, const LoadedRun& loaded) {
    if (loaded.ok()) archive_.keep(loaded.run);  // the next compare of it is instant
    for (std::optional<Request>* pending : {&pendingCompare_, &pendingReopen_}) {
        if (!*pending) continue;
        for (Side& side : (*pending)->sides) {
            if (!side.loading || side.run.record.id != id) continue;
            side.loading = false;
            if (loaded.ok()) {
                side.run.run = loaded.run;
            } else {
                // What the archive still has (a trace without frames) beats nothing.
                if (const ArchivedRun* kept = archive_.find(id)) side.run.run = *kept;
                side.run.missing = loaded.error;
            }
        }
    }
    if (pendingCompare_ && !pendingCompare_->loading()) {
        const Request r = std::move(*pendingCompare_);
        pendingCompare_.reset();
        show(r);
    }
    if (pendingReopen_ && !pendingReopen_->loading()) {
        const ReopenedRun run = std::move(pendingReopen_->sides[0].run);
        pendingReopen_.reset();
        Q_EMIT reopened(run);
    }
}

void HistoryController::show(const Request& r) {
    shownIds_.clear();
    for (const Side& s : r.sides) shownIds_ << s.run.record.id;
    const auto run = [](const Side& s) { return s.run.run ? &*s.run.run : nullptr; };
    const ReopenedRun& a = r.sides[0].run;
    if (r.sides.size() == 1) {
        compareView_->setRun(a.record, run(r.sides[0]), a.missing);
    } else {
        const ReopenedRun& b = r.sides[1].run;
        compareView_->setRuns(a.record, run(r.sides[0]), b.record, run(r.sides[1]), a.missing, b.missing);
    }
    tabs_->setCurrentWidget(compareView_);
    Q_EMIT shown();
}

}  // namespace tsui
