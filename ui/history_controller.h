#pragma once
// The run history's side of the main window: each finished run becomes a row of the
// RunHistoryModel, a RunArchive entry while it is among the newest few (trace and
// frames in memory, the fast path) and a folder of the RunStore on disk (written off the
// GUI thread, kept across sessions up to the store's limits). The "Run history" tab
// lists the rows; its Compare shows two runs in the "Compare runs" tab, and reopen()
// fetches one run for the main window's own views (RunReopener shows it there). Runs
// come from the archive when it still holds them, else are read back from disk (off the
// GUI thread; the Compare tab says so meanwhile). Deleting a row deletes its folder too.
#include "async_run_store.h"
#include "decode_worker.h"
#include "reopened_run.h"
#include "run_archive.h"
#include "run_history_model.h"

#include "decode/decode_settings.h"
#include "profile/trace_store.h"

#include <QHash>
#include <QImage>
#include <QObject>
#include <QVector>

#include <cstdint>
#include <memory>
#include <optional>

class QTabWidget;

namespace tsui {

class HistoryPanel;
class RunCompareView;

// The history row of a run that just ended.
RunRecord makeRunRecord(const ts::DecodeSettings& settings, const RunOutcome& outcome, const QString& vaeSource,
                        const QString& latents, const QString& memoryBudget, std::int64_t peakBytes);

class HistoryController : public QObject {
    Q_OBJECT
public:
    // Adds the "Run history" and "Compare runs" tabs to `tabs`. The runs' payloads live
    // in storeRoot; "" = a "runs" folder next to the model's file (so the app data
    // folder by default, and a test's temporary folder when its history is there).
    HistoryController(RunHistoryModel* model, QTabWidget* tabs, QObject* parent = nullptr,
                      const QString& storeRoot = QString());

    // Adds `record` as the newest row, keeps the run's trace and frames for comparing and
    // queues them for writing to disk.
    void record(const RunRecord& record, std::shared_ptr<const ts::TraceStore> trace, std::int64_t originNs,
                const QVector<QImage>& frames);
    // Shows rows `olderRow` (A) and `newerRow` (B) in the Compare runs tab and switches
    // to it; false for a row that does not exist. Runs the archive no longer holds are
    // read from disk first: shown() says when the tab has them.
    bool compare(int olderRow, int newerRow);
    // The same for one run alone (B hidden).
    bool showRun(int row);
    // History > Reopen: fetches row `row`'s run for the main window; reopened() brings it,
    // at once when the archive holds it, else once read from disk. A reopen still
    // loading is replaced by the next one. False for a row that does not exist.
    bool reopen(int row);
    bool isLoading() const { return pendingCompare_.has_value() || pendingReopen_.has_value(); }
    bool isReopening() const { return pendingReopen_.has_value(); }  // a reopen waits for the disk

    HistoryPanel* panel() const { return panel_; }
    RunCompareView* compareView() const { return compareView_; }
    const RunArchive& archive() const { return archive_; }
    AsyncRunStore* runStore() const { return store_; }

Q_SIGNALS:
    // The Compare runs tab shows what the last compare()/showRun() asked for.
    void shown();
    // What the last reopen() asked for: the row, its trace and frames or why not.
    void reopened(const tsui::ReopenedRun& run);

private:
    struct Side {
        ReopenedRun run;  // the row, and its data from the archive or the disk, or why not
        bool loading = false;
    };
    struct Request {
        std::vector<Side> sides;  // A (and B); one for a reopen
        bool loading() const;
    };
    Request request(std::vector<RunRecord> records);  // starts the disk reads it needs
    void compareRecords(std::vector<RunRecord> records);
    void onLoaded(const QString& id, const LoadedRun& loaded);
    void show(const Request& r);

    RunHistoryModel* model_;
    QTabWidget* tabs_;
    HistoryPanel* panel_ = nullptr;
    RunCompareView* compareView_ = nullptr;
    RunArchive archive_;
    AsyncRunStore* store_ = nullptr;
    std::optional<Request> pendingCompare_;  // waiting for disk reads
    std::optional<Request> pendingReopen_;
    QHash<QString, QString> saveErrors_;  // runs whose payload could not be written, and why
    QStringList shownIds_;                // the runs the Compare runs tab shows
};

}  // namespace tsui
